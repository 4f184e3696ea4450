/**
 * CSV records of a file of any length, pulled synchronously in bounded memory through the
 * project's {@link LineReader}. Synchronous on purpose: the simulation loop pulls the next
 * arrival while it runs, and a stream would hand rows over through the event loop.
 *
 * A line without a double quote is split on commas by hand: the traces are millions of such
 * lines, and csv-parse (with its record info for line numbers) read about 60,000 rows a second
 * where the split reads about a million (`npm run bench -- --only trace`). A line with a quote
 * goes to csv-parse's synchronous parser, joined with the lines after it while a quoted field
 * is still open (a newline inside quotes), so quoting follows RFC 4180 as csv-parse reads it.
 */
import { parse, CsvError } from 'csv-parse/sync';
import { LineReader } from '../live/lineReader.js';
import { MAX_LINE_BYTES, sizeText } from '../boundedFile.js';
import { fileError, lineText, rowError, traceLineLimit } from './rowError.js';

const QUOTE = '"';

/** One record: its fields and the 1-based lines it starts and ends on. */
export interface CsvRecord {
  /** The record's fields, unquoted. */
  readonly fields: readonly string[];
  /** 1-based line it ends on. */
  readonly line: number;
  /** 1-based line it starts on (before `line` when a quoted field holds a newline). */
  readonly firstLine: number;
}

/** Pulls the records of a CSV file after its header, each checked to have the header's width. */
export class CsvRecords {
  /** The header's column names. */
  readonly header: readonly string[];
  /** 1-based line the header starts on (after any blank lines), for messages. */
  readonly headerLine: number;
  private readonly lines: LineReader;

  /**
   * Opens `path` and reads its header.
   * @param file - the path as the user wrote it, for messages
   * @throws InputError when the file is empty
   */
  constructor(path: string, private readonly file: string) {
    this.lines = new LineReader(path, { maxLine: traceLineLimit(file) });
    let first: CsvRecord | undefined;
    try {
      first = this.pull();
    } catch (error) {
      this.close();
      throw error;
    }
    if (first === undefined) {
      this.close();
      throw fileError(file, 'the file is empty: expected a CSV header line and at least one row');
    }
    this.header = first.fields.map((name) => name.trim());
    this.headerLine = first.firstLine;
  }

  /** The next record, or undefined at the end of the file. */
  next(): CsvRecord | undefined {
    const record = this.pull();
    if (record === undefined) return undefined;
    const width = this.header.length;
    if (record.fields.length !== width) {
      const missing = this.header[record.fields.length];
      const problem = record.fields.length < width
        ? `missing column ${missing} (expected ${width} columns: ${this.header.join(',')}; got ${record.fields.length})`
        : `expected ${width} columns (${this.header.join(',')}), got ${record.fields.length}`;
      throw rowError(this.file, record.line, record.fields.length < width ? missing! : record.fields.length, problem);
    }
    return record;
  }

  /** Closes the file (idempotent). */
  close(): void {
    this.lines.close();
  }

  private pull(): CsvRecord | undefined {
    for (let line = this.lines.next(); line !== undefined; line = this.lines.next()) {
      let text = lineText(line.number, line.text);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text === '') continue;
      if (!text.includes(QUOTE)) return { fields: text.split(','), line: line.number, firstLine: line.number };
      return this.quoted(text, line.number, line.offset);
    }
    return undefined;
  }

  /**
   * A record with quotes, read by csv-parse, taking more lines while a quoted field is open, up
   * to {@link MAX_LINE_BYTES} in all. A quote inside a quoted field is doubled, so while the
   * record holds an odd number of quotes a field is open for sure and it is not parsed: a long
   * record costs a parse or two, not one per line.
   */
  private quoted(first: string, firstLine: number, offset: number): CsvRecord {
    let text = first;
    let lineNumber = firstLine;
    let quotes = quoteCount(first);
    for (;;) {
      const fields = quotes % 2 === 0 ? this.fieldsOf(text, firstLine, false) : undefined;
      if (fields !== undefined) return { fields, line: lineNumber, firstLine };
      const next = this.lines.next();
      if (next === undefined) return { fields: this.fieldsOf(text, firstLine, true)!, line: lineNumber, firstLine };
      if (next.end - offset > MAX_LINE_BYTES) {
        // A mistake other than the open field, if the record has one, is the one to report.
        this.fieldsOf(text, firstLine, false);
        throw rowError(this.file, firstLine, 1, `a quoted field opened on this line is still open after ${sizeText(MAX_LINE_BYTES)}, the most a trace row may be: is a closing quote missing?`);
      }
      text += `\n${next.text}`;
      lineNumber = next.number;
      quotes += quoteCount(next.text);
    }
  }

  /**
   * The fields of the record `text`, or undefined when a quoted field is still open and `last`
   * is false (more lines may close it).
   * @throws InputError for any other mistake, or an open field in the `last` text
   */
  private fieldsOf(text: string, firstLine: number, last: boolean): string[] | undefined {
    try {
      const records = parse(text, { relax_column_count: true }) as string[][];
      return records[0] ?? [];
    } catch (error) {
      if (!last && error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') return undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw rowError(this.file, firstLine, 1, `invalid CSV: ${reason}`);
    }
  }
}

/** How many double quotes `text` holds. */
function quoteCount(text: string): number {
  let count = 0;
  for (let at = text.indexOf(QUOTE); at >= 0; at = text.indexOf(QUOTE, at + 1)) count++;
  return count;
}
