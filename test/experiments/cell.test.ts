import { describe, expect, it } from 'vitest';
import { summarizeCell } from '../../src/experiments/cell.js';
import { oneRun, withClasses } from './runs.js';

const STRATEGIES = ['a', 'b'].map((label) => ({ name: 'random', label, params: {} }));

describe('a cell by class', () => {
  it('pairs each class figure of every strategy with the baseline\'s, over every class any run had', () => {
    const cell = summarizeCell({
      index: 0, params: {}, strategies: STRATEGIES,
      runs: [
        [3, 4, 5].map((n) => withClasses(oneRun(), { 0: n, 2: 10 })),
        [4, 5, 7].map((n) => withClasses(oneRun(), { 0: n })),
      ],
    }, 'a');
    const [a, b] = cell.strategies;
    // b − a per replication on priority 0's mean latency: 1, 1, 2.
    const d = b!.paired['byPriority.0.latency.mean']!;
    expect(d.mean).toBeCloseTo(4 / 3, 12);
    expect(d.n).toBe(3);
    // Priority 2 never ran under b: its tasks are zero there, its latencies no data.
    expect(b!.paired['byPriority.2.tasks.submitted']!.mean).toBe(-10);
    expect(b!.paired['byPriority.2.latency.mean']).toEqual({ mean: null, halfWidth: null, significant: false, n: 0 });
    expect(b!.metrics.byPriority['2']!.tasks.submitted).toBe(0);
    expect(a!.paired['byType.t0.latency.mean']!.mean).toBe(0);
    // The pooled leaves come first, as before.
    expect(Object.keys(b!.paired)[0]).toBe('tasks.submitted');
    expect(Object.keys(a!.metrics.byType)).toEqual(['t0', 't2']);
  });
});
