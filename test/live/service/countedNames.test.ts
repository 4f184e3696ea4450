/**
 * Counted names hold each distinct name once, under a number that stays the name's while any
 * use of it is left, and let the name go (its number free for another) with its last use.
 */
import { describe, expect, it } from 'vitest';
import { CountedNames } from '../../../src/live/service/countedNames.js';

describe('CountedNames', () => {
  it('gives a name the same number for every use, and another name another number', () => {
    const names = new CountedNames();
    const a = names.use('alpha');
    expect(names.use('alpha')).toBe(a);
    const b = names.use('beta');
    expect(b).not.toBe(a);
    expect([names.name(a), names.name(b), names.size]).toEqual(['alpha', 'beta', 2]);
  });

  it('keeps a name until its last use is released, then reuses its number', () => {
    const names = new CountedNames();
    const a = names.use('alpha');
    names.use('alpha');
    names.release(a);
    expect(names.name(a)).toBe('alpha');
    names.release(a);
    expect(names.size).toBe(0);
    expect(() => names.name(a)).toThrow(/not in use/);
    expect(names.use('gamma')).toBe(a);
    expect(names.name(a)).toBe('gamma');
  });

  it('refuses a release without a use', () => {
    const names = new CountedNames();
    const a = names.use('alpha');
    names.release(a);
    expect(() => names.release(a)).toThrow(/released more often than used/);
  });

  it('holds as many names as are in use over a long run of uses and releases', () => {
    const names = new CountedNames();
    const held: number[] = [];
    for (let n = 0; n < 10_000; n++) {
      held.push(names.use(`w${n % 997}`));
      if (held.length > 50) names.release(held.shift()!);
    }
    // The last 50 uses are of 50 distinct names; every name before them was let go.
    expect(names.size).toBe(50);
    for (const index of held) expect(names.name(index)).toMatch(/^w\d+$/);
  });
});
