/**
 * Lines on their way to a file, encoded as UTF-8 into one growing byte buffer that lives outside
 * the JavaScript heap, then written with one `writeSync` of a byte range: how the write-ahead
 * log and the events file queue their lines. Compared with queueing strings and joining them
 * per write, no line string outlives the call that made it (nothing for a scavenge to copy while
 * a group waits for its fsync) and no joined copy of the group is made on the heap.
 */
import { writeSync } from 'node:fs';

/** Bytes a new buffer holds, and what a cleared buffer that grew past {@link KEPT_BYTES} goes back to. */
const INITIAL_BYTES = 1 << 16;

/** A buffer that grew past this (a burst) is let go when cleared rather than kept. */
const KEPT_BYTES = 1 << 22;

/** Most UTF-8 bytes one UTF-16 code unit takes (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

const NEWLINE = 0x0a;
const DIGIT_ZERO = 0x30;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DELETE = 0x7f;
const MINUS = 0x2d;

/** A growing byte buffer of lines; see the module's description. */
export class LineBuffer {
  private bytes: Buffer = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private used = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.used;
  }

  /** Appends `text` as UTF-8. */
  text(text: string): void {
    this.reserve(text.length * MAX_BYTES_PER_UNIT);
    this.used += this.bytes.write(text, this.used);
  }

  /** Appends bytes (an ASCII constant encoded once). */
  ascii(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    const { used } = this;
    for (let at = 0; at < bytes.length; at++) this.bytes[used + at] = bytes[at]!;
    this.used += bytes.length;
  }

  /**
   * Appends bytes `start` to `end` of `source` (UTF-8 already: JSON copied from elsewhere). With
   * `TypedArray#set`, as {@link copyTo}: for the few hundred bytes of a record, `Buffer#copy`'s
   * call into C++ cost more than the copy (a fifth of the task registry's time).
   */
  bytesOf(source: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.bytes.set(source.subarray(start, end), this.used);
    this.used += end - start;
  }

  /** Copies bytes `start` to `end` (default: all) into `target` at `at`. */
  copyTo(target: Uint8Array, at: number, start = 0, end = this.used): void {
    target.set(this.bytes.subarray(start, end), at);
  }

  /**
   * Appends `text` as is if every character of it is printable ASCII other than `"` and `\`
   * (text that JSON and UTF-8 both write unchanged), and returns true; else appends nothing and
   * returns false.
   */
  plainAscii(text: string): boolean {
    this.reserve(text.length);
    const { bytes, used } = this;
    for (let at = 0; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code < SPACE || code >= DELETE || code === QUOTE || code === BACKSLASH) return false;
      bytes[used + at] = code;
    }
    this.used += text.length;
    return true;
  }

  /**
   * Appends `text` between double quotes (a JSON string) if every character of it is printable
   * ASCII other than `"` and `\`, and returns true; else appends nothing and returns false. One
   * bounds check for the three parts: most of what the JSON writer writes is short keys and values.
   */
  quotedPlainAscii(text: string): boolean {
    this.reserve(text.length + 2);
    const { bytes } = this;
    const start = this.used + 1;
    for (let at = 0; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code < SPACE || code >= DELETE || code === QUOTE || code === BACKSLASH) return false;
      bytes[start + at] = code;
    }
    bytes[start - 1] = QUOTE;
    bytes[start + text.length] = QUOTE;
    this.used = start + text.length + 1;
    return true;
  }

  /** Appends one byte (an ASCII character's code). */
  byte(code: number): void {
    this.reserve(1);
    this.bytes[this.used++] = code;
  }

  /** Appends the decimal digits of a safe integer (as `String(value)` writes them). */
  digits(value: number): void {
    if (value < 0) this.byte(MINUS);
    let rest = Math.abs(value);
    let count = 1;
    for (let left = rest; left >= 10; left = Math.floor(left / 10)) count++;
    this.reserve(count);
    for (let at = this.used + count - 1; at >= this.used; at--) {
      this.bytes[at] = DIGIT_ZERO + (rest % 10);
      rest = Math.floor(rest / 10);
    }
    this.used += count;
  }

  /** Appends `width` spaces, to be filled later by {@link digitsAt}. */
  gap(width: number): void {
    this.reserve(width);
    this.bytes.fill(SPACE, this.used, this.used + width);
    this.used += width;
  }

  /**
   * Writes the digits of a non-negative safe integer into the gap of `width` bytes at `at` (see
   * {@link gap}), and closes what the digits leave of it (the bytes after it move back).
   */
  digitsAt(at: number, width: number, value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0 && value < 10 ** width)) throw new RangeError(`LineBuffer.digitsAt: ${value} is not a non-negative integer of at most ${width} digits`);
    const after = this.used;
    this.used = at;
    this.digits(value);
    const unused = at + width - this.used;
    this.bytes.copyWithin(this.used, at + width, after);
    this.used = after - unused;
  }

  /** The bytes from `start` to `end` (a view, valid until the next append). */
  view(start: number, end = this.used): Buffer {
    return this.bytes.subarray(start, end);
  }

  /** Drops the bytes from `length` on (what was appended after {@link length} read `length`). */
  truncate(length: number): void {
    this.used = length;
  }

  /** Appends a newline. */
  newline(): void {
    this.reserve(1);
    this.bytes[this.used++] = NEWLINE;
  }

  /** Writes bytes `start` to `end` (default: all) at the end of file `fd`; a short write goes on from where it stopped. */
  writeTo(fd: number, start = 0, end = this.used): void {
    for (let offset = start; offset < end;) offset += writeSync(fd, this.bytes, offset, end - offset);
  }

  /** Writes bytes 0 to `end` (default: all) into file `fd` at byte `position` (a positional write); a short write goes on from where it stopped. */
  writeAt(fd: number, position: number, end = this.used): void {
    for (let offset = 0; offset < end;) offset += writeSync(fd, this.bytes, offset, end - offset, position + offset);
  }

  /** Drops the bytes before `start`, moving the rest to the front (byte offsets then count from `start`). */
  dropBefore(start: number): void {
    this.bytes.copyWithin(0, start, this.used);
    this.used -= start;
  }

  /** Drops everything. */
  clear(): void {
    this.used = 0;
    if (this.bytes.length > KEPT_BYTES) this.bytes = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  }

  /** Makes room for `more` bytes after what is written (doubling, so appends cost amortised O(1)). */
  private reserve(more: number): void {
    const needed = this.used + more;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }
}
