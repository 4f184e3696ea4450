/**
 * The scenario library (scenarios/): every file validates and runs, and each scenario shows the
 * difference between strategies that its opening comment claims.
 *
 * Claims are checked on paired differences: replication r of every strategy sees the same tasks
 * (common random numbers), so strategy A minus strategy B per replication, with its 95% confidence
 * half-width, says whether A is really better than B. A claim holds when the whole interval lies on
 * the claimed side of zero; no test compares against an exact figure. Runs use the files' own
 * seeds, so they are deterministic; the interval is what keeps them from being brittle when the
 * engine or a strategy changes a little.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairedGain, type PairedGain } from '../support/paired.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runExperiment, type ExperimentResult } from '../../src/experiments/runResult.js';
import { runCli } from '../cli/runCli.js';

const LIBRARY = 'scenarios';
const FILES = readdirSync(LIBRARY).filter((name) => /\.(ya?ml|json)$/.test(name)).sort();

/** The seven scenarios issue 3 asks for; the library may hold more. */
const REQUIRED = [
  'heterogeneous-specialists.yaml',
  'context-pressure.yaml',
  'hot-keys.yaml',
  'bursty-deadlines.yaml',
  'failure-prone.yaml',
  'identical-high-load.yaml',
  'small-vs-large.yaml',
];

/**
 * `scenario` cut to a tenth (warm-up and stop alike, in time and in tasks) with one replication:
 * enough to take every strategy through the scenario, quickly.
 */
function shortened(scenario: Scenario): Scenario {
  const { warmup, stop } = scenario;
  return {
    ...scenario,
    replications: 1,
    warmup: { timeSeconds: warmup.timeSeconds / 10, tasks: Math.floor(warmup.tasks / 10) },
    // Infinity (no limit) stays Infinity.
    stop: { ...stop, timeSeconds: stop.timeSeconds / 10, tasks: Math.max(1, Math.ceil(stop.tasks / 10)) },
  };
}

/** `scenario` with only the strategies labelled `labels` (parameters as in the file). */
function only(scenario: Scenario, labels: readonly string[]): Scenario {
  const strategies = scenario.strategies.filter((choice) => labels.includes(choice.label));
  expect(strategies.map((choice) => choice.label).sort()).toEqual([...labels].sort());
  return { ...scenario, strategies };
}

/**
 * Runs the shipped file `name`, with its own seed and replications, with only the strategies
 * labelled `labels`; `stopSeconds` ends arrivals earlier than the file does (to keep a big
 * scenario quick where its effect is large).
 */
async function runLibrary(name: string, labels: readonly string[], stopSeconds?: number): Promise<ExperimentResult> {
  const scenario = only(loadScenario(join(LIBRARY, name)), labels);
  if (stopSeconds === undefined) return runExperiment(scenario, { workers: 1 });
  expect(stopSeconds).toBeGreaterThan(scenario.warmup.timeSeconds);
  return runExperiment({ ...scenario, stop: { ...scenario.stop, timeSeconds: stopSeconds } }, { workers: 1 });
}

/** Asserts that `a` has a lower `metric` than `b`: the whole 95% interval of a − b is below 0. */
function expectLower(result: ExperimentResult, metric: (run: RunMetrics) => number | null, a: string, b: string): PairedGain {
  const difference = pairedGain(result, a, b, metric);
  expect(difference.diffs.length).toBeGreaterThanOrEqual(3);
  expect(difference.mean + difference.halfWidth, `${a} − ${b}: ${difference.mean} ± ${difference.halfWidth}`).toBeLessThan(0);
  return difference;
}

const contextWaste = (run: RunMetrics): number | null => run.contextWaste;
const latencyMean = (run: RunMetrics): number | null => run.latency.mean;
const waitMean = (run: RunMetrics): number | null => run.wait.mean;
const retries = (run: RunMetrics): number => run.retries;
const missedDeadlines = (run: RunMetrics): number | null => (run.deadlineSuccess === null ? null : 1 - run.deadlineSuccess);
const lowQuality = (run: RunMetrics): number | null => (run.quality.mean === null ? null : 1 - run.quality.mean);

describe('scenario library: every file', () => {
  it('holds the scenarios of the library, each opening with a comment that says what it shows', () => {
    for (const name of REQUIRED) expect(FILES, name).toContain(name);
    for (const name of FILES.filter((file) => !file.endsWith('.json'))) {
      expect(readFileSync(join(LIBRARY, name), 'utf8'), name).toMatch(/^# \S/);
    }
  });

  it('runs from the command line as the README shows', () => {
    const run = runCli('run', join(LIBRARY, 'context-pressure.yaml'), '--replications', '1', '--strategy', 'round-robin,cache-aware');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toContain('context-pressure: seed 5, 1 replication');
    for (const strategy of ['round-robin', 'cache-aware']) expect(lines.some((line) => line.startsWith(strategy)), strategy).toBe(true);
  });

  it.each(FILES)('%s validates, and runs every strategy it lists (shortened) losing no task', async (name) => {
    const scenario = loadScenario(join(LIBRARY, name));
    const result = await runExperiment(shortened(scenario), { workers: 1 });
    expect(result.results.map((entry) => entry.strategy)).toEqual(scenario.strategies.map((choice) => choice.label));
    for (const entry of result.results) {
      const tasks = entry.perReplication[0]!.tasks;
      expect(tasks.submitted, entry.strategy).toBeGreaterThan(0);
      expect(tasks.completed, entry.strategy).toBeGreaterThan(0);
      expect(tasks.inFlight, entry.strategy).toBeGreaterThanOrEqual(0);
      expect(tasks.completed + tasks.deadLettered + tasks.expired + tasks.cancelled + tasks.rejected + tasks.inFlight).toBe(tasks.submitted);
    }
  });
});

describe('scenario library: each scenario shows its claim (paired differences, 95% intervals)', () => {
  it('context-pressure: cache-aware, consistent-hash and context-batching cut contextWaste against round-robin', async () => {
    const labels = ['round-robin', 'cache-aware', 'consistent-hash', 'context-batching'];
    const result = await runLibrary('context-pressure.yaml', labels);
    expectLower(result, contextWaste, 'cache-aware', 'round-robin');
    expectLower(result, contextWaste, 'consistent-hash', 'round-robin');
    expectLower(result, contextWaste, 'context-batching', 'round-robin');
    // Loading less context leaves more time for work: lower latency too.
    expectLower(result, latencyMean, 'consistent-hash', 'round-robin');
  });

  it('hot-keys: bounded loads keep most of plain hashing\'s hits without its hot-agent latency', async () => {
    const result = await runLibrary('hot-keys.yaml', ['least-connections', 'consistent-hash', 'consistent-hash#2']);
    // consistent-hash#2 is plain consistent hashing (loadFactor 1000).
    expectLower(result, contextWaste, 'consistent-hash', 'least-connections');
    expectLower(result, contextWaste, 'consistent-hash#2', 'consistent-hash');
    expectLower(result, latencyMean, 'consistent-hash', 'consistent-hash#2');
    expectLower(result, latencyMean, 'least-connections', 'consistent-hash#2');
  });

  it('first-look (the README\'s first example): skill-weighted beats round-robin on quality, latency p95, deadlines and context waste', async () => {
    const result = await runLibrary('first-look.yaml', ['round-robin', 'skill-weighted']);
    expectLower(result, lowQuality, 'skill-weighted', 'round-robin');
    expectLower(result, (run) => run.latency.p95, 'skill-weighted', 'round-robin');
    expectLower(result, missedDeadlines, 'skill-weighted', 'round-robin');
    expectLower(result, contextWaste, 'skill-weighted', 'round-robin');
  });

  it('heterogeneous-specialists: skill-weighted and capability-match give better quality, with fewer retries', async () => {
    const result = await runLibrary('heterogeneous-specialists.yaml', ['round-robin', 'skill-weighted', 'capability-match']);
    expectLower(result, lowQuality, 'skill-weighted', 'round-robin');
    expectLower(result, lowQuality, 'capability-match', 'round-robin');
    expectLower(result, retries, 'skill-weighted', 'round-robin');
    expectLower(result, latencyMean, 'skill-weighted', 'round-robin');
  });

  it('failure-prone: latency-ewma and performance-based avoid the degraded agents', async () => {
    const result = await runLibrary('failure-prone.yaml', ['round-robin', 'latency-ewma', 'performance-based']);
    expectLower(result, retries, 'latency-ewma', 'round-robin');
    expectLower(result, retries, 'performance-based', 'round-robin');
    expectLower(result, latencyMean, 'latency-ewma', 'round-robin');
    expectLower(result, missedDeadlines, 'latency-ewma', 'round-robin');
  });

  it('bursty-deadlines: deadline-aware misses fewer deadlines than the FIFO strategies', async () => {
    const result = await runLibrary('bursty-deadlines.yaml', ['round-robin', 'least-connections', 'deadline-aware']);
    expectLower(result, missedDeadlines, 'deadline-aware', 'round-robin');
    expectLower(result, missedDeadlines, 'deadline-aware', 'least-connections');
  });

  it('identical-high-load: power-of-d is far better than random, and join-shortest-queue bounds it', async () => {
    // A shorter run than the file's: the gaps are many times their intervals.
    const result = await runLibrary('identical-high-load.yaml', ['random', 'power-of-d', 'join-shortest-queue'], 600);
    expectLower(result, latencyMean, 'power-of-d', 'random');
    expectLower(result, latencyMean, 'join-shortest-queue', 'power-of-d');
  });

  it('small-vs-large: counting work (least-work-left, least-loaded-tokens) beats counting tasks', async () => {
    const result = await runLibrary('small-vs-large.yaml', ['least-connections', 'least-loaded-tokens', 'least-work-left']);
    expectLower(result, waitMean, 'least-loaded-tokens', 'least-connections');
    expectLower(result, waitMean, 'least-work-left', 'least-connections');
    expectLower(result, waitMean, 'least-work-left', 'least-loaded-tokens');
  });
});
