/** A grown column keeps its values at their slots, the new slots after them zero. */
import { describe, expect, it } from 'vitest';
import { grownColumn } from '../../src/live/grownColumn.js';

describe('grownColumn', () => {
  it('copies the old values to the start of the larger column', () => {
    const grown = grownColumn(Float64Array.of(1.5, -2, 3), new Float64Array(5));
    expect([...grown]).toEqual([1.5, -2, 3, 0, 0]);
  });
});
