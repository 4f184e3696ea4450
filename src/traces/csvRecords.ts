/**
 * CSV records of a file of any length, pulled synchronously in bounded memory. Blocks are read
 * with readSync and cut at their last newline; csv-parse's synchronous parser turns each run of
 * whole lines into records. Synchronous on purpose: the simulation loop pulls the next arrival
 * while it runs, and a stream would hand rows over through the event loop. A quoted field that
 * spans the cut (a newline inside quotes) is handled by reading the next block and parsing the
 * joined text again.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parse, CsvError } from 'csv-parse/sync';
import { fileError, rowError } from './rowError.js';

const BLOCK_BYTES = 1 << 16;
const NEWLINE = 0x0a;

/** One record: its fields and the 1-based line it ends on. */
export interface CsvRecord {
  readonly fields: readonly string[];
  readonly line: number;
}

/** Pulls the records of a CSV file after its header, each checked to have the header's width. */
export class CsvRecords {
  /** The header's column names. */
  readonly header: readonly string[];
  private readonly fd: number;
  private closed = false;
  private atEnd = false;
  /** Bytes read but not yet parsed (a partial last line). */
  private pending: Buffer = Buffer.alloc(0);
  /** Lines before the first line of `pending`. */
  private linesBefore = 0;
  private records: { fields: string[]; line: number }[] = [];
  private index = 0;

  /**
   * Opens `path` and reads its header.
   * @param file - the path as the user wrote it, for messages
   * @throws InputError when the file is empty
   */
  constructor(path: string, private readonly file: string) {
    this.fd = openSync(path, 'r');
    const first = this.pull();
    if (first === undefined) {
      this.close();
      throw fileError(file, 'the file is empty: expected a CSV header line and at least one row');
    }
    this.header = first.fields.map((name) => name.trim());
  }

  /** The next record, or undefined at the end of the file. */
  next(): CsvRecord | undefined {
    const record = this.pull();
    if (record === undefined) return undefined;
    if (record.fields.length !== this.header.length) {
      const missing = this.header[record.fields.length];
      const problem = record.fields.length < this.header.length
        ? `missing column ${missing} (expected ${this.header.length} columns: ${this.header.join(',')}; got ${record.fields.length})`
        : `expected ${this.header.length} columns (${this.header.join(',')}), got ${record.fields.length}`;
      throw rowError(this.file, record.line, record.fields.length < this.header.length ? missing! : record.fields.length, problem);
    }
    return record;
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private pull(): { fields: string[]; line: number } | undefined {
    while (this.index >= this.records.length) {
      if (this.atEnd && this.pending.length === 0) {
        this.close();
        return undefined;
      }
      this.parseMore();
    }
    return this.records[this.index++];
  }

  /** Reads a block and parses every whole line read so far (all of it at the end of the file). */
  private parseMore(): void {
    const block = Buffer.allocUnsafe(BLOCK_BYTES);
    const read = this.atEnd ? 0 : readSync(this.fd, block, 0, BLOCK_BYTES, null);
    if (read === 0) this.atEnd = true;
    const text = read === 0 ? this.pending : Buffer.concat([this.pending, block.subarray(0, read)]);
    const cut = this.atEnd ? text.length : text.lastIndexOf(NEWLINE) + 1;
    if (cut === 0) {
      this.pending = text;
      return;
    }
    let parsed: { record: string[]; info: { lines: number } }[];
    try {
      parsed = parse(text.subarray(0, cut), { info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof parsed;
    } catch (error) {
      if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED' && !this.atEnd) {
        this.pending = text; // the quote closes in a later block
        return;
      }
      const line = this.linesBefore + (error instanceof CsvError ? Number((error as CsvError & { lines?: number }).lines ?? 1) : 1);
      throw rowError(this.file, line, 1, `invalid CSV: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.records = parsed.map(({ record, info }) => ({ fields: record, line: this.linesBefore + info.lines }));
    this.index = 0;
    this.linesBefore += countNewlines(text, cut);
    this.pending = text.subarray(cut);
  }
}

function countNewlines(buffer: Buffer, end: number): number {
  let count = 0;
  for (let i = buffer.indexOf(NEWLINE); i >= 0 && i < end; i = buffer.indexOf(NEWLINE, i + 1)) count++;
  return count;
}
