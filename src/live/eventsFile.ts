/**
 * `events.jsonl`, the audit trail of a data directory: every engine event as one JSON line (the
 * same records as `fleetsim run --events`, without strategy and replication).
 *
 * It follows the write-ahead log: the events of input `seq` are written once `seq` is durable
 * (never before, so the file never holds an event whose input a crash could lose), without an
 * fsync of their own (the log is the durable record; the file is fsynced on close), in one
 * synchronous write (a page-cache copy) on the loop's turn after a group commit returns: off the
 * path from the fsync to the commands and answers it releases, which go first. Lines wait as
 * UTF-8 bytes in a {@link LineBuffer}, not as strings. On recovery
 * {@link EventsReconciler} brings it in line with what replaying the log regenerates: the lines
 * already there are checked one by one, a torn last line is cut off, missing events are appended,
 * and none is ever written twice.
 */
import { appendFileSync, closeSync, existsSync, fsync, openSync, truncateSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { EventRecord } from '../engine/eventRecord.js';
import { TRANSITIONS } from '../engine/lifecycle.js';
import type { EngineEvent } from '../engine/messages.js';
import { InputError } from '../scenario/errors.js';
import { appendEventLine } from './eventLine.js';
import { LineReader, type Line } from './lineReader.js';
import { LineBuffer } from './lineBuffer.js';

/** Written lines at the front of an {@link EventsWriter}'s queue before it is compacted. */
const COMPACT_AFTER_LINES = 1024;

/** Lines the queue's per-line arrays hold at first (they double when full). */
const INITIAL_QUEUE_LINES = 4096;

/** Events awaiting their input's durability, then written in order. */
export class EventsWriter {
  private readonly fd: number;
  private readonly fsync: boolean;
  /** Queued lines, each with its newline, from line `head` on (the lines before it were written). */
  private readonly lines = new LineBuffer();
  /**
   * Per queued line: its input's number, and the byte offset in `lines` just past it (typed
   * arrays, reused: queueing a line allocates nothing on the heap).
   */
  private seqs = new Float64Array(INITIAL_QUEUE_LINES);
  private ends = new Float64Array(INITIAL_QUEUE_LINES);
  /** Lines in `seqs` and `ends`, written or not. */
  private count = 0;
  private head = 0;
  /** Lines of the file so far: those it held when this writer took over, and those written since. */
  private written = 0;
  /** CRC-32 of the file's lines so far (see {@link EventsWriter.resume}). */
  private crc = 0;
  /** Lines whose CRC-32 was asked for by {@link EventsWriter.requestCrcThrough}, until they are written; -1: none. */
  private crcWanted = -1;
  /** The CRC-32 asked for, once its lines are written: of how many lines, and its value. */
  private crcKept: { readonly lines: number; readonly crc: number } | undefined;
  /** The last input known durable: lines of inputs up to it may be written. */
  private durableSeq = 0;
  /** A write is due on the next turn of the loop. */
  private scheduled = false;
  private closed = false;
  private failure: Error | undefined;

  /**
   * @param path - the file, opened for appending (created when absent).
   * @param options - `fsync`: whether {@link EventsWriter.close} fsyncs the file (default true).
   */
  constructor(path: string, options: { readonly fsync?: boolean } = {}) {
    this.fd = openSync(path, 'a');
    this.fsync = options.fsync ?? true;
  }

  /** Queues the line of an event of input `seq`. */
  append(line: string, seq: number): void {
    this.lines.text(line);
    this.queued(seq);
  }

  /** Queues the line of an event of input `seq`: `JSON.stringify(eventRecord(event))`'s bytes, with no line string made (see eventLine.ts). */
  appendEvent(event: EngineEvent, seq: number): void {
    appendEventLine(this.lines, event);
    this.queued(seq);
  }

  /** The line just added to `lines` is one of input `seq`. */
  private queued(seq: number): void {
    this.lines.newline();
    if (this.count === this.seqs.length) {
      this.seqs = grown(this.seqs);
      this.ends = grown(this.ends);
    }
    this.seqs[this.count] = seq;
    this.ends[this.count] = this.lines.length;
    this.count++;
  }

  /**
   * Inputs up to `durableSeq` are durable: every queued line of theirs is written on the next
   * turn of the loop (after what the group commit released; {@link sync} and {@link close}
   * write them at once).
   */
  release(durableSeq: number): void {
    if (durableSeq > this.durableSeq) this.durableSeq = durableSeq;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.writeReleased);
  }

  /** Writes every queued line whose input is durable (`seq` ≤ the last released). */
  private readonly writeReleased = (): void => {
    this.scheduled = false;
    if (this.closed) return;
    const { head } = this;
    let end = head;
    while (end < this.count && this.seqs[end]! <= this.durableSeq) end++;
    if (end === head) return;
    const start = head === 0 ? 0 : this.ends[head - 1]!;
    const stop = this.ends[end - 1]!;
    this.checksum(start, stop, head, end);
    this.writeBytes(start, stop);
    this.written += end - head;
    if (end === this.count) {
      this.lines.clear();
      this.count = 0;
      this.head = 0;
    } else if (end > COMPACT_AFTER_LINES && end * 2 > this.count) {
      // What was written is dropped now and then, not moved out of the queue on every write.
      const dropped = this.ends[end - 1]!;
      this.lines.dropBefore(dropped);
      this.seqs.copyWithin(0, end, this.count);
      this.ends.copyWithin(0, end, this.count);
      this.count -= end;
      for (let at = 0; at < this.count; at++) this.ends[at]! -= dropped;
      this.head = 0;
    } else {
      this.head = end;
    }
  };

  /** Carries the running CRC-32 over queued lines `head` to `end` (bytes `start` to `stop`), keeping it where it was asked for. */
  private checksum(start: number, stop: number, head: number, end: number): void {
    const wantedAt = this.crcWanted - this.written;
    if (wantedAt > 0 && wantedAt <= end - head) {
      const cut = this.ends[head + wantedAt - 1]!;
      this.crc = crc32(this.lines.view(start, cut), this.crc);
      this.crcKept = { lines: this.crcWanted, crc: this.crc };
      this.crcWanted = -1;
      start = cut;
    }
    this.crc = crc32(this.lines.view(start, stop), this.crc);
  }

  /**
   * This writer continues a file of `lines` lines whose CRC-32 is `crc` (what recovery read and
   * appended): the lines it writes count on from there.
   */
  resume(lines: number, crc: number): void {
    this.written = lines;
    this.crc = crc;
  }

  /**
   * Asks for the CRC-32 of the file's first `lines` lines, every one of them written or queued
   * (a snapshot's events); {@link EventsWriter.crcThrough} gives it once they are written.
   */
  requestCrcThrough(lines: number): void {
    if (lines < this.written) throw new Error(`events file: the CRC of its first ${lines} lines was asked for after ${this.written} were written`);
    if (lines === this.written) this.crcKept = { lines, crc: this.crc };
    else this.crcWanted = lines;
  }

  /** The CRC-32 asked for by {@link EventsWriter.requestCrcThrough}, once {@link sync} wrote its lines. */
  crcThrough(lines: number): number {
    if (this.crcKept?.lines !== lines) throw new Error(`events file: no CRC of its first ${lines} lines was kept`);
    return this.crcKept.crc;
  }

  /** Lines written. */
  get linesWritten(): number {
    return this.written;
  }

  /**
   * Resolves once every line released so far is written (and fsynced, when the writer fsyncs):
   * a snapshot counting those events may then be written.
   */
  async sync(): Promise<void> {
    this.writeReleased();
    if (this.failure !== undefined) throw this.failure;
    if (this.fsync) await new Promise<void>((resolve, reject) => fsync(this.fd, (error) => (error === null ? resolve() : reject(error))));
  }

  /** Writes what is released, fsyncs, closes. Lines of inputs not durable are dropped (their inputs may be lost too). */
  async close(): Promise<void> {
    this.writeReleased();
    if (this.fsync && this.failure === undefined) await new Promise<void>((resolve, reject) => fsync(this.fd, (error) => (error === null ? resolve() : reject(error))));
    this.closed = true;
    closeSync(this.fd);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Closes the file at once, writing nothing more (an open that failed). */
  abandon(): void {
    this.closed = true;
    closeSync(this.fd);
  }

  /** Writes bytes `start` to `end` of the queue (once the writer failed, nothing more). */
  private writeBytes(start: number, end: number): void {
    if (this.failure !== undefined) return;
    try {
      this.lines.writeTo(this.fd, start, end);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
  }
}

/** A copy of `values` twice as long. */
function grown(values: Float64Array): Float64Array<ArrayBuffer> {
  const copy = new Float64Array(values.length * 2);
  copy.set(values);
  return copy;
}

/** Fields each kind of event record must carry, and of what type, for a history to be rebuilt from it. */
const RECORD_FIELDS: Readonly<Record<string, Readonly<Record<string, 'string' | 'number' | 'object' | 'state'>>>> = {
  submitted: { task: 'string', seq: 'number', spec: 'object' },
  transition: { task: 'string', from: 'state', to: 'state', attempt: 'number' },
  agentJoined: { agent: 'string', capacity: 'number' },
  agentLeft: { agent: 'string' },
  agentDraining: { agent: 'string' },
  prewarm: { agent: 'string' },
  staleResult: { task: 'string', attempt: 'number' },
  offerMade: { task: 'string', agent: 'string', offer: 'number' },
  offerAnswered: { task: 'string', agent: 'string' },
  duplicateClaim: { task: 'string', agent: 'string' },
  scaled: { pool: 'string', direction: 'string' },
  admin: { op: 'string' },
};

/**
 * Reads back the lines of the events file that rebuild a history (those before a snapshot, which
 * no replay regenerates), in order: each must be {@link parseHistoryLine}'s record, at a time no
 * earlier than the line before's.
 * @returns a function of (line, 1-based line number) to its record, throwing an InputError
 *   naming `file` and the line otherwise
 */
export function historyLineParser(file: string): (text: string, lineNumber: number) => EventRecord {
  let latest = Number.NEGATIVE_INFINITY;
  return (text, lineNumber) => {
    const record = parseHistoryLine(text, file, lineNumber);
    const time = record['time'] as number;
    if (time < latest) throw new InputError(file, `line ${lineNumber}, field time`, `expected events in time order, got ${time} after ${latest}`);
    latest = time;
    return record;
  };
}

/**
 * One line of the events file read back as a record for rebuilding a history: JSON of an object
 * with a known `kind`, a finite `time` and the fields of its kind, of their types (a
 * submission's `spec` with a string `id`). This checks the line's form; its content is checked
 * by the CRC-32 a snapshot records of the lines before it.
 * @throws InputError naming the file and line when it is not such a record
 */
export function parseHistoryLine(text: string, file: string, lineNumber: number): EventRecord {
  const where = `line ${lineNumber}`;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, where, `expected an event as JSON, got malformed JSON (${(error as Error).message})`);
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new InputError(file, where, 'expected an event (a JSON object)');
  const fields = record as EventRecord;
  const kind = fields['kind'];
  const required = typeof kind === 'string' && Object.hasOwn(RECORD_FIELDS, kind) ? RECORD_FIELDS[kind]! : undefined;
  if (required === undefined) throw new InputError(file, `${where}, field kind`, `expected a kind of event, got ${JSON.stringify(kind) ?? 'nothing'}`);
  if (!Number.isFinite(fields['time'])) throw new InputError(file, `${where}, field time`, `expected a number of seconds, got ${JSON.stringify(fields['time']) ?? 'nothing'}`);
  for (const [name, type] of Object.entries(required)) {
    const value = fields[name];
    const ok = type === 'state' ? typeof value === 'string' && Object.hasOwn(TRANSITIONS, value)
      : type === 'object' ? value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string'
        : type === 'number' ? Number.isFinite(value) : typeof value === type;
    if (!ok) throw new InputError(file, `${where}, field ${name}`, `expected ${type === 'state' ? 'a task state' : type === 'object' ? 'a task spec with an id' : `a ${type}`} in a ${kind} event, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return fields;
}

const APPEND_BATCH_BYTES = 1 << 16;
const NEWLINE = '\n';

/**
 * Checks an existing events file against the events a replay regenerates, line by line, in
 * bounded memory; appends those the file lacks. Call {@link EventsReconciler.accept} for every
 * regenerated line in order, then {@link EventsReconciler.finish}.
 */
export class EventsReconciler {
  private reader: LineReader | undefined;
  private readonly batch: string[] = [];
  private batchBytes = 0;
  /** Lines accepted so far. */
  private count = 0;
  /** CRC-32 of the lines accepted so far, each with its newline (those skipped included). */
  private crc = 0;
  /** Lines appended because the file lacked them. */
  appended = 0;
  /** Whether a torn last line was cut off. */
  tornLineDropped = false;
  /**
   * The first line that differed, as an {@link InputError} to throw (`accept` runs inside an
   * engine input, where throwing would leave the engine half-way: the caller throws it after).
   */
  mismatch: InputError | undefined;

  /**
   * @param path - the events file (absent: every line is appended).
   * @param name - how errors name it.
   * @param skipLines - lines at the start that the replay does not regenerate (they precede a
   *   snapshot); each is handed to `onSkipped` with its 1-based line number.
   * @param skippedCrc - the CRC-32 the snapshot recorded of those lines, when it did: they must
   *   still have it (else an InputError: the audit trail before the snapshot was changed).
   */
  constructor(private readonly path: string, private readonly name: string, skipLines = 0, onSkipped?: (line: string, lineNumber: number) => void, skippedCrc?: number) {
    if (!existsSync(path)) {
      if (skipLines > 0) throw new InputError(name, '', `missing: the snapshot accounts for its first ${skipLines} events`);
      return;
    }
    this.reader = new LineReader(path);
    for (let skipped = 0; skipped < skipLines; skipped++) {
      const line = this.reader.next();
      if (line === undefined || !line.terminated) {
        throw new InputError(name, `line ${skipped + 1}`, `the file ends before the ${skipLines} events the snapshot accounts for`);
      }
      onSkipped?.(line.text, skipped + 1);
      this.counted(line.text);
    }
    if (skippedCrc !== undefined && skipLines > 0 && this.crc !== skippedCrc) {
      throw new InputError(name, `lines 1-${skipLines}`, `their CRC-32 is ${this.crc}, not the ${skippedCrc} the snapshot recorded: the audit trail before the snapshot was changed or damaged`);
    }
  }

  /** The lines accepted so far and their CRC-32: what the file holds once {@link finish} returned. */
  get accepted(): { readonly lines: number; readonly crc: number } {
    return { lines: this.count, crc: this.crc };
  }

  /** One more line of the file, in order. */
  private counted(text: string): void {
    this.count++;
    this.crc = crc32(NEWLINE, crc32(text, this.crc));
  }

  /**
   * One regenerated event line: checked against the file's next line while the file has one,
   * queued for appending once it has none. A line that differs is recorded in {@link mismatch}
   * and ends the reconciliation.
   */
  accept(text: string): void {
    if (this.mismatch !== undefined) return;
    this.counted(text);
    if (this.reader !== undefined) {
      const line = this.reader.next();
      if (line !== undefined && line.terminated) {
        if (line.text !== text) {
          this.mismatch = new InputError(this.name, `line ${line.number}`, 'differs from the event the write-ahead log replays to: the audit trail does not match the log');
          this.reader.close();
        }
        return;
      }
      this.cut(line);
    }
    this.batch.push(text);
    this.batchBytes += text.length + 1;
    if (this.batchBytes >= APPEND_BATCH_BYTES) this.flush();
  }

  /**
   * After the last regenerated line: cuts off a torn last line, appends what is queued. Throws
   * an {@link InputError} when the file holds complete events the log does not account for.
   */
  finish(): void {
    if (this.mismatch !== undefined) throw this.mismatch;
    if (this.reader !== undefined) {
      const line = this.reader.next();
      if (line !== undefined && line.terminated) {
        throw new InputError(this.name, `line ${line.number}`, `an event the write-ahead log does not account for (the log replays to ${this.count} events)`);
      }
      this.cut(line);
    }
    this.flush();
  }

  /** The file is exhausted at `line` (undefined: its end; else a torn last line, cut off). */
  private cut(line: Line | undefined): void {
    this.reader?.close();
    this.reader = undefined;
    if (line !== undefined) {
      truncateSync(this.path, line.offset);
      this.tornLineDropped = true;
    }
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    appendFileSync(this.path, `${this.batch.join('\n')}\n`);
    this.appended += this.batch.length;
    this.batch.length = 0;
    this.batchBytes = 0;
  }
}
