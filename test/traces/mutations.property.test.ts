/**
 * Bad trace files never crash, as a property: for each of the five formats, a small valid trace
 * (the first rows of a real trace where the project has one, else rows written here) is mutated
 * one to three times, at the byte or line level (truncated anywhere, a line dropped, duplicated or
 * swapped with another, a blank line, CRLF line ends, a byte-order mark, a stray quote, a trailing
 * separator, an empty file, a header alone) or at a field (a value replaced by text, a negative,
 * a fraction, `NaN`, `Infinity`, `1e308`, an empty value, an integer past 2^53, a column or key
 * missing or extra; for JSON lines also wrong types, `null`, nested objects, a line that is not
 * JSON, `hash_ids` not a list or holding non-integers). The mutated file is then read both ways a
 * user reads a trace: its statistics (`fleetsim trace stats`), and a scenario replaying it, loaded
 * and run (replication 0, its one strategy).
 *
 * Each way either succeeds or throws an InputError, and nothing else (a TypeError, a RangeError,
 * a plain Error, an engine assertion are failures):
 * - success: every statistic is a finite number (or null where it is undefined); the run
 *   finishes (it asserts task conservation itself) and its metrics summarise as `fleetsim run`
 *   summarises them (which checks that each is finite); and stats, load and run all read exactly
 *   the rows the mutated file holds (its non-blank lines after the header; for an events file,
 *   the `submitted` records of its first strategy and replication), so that no row is skipped
 *   without a word. A mutation that makes a row invalid (a token count that is not an integer
 *   >= 0, a time that is not a decimal number >= 0 or is past 2^53 s, a datetime out of range, a
 *   column missing or extra, an odd number of quotes, a JSON line cut short…) must be refused,
 *   never read as something else. Not required either way: a CSV line cut short (a number cut
 *   short is still one), and a CSV file whose quotes pair across lines (one record of several).
 * - refusal: the message is one line and starts with the trace file's path. A mistake in a row
 *   names `line N, column C` with N a line of the file and C a header name or JSON field of the
 *   format (`spec.*` and `hash_ids[i]` included) or a number within the line (a character
 *   position for JSON syntax, a field count for a CSV width): the column is checked to be one of
 *   the row's, not the exact place of the mistake, which only the reader knows. A header mistake
 *   names the header's own line and no column. Only three refusals name no line, being about the
 *   file as a whole, and each is checked to be true: "the file is empty" (every line blank), no
 *   row in the file (trace stats, or the scenario's `workload.trace.file`, which must then name
 *   the trace), and the scenario's `workload.trace.file` for a row over a task's token bound,
 *   whose message must name the row's line.
 * - either way, no file is left open (counted in /proc/self/fd, where there is one).
 *
 * Apart from the mutations, a line longer than the 1 MiB a trace line may have (a row padded
 * with blanks its reader would otherwise skip, or a file with no newline at all) is refused
 * both ways, naming the line.
 *
 * 5 × 4,000 cases (one to three mutations each) take about 35 s on two cores; a quarter to a half
 * of the mutated files of each format are read (and all but a few of those run), the rest refused.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../src/boundedFile.js';
import { isInputError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { summarize } from '../../src/metrics/summary.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { traceStats } from '../../src/traces/traceStats.js';
import type { CsvColumns, TraceFormat } from '../../src/traces/types.js';
import { ROOT } from '../cli/runCli.js';
import { tempDir } from './traceFixtures.js';

const TRACES = join(ROOT, '..', 'shared', 'traces');
/** Cases of each format. */
const RUNS_PER_FORMAT = 4000;

/** How a field's value is checked, for deciding whether a replacement must be refused. */
type Kind =
  | 'datetime' | 'tokens' | 'time' | 'time-ms' | 'model' | 'text' | 'priority' | 'number' | 'optional-number'
  | 'event-kind' | 'label' | 'index' | 'spec' | 'id' | 'block-ids' | 'optional-tokens';

/** One format's starting point: a valid trace and what its fields are. */
interface Fixture {
  readonly format: TraceFormat;
  readonly extension: string;
  /** The valid trace's lines, header first for CSV. */
  readonly lines: readonly string[];
  /** CSV: each column's kind, in header order. JSON lines: each key's kind (`spec.tokens` for nested ones). */
  readonly kinds: Readonly<Record<string, Kind>>;
  /** CSV: the column mapping (format csv). */
  readonly columns?: CsvColumns;
  /** The scenario's `workload.trace` beyond file and format. */
  readonly scenarioOptions: string;
  /** Whether the file ends with a newline. */
  readonly finalNewline: boolean;
}

const isCsv = (fixture: Fixture): boolean => fixture.extension === 'csv';

/** The first `rows` rows of a real trace (with its header), or undefined when the traces are not beside the checkout. */
function realRows(path: string, rows: number): string[] | undefined {
  const file = join(TRACES, path);
  if (!existsSync(file)) return undefined;
  // The files are tens of megabytes: the first 64 KiB hold far more than the rows wanted.
  return readFileSync(file).subarray(0, 1 << 16).toString('utf8').split('\n').slice(0, rows);
}

const AZURE_ROWS = realRows('azure-llm-2023/AzureLLMInferenceTrace_code.csv', 13) ?? [
  'TIMESTAMP,ContextTokens,GeneratedTokens',
  ...Array.from({ length: 12 }, (_, i) => `2023-11-16 18:17:${String(3 + 2 * i).padStart(2, '0')}.${String(9799600 - 1234 * i)},${100 + 37 * i},${5 + i}`),
];
const MOONCAKE_ROWS = realRows('mooncake-fast25/conversation_trace.jsonl', 12) ?? Array.from({ length: 12 }, (_, i) =>
  JSON.stringify({ timestamp: 100 * i, input_length: 600 + 100 * i, output_length: 10 + i, hash_ids: Array.from({ length: Math.ceil((600 + 100 * i) / 512) }, (_, k) => (k === 0 ? 0 : 10 * i + k)) }));

/** An events file of a run of two strategies: submissions, and other records between them. */
function eventsRows(): string[] {
  const rows: string[] = [];
  for (const strategy of ['round-robin', 'least-connections']) {
    for (let i = 0; i < 6; i++) {
      const spec = { id: `t${i}`, type: 'request', priority: i % 5, tokens: 20 + i, contextTokens: 10 * i, contextKey: `k${i % 2}`, ...(i === 3 ? { deadline: 30 } : {}) };
      rows.push(JSON.stringify({ strategy, replication: 0, time: 1.5 * i, kind: 'submitted', task: spec.id, seq: 2 * i, spec }));
      rows.push(JSON.stringify({ strategy, replication: 0, time: 1.5 * i + 0.1, kind: 'queued', task: spec.id, seq: 2 * i + 1 }));
    }
  }
  return rows;
}

const FIXTURES: readonly Fixture[] = [
  {
    format: 'azure-llm',
    extension: 'csv',
    lines: AZURE_ROWS,
    kinds: { TIMESTAMP: 'datetime', ContextTokens: 'tokens', GeneratedTokens: 'tokens' },
    scenarioOptions: '',
    finalNewline: false, // as the real traces
  },
  {
    format: 'burstgpt',
    extension: 'csv',
    lines: [
      'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type',
      ...Array.from({ length: 12 }, (_, i) => {
        const input = 100 + 41 * i;
        const output = i === 4 ? 0 : 3 + 7 * i; // one failed request
        return `${5 + 3 * i},${i % 3 === 0 ? 'GPT-4' : 'ChatGPT'},${input},${output},${input + output},Conversation log`;
      }),
    ],
    kinds: { Timestamp: 'time', Model: 'model', 'Request tokens': 'tokens', 'Response tokens': 'tokens', 'Total tokens': 'tokens', 'Log Type': 'text' },
    scenarioOptions: '',
    finalNewline: true,
  },
  {
    format: 'csv',
    extension: 'csv',
    lines: [
      'at,out,in,kind,prio,due,team,session',
      ...Array.from({ length: 12 }, (_, i) => `${250 * i},${20 + 3 * i},${i % 4 === 0 ? '' : 40 * i},${i % 2 === 0 ? 'chat' : 'code'},${i % 3 === 0 ? '' : i % 5},${i % 4 === 1 ? 9000 : ''},${i % 3 === 0 ? 'alpha' : ''},s${i % 3}`),
    ],
    kinds: { at: 'time-ms', out: 'tokens', in: 'optional-tokens', kind: 'text', prio: 'priority', due: 'optional-number', team: 'text', session: 'text' },
    columns: { time: 'at', tokens: 'out', contextTokens: 'in', type: 'kind', priority: 'prio', deadline: 'due', tenant: 'team', contextKey: 'session' },
    scenarioOptions: ', timeUnit: ms, columns: { time: at, tokens: out, contextTokens: in, type: kind, priority: prio, deadline: due, tenant: team, contextKey: session }',
    finalNewline: true,
  },
  {
    format: 'mooncake',
    extension: 'jsonl',
    lines: MOONCAKE_ROWS,
    kinds: { timestamp: 'time-ms', input_length: 'tokens', output_length: 'tokens', hash_ids: 'block-ids' },
    scenarioOptions: '',
    finalNewline: true,
  },
  {
    format: 'fleetsim-events',
    extension: 'jsonl',
    lines: eventsRows(),
    kinds: {
      strategy: 'label', replication: 'index', time: 'time', kind: 'event-kind', task: 'text', seq: 'text', spec: 'spec',
      'spec.id': 'id', 'spec.type': 'id', 'spec.priority': 'priority', 'spec.tokens': 'number', 'spec.contextTokens': 'optional-number',
      'spec.contextKey': 'text', 'spec.deadline': 'optional-number',
    },
    scenarioOptions: '',
    finalNewline: true,
  },
];

/** Text put in place of a CSV field. */
const CSV_VALUES = ['text', '-1', '0', '0.5', 'NaN', 'Infinity', '1e308', '', '9007199254740993', '0x10', '2023-02-30 25:61:99', '4000000000', ' 7 '] as const;
/** Values put in place of a JSON field: `raw` ones are written as they are (not JSON, or past 2^53). */
const JSON_VALUES: readonly ({ readonly value: unknown } | { readonly raw: string })[] = [
  { value: 'text' }, { value: -1 }, { value: 0.5 }, { value: null }, { value: { nested: { field: 1 } } }, { value: [1, 'two'] }, { value: true },
  { value: 0 }, { value: [3, 4] }, { value: 1e308 }, { value: '12' }, { value: '' }, { value: 4_000_000_000 }, { raw: 'NaN' }, { raw: 'Infinity' }, { raw: '9007199254740993' },
];
/** Keys of a submitted spec the fixture does not set, added with a drawn value. */
const SPEC_KEYS = ['dependsOn', 'dependencyPolicy', 'parentId', 'tags', 'maxRetries', 'timeoutSeconds', 'ttlSeconds', 'assignee', 'tenant', 'contextBlocks', 'contextBlockTokens', 'traceFailed', 'workflowId'];
/** Lines put in place of a JSON line. */
const NOT_OBJECTS = ['{"timestamp": 1,', 'not json', '[1, 2]', '42', 'null', '{}', '{"a": NaN}'];

/**
 * Whether a field of `kind` given `value` must be refused (true), or may be read (false: a
 * valid value, or one the format documents as read, like a token count written as a string).
 */
function mustRefuse(kind: Kind, value: unknown, deleted = false): boolean {
  if (deleted) return ['tokens', 'time', 'time-ms', 'datetime', 'event-kind', 'spec', 'id', 'priority', 'number', 'model'].includes(kind);
  const isNumber = typeof value === 'number';
  const numeric = isNumber ? value : typeof value === 'string' && /^\s*(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN;
  switch (kind) {
    case 'datetime': return true;
    case 'tokens': return !(Number.isSafeInteger(numeric) && (isNumber || /^\s*\d+\s*$/.test(String(value))));
    case 'optional-tokens': return value !== '' && mustRefuse('tokens', value);
    // A time past 2^53 s is refused: the simulated clock could not add a second to it.
    case 'time': return !(Number.isFinite(numeric) && numeric >= 0 && numeric <= Number.MAX_SAFE_INTEGER);
    case 'time-ms': return !(Number.isFinite(numeric) && numeric >= 0 && numeric / 1000 <= Number.MAX_SAFE_INTEGER);
    case 'number': return !(Number.isFinite(numeric) && numeric >= 0);
    case 'optional-number': return value !== '' && mustRefuse('number', value);
    case 'model': return typeof value !== 'string' || value.trim() === '';
    case 'priority': return value !== '' && !(typeof value === 'string' ? /^[0-4]$/.test(value) : Number.isInteger(value) && (value as number) <= 4 && (value as number) >= 0);
    case 'event-kind': return typeof value !== 'string';
    case 'label': return typeof value !== 'string';
    case 'index': return !(Number.isSafeInteger(value) && (value as number) >= 0);
    case 'spec': return true; // no drawn value is a spec
    case 'id': return typeof value !== 'string' || value === '';
    case 'block-ids': return false; // decided on the row as a whole (blocksProblem)
    case 'text': return false;
  }
}

/** A line of the mutated file and whether a mutation made it one that must be refused. */
interface MutableLine {
  text: string;
  /** Why the line must be refused (a field made invalid, a width changed…), by field. */
  readonly poison: Map<string, string>;
  /** Fields added (+) or removed (−), CSV. */
  widthChange: number;
  /** A JSON line replaced by one that is not a JSON object, or cut short. */
  broken?: string;
}

/** The mutated file: its lines and how they are written. */
interface MutableFile {
  lines: MutableLine[];
  finalNewline: boolean;
  crlf: boolean;
  bom: boolean;
}

function render(file: MutableFile): string {
  const eol = file.crlf ? '\r\n' : '\n';
  return (file.bom ? '\uFEFF' : '') + file.lines.map((line) => line.text).join(eol) + (file.finalNewline && file.lines.length > 0 ? eol : '');
}

/** A line draw meaning the last row. */
const LAST_ROW = -1;

/** One edit of a trace; draws pick where (taken modulo the candidates, or {@link LAST_ROW}). */
type Mutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'drop' | 'duplicate'; readonly line: number }
  | { readonly kind: 'swap'; readonly line: number; readonly other: number }
  | { readonly kind: 'blank'; readonly line: number; readonly text: '' | '   ' }
  | { readonly kind: 'crlf' | 'bom' | 'empty' | 'header-only' }
  | { readonly kind: 'quote'; readonly line: number; readonly at: number }
  | { readonly kind: 'trailing-separator'; readonly line: number }
  | { readonly kind: 'replace'; readonly line: number; readonly field: number; readonly value: number }
  | { readonly kind: 'delete-field' | 'extra-field'; readonly line: number; readonly field: number }
  | { readonly kind: 'not-object'; readonly line: number; readonly text: number }
  | { readonly kind: 'spec-key'; readonly line: number; readonly key: number; readonly value: number }
  | { readonly kind: 'block-id'; readonly line: number; readonly how: 'append-fraction' | 'append-text' | 'append-null' | 'append-integer' | 'remove' };

const pick = fc.nat({ max: 100_000 });
/** Picks a line: any, or the last row (where a time far in the future does not go backwards). */
const linePick = fc.oneof(pick, fc.constant(LAST_ROW));
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: pick }),
  fc.record({ kind: fc.constantFrom('drop' as const, 'duplicate' as const), line: pick }),
  fc.record({ kind: fc.constant('swap' as const), line: pick, other: pick }),
  fc.record({ kind: fc.constant('blank' as const), line: pick, text: fc.constantFrom('' as const, '   ' as const) }),
  fc.record({ kind: fc.constantFrom('crlf' as const, 'bom' as const, 'empty' as const, 'header-only' as const) }),
  fc.record({ kind: fc.constant('quote' as const), line: pick, at: pick }),
  fc.record({ kind: fc.constant('trailing-separator' as const), line: linePick }),
  // Field edits are the most varied: drawn more often.
  fc.record({ kind: fc.constant('replace' as const), line: linePick, field: pick, value: pick }),
  fc.record({ kind: fc.constant('replace' as const), line: linePick, field: pick, value: pick }),
  fc.record({ kind: fc.constant('replace' as const), line: linePick, field: pick, value: pick }),
  fc.record({ kind: fc.constantFrom('delete-field' as const, 'extra-field' as const), line: linePick, field: pick }),
  fc.record({ kind: fc.constant('not-object' as const), line: linePick, text: pick }),
  fc.record({ kind: fc.constant('spec-key' as const), line: linePick, key: pick, value: pick }),
  fc.record({ kind: fc.constant('block-id' as const), line: linePick, how: fc.constantFrom('append-fraction' as const, 'append-text' as const, 'append-null' as const, 'append-integer' as const, 'remove' as const) }),
);

function newLine(text: string): MutableLine {
  return { text, poison: new Map(), widthChange: 0 };
}

function copyLine(line: MutableLine): MutableLine {
  return { ...line, poison: new Map(line.poison) };
}

/** The index of the header line (the first non-blank one), CSV; -1 when none. */
function headerIndex(file: MutableFile): number {
  return file.lines.findIndex((line) => line.text.replace(/\r$/, '') !== '');
}

/** A JSON line's object, or undefined when it is not one. */
function objectOf(line: MutableLine): Record<string, unknown> | undefined {
  if (line.broken !== undefined) return undefined;
  try {
    const value: unknown = JSON.parse(line.text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON text of `value` with `raw` written in place of the placeholder (raw JSON numbers, or not JSON). */
function jsonWith(value: Record<string, unknown>, placeholder: string, raw: string | undefined): string {
  const text = JSON.stringify(value);
  return raw === undefined ? text : text.replace(JSON.stringify(placeholder), raw);
}

/** The value of a drawn JSON replacement as the reader sees it, and how it is written. */
function jsonValue(index: number): { value: unknown; raw?: string } {
  const choice = JSON_VALUES[index % JSON_VALUES.length]!;
  if ('raw' in choice) return { value: Number(choice.raw), raw: choice.raw };
  return { value: structuredClone(choice.value) };
}

const PLACEHOLDER = '__replaced__';

/** Applies `mutation` to `file` in place and says what it did; a mutation with nothing to apply to does nothing. */
function mutate(fixture: Fixture, file: MutableFile, mutation: Mutation): string {
  const csv = isCsv(fixture);
  const lines = file.lines;
  const at = (n: number): number => n % Math.max(1, lines.length);
  const header = csv ? headerIndex(file) : -1;
  const dataLines = lines.map((_, i) => i).filter((i) => i !== header && lines[i]!.text.trim() !== '');
  const dataLine = (n: number): MutableLine | undefined => (dataLines.length === 0 ? undefined : lines[dataLines[n === LAST_ROW ? dataLines.length - 1 : n % dataLines.length]!]);
  switch (mutation.kind) {
    case 'truncate': {
      // Cut between characters: the file is modelled as text (the traces are ASCII, the byte-order mark one character).
      const text = render(file);
      const cut = text.slice(0, mutation.at % (text.length + 1));
      // The lines as they are now: whole ones kept, the last one cut short.
      const kept = cut.replace(/^\uFEFF/, '').split(file.crlf ? '\r\n' : '\n');
      const endsAtLineEnd = kept[kept.length - 1] === '';
      if (endsAtLineEnd) kept.pop();
      file.lines = kept.map((piece, i) => {
        const original = lines[i]!;
        // Cut between a CR and its LF, a line is whole.
        if (piece.replace(/\r$/, '') === original.text) return original;
        if (!csv) return { ...copyLine(original), text: piece, broken: 'cut short' }; // a JSON line cut short is no object
        // A CSV row cut short is valid when cut inside its last field (a number cut short is still one), else a column is missing.
        const cutRow = newLine(piece.replace(/\r$/, ''));
        if (i !== header) cutRow.widthChange = cutRow.text.split(',').length - Object.keys(fixture.kinds).length;
        return cutRow;
      });
      file.finalNewline = endsAtLineEnd;
      file.bom &&= cut.startsWith('\uFEFF');
      return `truncate at character ${mutation.at % (text.length + 1)}`;
    }
    case 'drop':
      if (lines.length === 0) return 'nothing';
      lines.splice(at(mutation.line), 1);
      return `drop line ${at(mutation.line) + 1}`;
    case 'duplicate': {
      if (lines.length === 0) return 'nothing';
      const i = at(mutation.line);
      const copy = copyLine(lines[i]!);
      // The header repeated is a row of names: never a valid row.
      if (i === header) copy.poison.set('*', 'the header as a row');
      lines.splice(i + 1, 0, copy);
      return `duplicate line ${i + 1}`;
    }
    case 'swap': {
      if (lines.length < 2) return 'nothing';
      const a = at(mutation.line);
      const b = at(mutation.other);
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return `swap lines ${a + 1} and ${b + 1}`;
    }
    case 'blank':
      lines.splice(mutation.line % (lines.length + 1), 0, newLine(csv ? '' : mutation.text));
      return `blank line before line ${(mutation.line % (lines.length)) + 1}`;
    case 'crlf':
      file.crlf = true;
      return 'CRLF line ends';
    case 'bom':
      file.bom = true;
      return 'byte-order mark';
    case 'empty':
      file.lines = [];
      file.finalNewline = false;
      return 'empty file';
    case 'header-only':
      if (!csv) return 'nothing';
      file.lines = header < 0 ? [] : [lines[header]!];
      return 'header only';
    case 'quote': {
      if (lines.length === 0) return 'nothing';
      const line = lines[at(mutation.line)]!;
      const i = mutation.at % (line.text.length + 1);
      line.text = `${line.text.slice(0, i)}"${line.text.slice(i)}`;
      if (!csv) line.broken = 'a stray quote';
      return `quote in line ${at(mutation.line) + 1} at ${i + 1}`;
    }
    case 'trailing-separator': {
      if (!csv) return 'nothing';
      const line = dataLine(mutation.line);
      if (line === undefined) return 'nothing';
      line.text += ',';
      line.widthChange++;
      return 'trailing separator';
    }
    case 'replace':
    case 'delete-field':
    case 'extra-field': {
      const line = dataLine(mutation.line);
      if (line === undefined) return 'nothing';
      if (csv) return mutateCsvField(fixture, line, mutation);
      return mutateJsonField(fixture, line, mutation);
    }
    case 'not-object': {
      if (csv) return 'nothing';
      const line = dataLine(mutation.line);
      if (line === undefined) return 'nothing';
      line.text = NOT_OBJECTS[mutation.text % NOT_OBJECTS.length]!;
      line.broken = 'not a JSON object';
      return `line replaced by ${line.text}`;
    }
    case 'spec-key': {
      if (fixture.format !== 'fleetsim-events') return 'nothing';
      const line = dataLine(mutation.line);
      const object = line === undefined ? undefined : objectOf(line);
      if (line === undefined || object === undefined || typeof object.spec !== 'object' || object.spec === null) return 'nothing';
      const key = SPEC_KEYS[mutation.key % SPEC_KEYS.length]!;
      const { value, raw } = jsonValue(mutation.value);
      (object.spec as Record<string, unknown>)[key] = raw === undefined ? value : PLACEHOLDER;
      line.text = jsonWith(object, PLACEHOLDER, raw);
      return `set spec.${key} to ${raw ?? JSON.stringify(value)}`;
    }
    case 'block-id': {
      if (fixture.format !== 'mooncake') return 'nothing';
      const line = dataLine(mutation.line);
      const object = line === undefined ? undefined : objectOf(line);
      if (line === undefined || object === undefined || !Array.isArray(object.hash_ids)) return 'nothing';
      const ids = object.hash_ids as unknown[];
      if (mutation.how === 'remove') {
        if (ids.length === 0) return 'nothing';
        ids.pop();
      } else {
        ids.push({ 'append-fraction': 1.5, 'append-text': '3', 'append-null': null, 'append-integer': 999_999 }[mutation.how]);
      }
      line.text = JSON.stringify(object);
      return `hash_ids: ${mutation.how}`;
    }
  }
}

function mutateCsvField(fixture: Fixture, line: MutableLine, mutation: Extract<Mutation, { line: number; field: number }>): string {
  const fields = line.text.replace(/\r$/, '').split(',');
  const names = Object.keys(fixture.kinds);
  const i = mutation.field % fields.length;
  if (mutation.kind === 'delete-field') {
    fields.splice(i, 1);
    line.widthChange--;
  } else if (mutation.kind === 'extra-field') {
    fields.splice(i, 0, '1');
    line.widthChange++;
  } else {
    const value = CSV_VALUES[(mutation as { value: number }).value % CSV_VALUES.length]!;
    fields[i] = value;
    // Which column it is, when the line's width is unchanged (else the width alone decides).
    const kind = fixture.kinds[names[i]!];
    if (line.widthChange === 0 && kind !== undefined) {
      if (mustRefuse(kind, value)) line.poison.set(names[i]!, JSON.stringify(value));
      else line.poison.delete(names[i]!);
    }
  }
  line.text = fields.join(',');
  return `${mutation.kind} field ${i + 1}${mutation.kind === 'replace' ? ` = ${JSON.stringify(CSV_VALUES[(mutation as { value: number }).value % CSV_VALUES.length])}` : ''}`;
}

function mutateJsonField(fixture: Fixture, line: MutableLine, mutation: Extract<Mutation, { line: number; field: number }>): string {
  const object = objectOf(line);
  if (object === undefined) return 'nothing';
  // Keys of the object and of its spec, as `spec.tokens`.
  const spec = typeof object.spec === 'object' && object.spec !== null && !Array.isArray(object.spec) ? object.spec as Record<string, unknown> : undefined;
  const keys = [...Object.keys(object), ...(spec === undefined ? [] : Object.keys(spec).map((key) => `spec.${key}`))];
  const key = keys[mutation.field % keys.length]!;
  const [container, own] = key.startsWith('spec.') ? [spec!, key.slice(5)] : [object, key];
  const kind = fixture.kinds[key] ?? 'text';
  let raw: string | undefined;
  if (mutation.kind === 'delete-field') {
    delete container[own];
    if (mustRefuse(kind, undefined, true)) line.poison.set(key, 'deleted');
    else line.poison.delete(key);
  } else if (mutation.kind === 'extra-field') {
    container.extra = 1;
  } else {
    const drawn = jsonValue((mutation as { value: number }).value);
    raw = drawn.raw;
    container[own] = raw === undefined ? drawn.value : PLACEHOLDER;
    if (raw === 'NaN' || raw === 'Infinity') line.broken = `${raw} is not JSON`;
    if (mustRefuse(kind, drawn.value)) line.poison.set(key, raw ?? JSON.stringify(drawn.value));
    else line.poison.delete(key);
  }
  line.text = jsonWith(object, PLACEHOLDER, raw);
  return `${mutation.kind} ${key}${raw === undefined ? '' : ` = ${raw}`}`;
}

/**
 * The rows an honest reader reads from the mutated file, or undefined when it cannot tell: the
 * non-blank lines after the header (CSV) or the non-blank lines (JSON lines); for an events file,
 * the `submitted` records of the first strategy and replication in it.
 */
function expectedRows(fixture: Fixture, file: MutableFile): number | undefined {
  const texts = file.lines.map((line) => line.text.replace(/\r$/, ''));
  if (isCsv(fixture)) {
    // Quotes may join lines into one record.
    if (texts.some((text) => text.includes('"'))) return undefined;
    const header = headerIndex(file);
    return header < 0 ? 0 : texts.slice(header + 1).filter((text) => text !== '').length;
  }
  if (fixture.format === 'mooncake') return texts.filter((text) => text.trim() !== '').length;
  const read = eventsRead(file);
  return read.refusal === undefined ? read.rows : undefined;
}

/**
 * An events file as its documentation says it is read, in file order: the `submitted` records
 * of the first strategy and replication are the rows, other records are passed over (after their
 * kind is checked). Returns the rows, or the first line read that must be refused.
 */
function eventsRead(file: MutableFile): { rows: number; refusal?: string } {
  let strategy: unknown;
  let replication: unknown;
  let rows = 0;
  for (const [i, line] of file.lines.entries()) {
    if (line.text.trim() === '') continue;
    const where = `line ${i + 1}`;
    const object = objectOf(line);
    if (object === undefined) return { rows, refusal: `${where}: ${line.broken ?? 'not a JSON object'}` };
    const poison = (key: string): { rows: number; refusal: string } | undefined =>
      (line.poison.has(key) ? { rows, refusal: `${where}: ${key} ${line.poison.get(key)!}` } : undefined);
    const bad = poison('kind');
    if (bad !== undefined) return bad;
    if (object.kind !== 'submitted') continue;
    if (object.strategy !== undefined) {
      const badStrategy = poison('strategy');
      if (badStrategy !== undefined) return badStrategy;
      strategy ??= object.strategy;
      if (object.strategy !== strategy) continue;
    }
    if (object.replication !== undefined) {
      const badReplication = poison('replication');
      if (badReplication !== undefined) return badReplication;
      replication ??= object.replication;
      if (object.replication !== replication) continue;
    }
    const [field, why] = [...line.poison.entries()][0] ?? [];
    if (field !== undefined) return { rows, refusal: `${where}: ${field} ${why}` };
    rows++;
  }
  return { rows };
}

/**
 * What is wrong with a Mooncake row's `hash_ids` as the row now is (after every edit, to it or to
 * `input_length`): not a list of integers, one per 512-token block of a valid input length.
 */
function blocksProblem(line: MutableLine): string | undefined {
  const object = objectOf(line);
  if (object === undefined || line.poison.has('input_length')) return undefined;
  const ids = object.hash_ids;
  if (!Array.isArray(ids)) return `hash_ids ${JSON.stringify(ids) ?? 'missing'}`;
  if (!ids.every((id) => Number.isSafeInteger(id))) return `hash_ids ${JSON.stringify(ids)}`;
  const input = Number(object.input_length);
  return ids.length === Math.ceil(input / 512) ? undefined : `hash_ids: ${ids.length} ids for ${input} tokens`;
}

/** Why the mutated file must be refused (a line that must not be read), or undefined when it may be read. */
function mustBeRefused(fixture: Fixture, file: MutableFile): string | undefined {
  if (fixture.format === 'fleetsim-events') return eventsRead(file).refusal;
  const csv = isCsv(fixture);
  // An odd number of quotes leaves a quoted field open to the end of the file. An even number
  // may pair across lines (a quoted field holding a newline, as RFC 4180 allows), joining them
  // into one record whose fields no line alone tells: the file may then be read or refused.
  const quotes = csv ? render(file).split('"').length - 1 : 0;
  if (quotes % 2 === 1) return 'a stray quote';
  if (quotes > 0) return undefined;
  const header = csv ? headerIndex(file) : -1;
  for (const [i, line] of file.lines.entries()) {
    if (i === header || line.text.trim() === '') continue;
    const where = `line ${i + 1}`;
    if (line.broken !== undefined) return `${where}: ${line.broken}`;
    if (csv && line.widthChange !== 0) return `${where}: ${line.widthChange > 0 ? 'an extra' : 'a missing'} column`;
    const [field, why] = [...line.poison.entries()][0] ?? [];
    if (field !== undefined) return `${where}: ${field} ${why}`;
    const blocks = fixture.format === 'mooncake' ? blocksProblem(line) : undefined;
    if (blocks !== undefined) return `${where}: ${blocks}`;
  }
  return undefined;
}

/** The column names a message may name for `fixture`: header names, JSON fields. */
function knownColumn(fixture: Fixture, column: string): boolean {
  if (column in fixture.kinds || column === 'type') return true;
  if (fixture.format === 'mooncake') return /^hash_ids\[\d+\]$/.test(column);
  if (fixture.format === 'fleetsim-events') return /^spec\.[A-Za-z]+$/.test(column);
  return false;
}

/**
 * What is wrong with `error`, thrown reading `file` (written at `path`), or undefined when it is
 * an InputError as the project promises.
 * @param scenarioFile - the scenario, when the error came from loading or running one
 */
function refusalProblem(fixture: Fixture, file: MutableFile, path: string, error: unknown, expected: number | undefined, scenarioFile?: string): string | undefined {
  if (!isInputError(error)) return `threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error)}`;
  const message = error.message;
  if (message.includes('\n')) return `message of more than one line: ${message}`;
  if (scenarioFile !== undefined && error.file === scenarioFile) {
    // About the trace as a whole, from the scenario's side: no row at all, or a row over the token bound.
    if (error.path !== 'workload.trace.file' || !message.includes(basename(path))) return `a scenario error not naming the trace: ${message}`;
    if (/^no trace row in /.test(error.expected)) return expected === 0 || expected === undefined ? undefined : `no row, yet the file has ${expected}: ${message}`;
    if (/has a row of/.test(error.expected)) return /\bline \d+\b/.test(error.expected) ? undefined : `names no line: ${message}`;
    return `unexpected scenario error: ${message}`;
  }
  if (error.file !== path || !message.startsWith(`${path}: `)) return `message does not start with the trace file: ${message}`;
  const texts = render(file).split('\n');
  if (texts[texts.length - 1] === '') texts.pop();
  if (error.path === '') {
    if (/^the file is empty/.test(error.expected)) return texts.every((text) => text.trim() === '') ? undefined : `"empty", but the file has a non-blank line: ${message}`;
    if (/^no trace row in the file/.test(error.expected)) return expected === 0 || expected === undefined ? undefined : `no row, yet the file has ${expected}: ${message}`;
    return `names no line: ${message}`;
  }
  const match = /^line (\d+)(?:, column (.+))?$/.exec(error.path);
  if (match === null) return `names no line: ${message}`;
  const lineNumber = Number(match[1]);
  if (lineNumber < 1 || lineNumber > texts.length) return `line ${lineNumber} is not in the file (${texts.length} lines): ${message}`;
  const column = match[2];
  if (column === undefined) {
    // Only a header mistake names a line without a column: the header's line.
    const header = isCsv(fixture) ? headerIndex(file) + 1 : -1;
    return lineNumber === header ? undefined : `names no column of line ${lineNumber}: ${message}`;
  }
  if (/^\d+$/.test(column)) {
    const width = isCsv(fixture) ? texts[lineNumber - 1]!.split(',').length : texts[lineNumber - 1]!.length + 1;
    return Number(column) >= 1 && Number(column) <= Math.max(width, texts[lineNumber - 1]!.length + 1) ? undefined : `column ${column} is not in line ${lineNumber}: ${message}`;
  }
  return knownColumn(fixture, column) ? undefined : `column ${column} is none of ${fixture.format}'s: ${message}`;
}

/** A scenario replaying the trace at `traceName` beside it, drained when the trace ends. */
function scenarioText(fixture: Fixture, traceName: string): string {
  return `
name: trace-mutation
seed: 7
replications: 1
agents: [{ pool: a, count: 2, capacity: 2, speed: 1000 }]
workload:
  trace: { file: ${traceName}, format: ${fixture.format}${fixture.scenarioOptions} }
stop: { drain: true }
strategies: [round-robin]
`;
}

/** Every number in the statistics, with its key. */
function numbersOf(value: unknown, key = ''): [string, number][] {
  if (typeof value === 'number') return [[key, value]];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => numbersOf(v, key === '' ? k : `${key}.${k}`));
}

/** Files this process has open (Linux), or undefined where that cannot be read. */
function openFiles(): number | undefined {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
}

/**
 * What is wrong with how the project reads the mutated `file` of `fixture`, or undefined when all
 * is well; a trace file left open after the reading (a refusal that leaks it) is wrong too.
 */
function problemWith(fixture: Fixture, file: MutableFile, mustRead = false): string | undefined {
  const dir = tempDir();
  const filesBefore = openFiles();
  const problem = readingProblem(fixture, file, dir, mustRead);
  const filesAfter = openFiles();
  // Thousands of cases: each case's directory goes when it is done.
  rmSync(dir, { recursive: true, force: true });
  return problem ?? (filesAfter === filesBefore ? undefined : `${filesAfter! - filesBefore!} more files open after reading it`);
}

/**
 * What is wrong with reading the mutated `file`, written in `dir`, both ways.
 * @param mustRead - refusing the file is wrong too (the unmutated trace)
 */
function readingProblem(fixture: Fixture, file: MutableFile, dir: string, mustRead: boolean): string | undefined {
  const traceName = `trace.${fixture.extension}`;
  const path = join(dir, traceName);
  writeFileSync(path, render(file));
  const expected = expectedRows(fixture, file);
  const refusal = mustBeRefused(fixture, file);
  // (a) The statistics, as `fleetsim trace stats` computes them.
  try {
    const stats = traceStats({ file: path, fileAsWritten: path, format: fixture.format, timeUnitSeconds: fixture.format === 'csv' ? 1e-3 : 1, blockTokens: 512, ...(fixture.columns === undefined ? {} : { columns: fixture.columns }) }, 60);
    if (refusal !== undefined) return `stats read a file they must refuse (${refusal})`;
    if (expected !== undefined && stats.rows !== expected) return `stats read ${stats.rows} rows of ${expected}`;
    const infinite = numbersOf(stats).find(([, n]) => !Number.isFinite(n));
    if (infinite !== undefined) return `stats: ${infinite[0]} is ${infinite[1]}`;
  } catch (error) {
    if (mustRead) return `stats refused a valid trace: ${String(error)}`;
    const problem = refusalProblem(fixture, file, path, error, expected);
    if (problem !== undefined) return `stats: ${problem}`;
  }
  // (b) A scenario replaying it, loaded and run.
  const scenarioFile = join(dir, 'scenario.yaml');
  try {
    const scenario = parseScenario(scenarioText(fixture, traceName), scenarioFile);
    if (refusal !== undefined) return `the scenario loaded a trace it must refuse (${refusal})`;
    if (expected !== undefined && scenario.workload.trace?.rows !== expected) return `the scenario counted ${scenario.workload.trace?.rows} rows of ${expected}`;
    const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
    if (expected !== undefined && result.counts.submitted !== expected) return `the run submitted ${result.counts.submitted} tasks of ${expected} rows`;
    // As `fleetsim run` reports it: the summary checks that every metric is finite.
    summarize([result.metrics]);
  } catch (error) {
    if (mustRead) return `the scenario refused a valid trace: ${String(error)}`;
    const problem = refusalProblem(fixture, file, path, error, expected, scenarioFile);
    if (problem !== undefined) return `scenario: ${problem}`;
  }
  return undefined;
}

function startingFile(fixture: Fixture): MutableFile {
  return { lines: fixture.lines.map(newLine), finalNewline: fixture.finalNewline, crlf: false, bom: false };
}

/**
 * What is wrong with how the project reads the trace `text` of `fixture`, whose line `line` is
 * longer than {@link MAX_LINE_BYTES}, or undefined when both ways refuse it naming that line.
 */
function longLineProblem(fixture: Fixture, text: string, line: number): string | undefined {
  const dir = tempDir();
  const traceName = `trace.${fixture.extension}`;
  const path = join(dir, traceName);
  writeFileSync(path, text);
  const expected = `${path}: line ${line}: the line is longer than 1 MiB, the most a trace line may be`;
  const problems: string[] = [];
  const filesBefore = openFiles();
  const read = (way: string, attempt: () => unknown): void => {
    try {
      attempt();
      problems.push(`${way} read it`);
    } catch (error) {
      if (!isInputError(error) || !error.message.startsWith(expected)) problems.push(`${way}: ${String(error)}`);
    }
  };
  read('stats', () => traceStats({ file: path, fileAsWritten: path, format: fixture.format, timeUnitSeconds: 1, blockTokens: 512, ...(fixture.columns === undefined ? {} : { columns: fixture.columns }) }, 60));
  read('the scenario', () => parseScenario(scenarioText(fixture, traceName), join(dir, 'scenario.yaml')));
  const filesAfter = openFiles();
  rmSync(dir, { recursive: true, force: true });
  if (filesAfter !== filesBefore) problems.push(`${filesAfter! - filesBefore!} more files open after reading it`);
  return problems.length === 0 ? undefined : problems.join('; ');
}

describe.each(FIXTURES)('a $format trace with a line longer than 1 MiB', (fixture) => {
  it('is refused naming the line: a row padded with blanks past the limit, and a file without a newline', () => {
    const padded = fixture.lines.map((text, i) => (i === 2 ? `${text}${' '.repeat(MAX_LINE_BYTES + 1 - text.length)}` : text));
    expect(longLineProblem(fixture, `${padded.join('\n')}\n`, 3)).toBeUndefined();
    expect(longLineProblem(fixture, 'a'.repeat(2 * MAX_LINE_BYTES), 1)).toBeUndefined();
  });

  it('reads a row of exactly the limit (blanks included)', () => {
    const padded = fixture.lines.map((text, i) => (i === 2 ? `${text}${' '.repeat(MAX_LINE_BYTES - text.length)}` : text));
    const dir = tempDir();
    const path = join(dir, `trace.${fixture.extension}`);
    writeFileSync(path, `${padded.join('\n')}\n`);
    const stats = traceStats({ file: path, fileAsWritten: path, format: fixture.format, timeUnitSeconds: 1, blockTokens: 512, ...(fixture.columns === undefined ? {} : { columns: fixture.columns }) }, 60);
    rmSync(dir, { recursive: true, force: true });
    expect(stats.rows).toBeGreaterThan(0);
  });
});

describe.each(FIXTURES)('a mutated $format trace', (fixture) => {
  it('reads unmutated: stats and a run (the baseline the mutations start from)', () => {
    expect(problemWith(fixture, startingFile(fixture), true)).toBeUndefined();
  });

  it('is read as it is, or refused with one line naming the file, the line and the column', () => {
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (mutations) => {
        const file = startingFile(fixture);
        const edits = mutations.map((mutation) => mutate(fixture, file, mutation));
        expect(problemWith(fixture, file), `${edits.join('; ')}\n${render(file).slice(0, 3000)}`).toBeUndefined();
      }),
      { seed: 28, numRuns: RUNS_PER_FORMAT },
    );
  }, 120_000);
});
