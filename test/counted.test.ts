/**
 * counted: a count with its noun in the right number, as the CLI's summary lines print it.
 */
import { describe, expect, it } from 'vitest';
import { counted } from '../src/counted.js';

describe('counted', () => {
  it('takes the singular for exactly one, the plural otherwise (zero included)', () => {
    expect(counted(1, 'task type')).toBe('1 task type');
    expect(counted(3, 'task type')).toBe('3 task types');
    expect(counted(0, 'agent')).toBe('0 agents');
  });

  it('takes an irregular plural when given one', () => {
    expect(counted(1, 'strategy', 'strategies')).toBe('1 strategy');
    expect(counted(2, 'strategy', 'strategies')).toBe('2 strategies');
  });
});
