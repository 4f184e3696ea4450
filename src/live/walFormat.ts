/**
 * The write-ahead log's line format. A log file (`wal.jsonl`) starts with a header line,
 * then holds one engine input per line:
 *
 * ```text
 * {"fleetsim":"wal","version":1,"epochMs":1764806400000,"firstSeq":1,"generation":0}
 * {"seq":1,"crc":2868735142,"input":{"kind":"submit","now":0.25,"task":{…}}}
 * ```
 *
 * `crc` is the CRC-32 of the sequence number's digits followed by the `input` text exactly as
 * written, so a line cut short or altered anywhere is caught without trusting the JSON parser. Inputs are JSON with two extensions the engine's
 * inputs need: a `Set` (an agent's resident context keys) is written `{"$set":[…]}`, and a
 * non-finite number `{"$number":"Infinity"}`.
 *
 * No line holds a raw NUL byte (JSON escapes every control character, `\u0000`), so a log file
 * may be padded with NUL bytes past its last line (see walPreallocation.ts): its content ends
 * at its first NUL. A crash can leave written but unsynced bytes of up to
 * {@link TORN_TAIL_BYTES} past that point (pages written back out of order); more is damage.
 */
import { crc32 } from 'node:zlib';
import type { EngineInput } from '../engine/messages.js';
import { appendJson } from './jsonBytes.js';
import type { LineBuffer } from './lineBuffer.js';

/** The format version this build writes and reads. */
export const WAL_VERSION = 1;

/**
 * The most bytes a log's writer has written past the end of its last completed fsync at any
 * moment (it splits a larger group, and waits for an fsync before writing past it): the torn
 * region a crash can leave. Data further than this past the first NUL byte of a file was never
 * torn by a crash.
 */
export const TORN_TAIL_BYTES = 1 << 20;

/** The first line of a log file. */
export interface WalHeader {
  /** Marks the file as a fleetsim log. */
  readonly fleetsim: 'wal';
  /** Log file format version. */
  readonly version: number;
  /** Wall-clock milliseconds (Unix epoch) of the data directory's time 0: the default clock counts from it. */
  readonly epochMs: number;
  /** Sequence number of the first input this file holds. */
  readonly firstSeq: number;
  /**
   * The engine generation its inputs are fed to: 0 for the first engine, n after the n-th
   * compaction (the writer swapped its engine for one restored from a snapshot taken after
   * input `firstSeq − 1`; a replay crossing into this file does the same).
   */
  readonly generation: number;
}

/** One input read back, with its number. */
export interface WalEntry {
  /** The input's sequence number. */
  readonly seq: number;
  /** The input. */
  readonly input: EngineInput;
}

/** Why a line cannot be read (the caller decides whether it is a torn tail or corruption). */
export class WalLineError extends Error {
  /** The error class's name, as stack traces and `error.name` checks read it. */
  override readonly name = 'WalLineError';
}

const INPUT_FIELD = ',"input":';

/** The constant parts of an input line, as bytes for {@link appendEntry}. */
const SEQ_FIELD_BYTES = Buffer.from('{"seq":');
const CRC_FIELD_BYTES = Buffer.from(',"crc":');
const INPUT_FIELD_BYTES = Buffer.from(INPUT_FIELD);
const LINE_END_BYTES = Buffer.from('}\n');

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Set) return { $set: [...(value as Set<unknown>)] };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as { $set?: unknown; $number?: unknown };
  if (Array.isArray(record.$set) && Object.keys(record).length === 1) return new Set(record.$set);
  if (typeof record.$number === 'string' && Object.keys(record).length === 1) return Number(record.$number);
  return value;
}

/** CRC-32 of a line's sequence number (as written) and input text. */
function checksum(seqDigits: string, text: string): number {
  return crc32(text, crc32(seqDigits));
}

/** The header line (without its newline). */
export function formatHeader(header: Omit<WalHeader, 'fleetsim' | 'version'>): string {
  return JSON.stringify({ fleetsim: 'wal', version: WAL_VERSION, epochMs: header.epochMs, firstSeq: header.firstSeq, generation: header.generation });
}

/** Reads a header line; throws {@link WalLineError} when it is not one this build reads. */
export function parseHeader(text: string): WalHeader {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new WalLineError('not a write-ahead log header (not JSON)');
  }
  const header = value as Partial<WalHeader> | null;
  if (header === null || typeof header !== 'object' || header.fleetsim !== 'wal') throw new WalLineError('not a write-ahead log header');
  if (header.version !== WAL_VERSION) throw new WalLineError(`write-ahead log format version ${String(header.version)}, this build reads version ${WAL_VERSION}`);
  if (typeof header.epochMs !== 'number' || !Number.isFinite(header.epochMs)) throw new WalLineError('header: epochMs must be a number');
  if (!Number.isInteger(header.firstSeq) || header.firstSeq! < 1) throw new WalLineError('header: firstSeq must be a positive integer');
  if (!Number.isInteger(header.generation) || header.generation! < 0) throw new WalLineError('header: generation must be an integer >= 0');
  return header as WalHeader;
}

/** Whether plain JSON writes `value` as is: no `Set`, no non-finite number anywhere in it. */
function plainJson(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (value instanceof Set) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!plainJson(item)) return false;
    return true;
  }
  for (const key in value) if (!plainJson((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** Digits of the largest CRC-32. */
const CRC_WIDTH = 10;

/** The `input` text of a line. */
function inputText(input: EngineInput): string {
  // The replacer is called for every value: checking first and writing without it is several times cheaper.
  return plainJson(input) ? JSON.stringify(input) : JSON.stringify(input, replacer);
}

/** The line of input number `seq` (without its newline). */
export function formatEntry(seq: number, input: EngineInput): string {
  const text = inputText(input);
  return `{"seq":${seq},"crc":${checksum(String(seq), text)}${INPUT_FIELD}${text}}`;
}

/**
 * Appends the line of input number `seq` (a positive integer) and its newline to `lines`: the
 * bytes of {@link formatEntry}'s line and a newline, with no line string made on the heap (the
 * input's JSON is written straight into the buffer, see jsonBytes.ts, and the checksum read
 * from there). An input that cannot be written (it throws) adds nothing.
 */
export function appendEntry(lines: LineBuffer, seq: number, input: EngineInput): void {
  const start = lines.length;
  lines.ascii(SEQ_FIELD_BYTES);
  lines.digits(seq);
  lines.ascii(CRC_FIELD_BYTES);
  // The checksum covers the text that follows it: its place is kept, filled once the text is in.
  const crcAt = lines.length;
  lines.gap(CRC_WIDTH);
  lines.ascii(INPUT_FIELD_BYTES);
  const textAt = lines.length;
  try {
    appendJson(lines, input, inputText);
  } catch (error) {
    lines.truncate(start);
    throw error;
  }
  const crc = crc32(lines.view(textAt), crc32(String(seq)));
  lines.ascii(LINE_END_BYTES);
  lines.digitsAt(crcAt, CRC_WIDTH, crc);
}

/** Reads an input line; throws {@link WalLineError} when it is cut short, altered or not an input. */
export function parseEntry(line: string): WalEntry {
  const at = line.indexOf(INPUT_FIELD);
  const head = /^\{"seq":(\d+),"crc":(\d+)$/.exec(at < 0 ? '' : line.slice(0, at));
  if (head === null || !line.endsWith('}')) throw new WalLineError('not a write-ahead log entry');
  const text = line.slice(at + INPUT_FIELD.length, -1);
  if (checksum(head[1]!, text) !== Number(head[2])) throw new WalLineError('checksum mismatch');
  let input: unknown;
  try {
    input = JSON.parse(text, reviver);
  } catch {
    throw new WalLineError('input is not JSON');
  }
  const candidate = input as { kind?: unknown; now?: unknown } | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.kind !== 'string' || typeof candidate.now !== 'number') {
    throw new WalLineError('not an engine input');
  }
  return { seq: Number(head[1]), input: input as EngineInput };
}
