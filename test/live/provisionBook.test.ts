/**
 * The driver's provision book on its own: provisions numbered in the order they are asked for; a
 * join settles the provision it names, else its pool's oldest, else (when the engine counted it
 * against a provision asked for in the same input, not drained yet) the pool's next, so the book
 * a live driver keeps equals the one a replay rebuilds; a snapshot's book read back, or refused
 * naming the field; ids that keep a provision's number and the history's epoch apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseProvisionBookState, ProvisionBook, provisionId } from '../../src/live/provisionBook.js';

describe('ProvisionBook', () => {
  it('numbers provisions in the order they are asked for; a join settles the one it names, else its pool\'s oldest', () => {
    const book = new ProvisionBook();
    expect([book.ask('gpu'), book.ask('cpu'), book.ask('gpu'), book.ask('gpu')]).toEqual([1, 2, 3, 4]);
    book.joined('gpu', 3, true);
    expect(book.list()).toEqual([{ number: 1, pool: 'gpu' }, { number: 2, pool: 'cpu' }, { number: 4, pool: 'gpu' }]);
    // Unnamed (an agent registered on its own), or naming a provision not pending for its pool: the pool's oldest.
    book.joined('gpu', undefined, true);
    book.joined('cpu', 4, true);
    expect(book.state()).toEqual({ asked: 4, pending: [[4, 'gpu']] });
    // No pool, or a pool nothing was asked for and the engine did not count: nothing.
    book.joined(undefined, 4, false);
    book.joined('cpu', undefined, false);
    expect(book.state()).toEqual({ asked: 4, pending: [[4, 'gpu']] });
  });

  it('keeps the book a replay rebuilds when a join comes before the drain of a provision asked for in the same input', () => {
    // Live: the input that asked for a gpu agent, then a join in the same batch, then the drain.
    const live = new ProvisionBook();
    live.joined('gpu', undefined, true);
    live.ask('gpu');
    // Replay: every input's commands are drained before the next input.
    const replay = new ProvisionBook();
    replay.ask('gpu');
    replay.joined('gpu', undefined, true);
    expect(live.state()).toEqual({ asked: 1, pending: [] });
    expect(replay.state()).toEqual(live.state());
    live.ask('gpu');
    expect(live.list()).toEqual([{ number: 2, pool: 'gpu' }]);
  });

  it('restores a snapshot\'s book when it matches the engine\'s counts, numbers them afresh without one, and refuses one that does not match', () => {
    const book = new ProvisionBook();
    book.restore({ asked: 9, pending: [[7, 'gpu'], [9, 'gpu'], [8, 'cpu']] }, [['gpu', 2], ['cpu', 1]]);
    expect(book.list()).toEqual([{ number: 7, pool: 'gpu' }, { number: 9, pool: 'gpu' }, { number: 8, pool: 'cpu' }]);
    expect(book.ask('cpu')).toBe(10);
    book.restore(undefined, [['gpu', 2]]);
    expect(book.state()).toEqual({ asked: 2, pending: [[1, 'gpu'], [2, 'gpu']] });
    expect(() => book.restore({ asked: 2, pending: [[1, 'gpu']] }, [['gpu', 2]])).toThrow('provisions: 1 pending for pool gpu, but the engine waits for 2 agent(s) of it');
    expect(() => book.restore({ asked: 2, pending: [[1, 'gpu'], [2, 'cpu']] }, [['gpu', 1]])).toThrow('provisions: pending for pool cpu, which the engine waits for no agent of');
  });

  it.each([
    [null, 'provisions: expected { asked, pending }'],
    [{ asked: -1, pending: [] }, 'provisions.asked: expected an integer >= 0'],
    [{ asked: 1, pending: {} }, 'provisions.pending: expected a list of [number, pool]'],
    [{ asked: 1, pending: [[1]] }, 'provisions.pending[0]: expected [number, pool]'],
    [{ asked: 2, pending: [[1, 'gpu'], [1, 'gpu']] }, 'provisions.pending[1][0]: expected a provision number 1..2 not listed before'],
    [{ asked: 2, pending: [[3, 'gpu']] }, 'provisions.pending[0][0]: expected a provision number 1..2 not listed before'],
  ])('refuses the snapshot book %j, naming the field', (value, message) => {
    expect(() => parseProvisionBookState(value)).toThrow(message);
  });
});

describe('provisionId', () => {
  it('is a UUID (version 8) holding the epoch in its first 48 bits and the number in its last 53', () => {
    expect(provisionId(0x0193a5b2c3d4, 42)).toBe('0193a5b2-c3d4-8000-8000-00000000002a');
    expect(provisionId(0x0193a5b2c3d4, Number.MAX_SAFE_INTEGER)).toBe('0193a5b2-c3d4-8000-801f-ffffffffffff');
  });

  it('differs between provisions and between epochs, and is always a UUID the service takes', () => {
    const uuid = z.uuid();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (epochA, numberA, epochB, numberB) => {
          const a = provisionId(epochA, numberA);
          expect(uuid.safeParse(a).success).toBe(true);
          expect(a === provisionId(epochB, numberB)).toBe(epochA === epochB && numberA === numberB);
        },
      ),
      { numRuns: 500, seed: 20261207 },
    );
  });
});
