/**
 * JSON objects one a line (JSONL), pulled synchronously through the project's bounded-memory
 * {@link LineReader}; a line that does not parse is an error naming its line and column.
 */
import { LineReader } from '../live/lineReader.js';
import { firstLineOf } from '../scenario/errors.js';
import { fileError, lineText, rowError, traceLineLimit } from './rowError.js';

/** One parsed line. */
export interface JsonLine {
  /** The parsed object. */
  readonly value: Record<string, unknown>;
  /** 1-based line number. */
  readonly line: number;
}

/** Pulls the objects of a JSONL file; blank lines are skipped. */
export class JsonLines {
  private readonly lines: LineReader;
  private seen = false;

  /** @param path - the file; @param file - as the user wrote it. */
  constructor(path: string, private readonly file: string) {
    this.lines = new LineReader(path, { maxLine: traceLineLimit(file) });
  }

  /**
   * The next object, or undefined at the end.
   * @throws InputError for a line that is not a JSON object, and for a file without any
   */
  next(): JsonLine | undefined {
    for (let line = this.lines.next(); line !== undefined; line = this.lines.next()) {
      const text = lineText(line.number, line.text);
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const position = /position (\d+)/.exec(firstLineOf(error))?.[1];
        const column = position === undefined ? firstBadCharacter(text) + 1 : Number(position) + 1;
        const truncated = line.terminated ? '' : ' (the file may be truncated: its last line has no newline)';
        throw rowError(this.file, line.number, column, `invalid JSON${truncated}: ${firstLineOf(error).replace(/ in JSON at position \d+.*$/, '')}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw rowError(this.file, line.number, 1, `expected a JSON object, got ${text.slice(0, 40)}`);
      }
      this.seen = true;
      return { value: value as Record<string, unknown>, line: line.number };
    }
    if (!this.seen) throw fileError(this.file, 'the file is empty: expected one JSON object a line');
    return undefined;
  }

  /** Closes the file (idempotent). */
  close(): void {
    this.lines.close();
  }
}

/**
 * Where JSON text goes wrong, 0-based: the end of its longest prefix that some JSON text could
 * continue. V8 gives no position for "Unexpected token 'x'" errors; a prefix only grows more
 * wrong, so a binary search over prefixes finds it (a few parses, on the error path only).
 */
function firstBadCharacter(text: string): number {
  const continuable = (prefix: string): boolean => {
    try {
      JSON.parse(prefix);
      return true;
    } catch (error) {
      const reason = firstLineOf(error);
      const position = /at position (\d+)/.exec(reason)?.[1];
      return reason.startsWith('Unexpected end of JSON input') || (position !== undefined && Number(position) >= prefix.length);
    }
  };
  let good = 0;
  let bad = text.length;
  while (good < bad) {
    const middle = Math.ceil((good + bad) / 2);
    if (continuable(text.slice(0, middle))) good = middle;
    else bad = middle - 1;
  }
  return good;
}
