/**
 * The write-ahead log of a data directory: {@link FileJournal} appends engine inputs to
 * `wal.jsonl` with group commit, {@link readWalFile} streams them back for recovery.
 *
 * Group commit: `append` only numbers the input and buffers its line; one write and one fsync
 * then cover every line appended since the previous write began, so under load many inputs
 * share one fsync, and an idle journal writes each input on the next turn of the event loop.
 * `whenDurable(seq)` resolves once the fsync covering `seq` has returned.
 *
 * Preallocation (on by default, {@link FileJournalOptions.preallocateBytes}): the file is kept
 * zeroed ahead of the writer (walPreallocation.ts) and each group is written at its place with a
 * positional write, so its fdatasync overwrites blocks the file has instead of growing it.
 *
 * Reading: the content ends at the first NUL byte (the padding). A last line that is cut short
 * or fails its checksum is a torn write (the process died mid-write, before the line was
 * durable, so nobody was told about it): it is dropped and cut off the file before appends
 * resume. So are the bytes of a torn tail past a gap of NULs, when they lie within
 * {@link TORN_TAIL_BYTES} of it (pages of unsynced groups written back out of order). A bad line
 * anywhere else, or data further past a gap, is corruption: an {@link InputError} naming the
 * file and the line.
 */
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { open as openFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EngineInput } from '../engine/messages.js';
import { InputError } from '../scenario/errors.js';
import type { Journal } from './journal.js';
import { LineBuffer } from './lineBuffer.js';
import { LineReader } from './lineReader.js';
import { appendEntry, formatHeader, parseEntry, parseHeader, TORN_TAIL_BYTES, WalLineError, type WalEntry, type WalHeader } from './walFormat.js';
import { endsInPadding, isPreallocateBytes, lastDataOffset, PREALLOCATE_BYTES, Preallocator, type PreallocationStats } from './walPreallocation.js';

/** How a {@link FileJournal} writes. */
export interface FileJournalOptions {
  /** Whether each write is followed by an fsync (fdatasync) before its inputs count as durable. Default true. */
  readonly fsync?: boolean;
  /** Fsyncs of the log under way at once, 1..{@link MAX_SYNCS_IN_FLIGHT}; default {@link SYNCS_IN_FLIGHT}. Fewer: larger groups, fewer fsyncs per input. */
  readonly syncsInFlight?: number;
  /**
   * Group-commit pacing (PostgreSQL's `commit_delay`), ms, 0..{@link MAX_COMMIT_INTERVAL_MS}; default
   * {@link COMMIT_INTERVAL_MS}. A group that could be written now while the previous one began
   * less than this long ago is held until this long after it (unless
   * {@link commitIntervalInputs} inputs are pending): fewer, larger groups, fewer fsync returns
   * waking the loop. The first input after a quiet spell is written at once. 0: no pacing.
   */
  readonly commitIntervalMs?: number;
  /** Pending inputs that end a held group's wait at once (default {@link COMMIT_INTERVAL_INPUTS}). */
  readonly commitIntervalInputs?: number;
  /**
   * Bytes zeroed ahead of the writer at once (see walPreallocation.ts), default
   * {@link PREALLOCATE_BYTES}; 0: none, each group is appended (every fdatasync then commits the
   * file's new size too). Ignored without `fsync` (nothing to spare).
   */
  readonly preallocateBytes?: number;
  /** The pacing's clock and timer (default `performance.now` and `setTimeout`); tests pass a manual one. */
  readonly pacingTimer?: PacingTimer;
  /** Called with the last sequence number a write covers, right before its fsync (for crash tests and tracing). */
  readonly beforeSync?: (seq: number) => void;
  /** Called with the file position of each zero piece of the preallocation right before it is written (for crash tests). */
  readonly beforeZeroing?: (position: number) => void;
  /** Called whenever `durableSeq` moves, with its new value. */
  readonly onDurable?: (seq: number) => void;
  /** Called after each group commit with its timing (tracing: `fleetsim serve --latency-probe`). */
  readonly onGroup?: (timing: GroupCommitTiming) => void;
}

/** One group commit of the log: how many inputs, how long the first waited, the write and the fsync. */
export interface GroupCommitTiming {
  /** Inputs in the group. */
  readonly inputs: number;
  /** First input of the group appended → the group's write began, ms. */
  readonly waitedMs: number;
  /** Of `waitedMs`, how long the group waited for a free fsync slot ({@link SYNCS_IN_FLIGHT} were under way), ms; 0 when one was free. */
  readonly slotWaitMs: number;
  /** The synchronous write (a page-cache copy), ms. */
  readonly writeMs: number;
  /** The fsync, ms (0 without fsync). */
  readonly syncMs: number;
}

/** The clock and the one-shot timer that {@link FileJournalOptions.commitIntervalMs} holds groups with. */
export interface PacingTimer {
  /** Milliseconds on a monotonic clock. */
  nowMs(): number;
  /** Calls `callback` once, about `delayMs` from now. */
  schedule(delayMs: number, callback: () => void): void;
}

/** The real clock and `setTimeout` (whole milliseconds: a hold shorter than 1 ms lasts 1 ms unless an append ends it). */
const REAL_PACING_TIMER: PacingTimer = {
  nowMs: () => performance.now(),
  schedule: (delayMs, callback) => {
    setTimeout(callback, delayMs);
  },
};

/** What a {@link FileJournal} has done. */
export interface JournalStats {
  /** Inputs appended. */
  inputs: number;
  /** Writes issued (each covers every line appended since the previous one). */
  writes: number;
  /** fsyncs completed. */
  fsyncs: number;
  /** The zeroed region ahead of the writer (absent without preallocation). */
  preallocation?: PreallocationStats;
}

/**
 * Fsyncs of the log under way at once. A group is written and its fsync started as soon as the
 * loop gets to it, not after the previous fsync returned: an input then waits for one fsync
 * instead of the rest of the one in flight plus its own. Overlapping fsyncs of one file proceed
 * together on these disks (measured: 1 at a time ~1,200/s, 2 ~2,700/s, p50 0.33 vs 0.37 ms).
 *
 * Three, not two: on ext4 concurrent fsyncs share journal commits, one committing and the next
 * gathering every fsync that arrives meanwhile. With two slots, a group arriving while both are
 * taken waited for the committing one to return and then missed the gathering commit (it
 * needed a third); a third slot lets it join the gathering one. One of the thread pool's four
 * threads stays free for the other file operations (compaction's).
 */
export const SYNCS_IN_FLIGHT = 3;

/** Most fsyncs {@link FileJournalOptions.syncsInFlight} allows (each takes a thread of Node's pool while it runs). */
export const MAX_SYNCS_IN_FLIGHT = 8;

/** Default {@link FileJournalOptions.commitIntervalMs}: no pacing. */
export const COMMIT_INTERVAL_MS = 0;

/** Most {@link FileJournalOptions.commitIntervalMs} allows. */
export const MAX_COMMIT_INTERVAL_MS = 100;

/** Default {@link FileJournalOptions.commitIntervalInputs}: a group this large is not held. */
export const COMMIT_INTERVAL_INPUTS = 256;

/** Whether `value` is a `commitIntervalMs` the log takes: a number 0..{@link MAX_COMMIT_INTERVAL_MS}. */
export function isCommitIntervalMs(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= MAX_COMMIT_INTERVAL_MS;
}

/** Whether `value` is a `syncsInFlight` the log takes: an integer 1..{@link MAX_SYNCS_IN_FLIGHT}. */
export function isSyncsInFlight(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_SYNCS_IN_FLIGHT;
}

/** The checked `syncsInFlight` of the options (a RangeError outside 1..{@link MAX_SYNCS_IN_FLIGHT}). */
function syncsInFlightOf(options: FileJournalOptions): number {
  const syncsInFlight = options.syncsInFlight ?? SYNCS_IN_FLIGHT;
  if (!isSyncsInFlight(syncsInFlight)) throw new RangeError(`syncsInFlight: expected an integer 1..${MAX_SYNCS_IN_FLIGHT}, got ${syncsInFlight}`);
  return syncsInFlight;
}

/** The checked `preallocateBytes` of the options (a RangeError when not a non-negative integer); 0 without fsync. */
function preallocateBytesOf(options: FileJournalOptions): number {
  const bytes = options.preallocateBytes ?? PREALLOCATE_BYTES;
  if (!isPreallocateBytes(bytes)) throw new RangeError(`preallocateBytes: expected an integer >= 0, got ${bytes}`);
  return options.fsync === false ? 0 : bytes;
}

/** The checked pacing of the options (a RangeError outside its ranges). */
function pacingOf(options: FileJournalOptions): { intervalMs: number; inputs: number } {
  const intervalMs = options.commitIntervalMs ?? COMMIT_INTERVAL_MS;
  if (!isCommitIntervalMs(intervalMs)) throw new RangeError(`commitIntervalMs: expected a number 0..${MAX_COMMIT_INTERVAL_MS}, got ${intervalMs}`);
  const inputs = options.commitIntervalInputs ?? COMMIT_INTERVAL_INPUTS;
  if (!(Number.isInteger(inputs) && inputs >= 1)) throw new RangeError(`commitIntervalInputs: expected an integer >= 1, got ${inputs}`);
  return { intervalMs, inputs };
}

/** Header fields of a log file that its writer chooses. */
export type SegmentHeader = Omit<WalHeader, 'fleetsim' | 'version'>;

/** The name of a sealed log file (one compaction left behind) that starts at input `firstSeq`. */
export function sealedSegmentName(firstSeq: number): string {
  return `wal-${String(firstSeq).padStart(12, '0')}.jsonl`;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** An {@link FileJournal.afterDurable} callback is never called once the journal failed. */
function ignoreFailure(): void {}

/** Fsyncs a directory, so that a file created or renamed in it survives a crash. */
export function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** {@link syncDirectory} without blocking the event loop. */
export async function syncDirectoryAsync(path: string): Promise<void> {
  const handle = await openFile(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * {@link writeFileAtomically} without blocking the event loop (for a running service: its
 * fsyncs would stop every request for as long as the disk takes); `fsync` false skips the
 * fsyncs (the write survives the process, not the machine).
 */
export async function writeFileAtomicallyAsync(path: string, text: string, fsync: boolean): Promise<void> {
  const temporary = `${path}.tmp`;
  const handle = await openFile(temporary, 'w');
  try {
    await handle.writeFile(text);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  if (fsync) await syncDirectoryAsync(dirname(path));
}

/** Writes a file whole or not at all: a temporary file, fsynced, renamed over `path`, directory fsynced. */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDirectory(dirname(path));
}

/**
 * A {@link Journal} on a log file, with group commit. Create the file with
 * {@link FileJournal.create}, or continue one that recovery read with {@link FileJournal.append}.
 */
export class FileJournal implements Journal {
  /** What the journal has done so far. */
  readonly stats: JournalStats = { inputs: 0, writes: 0, fsyncs: 0 };
  private fd: number;
  private readonly path: string;
  private header: SegmentHeader;
  /** A compaction's seal: the lines up to its input, written to the current file before the switch. */
  private sealing: { lines: LineBuffer; inputs: number; since: number; upTo: number; generation: number; done: () => void; failed: (error: Error) => void } | undefined;
  private readonly fsync: boolean;
  private readonly syncsInFlight: number;
  private readonly commitIntervalMs: number;
  private readonly commitIntervalInputs: number;
  private readonly pacingTimer: PacingTimer;
  /** When the last group's write began (pacing's clock; -Infinity before any). */
  private lastGroupAt = Number.NEGATIVE_INFINITY;
  /** A pacing timer is armed: the held group is written when it fires, if not before. */
  private held = false;
  private readonly beforeSync: ((seq: number) => void) | undefined;
  private readonly onDurable: ((seq: number) => void) | undefined;
  private readonly onGroup: ((timing: GroupCommitTiming) => void) | undefined;
  /** When the first line now in `pending` was appended (read only with `onGroup`). */
  private pendingSince = 0;
  /** When `pending` first found every fsync slot taken (0: it has not; read only with `onGroup`). */
  private slotsFullSince = 0;
  private seq: number;
  private durable: number;
  /** The lines appended since the last group's write (one buffer, reused: each write is synchronous). */
  private pending = new LineBuffer();
  /** Inputs whose lines are in `pending`. */
  private pendingInputs = 0;
  /** A pump is due on the next turn. */
  private scheduled = false;
  /** A rotation is switching files: nothing is written meanwhile. */
  private switching = false;
  /** The fsyncs under way, at most `syncsInFlight`. */
  private readonly syncs = new Set<Promise<void>>();
  private waiters: Waiter[] = [];
  private failure: Error | undefined;
  private closed = false;
  /** Where the next group is written: the end of the file's content. */
  private position: number;
  /** The end of what a completed fsync covers: the writer stays within {@link TORN_TAIL_BYTES} of it. */
  private syncedEnd: number;
  /** The zeroed region ahead of the writer (undefined without preallocation). */
  private readonly preallocator: Preallocator | undefined;

  private constructor(path: string, header: SegmentHeader, appendedSeq: number, options: FileJournalOptions) {
    this.path = path;
    this.header = header;
    this.syncsInFlight = syncsInFlightOf(options);
    const pacing = pacingOf(options);
    this.commitIntervalMs = pacing.intervalMs;
    this.commitIntervalInputs = pacing.inputs;
    this.pacingTimer = options.pacingTimer ?? REAL_PACING_TIMER;
    // Not 'a': positional writes into the zeroed region (O_APPEND would ignore their position).
    this.fd = openSync(path, 'r+');
    this.position = fstatSync(this.fd).size;
    this.syncedEnd = this.position;
    this.seq = appendedSeq;
    this.durable = appendedSeq;
    this.fsync = options.fsync ?? true;
    this.beforeSync = options.beforeSync;
    this.onDurable = options.onDurable;
    this.onGroup = options.onGroup;
    const preallocateBytes = preallocateBytesOf(options);
    if (preallocateBytes > 0) {
      this.preallocator = new Preallocator(preallocateBytes, () => this.pump(), (error) => this.fail(error), options.beforeZeroing);
      this.stats.preallocation = this.preallocator.stats;
      this.preallocator.attach(this.fd, this.position);
    }
  }

  /** Creates a new log file at `path` holding only its header (atomically: a crash leaves it whole or absent). */
  static create(path: string, header: SegmentHeader, options: FileJournalOptions = {}): FileJournal {
    // Checked before the file is made: a refused option leaves nothing behind.
    syncsInFlightOf(options);
    pacingOf(options);
    preallocateBytesOf(options);
    writeFileAtomically(path, `${formatHeader(header)}\n`);
    return new FileJournal(path, header, header.firstSeq - 1, options);
  }

  /**
   * Appends to an existing log file, whose header is `header` and last input `appendedSeq`: the
   * file must end at its last good line (its torn tail and padding cut off, see `cutLogFile`).
   */
  static append(path: string, header: SegmentHeader, appendedSeq: number, options: FileJournalOptions = {}): FileJournal {
    if (endsInPadding(path)) throw new Error(`FileJournal.append: ${path} ends in padding (NUL bytes): cut it at its last good line first (cutLogFile)`);
    return new FileJournal(path, header, appendedSeq, options);
  }

  /** {@inheritDoc Journal.appendedSeq} */
  get appendedSeq(): number {
    return this.seq;
  }

  /** {@inheritDoc Journal.durableSeq} */
  get durableSeq(): number {
    return this.durable;
  }

  /** Numbers the input and buffers its line; it is written with the next group. Throws once the journal failed or closed. */
  append(input: EngineInput): number {
    if (this.failure !== undefined) throw new Error(`the write-ahead log failed: ${this.failure.message}`, { cause: this.failure });
    if (this.closed) throw new Error('the write-ahead log is closed');
    // Formatted first: an input that cannot be written (appendEntry throws, adding nothing) takes no number.
    appendEntry(this.pending, this.seq + 1, input);
    const seq = ++this.seq;
    if (this.onGroup !== undefined && this.pendingInputs === 0) this.pendingSince = performance.now();
    this.pendingInputs++;
    this.stats.inputs++;
    this.startFlushing();
    return seq;
  }

  private startFlushing(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // On the next turn: every input appended meanwhile joins this write.
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** {@inheritDoc Journal.whenDurable} */
  whenDurable(seq: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (seq <= this.durable) return Promise.resolve();
    return new Promise((resolve, reject) => this.wait({ seq, resolve, reject }));
  }

  /** {@inheritDoc Journal.afterDurable} */
  afterDurable(seq: number, callback: () => void): void {
    if (this.failure !== undefined) return;
    if (seq <= this.durable) callback();
    else this.wait({ seq, resolve: callback, reject: ignoreFailure });
  }

  private wait(waiter: Waiter): void {
    // Kept in order of seq (callers mostly ask in order: the search is short).
    let at = this.waiters.length;
    while (at > 0 && this.waiters[at - 1]!.seq > waiter.seq) at--;
    if (at === this.waiters.length) this.waiters.push(waiter);
    else this.waiters.splice(at, 0, waiter);
  }

  /**
   * Compaction: ends the current file after the last input appended so far. Once those inputs
   * are durable, the file is renamed to its sealed name ({@link sealedSegmentName}) and a new
   * `path` is created, starting at the next input, for engine generation `generation`; inputs
   * appended meanwhile go to the new file. Resolves once the new file is in place.
   */
  rotate(generation: number): Promise<void> {
    if (this.sealing !== undefined) return Promise.reject(new Error('FileJournal.rotate: a rotation is under way'));
    return new Promise((done, failed) => {
      this.sealing = { lines: this.pending, inputs: this.pendingInputs, since: this.pendingSince, upTo: this.seq, generation, done, failed };
      this.pending = new LineBuffer();
      this.pendingInputs = 0;
      this.startFlushing();
    });
  }

  /** The current file's header. */
  get segment(): SegmentHeader {
    return this.header;
  }

  /** Waits until everything appended is durable, then closes the file. Appending afterwards throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.whenDurable(this.seq);
      // An earlier group's fsync, or a rotation switching files, may still be under way.
      while (this.busy && this.failure === undefined) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.closed = true;
      await this.preallocator?.stop();
      closeSync(this.fd);
    }
  }

  /** Closes the file, writing nothing more (an open that failed); a zero write under way ends first. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    const { fd } = this;
    if (this.preallocator?.busy === true) void this.preallocator.stop().then(() => closeSync(fd));
    else closeSync(fd);
  }

  /**
   * Writes what is pending as one group and starts its fsync, unless {@link SYNCS_IN_FLIGHT}
   * are under way (the group then waits for one to return) or a rotation is switching files.
   */
  private pump(): void {
    if (this.failure !== undefined || this.switching) return;
    if (this.sealing !== undefined) {
      void this.seal(this.sealing);
      return;
    }
    if (this.pendingInputs === 0) return;
    if (this.syncs.size >= this.syncsInFlight) {
      if (this.onGroup !== undefined && this.slotsFullSince === 0) this.slotsFullSince = performance.now();
      return;
    }
    const end = this.fsync ? Math.min(this.pending.length, TORN_TAIL_BYTES) : this.pending.length;
    // The torn-tail bound: what is written past the last completed fsync stays within it (an fsync's return pumps again).
    if (this.syncs.size > 0 && this.position - this.syncedEnd + end > TORN_TAIL_BYTES) return;
    // A zero write under way where the group goes: the piece's end pumps again.
    if (this.preallocator?.mayWrite(this.position, end) === false) return;
    if (this.holds()) return;
    if (end < this.pending.length) {
      // A group larger than the bound: its first part alone, fsynced; the rest when that returns.
      this.writeGroup(this.pending, end, 0, this.durable, this.pendingSince).catch(() => undefined);
      return;
    }
    const inputs = this.pendingInputs;
    this.pendingInputs = 0;
    const slotsFullSince = this.slotsFullSince;
    this.slotsFullSince = 0;
    this.writeGroup(this.pending, end, inputs, this.seq, this.pendingSince, slotsFullSince).catch(() => undefined);
  }

  /**
   * Pacing: whether the pending group waits because the previous one began less than
   * `commitIntervalMs` ago (arming the timer that writes it when that has passed). Appends and
   * fsync returns meanwhile pump again: a group that reaches `commitIntervalInputs`, or finds
   * the interval over, goes then.
   */
  private holds(): boolean {
    if (this.commitIntervalMs === 0 || this.pendingInputs >= this.commitIntervalInputs) return false;
    const now = this.pacingTimer.nowMs();
    const remainingMs = this.lastGroupAt + this.commitIntervalMs - now;
    if (remainingMs <= 0) {
      this.lastGroupAt = now;
      return false;
    }
    if (!this.held) {
      this.held = true;
      this.pacingTimer.schedule(remainingMs, () => {
        this.held = false;
        this.pump();
      });
    }
    return true;
  }

  /** A rotation: once every fsync under way has returned, its lines written and fsynced, the files switched. */
  private async seal(sealing: NonNullable<FileJournal['sealing']>): Promise<void> {
    this.switching = true;
    try {
      await Promise.all(this.syncs);
      await this.preallocator?.stop();
      while (this.fsync && sealing.lines.length > TORN_TAIL_BYTES) await this.writeGroup(sealing.lines, TORN_TAIL_BYTES, 0, this.durable, sealing.since);
      if (sealing.inputs > 0) await this.writeGroup(sealing.lines, sealing.lines.length, sealing.inputs, sealing.upTo, sealing.since);
      await this.switchFile(sealing.upTo + 1, sealing.generation);
      this.sealing = undefined;
      sealing.done();
    } catch (error) {
      this.fail(error);
    } finally {
      this.switching = false;
    }
    this.pump();
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error instanceof Error ? error : new Error(String(error));
    for (const waiter of this.waiters) waiter.reject(this.failure);
    this.waiters = [];
    this.sealing?.failed(this.failure);
    this.sealing = undefined;
  }

  /** Whether a write, an fsync or a rotation is under way or about to be. */
  private get busy(): boolean {
    return this.scheduled || this.held || this.switching || this.syncs.size > 0 || this.sealing !== undefined;
  }

  /**
   * One write and one fsync for the `inputs` lines in `lines` (cleared once written), up to
   * input `upTo`; then they and every line written before them are durable (an fsync flushes all the file's data written before it began, so
   * when fsyncs overlap, the one that returns first may cover an earlier group too). The write
   * is synchronous (it only copies the group into the page cache, a few microseconds): an
   * asynchronous one cost a thread-pool round trip per group, 4–5% of the service's CPU.
   * It goes at the content's end (`position`), into the zeroed region when there is one.
   * Only the first `end` bytes are written when `end` is short of the whole: a part of a group
   * (`inputs` 0, `upTo` no further than what is durable), the rest left in `lines`.
   */
  private writeGroup(lines: LineBuffer, end: number, inputs: number, upTo: number, since: number, slotsFullSince = 0): Promise<void> {
    const writeAt = this.onGroup === undefined ? 0 : performance.now();
    try {
      lines.writeAt(this.fd, this.position, end);
      // Cleared before anything below can call back into `append`.
      if (end === lines.length) lines.clear();
      else lines.dropBefore(end);
    } catch (error) {
      this.fail(error);
      return Promise.reject(this.failure!);
    }
    this.position += end;
    const writtenTo = this.position;
    this.preallocator?.wrote(writtenTo);
    this.stats.writes++;
    const syncAt = this.onGroup === undefined ? 0 : performance.now();
    const slotWaitMs = slotsFullSince === 0 ? 0 : writeAt - slotsFullSince;
    const timed = (syncMs: number): void => {
      if (inputs > 0) this.onGroup?.({ inputs, waitedMs: writeAt - since, slotWaitMs, writeMs: syncAt - writeAt, syncMs });
    };
    if (!this.fsync) {
      timed(0);
      this.advance(upTo);
      return Promise.resolve();
    }
    this.beforeSync?.(upTo);
    const sync = new Promise<void>((resolve, reject) => {
      fdatasync(this.fd, (error) => {
        this.syncs.delete(sync);
        if (error !== null) {
          this.fail(error);
          reject(error);
          return;
        }
        this.stats.fsyncs++;
        this.syncedEnd = Math.max(this.syncedEnd, writtenTo);
        timed(this.onGroup === undefined ? 0 : performance.now() - syncAt);
        // What was appended meanwhile goes first (it has waited for a free fsync already): its
        // fsync is then under way while this group's waiters are told.
        this.pump();
        this.advance(upTo);
        resolve();
      });
    });
    this.syncs.add(sync);
    return sync;
  }

  /** Inputs up to `upTo` are durable: waiters up to it are told, and `onDurable`. */
  private advance(upTo: number): void {
    if (upTo <= this.durable) return;
    this.durable = upTo;
    let done = 0;
    while (done < this.waiters.length && this.waiters[done]!.seq <= upTo) this.waiters[done++]!.resolve();
    this.waiters.splice(0, done);
    this.onDurable?.(upTo);
  }

  /**
   * Seals the current file (every line in it durable) and starts a new one at input `firstSeq`,
   * without blocking the loop (appends meanwhile wait in `pending` for the new file).
   */
  private async switchFile(firstSeq: number, generation: number): Promise<void> {
    closeSync(this.fd);
    await rename(this.path, join(dirname(this.path), sealedSegmentName(this.header.firstSeq)));
    this.header = { epochMs: this.header.epochMs, firstSeq, generation };
    await writeFileAtomicallyAsync(this.path, `${formatHeader(this.header)}\n`, this.fsync);
    this.fd = openSync(this.path, 'r+');
    this.position = fstatSync(this.fd).size;
    this.syncedEnd = this.position;
    this.preallocator?.attach(this.fd, this.position);
  }
}

/** The error of a bad log line that a crash cannot have left (data follows it). */
function notTorn(name: string, lineNumber: number, reason: string): InputError {
  return new InputError(name, `line ${lineNumber}`, `${reason}: a corrupt write-ahead log line that is not the last one (not a torn write); the log cannot be trusted past it`);
}

/** What {@link readWalFile} found. */
export interface WalFileContents {
  /** The file's header line. */
  readonly header: WalHeader;
  /** Sequence number of the last good input (firstSeq − 1 when there is none). */
  readonly lastSeq: number;
  /** `now` of the last good input (undefined when there is none). */
  readonly lastNow: number | undefined;
  /** Bytes of the file up to the end of the last good line: where appends resume. */
  readonly goodBytes: number;
  /** The torn last line that was dropped, if any (1-based line number and why). */
  readonly tornLine?: { readonly number: number; readonly reason: string };
}

/**
 * Streams the inputs of a log file to `onEntry`, in order, in bounded memory. `name` is how
 * errors name the file. The content ends at the first NUL byte (padding). Drops a torn tail
 * (reported in the result; the file is not changed): a bad last line, or the bytes from a gap
 * of NULs on when the data past it lies within {@link TORN_TAIL_BYTES} of it and the line the
 * gap cuts (if any) was good up to it. Throws an {@link InputError} for a bad header, a bad
 * line before the last, data further past a gap, or a sequence number out of order.
 */
export function readWalFile(path: string, name: string, onEntry: (entry: WalEntry) => void): WalFileContents {
  const reader = new LineReader(path, { endAtNul: true });
  try {
    const first = reader.next();
    if (first === undefined || !first.terminated) throw new InputError(name, 'line 1', 'no write-ahead log header (the file is empty or cut short)');
    let header: WalHeader;
    try {
      header = parseHeader(first.text);
    } catch (error) {
      throw new InputError(name, 'line 1', (error as Error).message);
    }
    let lastSeq = header.firstSeq - 1;
    let lastNow: number | undefined;
    let goodBytes = first.end;
    let lines = 1;
    let bad: { number: number; reason: string; cutByGap: boolean } | undefined;
    for (let line = reader.next(); line !== undefined; line = reader.next()) {
      lines = line.number;
      if (bad !== undefined) {
        throw notTorn(name, bad.number, bad.reason);
      }
      let entry: WalEntry;
      const cutByGap = !line.terminated && reader.nulAt !== undefined;
      try {
        if (!line.terminated) throw new WalLineError(cutByGap ? 'cut short by unwritten bytes (NUL)' : 'cut short (no newline)');
        entry = parseEntry(line.text);
      } catch (error) {
        if (!(error instanceof WalLineError)) throw error;
        bad = { number: line.number, reason: error.message, cutByGap };
        continue;
      }
      if (entry.seq !== lastSeq + 1) throw new InputError(name, `line ${line.number}`, `sequence number ${entry.seq} where ${lastSeq + 1} was expected`);
      onEntry(entry);
      lastSeq = entry.seq;
      lastNow = entry.input.now;
      goodBytes = line.end;
    }
    const gapAt = reader.nulAt;
    const dataAt = gapAt === undefined ? -1 : lastDataOffset(path, gapAt);
    if (dataAt >= 0) {
      // Data past a gap: a crash leaves that only within the bound, after a line the gap cut (or one that ended right before it).
      const number = bad?.number ?? lines + 1;
      if (bad !== undefined && !bad.cutByGap) {
        throw notTorn(name, number, bad.reason);
      }
      if (dataAt - gapAt! >= TORN_TAIL_BYTES) {
        throw new InputError(name, `line ${number}`, `unwritten bytes (NUL) at byte ${gapAt} with log data ${dataAt - gapAt!} bytes past them, further than a torn write reaches (${TORN_TAIL_BYTES}): the log cannot be trusted past them`);
      }
      bad ??= { number, reason: 'unwritten bytes (NUL) where a line begins', cutByGap: true };
    }
    return { header, lastSeq, lastNow, goodBytes, ...(bad === undefined ? {} : { tornLine: { number: bad.number, reason: bad.reason } }) };
  } finally {
    reader.close();
  }
}
