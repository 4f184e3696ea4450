/**
 * The csv format's optional columns: an empty cell means none, for `contextTokens` as for the
 * others (an empty context token count used to be refused as "expected a token count").
 */
import { describe, expect, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

const COLUMNS = { time: 't', tokens: 'out', contextTokens: 'in' };

describe('a csv trace\'s contextTokens column', () => {
  it('reads an empty cell as no context (0 tokens)', () => {
    const dir = tempDir();
    const stats = statsOf(dir, 't.csv', 't,out,in\n0,5,\n1,5,10\n2,5, \n', 'csv', { columns: COLUMNS });
    expect(stats.rows).toBe(3);
    expect(stats.inputTokens).toEqual({ mean: 10 / 3, percentiles: { p50: 0, p90: 10, p99: 10 }, max: 10 });
  });

  it('still refuses a cell that is not a token count', () => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 't.csv', 't,out,in\n0,5,x\n', 'csv', { columns: COLUMNS }), 'line 2, column in', 'expected a token count (an integer >= 0), got "x"', `${dir}/t.csv`);
  });
});
