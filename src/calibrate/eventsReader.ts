/**
 * Reads a fleetsim events file for calibration: the log of `fleetsim run --events` (every line
 * tagged with `strategy` and `replication`, several runs one after another) or the
 * `events.jsonl` of a `fleetsim serve` data directory (one run, untagged). Lines are streamed
 * and checked one by one; the events of the runs chosen (see {@link RunChoice}) are handed on.
 */
import { withoutByteOrderMark } from '../byteOrderMark.js';
import { existsSync, statSync } from 'node:fs';
import { LineReader } from '../live/lineReader.js';
import { fileError, lineLimit, rowError } from '../traces/rowError.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';

/**
 * Which runs of a multi-run log to fit: every replication of one strategy (the first in the
 * file unless `strategy` is given), or only replication `replication`. Replications are
 * independent (their own random streams), so they pool; strategies share common random numbers,
 * so they never do.
 */
export interface RunChoice {
  /** Strategy label whose runs to fit (default: the first in the file). */
  readonly strategy?: string;
  /** The one replication to fit (default: all of them). */
  readonly replication?: number;
}

/** One run the file holds. */
export interface RunKey {
  /** Strategy label; null for a serve data directory's log. */
  readonly strategy: string | null;
  /** Replication number; null for a serve data directory's log. */
  readonly replication: number | null;
}

/** An event as the file holds it: plain data with a numeric `time` and a `kind`. */
export type EventLine = Readonly<Record<string, unknown>> & { readonly time: number; readonly kind: string };

/** Every event kind src/engine/eventRecord.ts writes. */
const EVENT_KINDS = new Set([
  'submitted', 'transition', 'agentJoined', 'agentLeft', 'prewarm', 'staleResult', 'offerMade', 'offerAnswered',
  'duplicateClaim', 'agentDraining', 'scaled', 'admin',
]);

/** What reading found: the runs present and which of them were handed on. */
export interface ReadSummary {
  /** Every run the file holds, in file order. */
  readonly runs: readonly RunKey[];
  /** The runs fitted, in file order (one strategy). */
  readonly chosen: readonly RunKey[];
  /** Events handed on from the chosen runs. */
  readonly events: number;
}

/**
 * Streams `file`, handing each event of the chosen runs to `onEvent` with its line number and
 * the index of its run among the chosen.
 * @throws InputError naming the file (and the line) when it is missing, not an events file,
 *   has a malformed or truncated line, or lacks the run asked for
 */
export function readEvents(file: string, choice: RunChoice, onEvent: (event: EventLine, line: number, run: number) => void): ReadSummary {
  openable(file);
  const reader = new LineReader(file, { maxLine: lineLimit(file, 'an event line', ONE_EVENT_A_LINE) });
  const runs = new Map<string, RunKey>();
  const chosen = new Map<string, RunKey>();
  const chosenIndex = new Map<string, number>();
  let strategy: string | null | undefined = choice.strategy;
  let events = 0;
  // Runs are written one after another: a run met again after another began is a damaged or spliced log.
  const ended = new Set<string>();
  let current: { readonly id: string; readonly line: number } | undefined;
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      if (line.text.trim() === '') continue;
      const event = parseLine(file, line.number, line.text, line.terminated);
      const key = runKeyOf(file, line.number, event);
      const id = `${key.strategy ?? ''}\u0000${key.replication ?? ''}`;
      if (id !== current?.id) {
        if (ended.has(id)) {
          throw rowError(file, line.number, 'strategy', `an event of ${runLabel(key)} after the events of another run began (line ${current!.line}): a log holds each run's events together, one run after another`);
        }
        if (current !== undefined) ended.add(current.id);
        current = { id, line: line.number };
      }
      if (!runs.has(id)) runs.set(id, key);
      if (strategy === undefined) strategy = key.strategy;
      if (key.strategy === strategy && (choice.replication === undefined || key.replication === choice.replication)) {
        let index = chosenIndex.get(id);
        if (index === undefined) {
          index = chosen.size;
          chosen.set(id, key);
          chosenIndex.set(id, index);
        }
        onEvent(event, line.number, index);
        events++;
      }
    }
  } finally {
    reader.close();
  }
  if (runs.size === 0) throw new InputError(file, '', 'empty: expected a fleetsim events file (one JSON event a line, from run --events or a serve data directory)');
  if (chosen.size === 0) {
    const listed = [...runs.values()].slice(0, 12).map(runLabel).join(', ');
    throw new InputError(file, choice.strategy !== undefined ? '--strategy' : '--replication', `no run matches; the file holds ${listed}`);
  }
  return { runs: [...runs.values()], chosen: [...chosen.values()], events };
}

/** What an event log holds, for messages about a line that is not one event. */
const ONE_EVENT_A_LINE = 'expected one event object a line, as fleetsim run --events or serve write';

/** `strategy#replication`, or `(serve)#0` for an untagged record. */
function runLabel(run: RunKey): string {
  return `${run.strategy ?? '(serve)'}#${run.replication ?? 0}`;
}

/**
 * Fails early, naming the file, when it cannot be read at all, or is no regular file: a pipe or
 * a device cannot be read by position as the reader does, nor replayed by the scenario written.
 */
function openable(file: string): void {
  if (!existsSync(file)) throw new InputError(file, '', 'cannot read the events file (ENOENT: no such file or directory)');
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) throw new InputError(file, '', 'is a directory: expected an events file (a serve data directory holds events.jsonl)');
    if (!stats.isFile()) throw new InputError(file, '', 'not a file: expected an events file (a pipe or a device cannot be replayed as a trace: save its output to a file first)');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, '', `cannot read the events file (${systemErrorReason(error)})`);
  }
}

function parseLine(file: string, number: number, text: string, terminated: boolean): EventLine {
  let value: unknown;
  try {
    value = JSON.parse(number === 1 ? withoutByteOrderMark(text) : text);
  } catch {
    const why = terminated ? 'not JSON' : 'truncated (the last line is not complete JSON)';
    throw fileError(file, `${why}: ${ONE_EVENT_A_LINE}`, number);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fileError(file, 'expected a JSON object (one event a line)', number);
  const record = value as Record<string, unknown>;
  if (typeof record.time !== 'number' || !Number.isFinite(record.time)) throw rowError(file, number, 'time', 'expected a finite number (seconds)');
  if (typeof record.kind !== 'string' || !EVENT_KINDS.has(record.kind)) {
    throw rowError(file, number, 'kind', `expected an engine event kind (${[...EVENT_KINDS].join(', ')}), got ${JSON.stringify(record.kind)}`);
  }
  return record as EventLine;
}

function runKeyOf(file: string, number: number, event: EventLine): RunKey {
  const { strategy, replication } = event;
  if (strategy === undefined && replication === undefined) return { strategy: null, replication: null };
  if (typeof strategy !== 'string') throw rowError(file, number, 'strategy', 'expected a string (the strategy label run --events writes)');
  if (typeof replication !== 'number' || !Number.isInteger(replication)) throw rowError(file, number, 'replication', 'expected an integer');
  return { strategy, replication };
}
