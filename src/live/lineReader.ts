/**
 * Reads a text file line by line, synchronously, in bounded memory (one chunk plus the longest
 * line): how recovery streams a write-ahead log or an events file of any length. A reader made
 * with `endAtNul` ends the file at its first NUL byte (a write-ahead log's padding, see
 * walPreallocation.ts) and says where that was ({@link LineReader.nulAt}). A reader made with
 * `maxLine` refuses a line longer than its limit as soon as the line is known to be, so a file
 * with no newline (/dev/zero) costs at most the limit, not all memory.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** One line of a file. */
export interface Line {
  /** The text, without its newline. */
  readonly text: string;
  /** 1-based. */
  readonly number: number;
  /** Byte offset of its first character. */
  readonly offset: number;
  /** Byte offset just past it (and its newline): where the next line starts. */
  readonly end: number;
  /** Whether a newline ends it (false only for the last line of a file that does not end in one). */
  readonly terminated: boolean;
}

/** The longest line a reader takes, and the error that refuses a longer one. */
export interface LineLimit {
  /** Most bytes a line may have, its newline not counted. */
  readonly bytes: number;
  /** The error thrown for 1-based line `line`, longer than {@link LineLimit.bytes}. */
  readonly error: (line: number) => Error;
}

const CHUNK_BYTES = 1 << 16;
const NEWLINE = 0x0a;

/** A pull reader: {@link LineReader.next} returns the next line, undefined at the end. */
export class LineReader {
  private readonly fd: number;
  private buffer = Buffer.alloc(CHUNK_BYTES);
  /** Bytes of `buffer` in use, from 0. */
  private filled = 0;
  /** Where the next line starts in `buffer`. */
  private start = 0;
  /** File offset of `buffer[0]`. */
  private base = 0;
  private atEnd = false;
  private lineNumber = 0;
  private closed = false;
  private readonly endAtNul: boolean;
  private firstNul: number | undefined;
  private readonly maxLine: LineLimit | undefined;

  /**
   * @param path - the file (must exist).
   * @param options - `endAtNul`: the file ends at its first NUL byte; `maxLine`: the longest
   * line taken (none when absent).
   */
  constructor(path: string, options: { readonly endAtNul?: boolean; readonly maxLine?: LineLimit } = {}) {
    this.fd = openSync(path, 'r');
    this.endAtNul = options.endAtNul ?? false;
    this.maxLine = options.maxLine;
  }

  /** With `endAtNul`: the byte offset of the file's first NUL, once the reader got there (undefined: none so far). */
  get nulAt(): number | undefined {
    return this.firstNul;
  }

  /** The next line, or undefined when the file is exhausted (the reader then closes itself). */
  next(): Line | undefined {
    for (;;) {
      const end = this.buffer.indexOf(NEWLINE, this.start);
      const found = end >= 0 && end < this.filled;
      this.checkLength((found ? end : this.filled) - this.start);
      if (found) return this.take(end, true);
      if (this.atEnd) {
        if (this.start < this.filled) return this.take(this.filled, false);
        this.close();
        return undefined;
      }
      this.refill();
    }
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** Refuses the next line once `bytes` of it are over the limit (closing the file). */
  private checkLength(bytes: number): void {
    if (this.maxLine === undefined || bytes <= this.maxLine.bytes) return;
    this.close();
    throw this.maxLine.error(this.lineNumber + 1);
  }

  private take(end: number, terminated: boolean): Line {
    const line: Line = {
      text: this.buffer.toString('utf8', this.start, end),
      number: ++this.lineNumber,
      offset: this.base + this.start,
      end: this.base + end + (terminated ? 1 : 0),
      terminated,
    };
    this.start = terminated ? end + 1 : end;
    return line;
  }

  /** Moves the unread rest to the front (growing the buffer for a long line) and reads more. */
  private refill(): void {
    const rest = this.filled - this.start;
    if (rest > this.buffer.length / 2) {
      const grown = Buffer.alloc(this.buffer.length * 2);
      this.buffer.copy(grown, 0, this.start, this.filled);
      this.buffer = grown;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.filled);
    }
    this.base += this.start;
    this.start = 0;
    this.filled = rest;
    const read = readSync(this.fd, this.buffer, this.filled, this.buffer.length - this.filled, this.base + this.filled);
    if (read === 0) this.atEnd = true;
    const nul = this.endAtNul ? this.buffer.subarray(this.filled, this.filled + read).indexOf(0) : -1;
    if (nul >= 0) {
      this.firstNul = this.base + this.filled + nul;
      this.atEnd = true;
      this.filled += nul;
      return;
    }
    this.filled += read;
  }
}
