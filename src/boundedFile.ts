/**
 * Reading a whole file a user hands over (a scenario, a results document, a baseline, a token
 * file) with a limit on its size: every such read goes through {@link readBoundedText}, each
 * kind of file with its own limit and its own advice for a file over it.
 *
 * The file is read in a loop up to one byte past the limit rather than by the size `stat`
 * reports, so a device or a pipe that never ends (/dev/zero) is refused as too big instead of
 * filling memory. A pipe or FIFO is read like a file (`--token-file <(…)` keeps tokens off the
 * disk); reading one blocks until its writer writes or closes it, as `cat` would.
 *
 * Files read line by line (traces, event logs) may be of any length, but each line is bounded
 * by {@link MAX_LINE_BYTES}.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { withoutByteOrderMark } from './byteOrderMark.js';
import { jsonNestingOver, MAX_NESTING_DEPTH } from './nestingDepth.js';
import { InputError, firstLineOf, systemErrorReason } from './scenario/errors.js';

/** A kind of file, as its limit and its messages describe it. */
export interface BoundedFileKind {
  /** What the file is, for messages: `scenario file`, `results document`. */
  readonly name: string;
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
  /** What to do about a file over {@link BoundedFileKind.maxBytes}. */
  readonly tooBigAdvice: string;
  /** The syntax the file is written in, for the message about a binary file: `JSON`, `YAML or JSON`. */
  readonly syntax: string;
  /** The start of the message when the file cannot be read (default `cannot read file`). */
  readonly cannotRead?: string;
  /** What to do about a file that cannot be read, if there is advice to give. */
  readonly cannotReadAdvice?: string;
}

/**
 * The text of `file`: at most `kind.maxBytes` bytes of UTF-8, without the byte-order mark it may
 * start with.
 * @throws InputError naming the file when it cannot be read, is larger than the limit, or holds
 * binary data (a NUL byte or invalid UTF-8)
 */
export function readBoundedText(file: string, kind: BoundedFileKind): string {
  return withoutByteOrderMark(decodeText(readBoundedBytes(file, kind), file, kind));
}

/**
 * Longest line of a trace or an event log, in bytes (1 MiB). The longest in the public traces
 * is 2.7 KB (a Mooncake row and its block ids), in the event logs of the library's scenarios
 * 1.7 KB; a file without newlines (/dev/zero) would otherwise grow one line until memory ran out.
 */
export const MAX_LINE_BYTES = 1 << 20;

/** Largest limit a kind may have: the text must fit in one V8 string (~512 Mi characters). */
export const MAX_BOUNDED_BYTES = 256 * (1 << 20);

/** The first read's buffer, in bytes: most files of every kind fit. */
const FIRST_READ_BYTES = 1 << 16;

/** The file's bytes, at most `kind.maxBytes`; read in a loop (see the module's comment). */
function readBoundedBytes(file: string, kind: BoundedFileKind): Buffer {
  if (!(kind.maxBytes > 0 && kind.maxBytes <= MAX_BOUNDED_BYTES)) throw new Error(`readBoundedText: limit ${kind.maxBytes} outside (0, ${MAX_BOUNDED_BYTES}]`);
  // Grown as the file turns out longer: a small file does not cost a buffer of the limit's size.
  let buffer: Buffer = Buffer.allocUnsafe(Math.min(FIRST_READ_BYTES, kind.maxBytes + 1));
  let length = 0;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    for (let read = -1; read !== 0 && length <= kind.maxBytes;) {
      if (length === buffer.length) buffer = grown(buffer, Math.min(buffer.length * 2, kind.maxBytes + 1));
      read = readSync(fd, buffer, length, buffer.length - length, null);
      length += read;
    }
  } catch (error) {
    const advice = kind.cannotReadAdvice === undefined ? '' : `; ${kind.cannotReadAdvice}`;
    throw new InputError(file, '', `${kind.cannotRead ?? 'cannot read file'} (${systemErrorReason(error)})${advice}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (length > kind.maxBytes) {
    throw new InputError(file, '', `the file is larger than ${sizeText(kind.maxBytes)}, the most a ${kind.name} may be: ${kind.tooBigAdvice}`);
  }
  return buffer.subarray(0, length);
}

/** `buffer`'s bytes in a new buffer of `size` bytes. */
function grown(buffer: Buffer, size: number): Buffer {
  const larger = Buffer.allocUnsafe(size);
  buffer.copy(larger);
  return larger;
}

/** UTF-8 text; a NUL byte or invalid UTF-8 means a binary file, not one of this kind. */
function decodeText(bytes: Buffer, file: string, kind: BoundedFileKind): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    text = '\0';
  }
  if (text.includes('\0')) throw new InputError(file, '', `not ${kind.syntax}: the file holds binary data (is it the right file?)`);
  return text;
}

/** `1 MiB`, `256 MiB`, or bytes for a limit that is not a whole number of MiB or KiB. */
export function sizeText(bytes: number): string {
  if (bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes % (1 << 10) === 0) return `${bytes / (1 << 10)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The JSON value of `text`, the text of `file`.
 * @throws InputError naming the file when it is not JSON, or nests deeper than {@link MAX_NESTING_DEPTH}
 */
export function parseJsonText(text: string, file: string): unknown {
  if (jsonNestingOver(text)) {
    throw new InputError(file, '', `lists and objects nested more than ${MAX_NESTING_DEPTH} deep (fleetsim writes at most 10): is it the right file?`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(file, '', `invalid JSON: ${firstLineOf(error)}`);
  }
}
