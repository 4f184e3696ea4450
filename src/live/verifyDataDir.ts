/**
 * Checks a data directory without changing it: the conservation ledger the write-ahead log
 * replays to, beside what the audit trail (`events.jsonl`) says happened to each task. For
 * tests, crash tests and operators who want to know that the two agree.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type EngineOptions, type TaskCounts } from '../engine/engine.js';
import { restoreEngine } from '../engine/snapshot.js';
import type { EngineSnapshot } from '../engine/snapshotFormat.js';
import { ManualClock } from './clock.js';
import { EVENTS_FILE, replayLog, restoreProvisions } from './dataDir.js';
import { createLiveDriver, type LiveDriver } from './driver.js';
import { LineReader } from './lineReader.js';

/** Final states, as the events file names them. */
const FINAL_STATES = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'] as const;

/** What {@link verifyDataDir} found. */
export interface DataDirReport {
  /** The last input in the log (its torn last line, if any, left out). */
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
 * Replays the log of `dataDir` as recovery does (newest snapshot, then the log after it, engine
 * generations switched where the log says; a connector that is never called, a manual clock;
 * `engine(generation)` without its events sink) and counts the events file. Throws an InputError for a
 * corrupt log line, as recovery would. Run it on a directory no process has open.
 */
export function verifyDataDir(dataDir: string, engine: (generation: number) => EngineOptions): DataDirReport {
  const options = (generation: number): EngineOptions => ({ ...engine(generation), events: undefined });
  let driver: LiveDriver | undefined;
  const contents = replayLog(dataDir, {
    start: (snapshot) => {
      driver = createLiveDriver({
        engine: snapshot === undefined ? createEngine(options(0)) : restoreEngine(options(snapshot.generation), snapshot.engine),
        clock: new ManualClock(), recovering: true,
        connector: { start: () => Promise.reject(new Error('verifyDataDir delivers nothing')) },
      });
      if (snapshot !== undefined) restoreProvisions(dataDir, snapshot, (provisions) => driver!.restored(provisions));
    },
    switchTo: (generation) => driver!.replaceEngine(restoreEngine(options(generation), JSON.parse(JSON.stringify(driver!.engine.snapshot())) as EngineSnapshot)),
    entry: (entry) => driver!.replay(entry.input),
  });
  driver!.detach();
  const ledger = driver!.engine.counts();

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
    ...(contents.tornLine === undefined ? {} : { tornWalLine: contents.tornLine }),
    ledger,
    events: { lines, submitted, finals, settledTwice, completedTwice },
    consistent,
  };
}
