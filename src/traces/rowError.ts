/**
 * Row-level mistakes in a trace file: an {@link InputError} whose path is the line and column,
 * so the CLI prints one line `file: line 7, column ContextTokens: expected …` and exits 2.
 */
import { InputError } from '../scenario/errors.js';

/** A bad row: `column` is a header name, a JSON field or a 1-based character position. */
export function rowError(file: string, line: number, column: string | number, expected: string): InputError {
  return new InputError(file, `line ${line}, column ${column}`, expected);
}

/** A mistake about the file as a whole (empty, wrong header…), at `line` when known. */
export function fileError(file: string, expected: string, line?: number): InputError {
  return new InputError(file, line === undefined ? '' : `line ${line}`, expected);
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

/**
 * A finite number ≥ 0 (a JSON number, or the text of one).
 * @throws InputError naming the line and column
 */
export function nonNegativeNumber(value: unknown, file: string, line: number, column: string, what: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || n < 0) throw rowError(file, line, column, `expected ${what} (a number >= 0), got ${value === undefined ? 'nothing' : quoted(value)}`);
  return n;
}
