import { describe, expect, it } from 'vitest';
import { PROGRESS_CAPACITY, ProgressRing, progressBuffer } from '../../bench/liveProgress.js';

/** Both ends of one ring, as the worker and the main thread hold them (two views of one buffer). */
function ring(): { writer: ProgressRing; reader: ProgressRing } {
  const buffer = progressBuffer();
  return { writer: new ProgressRing(buffer), reader: new ProgressRing(buffer) };
}

function drained(reader: ProgressRing): { pairs: number[]; finished: number } {
  const pairs: number[] = [];
  const finished = reader.drain((n, seenAt) => pairs.push(n, seenAt));
  return { pairs, finished };
}

describe('the live bench\'s progress ring', () => {
  it('hands the reader every start written, in order, with its time, and each only once', () => {
    const { writer, reader } = ring();
    expect(writer.started(7, 1_000.25)).toBe(true);
    expect(writer.started(3, 1_001.5)).toBe(true);
    expect(drained(reader).pairs).toEqual([7, 1_000.25, 3, 1_001.5]);
    expect(drained(reader).pairs).toEqual([]);
    writer.started(9, 1_733_000_000_123.456);
    expect(drained(reader).pairs).toEqual([9, 1_733_000_000_123.456]);
  });

  it('counts the finished tasks and hands each count over once', () => {
    const { writer, reader } = ring();
    writer.finished();
    writer.finished();
    writer.started(1, 2);
    writer.finished();
    expect(drained(reader)).toEqual({ pairs: [1, 2], finished: 3 });
    expect(drained(reader).finished).toBe(0);
  });

  it('refuses a start when the reader left a full ring unread, and takes starts again once it is drained', () => {
    const { writer, reader } = ring();
    for (let n = 0; n < PROGRESS_CAPACITY; n++) expect(writer.started(n, n + 0.5)).toBe(true);
    expect(writer.started(PROGRESS_CAPACITY, 0)).toBe(false);
    const { pairs } = drained(reader);
    expect(pairs.length).toBe(2 * PROGRESS_CAPACITY);
    expect(pairs.slice(-2)).toEqual([PROGRESS_CAPACITY - 1, PROGRESS_CAPACITY - 0.5]);
    expect(writer.started(PROGRESS_CAPACITY + 1, 5)).toBe(true);
    expect(drained(reader).pairs).toEqual([PROGRESS_CAPACITY + 1, 5]);
  });

  it('keeps the order across many turns of the ring', () => {
    const { writer, reader } = ring();
    const seen: number[] = [];
    let next = 0;
    // Uneven batches, so that a batch straddles the ring's end now and then.
    for (let batch = 0; next < 3 * PROGRESS_CAPACITY + 17; batch++) {
      const size = 1 + ((batch * 7_919) % 5_000);
      for (let i = 0; i < size; i++, next++) expect(writer.started(next, -next)).toBe(true);
      reader.drain((n, seenAt) => {
        expect(seenAt).toBe(-n);
        seen.push(n);
      });
    }
    expect(seen.length).toBe(next);
    expect(seen.every((n, i) => n === i)).toBe(true);
  });
});
