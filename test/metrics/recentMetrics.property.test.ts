/**
 * Property: a window's figures, made by merging interval folds and differencing running totals,
 * are those of the events in the window counted one by one, and a window reaching back past the
 * first task is the whole-history fold. Runs are simulated scenarios with retries, ttl expiry
 * and a bounded queue, so every final state and the queue's ups and downs are drawn; and, for
 * the class tables and the figures about whole lives, several types, priorities and tenants,
 * deadlines, workflows and offer or broadcast delegation.
 */
import fc from 'fast-check';
import { quantile } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { EventObjects } from '../../src/engine/eventSink.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import type { TaskView } from '../../src/engine/task.js';
import { BREAKDOWN_KEY, CLASS_DIMENSIONS, classKey, sortClassKeys } from '../../src/metrics/classes.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import { RecentMetrics, type WindowMetrics } from '../../src/metrics/recentMetrics.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { expectQuantile } from '../support/sketchAccuracy.js';

/** What every drawn run has: its seed, its agents' failures, its length, its intervals and the windows asked for. */
interface WindowDraw {
  readonly seed: number;
  readonly failureRate: number;
  readonly stopSeconds: number;
  readonly intervalSeconds: number;
  /** Windows asked for, as shares of the longest. */
  readonly windowShares: readonly number[];
}

const windowDrawArbs = {
  seed: fc.integer({ min: 0, max: 100_000 }),
  failureRate: fc.constantFrom(0, 0.2),
  stopSeconds: fc.integer({ min: 5, max: 40 }),
  intervalSeconds: fc.constantFrom(0.1, 0.5, 1, 2.5, 7),
  windowShares: fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
};

interface Draw extends WindowDraw {
  readonly agents: number;
  readonly rate: number;
  readonly maxDepth: number;
}

const drawArb: fc.Arbitrary<Draw> = fc.record({
  ...windowDrawArbs,
  agents: fc.integer({ min: 1, max: 3 }),
  rate: fc.constantFrom(1, 3, 6),
  maxDepth: fc.integer({ min: 2, max: 8 }),
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

/** A simulated run folded into windows, with what each event did as `S`. */
interface Run<S> {
  readonly steps: readonly S[];
  readonly recent: RecentMetrics;
  readonly whole: RunMetrics;
  readonly endSeconds: number;
  readonly longestWindowSeconds: number;
}

/** Simulates `yaml` feeding every event to a window fold, and to `step` (what it returns, if anything, is the event's step). */
function simulateSteps<S>(yaml: string, draw: WindowDraw, step: (event: EngineEvent) => S | undefined): Run<S> {
  const scenario = parseScenario(yaml, 'recent-windows.yaml');
  const longestWindowSeconds = draw.stopSeconds + 10;
  const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
  const recent = new RecentMetrics(collector, { intervalSeconds: draw.intervalSeconds, longestWindowSeconds });
  const steps: S[] = [];
  const deliver = (event: EngineEvent): void => {
    recent.observe(event);
    const done = step(event);
    if (done !== undefined) steps.push(done);
  };
  const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0, sink: new EventObjects(deliver) });
  return { steps, recent, whole: collector.finish(result.endTimeSeconds), endSeconds: result.endTimeSeconds, longestWindowSeconds };
}

function simulate(draw: Draw): Run<Step> {
  const yaml = `
name: recent-windows
seed: ${draw.seed}
replications: 1
stop: { time: ${draw.stopSeconds} }
engine: { queue: { maxDepth: ${draw.maxDepth}, overflow: reject } }
agents: [{ pool: a, count: ${draw.agents}, capacity: 1, speed: 100, failureRate: ${draw.failureRate}, skills: { code: 0.8 } }]
workload:
  arrivals: { process: poisson, rate: ${draw.rate} }
  tasks: [{ type: code, tokens: { dist: exponential, mean: 200 }, maxRetries: 1, ttl: 3, deadline: 4 }]
strategies: [least-connections]`;
  let queued = 0;
  return simulateSteps(yaml, draw, (event) => {
    if (event.kind === 'transition') {
      if (event.to === 'queued') queued++;
      if (event.from === 'queued') queued--;
    }
    const transition = event.kind === 'transition' ? event : undefined;
    return {
      time: event.time,
      submitted: event.kind === 'submitted',
      to: transition?.to,
      latency: transition?.to === 'completed' ? event.time - transition.task.submittedAt : undefined,
      wait: transition?.to === 'running' && transition.from === 'assigned' && transition.attempt === 1 ? event.time - transition.task.submittedAt : undefined,
      queued,
    };
  });
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

/** One task type of a drawn scenario: its priorities, its tenant (or none), whether it has a deadline. */
interface ClassedTypeDraw {
  readonly priorities: readonly number[];
  readonly tenant: string | undefined;
  readonly deadline: number | undefined;
}

interface ClassedDraw extends WindowDraw {
  readonly types: readonly ClassedTypeDraw[];
  /** A workflow (of tenant `wf`, with a deadline) arriving beside the types. */
  readonly workflow: boolean;
  readonly delegation: 'assign' | 'offer' | 'broadcast';
}

const classedDrawArb: fc.Arbitrary<ClassedDraw> = fc.record({
  ...windowDrawArbs,
  types: fc.array(fc.record({
    priorities: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 2 }),
    tenant: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
    deadline: fc.option(fc.constantFrom(2, 6), { nil: undefined }),
  }), { minLength: 1, maxLength: 3 }),
  workflow: fc.boolean(),
  delegation: fc.constantFrom('assign' as const, 'offer' as const, 'broadcast' as const),
});

function classedYaml(draw: ClassedDraw): string {
  const types = draw.types.map((t, i) => {
    const priority = `{ ${t.priorities.map((p) => `"${p}": ${1 / t.priorities.length}`).join(', ')} }`;
    const extras = `${t.tenant === undefined ? '' : `, tenant: ${t.tenant}`}${t.deadline === undefined ? '' : `, deadline: ${t.deadline}`}`;
    return `{ type: t${i}, tokens: { dist: exponential, mean: 200 }, priority: ${priority}, maxRetries: 1, ttl: 4${extras} }`;
  });
  const workflow = draw.workflow
    ? `
  workflows:
    - { name: wf, tenant: wf, arrivals: { process: poisson, rate: 0.5 }, deadline: 8, dag: { fanOut: 2, depth: 1, join: true }, nodes: [{ type: node, tokens: 100, priority: 1 }] }`
    : '';
  const skills = [...draw.types.map((_, i) => `t${i}: 0.8`), ...(draw.workflow ? ['node: 0.8'] : [])].join(', ');
  return `
name: recent-classes
seed: ${draw.seed}
replications: 1
stop: { time: ${draw.stopSeconds} }
engine: { queue: { maxDepth: 6, overflow: reject }, delegation: { mode: ${draw.delegation} } }
agentModel: { offerResponseSeconds: 0.2, rejectBase: 0.3 }
agents: [{ pool: a, count: 3, capacity: 1, speed: 100, failureRate: ${draw.failureRate}, skills: { ${skills} } }]
workload:
  arrivals: { process: poisson, rate: 3 }
  tasks: [${types.join(', ')}]${workflow}
strategies: [least-connections]`;
}

/** What one task event did, read as it was delivered (the task records change later). */
interface TaskStep {
  readonly time: number;
  readonly task: TaskView;
  /** The task's class in each dimension, in CLASS_DIMENSIONS order. */
  readonly classes: readonly string[];
  /** `submitted`, a state entered, or `duplicateClaim`. */
  readonly what: string;
  readonly from: string | undefined;
  readonly attempt: number;
  readonly setupTokens: number;
  readonly quality: number | undefined;
  /** Start of the completing attempt → completion. */
  readonly serviceSeconds: number;
  /** The task's round of offers, for `offered`. */
  readonly offers: number;
}

function simulateClassed(draw: ClassedDraw): Run<TaskStep> {
  return simulateSteps(classedYaml(draw), draw, (event) => {
    if (!('task' in event)) return undefined;
    const { task } = event;
    const transition = event.kind === 'transition' ? event : undefined;
    return {
      time: event.time, task, classes: CLASS_DIMENSIONS.map((dimension) => classKey(dimension, task.spec)),
      what: transition?.to ?? event.kind, from: transition?.from, attempt: transition?.attempt ?? 0,
      setupTokens: transition?.setupTokens ?? (event.kind === 'duplicateClaim' ? event.setupTokens : 0),
      quality: transition?.quality, serviceSeconds: event.time - task.startedAt, offers: task.offers,
    };
  });
}

const FINAL = new Set(['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected']);

/**
 * The figures over [start, end] counted one step at a time, as the docs define them, with no
 * fold: the class tables, tenant fairness, retry success, re-offers per task and workflows.
 */
function countedWindow(steps: readonly TaskStep[], startSeconds: number, endSeconds: number, deadlinesFromSeconds: number) {
  const inWindow = steps.filter((step) => step.time >= startSeconds && step.time <= endSeconds);
  const settledAt = new Map<TaskView, number>();
  for (const step of steps) if (FINAL.has(step.what)) settledAt.set(step.task, step.time);
  const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
  const tables = CLASS_DIMENSIONS.map((_, d) => {
    const keys = new Set<string>();
    for (const step of steps) {
      if (step.what !== 'submitted') continue;
      const settled = settledAt.get(step.task) ?? Number.POSITIVE_INFINITY;
      // In flight at the start, or submitted in the window.
      if ((step.time < startSeconds && settled >= startSeconds) || (step.time >= startSeconds && step.time <= endSeconds)) keys.add(step.classes[d]!);
    }
    const tokensOf = (what: string): Map<string, number> => {
      const tokens = new Map<string, number>();
      for (const step of inWindow) if (step.what === what) tokens.set(step.classes[d]!, (tokens.get(step.classes[d]!) ?? 0) + step.task.spec.tokens);
      return tokens;
    };
    const demand = tokensOf('submitted');
    const served = tokensOf('completed');
    const table = new Map([...keys].map((key) => {
      const own = inWindow.filter((step) => step.classes[d] === key);
      const count = (what: string): number => own.filter((step) => step.what === what).length;
      const submittedByEnd = steps.filter((step) => step.classes[d] === key && step.what === 'submitted');
      const inFlightAtEnd = submittedByEnd.filter((step) => !settledAt.has(step.task));
      const completions = own.filter((step) => step.what === 'completed');
      const withDeadline = own.filter((step) => FINAL.has(step.what) && step.task.spec.deadline !== undefined);
      const overdue = inFlightAtEnd.filter((step) => step.task.spec.deadline! >= deadlinesFromSeconds && step.task.spec.deadline! < endSeconds).length;
      const starts = own.filter((step) => step.what === 'running' && step.from === 'assigned');
      const setup = sum([...starts, ...own.filter((step) => step.what === 'duplicateClaim')].map((step) => step.setupTokens));
      const work = sum(starts.map((step) => step.task.spec.tokens));
      const demandShare = sum([...demand.values()]) > 0 ? (demand.get(key) ?? 0) / sum([...demand.values()]) : null;
      const serviceShare = sum([...served.values()]) > 0 ? (served.get(key) ?? 0) / sum([...served.values()]) : null;
      return [key, {
        tasks: {
          submitted: count('submitted'), completed: count('completed'), deadLettered: count('dead-lettered'), expired: count('expired'),
          cancelled: count('cancelled'), rejected: count('rejected'), inFlight: inFlightAtEnd.length,
        },
        latencies: completions.map((step) => step.time - step.task.submittedAt),
        waits: starts.filter((step) => step.attempt === 1).map((step) => step.time - step.task.submittedAt),
        qualities: completions.map((step) => step.quality!),
        deadlineSuccess: withDeadline.length + overdue > 0
          ? withDeadline.filter((step) => step.what === 'completed' && step.time <= step.task.spec.deadline!).length / (withDeadline.length + overdue) : null,
        contextWaste: setup + work > 0 ? setup / (setup + work) : null,
        share: { demand: demandShare, service: serviceShare, ratio: demandShare === null || serviceShare === null || demandShare === 0 ? null : serviceShare / demandShare },
        slowdown: sum(completions.map((step) => step.serviceSeconds)) > 0
          ? sum(completions.map((step) => step.time - step.task.submittedAt)) / sum(completions.map((step) => step.serviceSeconds)) : null,
      }] as const;
    }));
    return table;
  });
  // Retried tasks that became final in the window.
  const retried = new Set(steps.filter((step) => step.what === 'retrying').map((step) => step.task));
  const retriedFinal = inWindow.filter((step) => FINAL.has(step.what) && retried.has(step.task));
  const rounds = inWindow.filter((step) => step.what === 'offered');
  const firstRounds = rounds.filter((step) => step.offers === 1).length;
  // Workflows: one ends when every task of it submitted so far is final.
  const open = new Map<string, { startedAt: number; open: number; failed: boolean; deadline: number | undefined }>();
  const ended: { time: number; failed: boolean; latency: number; met: boolean | undefined }[] = [];
  for (const step of steps) {
    const id = step.task.spec.workflowId;
    if (id === undefined) continue;
    if (step.what === 'submitted') {
      const workflow = open.get(id) ?? { startedAt: step.time, open: 0, failed: false, deadline: undefined };
      workflow.open++;
      const deadline = step.task.spec.deadline;
      if (deadline !== undefined && !(deadline <= (workflow.deadline ?? Number.NEGATIVE_INFINITY))) workflow.deadline = deadline;
      open.set(id, workflow);
    } else if (FINAL.has(step.what)) {
      const workflow = open.get(id)!;
      if (step.what !== 'completed') workflow.failed = true;
      if (--workflow.open > 0) continue;
      open.delete(id);
      ended.push({ time: step.time, failed: workflow.failed, latency: step.time - workflow.startedAt, met: workflow.deadline === undefined ? undefined : !workflow.failed && step.time <= workflow.deadline });
    }
  }
  const endedInWindow = ended.filter((workflow) => workflow.time >= startSeconds && workflow.time <= endSeconds);
  const withDeadline = endedInWindow.filter((workflow) => workflow.met !== undefined);
  return {
    tables,
    retrySuccess: retriedFinal.length > 0 ? retriedFinal.filter((step) => step.what === 'completed').length / retriedFinal.length : null,
    reOffersPerTask: firstRounds > 0 ? (rounds.length - firstRounds) / firstRounds : null,
    workflows: {
      completed: endedInWindow.filter((workflow) => !workflow.failed).length,
      failed: endedInWindow.filter((workflow) => workflow.failed).length,
      latencies: endedInWindow.filter((workflow) => !workflow.failed).map((workflow) => workflow.latency),
      deadlineSuccess: withDeadline.length > 0 ? withDeadline.filter((workflow) => workflow.met).length / withDeadline.length : null,
    },
  };
}

/** `actual` is `expected` to 1e-9 relative (sums folded in another order), or both are null. */
function expectNear(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) expect(actual, what).toBeNull();
  else expect(Math.abs(actual! - expected), what).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

function expectSampleFigures(metrics: { mean: number | null; p95: number | null }, sample: readonly number[], what: string): void {
  expectNear(metrics.mean, sample.length === 0 ? null : sample.reduce((a, b) => a + b, 0) / sample.length, `${what}.mean`);
  if (sample.length === 0) expect(metrics.p95, what).toBeNull();
  else expectQuantile(metrics.p95, quantile([...sample], 0.95));
}

/**
 * Two metrics documents leaf by leaf: every figure the same, but the means and standard
 * deviations (sums merged in another order) to 1e-9 relative.
 */
function expectSameFigures(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual === 'object' && actual !== null, path).toBe(true);
    expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
    for (const [key, value] of Object.entries(expected)) expectSameFigures((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else if (/\.(mean|stddev)$/.test(path) && typeof expected === 'number') {
    expectNear(actual as number | null, expected, path);
  } else {
    expect(actual, path).toBe(expected);
  }
}

describe('class tables and whole-life figures over a window', () => {
  it('a window reaching back past the first task is the whole-history document, class tables, tenant fairness, retries, offers and workflows included', () => {
    const seen = { splitTypes: 0, tenants: 0, workflows: 0, reOffers: 0, retried: 0 };
    fc.assert(fc.property(classedDrawArb, (draw) => {
      const run = simulateClassed(draw);
      const { window, metrics } = run.recent.window(run.longestWindowSeconds, run.endSeconds);
      expect(window.wholeHistory).toBe(true);
      expectSameFigures(metrics, run.whole, 'metrics');
      if (Object.keys(run.whole.byType).length > 1) seen.splitTypes++;
      if (Object.keys(run.whole.byTenant).length > 1) seen.tenants++;
      if (run.whole.workflows.completed > 0) seen.workflows++;
      if ((run.whole.delegation.reOffersPerTask ?? 0) > 0) seen.reOffers++;
      if (run.whole.retrySuccess !== null) seen.retried++;
    }), { seed: 34, numRuns: 40 });
    // The draws reached what the figures are about.
    for (const [key, count] of Object.entries(seen)) expect(count, key).toBeGreaterThan(3);
  });

  it('a window over a stretch gives each class the figures of its events in the stretch, counted one by one', () => {
    let partial = 0;
    let classesChecked = 0;
    fc.assert(fc.property(classedDrawArb, (draw) => {
      const run = simulateClassed(draw);
      for (const share of draw.windowShares) {
        const { window, metrics } = run.recent.window(share * run.longestWindowSeconds, run.endSeconds);
        if (!window.wholeHistory) partial++;
        const from = window.wholeHistory ? Number.NEGATIVE_INFINITY : window.startSeconds;
        const counted = countedWindow(run.steps, window.startSeconds, run.endSeconds, from);
        CLASS_DIMENSIONS.forEach((dimension, d) => {
          const table = metrics[BREAKDOWN_KEY[dimension]];
          const expected = counted.tables[d]!;
          expect(Object.keys(table), dimension).toEqual(sortClassKeys(expected.keys()));
          for (const [key, figures] of expected) {
            const what = `${dimension} ${key}`;
            const cls = table[key]!;
            classesChecked++;
            expect(cls.tasks, what).toEqual(figures.tasks);
            expectSampleFigures(cls.latency, figures.latencies, `${what} latency`);
            expectSampleFigures(cls.wait, figures.waits, `${what} wait`);
            expectNear(cls.quality.mean, figures.qualities.length === 0 ? null : figures.qualities.reduce((a, b) => a + b, 0) / figures.qualities.length, `${what} quality`);
            expectNear(cls.deadlineSuccess, figures.deadlineSuccess, `${what} deadlineSuccess`);
            expectNear(cls.contextWaste, figures.contextWaste, `${what} contextWaste`);
            for (const part of ['demand', 'service', 'ratio'] as const) expectNear(cls.share[part], figures.share[part], `${what} share.${part}`);
          }
        });
        const tenants = counted.tables[2]!;
        const slowdowns = [...tenants.values()].flatMap((tenant) => (tenant.slowdown === null ? [] : [tenant.slowdown]));
        expectNear(metrics.tenantFairness.worstSlowdown, slowdowns.length === 0 ? null : Math.max(...slowdowns), 'worstSlowdown');
        const ratios = [...tenants.values()].flatMap((tenant) => (tenant.share.ratio === null ? [] : [tenant.share.ratio]));
        const jain = ratios.length === 0 || ratios.every((r) => r === 0) ? null : ratios.reduce((a, b) => a + b, 0) ** 2 / (ratios.length * ratios.reduce((a, b) => a + b * b, 0));
        expectNear(metrics.tenantFairness.jain, jain, 'tenantFairness.jain');
        expectNear(metrics.retrySuccess, counted.retrySuccess, 'retrySuccess');
        expectNear(metrics.delegation.reOffersPerTask, counted.reOffersPerTask, 'reOffersPerTask');
        expect(metrics.workflows).toMatchObject({ completed: counted.workflows.completed, failed: counted.workflows.failed });
        expectNear(metrics.workflows.deadlineSuccess, counted.workflows.deadlineSuccess, 'workflows.deadlineSuccess');
        expectSampleFigures(metrics.workflows.latency, counted.workflows.latencies, 'workflows.latency');
      }
    }), { seed: 35, numRuns: 40 });
    expect(partial).toBeGreaterThan(20);
    expect(classesChecked).toBeGreaterThan(200);
  });
});
