/** AttemptBook: a re-delivered start is recognised by task and attempt, whether the attempt runs or finished. */
import { describe, expect, it } from 'vitest';
import { AttemptBook } from '../../../src/live/clients/attemptBook.js';

describe('AttemptBook', () => {
  it('runs an unknown attempt, ignores a copy of one under way, and re-sends the result of a finished one', () => {
    const book = new AttemptBook<string, { ok: boolean }>();
    expect(book.decide('t1', 1)).toEqual({ kind: 'run' });
    book.begin('t1', 1, 'state');
    expect(book.decide('t1', 1)).toEqual({ kind: 'running' });
    // Another attempt of the same task is another attempt.
    expect(book.decide('t1', 2)).toEqual({ kind: 'run' });
    book.finish('t1', 1, { ok: true });
    expect(book.decide('t1', 1)).toEqual({ kind: 'finished', result: { ok: true } });
    expect(book.get('t1', 1)).toBeUndefined();
  });

  it('ignores a start of an aborted attempt, even one whose abort overtook it', () => {
    const book = new AttemptBook<string, unknown>();
    book.begin('t1', 1, 'state');
    expect(book.drop('t1', 1)).toBe('state');
    expect(book.decide('t1', 1)).toEqual({ kind: 'aborted' });
    expect(book.drop('t2', 1)).toBeUndefined();
    expect(book.decide('t2', 1)).toEqual({ kind: 'aborted' });
    expect(book.decide('t2', 2)).toEqual({ kind: 'run' });
  });

  it('keeps the balance of pauses and resumes read before an attempt starts, for that start only', () => {
    const book = new AttemptBook<string, unknown>();
    book.readEarly('t1', 1, 1);
    book.readEarly('t2', 1, -1);
    book.readEarly('t3', 1, 1);
    book.readEarly('t3', 1, -1);
    expect(book.takeEarly('t1', 1)).toBe(1);
    expect(book.takeEarly('t1', 1)).toBe(0);
    expect(book.takeEarly('t2', 1)).toBe(-1);
    expect(book.takeEarly('t3', 1)).toBe(0);
    // Not for an attempt under way, finished or aborted here: those commands are its own.
    book.begin('t4', 1, 'state');
    book.readEarly('t4', 1, 1);
    book.finish('t5', 1, {});
    book.readEarly('t5', 1, 1);
    book.drop('t6', 1);
    book.readEarly('t6', 1, 1);
    expect([book.takeEarly('t4', 1), book.takeEarly('t5', 1), book.takeEarly('t6', 1)]).toEqual([0, 0, 0]);
    // Bounded as the finished attempts are: the oldest is forgotten first.
    const small = new AttemptBook<string, unknown>(2);
    for (const id of ['u1', 'u2', 'u3']) small.readEarly(id, 1, 1);
    expect(['u1', 'u2', 'u3'].map((id) => small.takeEarly(id, 1))).toEqual([0, 1, 1]);
  });

  it('keys by task and attempt without collisions between ids that share digits', () => {
    const book = new AttemptBook<string, unknown>();
    book.begin('t1', 12, 'a');
    expect(book.decide('t11', 2)).toEqual({ kind: 'run' });
  });

  it('remembers a bounded number of finished attempts, oldest forgotten first', () => {
    const book = new AttemptBook<string, number>(2);
    for (let i = 0; i < 3; i++) {
      book.begin(`t${i}`, 1, 's');
      book.finish(`t${i}`, 1, i);
    }
    expect(book.decide('t0', 1)).toEqual({ kind: 'run' });
    expect(book.decide('t2', 1)).toEqual({ kind: 'finished', result: 2 });
  });

  it('clears what is under way (a new membership of the fleet) and returns it', () => {
    const book = new AttemptBook<string, unknown>();
    book.begin('a', 1, 'x');
    book.begin('b', 1, 'y');
    expect(book.clearUnderWay().sort()).toEqual(['x', 'y']);
    expect([...book.underWay()]).toEqual([]);
  });
});
