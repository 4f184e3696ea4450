/**
 * `fleetsim-events`: a fleetsim events file (`fleetsim run --events`, or a data directory's
 * events.jsonl from `fleetsim serve`). Its `submitted` records are the rows; each carries the
 * submitted spec, replayed as it was. A `run --events` file holds every strategy and
 * replication of the run: one pair is replayed (the first in the file unless chosen), since
 * every strategy of a run saw the same submissions.
 */
import { DEPENDENCY_FAILURE_POLICIES, type TaskSpec } from '../../engine/task.js';
import { didYouMean, formatPath } from '../../scenario/errors.js';
import { JsonLines } from '../jsonLines.js';
import { nonNegativeNumber, quoted, rowError, traceSeconds } from '../rowError.js';
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
      if (value.kind !== 'submitted' || !this.selected(value, line)) continue;
      const spec = checkSubmittedSpec(value.spec, this.file, line);
      const timeSeconds = traceSeconds(value.time, this.file, line, 'time', 'a time in seconds');
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

  /**
   * Whether a record belongs to the replayed strategy and replication (a live file has neither).
   * @throws InputError for a strategy that is not a label or a replication that is not an index,
   *   which would otherwise match no record and leave its submissions out without a word
   */
  private selected(value: Record<string, unknown>, line: number): boolean {
    const { strategy, replication } = value;
    if (strategy !== undefined) {
      if (typeof strategy !== 'string') throw rowError(this.file, line, 'strategy', `expected a strategy label (a string), got ${quoted(strategy)}`);
      this.strategy ??= strategy;
      if (strategy !== this.strategy) return false;
    }
    if (replication !== undefined) {
      if (!Number.isSafeInteger(replication) || (replication as number) < 0) throw rowError(this.file, line, 'replication', `expected a replication index (an integer >= 0), got ${quoted(replication)}`);
      this.replication ??= replication as number;
      if (replication !== this.replication) return false;
    }
    return true;
  }
}

const isString = (value: unknown): boolean => typeof value === 'string';
const isId = (value: unknown): boolean => typeof value === 'string' && value !== '';
const isPositive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;
const listOf = (each: (value: unknown) => boolean) => (value: unknown): boolean => Array.isArray(value) && value.every(each);
const DEPENDENCY_POLICIES: readonly unknown[] = DEPENDENCY_FAILURE_POLICIES;

/**
 * The optional fields of a submitted spec (those of {@link TaskSpec} beyond the ones
 * {@link checkSubmittedSpec} reads itself): what each must be, said as a message says it.
 */
const OPTIONAL_SPEC_FIELDS: Readonly<Record<string, readonly [expected: string, valid: (value: unknown) => boolean]>> = {
  contextKey: ['a context key (a string)', isString],
  contextBlocks: ['a list of integer block ids', listOf(Number.isSafeInteger)],
  contextBlockTokens: ['tokens per block (a number > 0)', isPositive],
  traceFailed: ['true or false', (value) => typeof value === 'boolean'],
  dependsOn: ['a list of task ids', listOf(isId)],
  dependencyPolicy: [
    'task ids each mapped to cascade-fail, cancel or ignore',
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((policy) => DEPENDENCY_POLICIES.includes(policy)),
  ],
  parentId: ['a task id', isId],
  workflowId: ['a workflow id (a string)', isString],
  tenant: ['a tenant (a string)', isString],
  assignee: ['an agent id', isId],
  tags: ['a list of strings', listOf(isString)],
  maxRetries: ['a number of retries (an integer >= 0)', (value) => Number.isSafeInteger(value) && (value as number) >= 0],
  timeoutSeconds: ['a number of seconds > 0', isPositive],
  ttlSeconds: ['a number of seconds > 0', isPositive],
};
/** The fields {@link checkSubmittedSpec} reads itself. */
const REQUIRED_SPEC_FIELDS = ['id', 'type', 'priority', 'tokens', 'contextTokens', 'deadline'];
const SPEC_FIELDS = [...REQUIRED_SPEC_FIELDS, ...Object.keys(OPTIONAL_SPEC_FIELDS)];

/**
 * The spec of a `submitted` record, every field checked: what a replay of the record and a
 * calibration fitted from it both rely on (the engine takes a spec as given, so a field of the
 * wrong type would fail in the run, or be ignored, for one it does not know).
 * @throws InputError naming the file, the line and the field
 */
export function checkSubmittedSpec(spec: unknown, file: string, line: number): TaskSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw rowError(file, line, 'spec', `expected the submitted task's spec (an object), got ${spec === undefined ? 'nothing' : quoted(spec)}`);
  const s = spec as Record<string, unknown>;
  if (typeof s.id !== 'string' || s.id === '') throw rowError(file, line, 'spec.id', `expected a task id, got ${quoted(s.id)}`);
  if (typeof s.type !== 'string' || s.type === '') throw rowError(file, line, 'spec.type', `expected a task type, got ${quoted(s.type)}`);
  if (!Number.isInteger(s.priority) || (s.priority as number) < 0 || (s.priority as number) > 4) throw rowError(file, line, 'spec.priority', `expected a priority level 0..4, got ${quoted(s.priority)}`);
  const tokens = nonNegativeNumber(s.tokens, file, line, 'spec.tokens', 'a token count');
  const contextTokens = s.contextTokens === undefined ? 0 : nonNegativeNumber(s.contextTokens, file, line, 'spec.contextTokens', 'a token count');
  const deadline = s.deadline === undefined ? undefined : nonNegativeNumber(s.deadline, file, line, 'spec.deadline', 'a deadline');
  for (const [key, value] of Object.entries(s)) {
    const check = OPTIONAL_SPEC_FIELDS[key];
    if (check === undefined && !REQUIRED_SPEC_FIELDS.includes(key)) throw rowError(file, line, formatPath(['spec', key]), `unknown field of a submitted spec${didYouMean(key, SPEC_FIELDS)}`);
    if (check !== undefined && !check[1](value)) throw rowError(file, line, `spec.${key}`, `expected ${check[0]}, got ${quoted(value)}`);
  }
  return { ...(s as unknown as TaskSpec), tokens, contextTokens, ...(deadline === undefined ? {} : { deadline }) };
}
