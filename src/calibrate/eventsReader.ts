/**
 * Reads a fleetsim events file for calibration: the log of `fleetsim run --events` (every line
 * tagged with `strategy` and `replication`, several runs one after another) or the
 * `events.jsonl` of a `fleetsim serve` data directory (one run, untagged). Lines are streamed
 * and checked one by one; the events of one run (the first, or the one chosen) are handed on.
 */
import { existsSync, statSync } from 'node:fs';
import { LineReader } from '../live/lineReader.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';

/** Which run of a multi-run log to fit (both undefined: the first in the file). */
export interface RunChoice {
  readonly strategy?: string;
  readonly replication?: number;
}

/** One run the file holds. */
export interface RunKey {
  /** Strategy label; null for a serve data directory's log. */
  readonly strategy: string | null;
  readonly replication: number | null;
}

/** An event as the file holds it: plain data with a numeric `time` and a `kind`. */
export type EventLine = Readonly<Record<string, unknown>> & { readonly time: number; readonly kind: string };

/** Every event kind src/engine/eventRecord.ts writes. */
const EVENT_KINDS = new Set([
  'submitted', 'transition', 'agentJoined', 'agentLeft', 'prewarm', 'staleResult', 'offerMade', 'offerAnswered',
  'duplicateClaim', 'agentDraining', 'scaled', 'admin',
]);

/** What reading found: the runs present and how many events of the chosen one were handed on. */
export interface ReadSummary {
  readonly runs: readonly RunKey[];
  readonly chosen: RunKey;
  readonly events: number;
}

/**
 * Streams `file`, handing each event of the chosen run to `onEvent` with its line number.
 * @throws InputError naming the file (and the line) when it is missing, not an events file,
 *   has a malformed or truncated line, or lacks the run asked for
 */
export function readEvents(file: string, choice: RunChoice, onEvent: (event: EventLine, line: number) => void): ReadSummary {
  openable(file);
  const reader = new LineReader(file);
  const runs = new Map<string, RunKey>();
  let chosen: RunKey | undefined;
  let events = 0;
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      if (line.text.trim() === '') continue;
      const event = parseLine(file, line.number, line.text, line.terminated);
      const key = runKeyOf(file, line.number, event);
      const id = `${key.strategy ?? ''}\u0000${key.replication ?? ''}`;
      if (!runs.has(id)) runs.set(id, key);
      if (chosen === undefined && matches(key, choice)) chosen = key;
      if (chosen !== undefined && chosen.strategy === key.strategy && chosen.replication === key.replication) {
        onEvent(event, line.number);
        events++;
      }
    }
  } finally {
    reader.close();
  }
  if (runs.size === 0) throw new InputError(file, '', 'empty: expected a fleetsim events file (one JSON event a line, from run --events or a serve data directory)');
  if (chosen === undefined) {
    const listed = [...runs.values()].slice(0, 12).map((run) => `${run.strategy ?? '(serve)'}#${run.replication ?? 0}`).join(', ');
    throw new InputError(file, choice.strategy !== undefined ? '--strategy' : '--replication', `no run matches; the file holds ${listed}`);
  }
  return { runs: [...runs.values()], chosen, events };
}

/** Fails early, naming the file, when it cannot be read at all. */
function openable(file: string): void {
  if (!existsSync(file)) throw new InputError(file, '', 'cannot read the events file (ENOENT: no such file or directory)');
  try {
    if (statSync(file).isDirectory()) throw new InputError(file, '', 'is a directory: expected an events file (a serve data directory holds events.jsonl)');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, '', `cannot read the events file (${systemErrorReason(error)})`);
  }
}

function parseLine(file: string, number: number, text: string, terminated: boolean): EventLine {
  const at = `line ${number}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const why = terminated ? 'not JSON' : 'truncated (the last line is not complete JSON)';
    throw new InputError(file, at, `${why}: expected one event object a line, as fleetsim run --events or serve write`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(file, at, 'expected a JSON object (one event a line)');
  const record = value as Record<string, unknown>;
  if (typeof record.time !== 'number' || !Number.isFinite(record.time)) throw new InputError(file, `${at}: time`, 'expected a finite number (seconds)');
  if (typeof record.kind !== 'string' || !EVENT_KINDS.has(record.kind)) {
    throw new InputError(file, `${at}: kind`, `expected an engine event kind (${[...EVENT_KINDS].join(', ')}), got ${JSON.stringify(record.kind)}`);
  }
  return record as EventLine;
}

function runKeyOf(file: string, number: number, event: EventLine): RunKey {
  const { strategy, replication } = event;
  if (strategy === undefined && replication === undefined) return { strategy: null, replication: null };
  if (typeof strategy !== 'string') throw new InputError(file, `line ${number}: strategy`, 'expected a string (the strategy label run --events writes)');
  if (typeof replication !== 'number' || !Number.isInteger(replication)) throw new InputError(file, `line ${number}: replication`, 'expected an integer');
  return { strategy, replication };
}

function matches(key: RunKey, choice: RunChoice): boolean {
  if (choice.strategy !== undefined && key.strategy !== choice.strategy) return false;
  if (choice.replication !== undefined && key.replication !== choice.replication) return false;
  return true;
}
