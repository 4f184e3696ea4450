/**
 * Row-level mistakes in a trace file or an event log: an {@link InputError} whose path is the line and column,
 * so the CLI prints one line `file: line 7, column ContextTokens: expected …` and exits 2.
 */
import { MAX_LINE_BYTES, sizeText } from '../boundedFile.js';
import { withoutByteOrderMark } from '../byteOrderMark.js';
import type { LineLimit } from '../live/lineReader.js';
import { InputError } from '../scenario/errors.js';
import { MAX_RUN_SECONDS } from '../scenario/schema.js';

/** A bad row: `column` is a header name, a JSON field or a 1-based character position. */
export function rowError(file: string, line: number, column: string | number, expected: string): InputError {
  return new InputError(file, `line ${line}, column ${column}`, expected);
}

/** A mistake about the file as a whole (empty, wrong header…), at `line` when known. */
export function fileError(file: string, expected: string, line?: number): InputError {
  return new InputError(file, line === undefined ? '' : `line ${line}`, expected);
}

/**
 * The longest line a line-oriented file may have ({@link MAX_LINE_BYTES}), refused naming `file`
 * and the line: `what` names such a line (`a trace line`), `advice` says what the file should hold.
 */
export function lineLimit(file: string, what: string, advice: string): LineLimit {
  return {
    bytes: MAX_LINE_BYTES,
    error: (line) => fileError(file, `the line is longer than ${sizeText(MAX_LINE_BYTES)}, the most ${what} may be: ${advice}`, line),
  };
}

/** The longest line a trace may have ({@link lineLimit}). */
export function traceLineLimit(file: string): LineLimit {
  return lineLimit(file, 'a trace line', 'is it the right file, with one row a line?');
}

/**
 * Line `line`'s text without the byte-order mark a file may start with (line 1 only): left in,
 * it would surface as a header column or a JSON token nobody can see.
 */
export function lineText(line: number, text: string): string {
  return line === 1 ? withoutByteOrderMark(text) : text;
}

/** A quoted value for messages, shortened. */
export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * A token count: an integer ≥ 0 (a JSON number, or the text of one).
 * @throws InputError naming the line and column
 */
export function tokenCount(value: unknown, file: string, line: number, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw rowError(file, line, column, `expected a token count (an integer >= 0), got ${value === undefined ? 'nothing' : quoted(value)}`);
  return n;
}

/** A decimal number as a trace writes one (`12`, `0.5`, `1.5e3`): not hex, binary or octal, which Number() would also read. */
const DECIMAL = /^\s*(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;

/**
 * A finite number ≥ 0 (a JSON number, or the decimal text of one).
 * @throws InputError naming the line and column
 */
export function nonNegativeNumber(value: unknown, file: string, line: number, column: string, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw rowError(file, line, column, `expected ${what} (a number >= 0), got ${value === undefined ? 'nothing' : quoted(value)}`);
  return n;
}

/**
 * A row's time: a finite number ≥ 0 (a JSON number, or the text of one) in the file's unit,
 * at most {@link MAX_RUN_SECONDS} (2^53 s, as a run's `stop.time`) once in seconds: past it the
 * simulated clock cannot add a second to a row's time, and a run's time integrals overflow.
 * @param toSeconds - the file's unit to seconds (as each format has always converted it)
 * @returns the time in seconds
 * @throws InputError naming the line and column
 */
export function traceSeconds(value: unknown, file: string, line: number, column: string, what: string, toSeconds: (time: number) => number = (time) => time): number {
  const seconds = toSeconds(nonNegativeNumber(value, file, line, column, what));
  if (seconds > MAX_RUN_SECONDS) throw rowError(file, line, column, `expected ${what} of at most 2^53 s (${MAX_RUN_SECONDS}), got ${quoted(value)}`);
  return seconds;
}
