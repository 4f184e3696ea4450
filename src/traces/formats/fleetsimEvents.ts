/**
 * `fleetsim-events`: a fleetsim events file (`fleetsim run --events`, or a data directory's
 * events.jsonl from `fleetsim serve`). Its `submitted` records are the rows; each carries the
 * submitted spec, replayed as it was. A `run --events` file holds every strategy and
 * replication of the run: one pair is replayed (the first in the file unless chosen), since
 * every strategy of a run saw the same submissions.
 */
import type { TaskSpec } from '../../engine/task.js';
import { JsonLines } from '../jsonLines.js';
import { nonNegativeNumber, quoted, rowError } from '../rowError.js';
import type { TraceRow, TraceRowReader } from '../types.js';

/** Reads the submissions of a fleetsim events file. */
export class FleetsimEventsReader implements TraceRowReader {
  private readonly lines: JsonLines;
  private strategy: string | undefined;
  private replication: number | undefined;

  /**
   * @param path - the file; @param file - as the user wrote it
   * @param only - the strategy and replication to replay (the first seen when absent)
   */
  constructor(path: string, private readonly file: string, only: { readonly strategy?: string; readonly replication?: number }) {
    this.lines = new JsonLines(path, file);
    this.strategy = only.strategy;
    this.replication = only.replication;
  }

  /** {@inheritDoc TraceRowReader.next} */
  next(): TraceRow | undefined {
    for (let next = this.lines.next(); next !== undefined; next = this.lines.next()) {
      const { value, line } = next;
      if (typeof value.kind !== 'string') throw rowError(this.file, line, 'kind', `expected an event kind, got ${value.kind === undefined ? 'nothing' : quoted(value.kind)}`);
      if (value.kind !== 'submitted' || !this.selected(value)) continue;
      const spec = checkSubmittedSpec(value.spec, this.file, line);
      const timeSeconds = nonNegativeNumber(value.time, this.file, line, 'time', 'a time in seconds');
      return {
        line,
        timeSeconds,
        inputTokens: spec.contextTokens,
        outputTokens: spec.tokens,
        spec,
      };
    }
    return undefined;
  }

  /** {@inheritDoc TraceRowReader.close} */
  close(): void {
    this.lines.close();
  }

  /** Whether a record belongs to the replayed strategy and replication (a live file has neither). */
  private selected(value: Record<string, unknown>): boolean {
    const { strategy, replication } = value;
    if (strategy !== undefined) {
      if (this.strategy === undefined) this.strategy = String(strategy);
      if (strategy !== this.strategy) return false;
    }
    if (replication !== undefined) {
      if (this.replication === undefined) this.replication = Number(replication);
      if (replication !== this.replication) return false;
    }
    return true;
  }
}

/**
 * The spec of a `submitted` record, its required fields checked: what a replay of the record
 * and a calibration fitted from it both rely on.
 * @throws InputError naming the file, the line and the field
 */
export function checkSubmittedSpec(spec: unknown, file: string, line: number): TaskSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw rowError(file, line, 'spec', `expected the submitted task's spec (an object), got ${spec === undefined ? 'nothing' : quoted(spec)}`);
  const s = spec as Record<string, unknown>;
  if (typeof s.id !== 'string' || s.id === '') throw rowError(file, line, 'spec.id', `expected a task id, got ${quoted(s.id)}`);
  if (typeof s.type !== 'string' || s.type === '') throw rowError(file, line, 'spec.type', `expected a task type, got ${quoted(s.type)}`);
  if (!Number.isInteger(s.priority) || (s.priority as number) < 0 || (s.priority as number) > 4) throw rowError(file, line, 'spec.priority', `expected a priority level 0..4, got ${quoted(s.priority)}`);
  nonNegativeNumber(s.tokens, file, line, 'spec.tokens', 'a token count');
  nonNegativeNumber(s.contextTokens ?? 0, file, line, 'spec.contextTokens', 'a token count');
  if (s.deadline !== undefined) nonNegativeNumber(s.deadline, file, line, 'spec.deadline', 'a deadline');
  return { ...(s as unknown as TaskSpec), contextTokens: (s.contextTokens as number | undefined) ?? 0 };
}
