/**
 * Property: a window's figures, made by merging interval folds and differencing running totals,
 * are those of the events in the window counted one by one, and a window reaching back past the
 * first task is the whole-history fold. Runs are simulated scenarios with retries, ttl expiry
 * and a bounded queue, so every final state and the queue's ups and downs are drawn.
 */
import fc from 'fast-check';
import { quantile } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { EventObjects } from '../../src/engine/eventSink.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import { RecentMetrics, type WindowMetrics } from '../../src/metrics/recentMetrics.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { expectQuantile } from '../support/sketchAccuracy.js';

interface Draw {
  readonly seed: number;
  readonly agents: number;
  readonly rate: number;
  readonly failureRate: number;
  readonly maxDepth: number;
  readonly stopSeconds: number;
  readonly intervalSeconds: number;
  /** Windows asked for, as shares of the longest. */
  readonly windowShares: readonly number[];
}

const drawArb: fc.Arbitrary<Draw> = fc.record({
  seed: fc.integer({ min: 0, max: 100_000 }),
  agents: fc.integer({ min: 1, max: 3 }),
  rate: fc.constantFrom(1, 3, 6),
  failureRate: fc.constantFrom(0, 0.2),
  maxDepth: fc.integer({ min: 2, max: 8 }),
  stopSeconds: fc.integer({ min: 5, max: 40 }),
  intervalSeconds: fc.constantFrom(0.1, 0.5, 1, 2.5, 7),
  windowShares: fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
});

/** What one event did, read as it was delivered (the task records it names change later). */
interface Step {
  readonly time: number;
  readonly submitted: boolean;
  readonly to: string | undefined;
  /** Submit → completion of a completion. */
  readonly latency: number | undefined;
  /** Submit → start of a first attempt's start. */
  readonly wait: number | undefined;
  /** Tasks queued after the event. */
  readonly queued: number;
}

interface Run {
  readonly steps: readonly Step[];
  readonly recent: RecentMetrics;
  readonly whole: RunMetrics;
  readonly endSeconds: number;
  readonly longestWindowSeconds: number;
}

function simulate(draw: Draw): Run {
  const scenario = parseScenario(`
name: recent-windows
seed: ${draw.seed}
replications: 1
stop: { time: ${draw.stopSeconds} }
engine: { queue: { maxDepth: ${draw.maxDepth}, overflow: reject } }
agents: [{ pool: a, count: ${draw.agents}, capacity: 1, speed: 100, failureRate: ${draw.failureRate}, skills: { code: 0.8 } }]
workload:
  arrivals: { process: poisson, rate: ${draw.rate} }
  tasks: [{ type: code, tokens: { dist: exponential, mean: 200 }, maxRetries: 1, ttl: 3, deadline: 4 }]
strategies: [least-connections]`, 'recent-windows.yaml');
  const longestWindowSeconds = draw.stopSeconds + 10;
  const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
  const recent = new RecentMetrics(collector, { intervalSeconds: draw.intervalSeconds, longestWindowSeconds });
  const steps: Step[] = [];
  let queued = 0;
  const deliver = (event: EngineEvent): void => {
    recent.observe(event);
    if (event.kind === 'transition') {
      if (event.to === 'queued') queued++;
      if (event.from === 'queued') queued--;
    }
    const transition = event.kind === 'transition' ? event : undefined;
    steps.push({
      time: event.time,
      submitted: event.kind === 'submitted',
      to: transition?.to,
      latency: transition?.to === 'completed' ? event.time - transition.task.submittedAt : undefined,
      wait: transition?.to === 'running' && transition.from === 'assigned' && transition.attempt === 1 ? event.time - transition.task.submittedAt : undefined,
      queued,
    });
  };
  const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0, sink: new EventObjects(deliver) });
  return { steps, recent, whole: collector.finish(result.endTimeSeconds), endSeconds: result.endTimeSeconds, longestWindowSeconds };
}

function expectSample(figure: number | null, sample: readonly number[], q: number): void {
  if (sample.length === 0) expect(figure).toBeNull();
  else expectQuantile(figure, quantile([...sample], q));
}

/** The window's figures against the steps in [start, end] counted one by one. */
function expectCounted(metrics: WindowMetrics, steps: readonly Step[], startSeconds: number, endSeconds: number): void {
  const inWindow = steps.filter((step) => step.time >= startSeconds && step.time <= endSeconds);
  const reached = (state: string): number => inWindow.filter((step) => step.to === state).length;
  expect(metrics.tasks).toMatchObject({
    submitted: inWindow.filter((step) => step.submitted).length,
    completed: reached('completed'), deadLettered: reached('dead-lettered'), expired: reached('expired'), rejected: reached('rejected'), cancelled: 0,
  });
  expect(metrics.retries).toBe(reached('retrying'));
  const latencies = inWindow.flatMap((step) => (step.latency === undefined ? [] : [step.latency]));
  const waits = inWindow.flatMap((step) => (step.wait === undefined ? [] : [step.wait]));
  expectSample(metrics.latency.p50, latencies, 0.5);
  expectSample(metrics.latency.p95, latencies, 0.95);
  expectSample(metrics.latency.p99, latencies, 0.99);
  expectSample(metrics.wait.p95, waits, 0.95);
  if (latencies.length > 0) expect(metrics.latency.mean).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 9);
  const before = steps.filter((step) => step.time < startSeconds).at(-1)?.queued ?? 0;
  expect(metrics.maxQueueDepth).toBe(Math.max(before, ...inWindow.map((step) => step.queued)));
  expect(metrics.throughput).toBeCloseTo(reached('completed') / (endSeconds - startSeconds), 12);
}

describe('windows over simulated runs', () => {
  it('count exactly the events in the window, quantiles within the sketch accuracy, and start on the boundary at or before end − W', () => {
    let partial = 0;
    const reached = { completed: 0, deadLettered: 0, expired: 0, rejected: 0, retries: 0 };
    fc.assert(fc.property(drawArb, (draw) => {
      const run = simulate(draw);
      for (const key of ['completed', 'deadLettered', 'expired', 'rejected'] as const) reached[key] += run.whole.tasks[key];
      reached.retries += run.whole.retries;
      for (const share of draw.windowShares) {
        const requested = share * run.longestWindowSeconds;
        const { window, metrics } = run.recent.window(requested, run.endSeconds);
        const firstTask = run.steps.find((step) => step.submitted)?.time;
        if (window.wholeHistory) {
          expect(window.startSeconds).toBe(firstTask);
        } else {
          partial++;
          const index = Math.round(window.startSeconds / draw.intervalSeconds);
          expect(window.startSeconds).toBe(index * draw.intervalSeconds);
          expect(window.startSeconds).toBeLessThanOrEqual(run.endSeconds - requested);
          expect(window.startSeconds).toBeGreaterThan(run.endSeconds - requested - draw.intervalSeconds);
        }
        expectCounted(metrics, run.steps, window.startSeconds, run.endSeconds);
      }
    }), { seed: 32, numRuns: 40 });
    // Windows shorter than the history were drawn, and runs that reach every state counted.
    expect(partial).toBeGreaterThan(20);
    for (const [key, count] of Object.entries(reached)) expect(count, key).toBeGreaterThan(0);
  });

  it('a window reaching back past the first task equals the whole-history fold, whatever the intervals it merges', () => {
    fc.assert(fc.property(drawArb, (draw) => {
      const run = simulate(draw);
      const { window, metrics } = run.recent.window(run.longestWindowSeconds, run.endSeconds);
      expect(window.wholeHistory).toBe(true);
      const { whole } = run;
      expect(metrics.tasks).toEqual(whole.tasks);
      // Merged sketches hold the same buckets as the one sketch: the same quantiles; the means
      // are sums merged in another order.
      for (const key of ['p50', 'p95', 'p99'] as const) expect(metrics.latency[key]).toBe(whole.latency[key]);
      expect(metrics.wait.p95).toBe(whole.wait.p95);
      for (const [mean, wholeMean] of [[metrics.latency.mean, whole.latency.mean], [metrics.wait.mean, whole.wait.mean], [metrics.quality.mean, whole.quality.mean]] as const) {
        if (wholeMean === null) expect(mean).toBeNull();
        else expect(mean).toBeCloseTo(wholeMean, 9);
      }
      for (const key of ['gini', 'jain', 'deadlineSuccess', 'contextWaste', 'priorityRespect', 'utilization', 'throughput', 'retries', 'maxQueueDepth', 'fleet', 'perAgent'] as const) {
        expect(metrics[key], key).toEqual(whole[key]);
      }
    }), { seed: 33, numRuns: 40 });
  });
});
