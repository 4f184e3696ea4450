import { describe, expect, it } from 'vitest';
import { FEW_REPLICATIONS, replicationWarnings } from '../../src/experiments/warnings.js';

describe('replication warnings', () => {
  it('warns below 5 replications, naming the count and what to do', () => {
    expect(FEW_REPLICATIONS).toBe(5);
    expect(replicationWarnings(3)).toEqual([
      'only 3 replications: the 95% intervals rest on 2 degrees of freedom and may be far too narrow or too wide; run at least 5 (--replications) before trusting a difference.',
    ]);
    expect(replicationWarnings(1)[0]).toMatch(/^1 replication: no confidence interval can be computed/);
    expect(replicationWarnings(4)).toHaveLength(1);
  });

  it('is silent from 5 replications on', () => {
    expect(replicationWarnings(5)).toEqual([]);
    expect(replicationWarnings(40)).toEqual([]);
  });
});
