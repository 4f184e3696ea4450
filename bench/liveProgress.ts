/**
 * What the live bench's agents (a worker thread) tell its load generator (the main thread) per
 * task, without a message per event-loop turn: a ring of (task number, seen at) pairs and a count
 * of finished tasks in one SharedArrayBuffer, written by the worker as it reads poll answers and
 * drained by the main thread on a timer of its own. A `postMessage` costs both threads a
 * structured clone and the main thread an event per message (in a profile of the multiplexed
 * phase at 5,000 tasks/s, `postMessage` was the worker's largest item); a store into shared
 * memory costs neither.
 *
 * One writer, one reader. The pairs are written before the write count is published with
 * `Atomics.store`, and read after it is read with `Atomics.load`, so the reader never sees a pair
 * half written; the reader publishes how far it read the same way, so the writer never
 * overwrites a pair not yet read.
 */

/** Pairs the ring holds: at 5,000 starts/s, 13 s of a main thread that does not drain it. */
export const PROGRESS_CAPACITY = 1 << 16;
const MASK = PROGRESS_CAPACITY - 1;
/** The Int32 header's slots: pairs written so far, pairs read so far, tasks finished and not yet read. */
const WRITTEN = 0;
const READ = 1;
const FINISHED = 2;
const HEADER_BYTES = 16;

/** The shared memory of one ring (to hand to the worker in its `workerData`). */
export function progressBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + PROGRESS_CAPACITY * 2 * Float64Array.BYTES_PER_ELEMENT);
}

/** The ring over `buffer`, as either side sees it. */
export class ProgressRing {
  private readonly header: Int32Array;
  private readonly pairs: Float64Array;
  /** The writer's own copy of {@link WRITTEN} (it is the only one to change it). */
  private written: number;

  /** @param buffer - the shared memory both threads see the ring in. */
  constructor(buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / Int32Array.BYTES_PER_ELEMENT);
    this.pairs = new Float64Array(buffer, HEADER_BYTES, PROGRESS_CAPACITY * 2);
    this.written = Atomics.load(this.header, WRITTEN);
  }

  /**
   * Writer: task `taskNumber`'s start was read at `seenAt` (absolute ms). False, and nothing
   * written, when the ring is full (the reader has not drained it for {@link PROGRESS_CAPACITY} starts).
   */
  started(taskNumber: number, seenAt: number): boolean {
    if (((this.written - Atomics.load(this.header, READ)) | 0) >= PROGRESS_CAPACITY) return false;
    const at = (this.written & MASK) * 2;
    this.pairs[at] = taskNumber;
    this.pairs[at + 1] = seenAt;
    this.written = (this.written + 1) | 0;
    Atomics.store(this.header, WRITTEN, this.written);
    return true;
  }

  /** Writer: one more task finished. */
  finished(): void {
    Atomics.add(this.header, FINISHED, 1);
  }

  /**
   * Reader: hands every pair written since the last drain to `onStarted`, in the order written;
   * returns how many tasks finished since the last drain.
   */
  drain(onStarted: (taskNumber: number, seenAt: number) => void): number {
    const written = Atomics.load(this.header, WRITTEN);
    let read = Atomics.load(this.header, READ);
    while (read !== written) {
      const at = (read & MASK) * 2;
      onStarted(this.pairs[at]!, this.pairs[at + 1]!);
      read = (read + 1) | 0;
    }
    Atomics.store(this.header, READ, read);
    return Atomics.exchange(this.header, FINISHED, 0);
  }
}
