/**
 * Bad event logs never crash `fleetsim calibrate` and are never silently misread, as a property.
 * Real logs are made once, as `fleetsim run --events` makes them: two library scenarios
 * (first-look: pools, context keys, two strategies; lead-and-specialists: offers, refusals,
 * direct assignment), short runs of 2 replications; and the events.jsonl of a service's data
 * directory (untagged records, one run, failed attempts). One is then edited one to three times, at
 * the line level (a line dropped, duplicated, moved so that time goes backwards or a task's
 * events come out of order, a blank line, CRLF line ends, a line of garbage; and the text edits
 * every document test uses: cut anywhere, a byte-order mark, emptied, a stray fragment,
 * a megabyte of blanks) or at the field level of one line (a key deleted, a value replaced by
 * one of another type or at a type's edges, an unknown key, a known field set, an unknown
 * `kind`, a task id no submission gave, an agent that never joined).
 *
 * Each file goes through what the command does: read and fit (`calibrateFile`, which writes the
 * scenario), the printed table and the `--json` document, then the written scenario is loaded
 * with the scenario loader (which, for the trace workload, reads the log again as a trace).
 * Either all of that succeeds, every estimate of the fit and every number of the scenario
 * finite (an interval may be unbounded, never NaN); or
 * calibration is refused with an InputError of one line that starts with the file's name and
 * names a line that the file has (and, when it names a field, a field of that line or a missing
 * field whose parent object is there), or names no line only for the refusals about the file as
 * a whole (empty, no submitted or no completed task, a fit that overflows). A fit of a log
 * whose records do not hang together (a task submitted twice in a run, an event of a task never
 * submitted, an agent that never joined, events that go back in time within a run) is a silent
 * misreading and fails the case too.
 *
 * A line longer than the 1 MiB an event line may have (one padded with blanks past it, which
 * JSON would read, or a file with no newline at all) is refused naming that line; one of exactly
 * the limit is read.
 *
 * 2,000 cases take about 20 s on two cores (the logs, made once, about a second); about 70% of
 * the damaged logs are refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateFile } from '../../src/calibrate/calibrateFile.js';
import type { Calibration } from '../../src/calibrate/calibration.js';
import { calibrationText } from '../../src/calibrate/calibrationText.js';
import { runExperiment } from '../../src/experiments/runResult.js';
import { MAX_LINE_BYTES } from '../../src/boundedFile.js';
import { isInputError, type InputError } from '../../src/scenario/errors.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { writeServeEventLog } from '../support/serveEventLog.js';
import { isContainer, mutate, mutateText, mutationArb, namesFieldOf, pathsOf, refusalProblem, textMutationArb, valueAt, type Mutation, type TextMutation } from '../support/documentMutations.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-events-'));
const FILE = join(dir, 'events.jsonl');
const OUT = join(dir, 'calibrated.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The library scenarios the logs come from, made short: 2 replications of two strategies, a few hundred tasks, no warm-up. */
const SCENARIOS: readonly { file: string; strategies: readonly string[] }[] = [
  { file: 'scenarios/first-look.yaml', strategies: ['round-robin', 'skill-weighted'] },
  { file: 'scenarios/lead-and-specialists.yaml', strategies: ['least-connections'] },
];
const TASKS = 150;
/** Tasks the service works through. */
const SERVE_TASKS = 60;

/** The refusals about the file as a whole, which name no line. */
const WHOLE_FILE = /^(empty: |no submitted task |no completed task |no finite fit of )/;

/** Every field an event record has (src/engine/eventRecord.ts), set anywhere with a replacement value. */
const EVENT_FIELDS = [
  'time', 'kind', 'task', 'seq', 'spec', 'id', 'type', 'tokens', 'contextTokens', 'contextKey', 'priority', 'tags', 'deadline',
  'from', 'to', 'attempt', 'agent', 'reason', 'quality', 'setupTokens', 'capacity', 'pool', 'accepted', 'offer', 'strategy', 'replication',
];
/** The kinds of record calibration reads, which field edits aim at. */
const FITTED_KINDS = ['submitted', 'transition', 'agentJoined', 'offerMade', 'offerAnswered'];
const fieldEdit = mutationArb({ unknownKeys: ['extra', 'note', 'tokns', 'kind '], knownFields: EVENT_FIELDS });

/** An edit of the log's lines. */
type LineEdit =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'move'; readonly at: number; readonly to: number }
  | { readonly kind: 'blank'; readonly at: number }
  | { readonly kind: 'crlf' }
  | { readonly kind: 'garbage'; readonly at: number; readonly text: string }
  | { readonly kind: 'field'; readonly record: string; readonly at: number; readonly edit: Mutation }
  | { readonly kind: 'unknown-kind'; readonly at: number }
  | { readonly kind: 'ghost-task'; readonly at: number }
  | { readonly kind: 'ghost-agent'; readonly at: number };

const pick = fc.nat({ max: 1_000_000 });
const lineEdit: fc.Arbitrary<LineEdit> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('move' as const), at: pick, to: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blank' as const), at: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crlf' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('garbage' as const), at: pick, text: fc.constantFrom('garbage', '{', '[]', 'null', '42', '"text"', '{"time":1}', '\u0000') }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('field' as const), record: fc.constantFrom(...FITTED_KINDS), at: pick, edit: fieldEdit }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown-kind' as const), at: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ghost-task' as const), at: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ghost-agent' as const), at: pick }) },
);

/** Lines holding a record with `field` (set to `value` when given; all lines when none does), to aim an edit at. */
function linesWith(lines: readonly string[], field: string, value?: string): number[] {
  const text = `"${field}":${value === undefined ? '' : JSON.stringify(value)}`;
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i] : []));
  return found.length > 0 ? found : lines.map((_, i) => i);
}

/** Applies `edit` to `lines` in place; says what it did. */
function editLines(lines: string[], edit: LineEdit): string {
  const at = (candidates: readonly number[] = lines.map((_, i) => i)): number => candidates[edit.kind === 'crlf' ? 0 : edit.at % Math.max(1, candidates.length)] ?? 0;
  const record = (i: number): Record<string, unknown> | undefined => {
    try {
      const value = JSON.parse(lines[i] ?? '') as unknown;
      return isContainer(value) && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
    } catch {
      return undefined;
    }
  };
  switch (edit.kind) {
    case 'drop': { const i = at(); lines.splice(i, 1); return `line ${i + 1} dropped`; }
    case 'duplicate': { const i = at(); lines.splice(i, 0, lines[i] ?? ''); return `line ${i + 1} duplicated`; }
    case 'move': {
      const i = at();
      const j = edit.to % Math.max(1, lines.length);
      const [moved] = lines.splice(i, 1);
      lines.splice(j, 0, moved ?? '');
      return `line ${i + 1} moved to ${j + 1}`;
    }
    case 'blank': { const i = at(); lines.splice(i, 0, ''); return `blank line ${i + 1}`; }
    case 'crlf': { for (let i = 0; i < lines.length; i++) lines[i] = `${lines[i]}\r`; return 'CRLF line ends'; }
    case 'garbage': { const i = at(); lines.splice(i, 0, edit.text); return `${JSON.stringify(edit.text)} as line ${i + 1}`; }
    case 'field': {
      const i = at(linesWith(lines, 'kind', edit.record));
      const value = record(i);
      if (value === undefined) return 'nothing';
      const done = mutate(value, edit.edit);
      lines[i] = JSON.stringify(value);
      return `line ${i + 1}: ${done}`;
    }
    case 'unknown-kind':
    case 'ghost-task':
    case 'ghost-agent': {
      const field = edit.kind === 'unknown-kind' ? 'kind' : edit.kind === 'ghost-task' ? 'task' : 'agent';
      const i = at(linesWith(lines, field));
      const value = record(i);
      if (value === undefined) return 'nothing';
      value[field] = edit.kind === 'unknown-kind' ? 'teleported' : `ghost-${field}`;
      if (edit.kind === 'ghost-task' && isContainer(value.spec)) (value.spec as Record<string, unknown>).id = 'ghost-task';
      lines[i] = JSON.stringify(value);
      return `line ${i + 1}: ${field} ${String(value[field])}`;
    }
  }
}

/**
 * How the records of the runs calibration fits (those of the first strategy in `text`) fail to
 * hang together, when every line is an object: a task submitted twice in one run, an event
 * naming a task never submitted before it in its run, or an agent that never joined it.
 * Undefined when they hang together, or when some line does not parse (calibration must refuse
 * such a file anyway).
 */
function inconsistency(text: string): string | undefined {
  const submitted = new Map<string, Set<string>>();
  const joined = new Map<string, Set<string>>();
  const lines = text.split('\n');
  let strategy: unknown;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(lines[i]!) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (!isContainer(value) || Array.isArray(value)) return undefined;
    strategy ??= value.strategy;
    if (value.strategy !== strategy) continue;
    const run = `${String(value.strategy)}#${String(value.replication)}`;
    const tasks = submitted.get(run) ?? new Set<string>();
    const agents = joined.get(run) ?? new Set<string>();
    submitted.set(run, tasks);
    joined.set(run, agents);
    if (value.kind === 'submitted' && isContainer(value.spec)) {
      const id = (value.spec as Record<string, unknown>).id;
      if (typeof id === 'string' && tasks.has(id)) return `line ${i + 1}: task ${id} submitted twice in run ${run}`;
      if (typeof id === 'string') tasks.add(id);
    } else if (value.kind === 'agentJoined' && typeof value.agent === 'string') {
      agents.add(value.agent);
    } else if (['transition', 'offerMade', 'offerAnswered'].includes(value.kind as string)) {
      if (typeof value.task === 'string' && !tasks.has(value.task)) return `line ${i + 1}: ${String(value.kind)} of task ${value.task}, never submitted in run ${run}`;
      if (typeof value.agent === 'string' && !agents.has(value.agent)) return `line ${i + 1}: ${String(value.kind)} names agent ${value.agent}, which never joined run ${run}`;
    }
  }
  return undefined;
}

/** Whether an event of a fitted run (one of the first strategy's) is earlier than an event before it in that run. */
function timeGoesBackwards(text: string): boolean {
  const latest = new Map<string, number>();
  let strategy: unknown;
  for (const line of text.split('\n')) {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!isContainer(value) || typeof value.time !== 'number') continue;
    strategy ??= value.strategy;
    if (value.strategy !== strategy) continue;
    const run = String(value.replication);
    if (value.time < (latest.get(run) ?? Number.NEGATIVE_INFINITY)) return true;
    latest.set(run, value.time);
  }
  return false;
}

/** Paths of numbers in `document` that are not finite. */
function nonFinite(document: unknown): string[] {
  return pathsOf(document).filter((path) => { const value = valueAt(document, path); return typeof value === 'number' && !Number.isFinite(value); }).map((path) => path.join('.'));
}

/** What `attempt` threw; an Error when it threw nothing. */
function refusal(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error;
  }
  return new Error('read without a word');
}

/** What is wrong with the refusal `error` of `text`, or undefined when it is a proper one. */
function refusalOf(error: unknown, text: string): string | undefined {
  const problem = refusalProblem(error, FILE);
  if (problem !== undefined) return problem;
  const { path, expected, message } = error as InputError;
  if (path === '') return WHOLE_FILE.test(expected) ? undefined : `names no line: ${message}`;
  const match = /^line (\d+)(?:, column (.+))?$/.exec(path);
  if (match === null) return `names no line: ${message}`;
  const lines = text.split('\n');
  const number = Number(match[1]);
  if (number < 1 || number > lines.length || lines[number - 1]!.trim() === '') return `names line ${number}, which is not a line of the file with something on it: ${message}`;
  if (match[2] === undefined) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(lines[number - 1]!);
  } catch {
    return `names field ${match[2]} of line ${number}, which is not JSON: ${message}`;
  }
  return namesFieldOf(record, match[2]) ? undefined : `the field it names is not in line ${number}, nor is its parent: ${message}`;
}

/** What is wrong with how `text` is calibrated, or undefined when all is well. */
function problemWith(text: string, synthetic: boolean): string | undefined {
  writeFileSync(FILE, text);
  rmSync(OUT, { force: true });
  let calibration: Calibration;
  try {
    calibration = calibrateFile({ events: FILE, out: OUT, synthetic });
  } catch (error) {
    return refusalOf(error, text);
  }
  const misread = inconsistency(text);
  if (misread !== undefined) return `fitted without a word about ${misread}`;
  if (timeGoesBackwards(text)) return 'fitted a log whose events go back in time within a run';
  try {
    calibrationText(calibration, OUT);
    const { scenario: _scenario, ...json } = calibration;
    JSON.stringify(json);
    // An interval may be unbounded (a variance's, from few observations), never NaN; a goodness-of-fit test of a degenerate sample
    // (every arrival at once) is NaN in valid logs too.
    const estimates = nonFinite(calibration.parameters.map(({ value }) => value));
    if (estimates.length > 0) return `fitted with estimates that are not finite: ${estimates.join(', ')}`;
    const undefinedEnds = calibration.parameters.filter(({ interval }) => interval.some(Number.isNaN)).map(({ name }) => name);
    if (undefinedEnds.length > 0) return `fitted with intervals of NaN: ${undefinedEnds.join(', ')}`;
  } catch (error) {
    return `fitted, but printing it threw ${String(error)}`;
  }
  const written = nonFinite(calibration.scenario);
  if (written.length > 0) return `the written scenario has numbers that are not finite: ${written.join(', ')}`;
  try {
    loadScenario(OUT);
  } catch (error) {
    return `the written scenario does not load: ${isInputError(error) ? error.message : String(error)}`;
  }
  return undefined;
}

let logs: string[];

beforeAll(async () => {
  logs = [];
  for (const [i, { file, strategies }] of SCENARIOS.entries()) {
    const text = readFileSync(file, 'utf8').replace(/^warmup: .*$/m, '').replace(/^stop: .*$/m, `stop: { tasks: ${TASKS} }`);
    const scenario = parseScenario(text, file, { replications: 2, strategies });
    const events = join(dir, `log-${i}.jsonl`);
    await runExperiment(scenario, { workers: 1, eventsFile: events });
    logs.push(readFileSync(events, 'utf8'));
  }
  const serve = await writeServeEventLog(join(dir, 'data'), SERVE_TASKS);
  logs.push(readFileSync(serve.file, 'utf8'));
}, 120_000);

describe('calibrating damaged event logs', () => {
  it('each undamaged log calibrates into a scenario that loads, both ways (the baseline the edits start from)', () => {
    for (const log of logs) {
      expect(log.split('\n').length).toBeGreaterThan(SERVE_TASKS * 4);
      expect(problemWith(log, false)).toBeUndefined();
      expect(problemWith(log, true)).toBeUndefined();
    }
  });

  it('refuse a line longer than 1 MiB naming it, and read one of exactly 1 MiB', () => {
    const padded = (log: string, bytes: number): string => log.split('\n').map((line, i) => (i === 4 ? `${line}${' '.repeat(bytes - line.length)}` : line)).join('\n');
    const tooLong = (error: unknown): boolean => isInputError(error) && error.expected.startsWith('the line is longer than 1 MiB, the most an event line may be');
    for (const log of logs) {
      expect(problemWith(padded(log, MAX_LINE_BYTES), false)).toBeUndefined();
      const text = padded(log, MAX_LINE_BYTES + 1);
      writeFileSync(FILE, text);
      const error = refusal(() => calibrateFile({ events: FILE, out: OUT, synthetic: false }));
      expect([refusalOf(error, text), (error as InputError).path, tooLong(error)]).toEqual([undefined, 'line 5', true]);
    }
    writeFileSync(FILE, 'a'.repeat(2 * MAX_LINE_BYTES));
    const error = refusal(() => calibrateFile({ events: FILE, out: OUT, synthetic: true }));
    expect([(error as InputError).path, tooLong(error)]).toEqual(['line 1', true]);
  });

  it('fit into a scenario that loads, or are refused with one line naming the file and a line (and field) of it', () => {
    const edits = fc.oneof(
      { weight: 4, arbitrary: fc.record({ level: fc.constant('lines' as const), edits: fc.array(lineEdit, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ level: fc.constant('text' as const), edits: fc.array(textMutationArb(1), { minLength: 1, maxLength: 2 }) }) },
    );
    fc.assert(fc.property(fc.nat({ max: logs.length - 1 }), fc.boolean(), edits, (log, synthetic, { level, edits: drawn }) => {
      let text = logs[log]!;
      let done: string[];
      if (level === 'lines') {
        const lines = text.trimEnd().split('\n');
        done = (drawn as LineEdit[]).map((edit) => editLines(lines, edit));
        text = `${lines.join('\n')}\n`;
      } else {
        done = (drawn as TextMutation[]).map((edit) => {
          const result = mutateText(text, edit);
          text = result.text;
          return result.edit;
        });
      }
      expect(problemWith(text, synthetic), `log ${log}${synthetic ? ' --synthetic' : ''}: ${done.join('; ')}`).toBeUndefined();
    }), { seed: 28, numRuns: 2000 });
  }, 120_000);
});
