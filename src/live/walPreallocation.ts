/**
 * The zeroed region ahead of a write-ahead log's writer: {@link Preallocator} extends `wal.jsonl`
 * with real zero bytes, in chunks, in the background, so that the writer's groups overwrite
 * blocks the file already has. An fdatasync after an append must also commit the file's new size
 * (an ext4 journal commit); after an overwrite of written blocks it only flushes the data
 * (measured with the live bench's layers: p50 0.26–0.30 → 0.18–0.21 ms, p99 0.57–0.96 →
 * 0.44 ms). The file is then padded with NUL bytes past its last entry, which no log line holds
 * (see walFormat.ts): a reader ends the content at the first NUL ({@link lastDataOffset} checks
 * what lies past it).
 */
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, write } from 'node:fs';

/** Default {@link Preallocator} chunk, bytes: the most zeroed ahead of the writer at once. */
export const PREALLOCATE_BYTES = 16 << 20;

/**
 * One zero write and its fdatasync (two thread-pool tasks): the writer waits at most for one
 * write of these when it catches up, and a group's fdatasync meanwhile flushes at most one
 * piece of zeros besides its own lines (an fdatasync flushes every dirty page of the file).
 */
const PIECE_BYTES = 1 << 20;

const ZEROS = Buffer.alloc(PIECE_BYTES);

/** Whether `value` is a preallocation chunk size a log takes: a non-negative safe integer (0: none). */
export function isPreallocateBytes(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** What a {@link Preallocator} has done. */
export interface PreallocationStats {
  /** Chunks zeroed and fdatasynced. */
  chunks: number;
  /** Group writes that went past the zeroed region (the writer caught up: an append, as without preallocation). */
  writesPastZeroed: number;
}

/**
 * Keeps a zeroed region ahead of a log file's writer. The writer asks {@link mayWrite} before
 * each positional write (false only while a zero write it would overlap is under way; it is
 * then called back through `onZeroed`) and calls {@link wrote} after it; {@link stop} before
 * the file is closed.
 *
 * A chunk is written as zero pieces of 1 MiB at the end of the file (`fs.write`, in Node's
 * thread pool, one at a time, each fdatasynced before the next); the next chunk starts once
 * less than half a chunk is left ahead of the writer. A failure is handed to `onError` (the log fails: a disk
 * that cannot take zeros cannot take entries either).
 */
export class Preallocator {
  /** What it has done so far. */
  readonly stats: PreallocationStats = { chunks: 0, writesPastZeroed: 0 };
  private fd = -1;
  /** The file's end of the last zero piece written (or of the writer's last write, when past it). */
  private zeroedEnd = 0;
  /** A zero piece is being written: a write across `zeroedEnd` must wait. */
  private zeroing = false;
  private running: Promise<void> | undefined;
  private stopping = false;

  /**
   * @param chunkBytes - the most zeroed ahead at once (> 0).
   * @param onZeroed - called after each zero piece (a writer waiting on {@link mayWrite} goes on).
   * @param onError - a zero write or its fdatasync failed.
   * @param beforeZeroing - called with a zero piece's position right before it is written (crash tests).
   */
  constructor(
    private readonly chunkBytes: number,
    private readonly onZeroed: () => void,
    private readonly onError: (error: Error) => void,
    private readonly beforeZeroing?: (position: number) => void,
  ) {}

  /** A file whose writer writes next at `end` (a new file, or the next one after a rotation): zeroing starts. */
  attach(fd: number, end: number): void {
    this.fd = fd;
    this.zeroedEnd = end;
    this.stopping = false;
    this.extend(end);
  }

  /** Whether `length` bytes may be written at `position` now: no zero write under way overlaps them. */
  mayWrite(position: number, length: number): boolean {
    return !this.zeroing || position + length <= this.zeroedEnd;
  }

  /** The writer wrote up to `end` (exclusive); zeroing goes on ahead of it. */
  wrote(end: number): void {
    if (end > this.zeroedEnd) {
      this.stats.writesPastZeroed++;
      this.zeroedEnd = end;
    }
    this.extend(end);
  }

  /** Whether zeroing is under way. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Ends zeroing after the piece under way; resolves once nothing more is written to the file. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.running ?? Promise.resolve();
  }

  private extend(writerEnd: number): void {
    if (this.running !== undefined || this.stopping || this.zeroedEnd - writerEnd >= this.chunkBytes / 2) return;
    this.running = this.zeroChunk(this.zeroedEnd + this.chunkBytes).then(
      () => {
        this.running = undefined;
        this.onZeroed();
      },
      (error: unknown) => {
        this.running = undefined;
        this.onError(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** Zero pieces up to `target` (the writer may move `zeroedEnd` on between them), each fdatasynced before the next. */
  private async zeroChunk(target: number): Promise<void> {
    const fd = this.fd;
    while (!this.stopping && this.zeroedEnd < target) {
      const position = this.zeroedEnd;
      const length = Math.min(PIECE_BYTES, target - position);
      this.zeroing = true;
      this.beforeZeroing?.(position);
      try {
        await writeZeros(fd, length, position);
      } finally {
        this.zeroing = false;
      }
      this.zeroedEnd = Math.max(this.zeroedEnd, position + length);
      this.onZeroed();
      await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error === null ? resolve() : reject(error))));
    }
    this.stats.chunks++;
  }
}

/** Writes `length` zero bytes at `position` (a short write goes on from where it stopped). */
async function writeZeros(fd: number, length: number, position: number): Promise<void> {
  for (let done = 0; done < length;) {
    done += await new Promise<number>((resolve, reject) => write(fd, ZEROS, 0, length - done, position + done, (error, written) => (error === null ? resolve(written) : reject(error))));
  }
}

/** Bytes read at a time from the end (within {@link ZEROS}, which it is compared with). */
const SCAN_BYTES = 1 << 16;

/**
 * The offset of the last byte that is not NUL at or after `from` in file `path`, or -1 when
 * there is none (only padding, or nothing, follows).
 */
export function lastDataOffset(path: string, from: number): number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.alloc(SCAN_BYTES);
    // From the end backwards: the first chunk holding data holds the answer.
    for (let end = size; end > from;) {
      const start = Math.max(from, end - SCAN_BYTES);
      const read = readSync(fd, chunk, 0, end - start, start);
      const view = chunk.subarray(0, read);
      if (!view.equals(ZEROS.subarray(0, read))) {
        let at = read - 1;
        while (view[at] === 0) at--;
        return start + at;
      }
      end = start;
    }
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Whether file `path` ends in a NUL byte (padding a writer must not append after). */
export function endsInPadding(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    return size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0;
  } finally {
    closeSync(fd);
  }
}

/**
 * Cuts log file `path` to `goodBytes` (its last good line's end: a torn tail or padding after it
 * go) and fdatasyncs the cut, so that no stale byte past it can reappear after a crash once the
 * writer resumes there. Nothing is done to a file that already ends there.
 */
export function cutLogFile(path: string, goodBytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    if (fstatSync(fd).size === goodBytes) return;
    ftruncateSync(fd, goodBytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
