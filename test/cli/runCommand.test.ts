/**
 * What `fleetsim run` prints: the comparison table without serialising anything, or the JSON
 * result in chunks, so that a result larger than the longest string V8 can build still prints.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { drainingWriter, printRunResult } from '../../src/cli/runCommand.js';
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

  it('makes the next group of chunks (about a mebibyte) only once the writer has taken the one before', async () => {
    const result = bigResult(1, 16, 2_000);
    const whole = `${JSON.stringify(result, null, 2)}\n`;
    let written = '';
    let release: (() => void) | undefined;
    const printing = printRunResult(result, true, (chunk) => {
      written += chunk;
      // Every write asks for a wait, as a full pipe's standard output does.
      return new Promise<void>((resolve) => { release = resolve; });
    });
    let groups = 0;
    while (release !== undefined) {
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
      // Nothing past one group (a mebibyte and at most one batch) is made before the writer takes it.
      expect(written.length).toBeLessThanOrEqual((groups + 1) * 1.1 * 2 ** 20 + (groups + 1) * 2 ** 17);
      expect(written.length).toBeGreaterThan(0);
      const taken = release;
      release = undefined;
      groups++;
      taken();
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    }
    await printing;
    expect(whole.length).toBeGreaterThan(5 * 2 ** 20);
    expect(groups).toBeGreaterThan(4);
    expect(written).toBe(whole);
  });
});

describe('drainingWriter', () => {
  it('lets a slow stream queue a bounded amount, with one drain listener at a time, and loses nothing', async () => {
    const received: string[] = [];
    let mostQueued = 0;
    let mostDrainListeners = 0;
    const slow = new Writable({
      decodeStrings: false,
      write(chunk: string, _encoding, done) {
        received.push(chunk);
        setTimeout(done, 0);
      },
    });
    const write = drainingWriter(slow, 100_000);
    const tracked: typeof write = (text) => {
      const wait = write(text);
      mostQueued = Math.max(mostQueued, slow.writableLength);
      mostDrainListeners = Math.max(mostDrainListeners, slow.listenerCount('drain'));
      return wait;
    };
    const result = bigResult(1, 16, 2_000);
    await printRunResult(result, true, tracked);
    await new Promise<void>((resolve) => { slow.end(resolve); });
    const whole = `${JSON.stringify(result, null, 2)}\n`;
    expect(received.join('')).toBe(whole);
    // A group (about a mebibyte) is written whole before the wait: the queue stays near that.
    expect(mostQueued).toBeLessThan(1.5 * 2 ** 20);
    expect(mostQueued).toBeGreaterThan(100_000);
    expect(whole.length).toBeGreaterThan(5 * mostQueued);
    expect(mostDrainListeners).toBe(1);
  });
});
