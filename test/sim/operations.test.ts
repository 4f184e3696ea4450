/**
 * Delegation models and fleet operations, simulated end to end: each mechanism shows its effect
 * on a small scenario and loses no task. Comparisons between two engine settings are paired on
 * common random numbers (the same seed and replication see the same tasks and the same luck per
 * attempt), and a gain counts only when the mean paired difference exceeds its 95% half-width.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/messages.js';
import { halfWidth95 } from '../../src/metrics/summary.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runSimulation, type RunResult } from '../../src/sim/simulation.js';

function scenarioOf(text: string): Scenario {
  return parseScenario(text, 'operations-test.yaml');
}

/** One replication of the scenario's first strategy, with every event kept. */
function run(scenario: Scenario, replication = 0): { result: RunResult; events: EngineEvent[] } {
  const events: EngineEvent[] = [];
  const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication, onEvent: (e) => events.push(e) });
  return { result, events };
}

/** Every submitted task is final (the run drains) and the ledger balances. */
function expectNothingLost(result: RunResult): void {
  const c = result.counts;
  expect(c.inFlight).toBe(0);
  expect(c.completed + c.deadLettered + c.expired + c.cancelled + c.rejected).toBe(c.submitted);
}

/** Mean and 95% half-width of `metric(b) − metric(a)` over `replications` paired runs. */
function pairedDifference(a: Scenario, b: Scenario, replications: number, metric: (m: RunMetrics) => number | null): { mean: number; halfWidth: number } {
  const diffs: number[] = [];
  for (let r = 0; r < replications; r++) {
    const x = metric(run(a, r).result.metrics);
    const y = metric(run(b, r).result.metrics);
    if (x === null || y === null) throw new Error('metric is null');
    diffs.push(y - x);
  }
  return { mean: diffs.reduce((s, d) => s + d, 0) / diffs.length, halfWidth: halfWidth95(diffs)! };
}

describe('failure memory', () => {
  const failing = (seconds: number, othersFailureRate = 0.05): Scenario => scenarioOf(`
name: failing-agent
seed: 11
stop: { tasks: 600 }
engine: { retry: { maxRetries: 1, backoff: { base: 0.1, jitter: 0 } }, failureMemory: { seconds: ${seconds} } }
agentModel: { skillFailureRate: 0, contextFailureRate: 0, qualityNoise: 0 }
agents:
  - { id: flaky, speed: 100, skills: { job: 1 }, failureRate: 0.9 }
  - { pool: good, count: 3, speed: 100, skills: { job: 1 }, failureRate: ${othersFailureRate} }
workload:
  arrivals: { process: poisson, rate: 1.5 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections]`);

  it('raises the share of retried tasks that complete when one agent keeps failing', () => {
    const gain = pairedDifference(failing(0), failing(600), 6, (m) => m.retrySuccess);
    expect(gain.mean).toBeGreaterThan(gain.halfWidth);
  });

  it('sends no retry back to the agent that just failed it, while another agent may take it', () => {
    // The other agents never fail, so they are never avoided (when every agent is, the rule yields).
    const { events } = run(failing(600, 0));
    const failedOn = new Map<string, string>();
    let retriesOnSameAgent = 0;
    let retries = 0;
    for (const e of events) {
      if (e.kind !== 'transition') continue;
      if (e.to === 'failed' && e.agent !== undefined) failedOn.set(e.task.spec.id, e.agent.spec.id);
      if (e.to === 'assigned' && e.attempt > 1) {
        retries++;
        if (failedOn.get(e.task.spec.id) === e.agent!.spec.id) retriesOnSameAgent++;
      }
    }
    expect(retries).toBeGreaterThan(20);
    expect(retriesOnSameAgent).toBe(0);
  });
});

describe('offer and accept', () => {
  const offers = scenarioOf(`
name: offers
seed: 5
stop: { tasks: 400 }
engine: { delegation: { mode: offer, offerTimeout: 5, maxOffers: 20 } }
agentModel: { offerResponseSeconds: 0.5, rejectBase: 0.2, rejectLoad: 0.3 }
agents:
  - { pool: coder, count: 3, capacity: 2, speed: 100, skills: { code: 1, review: 0 } }
  - { pool: reviewer, count: 2, capacity: 2, speed: 100, skills: { review: 1, code: 0.5 } }
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks:
    - { type: code, tokens: { dist: exponential, mean: 100 } }
    - { type: review, tokens: { dist: exponential, mean: 80 } }
strategies: [round-robin]`);

  it('re-offers rejected tasks elsewhere and loses none', () => {
    const { result, events } = run(offers);
    expectNothingLost(result);
    const d = result.metrics.delegation;
    expect(d.offersRejected).toBeGreaterThan(0);
    expect(d.reOffersPerTask).toBeGreaterThan(0);
    // Coders lack the review skill: they turn every review down, so no review runs on a coder.
    const reviewOnCoder = events.some((e) => e.kind === 'transition' && e.to === 'running' && e.task.spec.type === 'review' && e.agent!.spec.id.startsWith('coder'));
    expect(reviewOnCoder).toBe(false);
    const lacksSkill = events.filter((e) => e.kind === 'offerAnswered' && e.reason === 'lacks-skill').length;
    expect(lacksSkill).toBeGreaterThan(0);
  });
});

describe('broadcast', () => {
  const broadcast = scenarioOf(`
name: broadcast
seed: 9
stop: { tasks: 300 }
engine: { delegation: { mode: broadcast } }
agentModel: { offerResponseSeconds: 0.2 }
agents: [{ pool: a, count: 4, capacity: 1, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, contextTokens: 500, contextKeys: { count: 50 } }]
strategies: [least-connections]`);

  it('runs each task once, counts the losing claims as duplicates and their setup as waste', () => {
    const { result, events } = run(broadcast);
    expectNothingLost(result);
    const starts = new Map<string, number>();
    for (const e of events) if (e.kind === 'transition' && e.to === 'running') starts.set(e.task.spec.id, (starts.get(e.task.spec.id) ?? 0) + 1);
    expect([...starts.values()].every((n) => n === 1)).toBe(true);
    expect(starts.size).toBe(result.counts.completed);
    const duplicates = events.filter((e) => e.kind === 'duplicateClaim');
    expect(duplicates.length).toBeGreaterThan(0);
    expect(result.metrics.delegation.broadcastDuplicates).toBe(duplicates.length);
    // The same workload assigned directly wastes less context than broadcasting it.
    const direct = scenarioOf(`
name: direct
seed: 9
stop: { tasks: 300 }
agents: [{ pool: a, count: 4, capacity: 1, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, contextTokens: 500, contextKeys: { count: 50 } }]
strategies: [least-connections]`);
    expect(result.metrics.contextWaste!).toBeGreaterThan(run(direct).result.metrics.contextWaste!);
  });
});

describe('operations', () => {
  const operated = scenarioOf(`
name: operated
seed: 4
stop: { time: 600, drain: true }
agents:
  - { pool: coder, count: 3, capacity: 1, speed: 100, skills: { code: 1, review: 1 } }
workload:
  arrivals: { process: poisson, rate: 1.5 }
  tasks:
    - { type: code, tokens: { dist: exponential, mean: 100 } }
    - { type: review, tokens: { dist: exponential, mean: 100 } }
operations:
  - { at: 100, op: pause-type, type: review }
  - { at: 250, op: resume-type, type: review }
  - { at: 300, op: drain, agent: coder-1 }
  - { at: 400, op: add, like: coder, count: 1 }
strategies: [least-connections]`);

  it('routes no task of a paused type until it is resumed', () => {
    const { events } = run(operated);
    const assignedReviews = events.filter((e) => e.kind === 'transition' && e.to === 'assigned' && e.task.spec.type === 'review').map((e) => e.time);
    expect(assignedReviews.some((t) => t > 100 && t < 250)).toBe(false);
    expect(assignedReviews.some((t) => t >= 250)).toBe(true);
  });

  it('a drained agent finishes its work, takes none after the drain, leaves, and nothing is lost', () => {
    const { result, events } = run(operated);
    expectNothingLost(result);
    const drainAt = events.find((e) => e.kind === 'agentDraining')!.time;
    expect(drainAt).toBe(300);
    const left = events.find((e) => e.kind === 'agentLeft' && e.agent.spec.id === 'coder-1')!;
    expect(left.time).toBeGreaterThanOrEqual(drainAt);
    const lateWork = events.some((e) => e.kind === 'transition' && e.to === 'assigned' && e.agent!.spec.id === 'coder-1' && e.time > drainAt);
    expect(lateWork).toBe(false);
    const drained = result.metrics.perAgent.find((a) => a.id === 'coder-1')!;
    expect(drained.drainingSeconds).toBeCloseTo(left.time - drainAt, 9);
    // The added agent is named after its pool and takes work.
    expect(result.metrics.perAgent.find((a) => a.id === 'coder-3')!.completed).toBeGreaterThan(0);
  });

  it('names an added agent after its pool, skipping ids the fleet already uses', () => {
    const clash = scenarioOf(`
name: clash
seed: 1
stop: { time: 100, drain: true }
agents:
  - { pool: coder, count: 2, speed: 100, skills: { job: 1 } }
  - { id: coder-2, speed: 100, skills: { job: 1 } }
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: 100 }]
operations: [{ at: 50, op: add, like: coder, count: 2 }]
strategies: [round-robin]`);
    const { result } = run(clash);
    expectNothingLost(result);
    expect(result.metrics.perAgent.map((a) => a.id)).toEqual(['coder-0', 'coder-1', 'coder-2', 'coder-3', 'coder-4']);
  });
});

describe('autoscaling', () => {
  const scaled = scenarioOf(`
name: autoscaled
seed: 2
stop: { time: 1200, drain: true }
engine:
  autoscale: [{ pool: w, min: 1, max: 4, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: 60, interval: 10, coldStart: 20 }]
agents: [{ pool: w, count: 1, capacity: 1, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: mmpp, rates: [0.3, 3], dwell: [300, 200] }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections]`);

  it('stays within min and max, acts no sooner than the cooldown, pays for cold starts, and loses nothing', () => {
    const { result, events } = run(scaled);
    expectNothingLost(result);
    let present = 1;
    let provisioning = 0;
    let lastAction = Number.NEGATIVE_INFINITY;
    const gaps: number[] = [];
    for (const e of events) {
      if (e.kind === 'scaled') {
        gaps.push(e.time - lastAction);
        lastAction = e.time;
        if (e.direction === 'up') provisioning++;
      } else if (e.kind === 'agentJoined' && e.time > 0) {
        provisioning--;
        present++;
      } else if (e.kind === 'agentLeft') {
        present--;
      }
      expect(present + provisioning).toBeLessThanOrEqual(4);
      expect(present).toBeGreaterThanOrEqual(1);
    }
    const { scaleUps, scaleDowns, agentSeconds } = result.metrics.fleet;
    expect(scaleUps).toBeGreaterThan(0);
    expect(scaleDowns).toBeGreaterThan(0);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(60);
    // At least the one permanent agent for the whole window, at most four.
    expect(agentSeconds).toBeGreaterThanOrEqual(result.endTimeSeconds);
    expect(agentSeconds).toBeLessThanOrEqual(4 * result.endTimeSeconds);
  });
});

describe('preemption', () => {
  const preempting = (rule: string): Scenario => scenarioOf(`
name: preemption
seed: 8
stop: { tasks: 800 }
engine: { preemption: ${rule} }
agents: [{ pool: a, count: 3, capacity: 1, speed: 100, skills: { job: 1, urgent: 1 } }]
workload:
  arrivals: { process: poisson, rate: 0.27 }
  tasks:
    - { type: job, weight: 9, tokens: { dist: exponential, mean: 1000 }, priority: 3 }
    - { type: urgent, weight: 1, tokens: { dist: exponential, mean: 50 }, priority: 0, deadline: { dist: constant, value: 2 } }
strategies: [least-connections]`);

  it('pausing the least urgent running task lets critical tasks meet more deadlines, and loses nothing', () => {
    expectNothingLost(run(preempting('pause-lowest')).result);
    const gain = pairedDifference(preempting('none'), preempting('pause-lowest'), 5, (m) => m.deadlineSuccess);
    expect(gain.mean).toBeGreaterThan(gain.halfWidth);
  });
});
