/**
 * Checks a data directory without changing it: the conservation ledger the write-ahead log
 * replays to, beside what the audit trail (`events.jsonl`) says happened to each task. For
 * tests, crash tests and operators who want to know that the two agree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type EngineOptions, type TaskCounts } from '../engine/engine.js';
import { ManualClock } from './clock.js';
import { createLiveDriver } from './driver.js';
import { EVENTS_FILE, WAL_FILE } from './durableDriver.js';
import { LineReader } from './lineReader.js';
import { readWalFile } from './wal.js';

/** Final states, as the events file names them. */
const FINAL_STATES = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'] as const;

/** What {@link verifyDataDir} found. */
export interface DataDirReport {
  /** Inputs in the log (its torn last line, if any, left out). */
  readonly inputs: number;
  /** The torn last line of the log, if any (1-based). */
  readonly tornWalLine?: number;
  /** The ledger the log replays to. */
  readonly ledger: Readonly<TaskCounts>;
  /** What events.jsonl holds. */
  readonly events: {
    /** Complete lines (a torn last line is left out). */
    readonly lines: number;
    /** `submitted` events. */
    readonly submitted: number;
    /** Tasks that entered each final state. */
    readonly finals: Readonly<Record<(typeof FINAL_STATES)[number], number>>;
    /** Tasks that entered a final state more than once (must be empty). */
    readonly settledTwice: readonly string[];
    /** Tasks that completed more than once (must be empty). */
    readonly completedTwice: readonly string[];
  };
  /** Whether the events file's counts equal the log's ledger, state by state. */
  readonly consistent: boolean;
}

/**
 * Replays the log of `dataDir` into a fresh engine built with `engine(0)` (a connector that
 * is never called, a manual clock) and counts the events file. Throws an InputError for a
 * corrupt log line, as recovery would. Run it on a directory no process has open.
 */
export function verifyDataDir(dataDir: string, engine: (generation: number) => EngineOptions): DataDirReport {
  const walPath = join(dataDir, WAL_FILE);
  const replayed = createEngine({ ...engine(0), events: undefined });
  const driver = createLiveDriver({
    engine: replayed, clock: new ManualClock(), recovering: true,
    connector: { start: () => Promise.reject(new Error('verifyDataDir delivers nothing')) },
  });
  const contents = readWalFile(walPath, walPath, (entry) => driver.replay(entry.input));
  driver.detach();
  const ledger = replayed.counts();

  const finals = { completed: 0, 'dead-lettered': 0, expired: 0, cancelled: 0, rejected: 0 };
  const settled = new Set<string>();
  const settledTwice: string[] = [];
  const completed = new Set<string>();
  const completedTwice: string[] = [];
  let lines = 0;
  let submitted = 0;
  const eventsPath = join(dataDir, EVENTS_FILE);
  if (existsSync(eventsPath)) {
    const reader = new LineReader(eventsPath);
    for (let line = reader.next(); line !== undefined && line.terminated; line = reader.next()) {
      lines++;
      const event = JSON.parse(line.text) as { kind: string; task?: string; to?: string };
      if (event.kind === 'submitted') submitted++;
      if (event.kind !== 'transition' || !(FINAL_STATES as readonly string[]).includes(event.to!)) continue;
      finals[event.to as keyof typeof finals]++;
      if (settled.has(event.task!)) settledTwice.push(event.task!);
      settled.add(event.task!);
      if (event.to === 'completed') {
        if (completed.has(event.task!)) completedTwice.push(event.task!);
        completed.add(event.task!);
      }
    }
    reader.close();
  }
  const consistent = submitted === ledger.submitted && ledger.completed === finals.completed && ledger.deadLettered === finals['dead-lettered']
    && ledger.expired === finals.expired && ledger.cancelled === finals.cancelled && ledger.rejected === finals.rejected;
  return {
    inputs: contents.lastSeq,
    ...(contents.tornLine === undefined ? {} : { tornWalLine: contents.tornLine.number }),
    ledger,
    events: { lines, submitted, finals, settledTwice, completedTwice },
    consistent,
  };
}
