/**
 * What `fleetsim run` prints: the comparison table without serialising anything, or the JSON
 * result in chunks, so that a result larger than the longest string V8 can build still prints.
 */
import { describe, expect, it } from 'vitest';
import { printRunResult } from '../../src/cli/runCommand.js';
import type { ExperimentResult, StrategyResult } from '../../src/experiments/runResult.js';
import { summarize } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { oneRun } from '../experiments/runs.js';

const TIMING = { wallSeconds: 1, tasksPerSecond: 10, routing: { decisions: 0, sampled: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null } };

/** A result of `strategies` strategies × `replications` runs of a fleet of `agents` (objects shared, so it is cheap to build). */
function bigResult(strategies: number, replications: number, agents: number): ExperimentResult {
  const run = oneRun();
  const perAgent = Array.from({ length: agents }, (_, i) => ({ ...run.perAgent[0]!, id: `agent-${i}` }));
  const replication: RunMetrics = { ...run, perAgent };
  const summary = summarize([replication, replication]);
  return {
    scenario: 'ten-thousand-agents', seed: 1, replications,
    results: Array.from({ length: strategies }, (_, s): StrategyResult => ({
      strategy: `strategy-${s}`, params: {}, metrics: summary.metrics, ci95: summary.ci95,
      perReplication: Array.from({ length: replications }, () => replication), timing: TIMING,
    })),
  };
}

describe('printRunResult', () => {
  it('prints the table without touching the per-replication results (nothing is serialised)', async () => {
    const result = bigResult(1, 2, 3);
    const guarded = {
      ...result,
      results: result.results.map((r) => Object.defineProperty({ ...r }, 'perReplication', {
        enumerable: true, get: () => { throw new Error('perReplication read'); },
      }) as StrategyResult),
    };
    let text = '';
    await printRunResult(guarded, false, (chunk) => { text += chunk; });
    expect(text).toContain('ten-thousand-agents: seed 1, 2 replications');
    expect(text).toMatch(/^strategy-0 /m);
    // The guard works: the JSON output does read them.
    await expect(printRunResult(guarded, true, () => undefined)).rejects.toThrow('perReplication read');
  });

  it('prints the JSON of a big fleet (50 replications of 2,000 agents) in chunks of about a mebibyte, never as one string', async () => {
    // 50 replications × 10,000 agents × 6 strategies passes V8's longest string (about 512 MiB),
    // which JSON.stringify hit; this is that result scaled down to keep the test quick.
    const result = bigResult(1, 50, 2_000);
    const chunks: string[] = [];
    await printRunResult(result, true, (chunk) => { chunks.push(chunk); });
    const whole = `${JSON.stringify(result, null, 2)}\n`;
    expect(whole.length).toBeGreaterThan(15_000_000);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(1.1 * 2 ** 20);
    expect(chunks.join('')).toBe(whole);
  });

  it('makes the next chunk only once the writer has taken the one before (a full pipe holds no queue of them)', async () => {
    const result = bigResult(1, 4, 2_000);
    const chunks: string[] = [];
    let waiting = 0;
    let release: (() => void) | undefined;
    const printing = printRunResult(result, true, (chunk) => {
      chunks.push(chunk);
      waiting++;
      return new Promise<void>((resolve) => { release = resolve; });
    });
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    // The writer has not taken its first chunk: nothing more was made.
    expect(chunks).toHaveLength(1);
    while (release !== undefined) {
      const taken = release;
      release = undefined;
      taken();
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
      expect(chunks).toHaveLength(waiting);
    }
    await printing;
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.join('')).toBe(`${JSON.stringify(result, null, 2)}\n`);
  });
});
