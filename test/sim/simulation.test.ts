/**
 * One simulated run, end to end: stop conditions, conservation, and common random numbers.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { MetricsCollector } from '../../src/metrics/collector.js';

function scenario(stop: string, strategies = '[least-connections]', more = ''): ReturnType<typeof parseScenario> {
  return parseScenario(`
name: sim-test
seed: 3
replications: 1
stop: ${stop}
agents: [{ pool: a, count: 3, capacity: 1, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: ${strategies}
${more}`, 'sim-test.yaml');
}

describe('runSimulation', () => {
  it('with a task limit and no time limit, submits exactly that many tasks and drains them', () => {
    const s = scenario('{ tasks: 500 }');
    const run = runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0 });
    expect(run.counts.submitted).toBe(500);
    expect(run.counts.completed).toBe(500);
    expect(run.counts.inFlight).toBe(0);
    expect(Number.isFinite(run.endTimeSeconds)).toBe(true);
  });

  it('with a time limit and no drain, ends at the limit with tasks possibly in flight', () => {
    const s = scenario('{ time: 100 }');
    const run = runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0 });
    expect(run.endTimeSeconds).toBe(100);
    // Rate 2 over 100 s: about 200 arrivals (Poisson: sd ≈ 14).
    expect(run.counts.submitted).toBeGreaterThan(140);
    expect(run.counts.submitted).toBeLessThan(260);
    const { completed, inFlight, submitted } = run.counts;
    expect(completed + inFlight).toBe(submitted);
  });

  it('stops at whichever limit comes first', () => {
    const s = scenario('{ time: 1000, tasks: 50 }');
    const run = runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0 });
    expect(run.counts.submitted).toBe(50);
  });

  it('shows two strategies the same tasks at the same times (common random numbers)', () => {
    const s = scenario('{ tasks: 300 }', '[least-connections, random]');
    const arrivals = s.strategies.map((strategy) => {
      const seen: string[] = [];
      const onEvent = (e: EngineEvent): void => {
        if (e.kind === 'submitted') seen.push(`${e.time}/${e.task.spec.id}/${e.task.spec.tokens}`);
      };
      runSimulation({ scenario: s, strategy, replication: 0, onEvent });
      return seen;
    });
    expect(arrivals[0]).toHaveLength(300);
    expect(arrivals[1]).toEqual(arrivals[0]);
  });
});

describe('runSimulation progress', () => {
  it('reports a growing share of the run done, within [0, 1]', () => {
    const s = scenario('{ tasks: 40000 }');
    const seen: number[] = [];
    runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0, onProgress: (f) => seen.push(f) });
    // 40,000 tasks make about 80,000 heap events: at least one report every 65,536 events.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
  });
});

describe('runSimulation metrics', () => {
  it('folds events as they happen into the same metrics as a replay of the logged event objects', () => {
    const s = parseScenario(`
name: sink-vs-log
seed: 5
stop: { tasks: 400 }
warmup: { tasks: 50 }
agents: [{ pool: a, count: 3, capacity: 2, speed: 100, failureRate: 0.2, skills: { job: 0.7 } }]
workload:
  arrivals: { process: poisson, rate: 4 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, deadline: { dist: constant, value: 3 }, maxRetries: 1 }]
strategies: [random]`, 'sink-vs-log.yaml');
    const logged: EngineEvent[] = [];
    const run = runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0, onEvent: (e) => logged.push(e) });
    const replay = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 50 });
    for (const event of logged) replay.observe(event);
    expect(run.counts.deadLettered).toBeGreaterThan(0);
    expect(replay.finish(run.endTimeSeconds)).toEqual(run.metrics);
  });
});

describe('runSimulation on ideal agents', () => {
  it("records the finish of a removed agent's first attempt as stale, and the task completes on its retry", () => {
    // Ideal servers (no skill, failure or noise effects); a-0, the first pick, is busy at 10 s.
    const s = scenario('{ tasks: 200 }', '[least-connections]', `
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
operations: [{ at: 10, op: remove, agent: a-0 }]`);
    const events: EngineEvent[] = [];
    const run = runSimulation({ scenario: s, strategy: s.strategies[0]!, replication: 0, onEvent: (e) => events.push(e) });
    expect(run.counts.completed).toBe(200);
    const stale = events.filter((e) => e.kind === 'staleResult');
    expect(stale).toHaveLength(1);
    const lost = stale[0]!;
    expect(lost.kind === 'staleResult' && lost.attempt).toBe(1);
    const lostId = lost.kind === 'staleResult' ? lost.taskId : '';
    const completions = events.filter((e) => e.kind === 'transition' && e.to === 'completed' && e.task.spec.id === lostId);
    expect(completions.map((e) => e.kind === 'transition' && e.attempt)).toEqual([2]);
    // Every start on an ideal server loads nothing.
    for (const e of events) if (e.kind === 'transition' && e.to === 'running') expect([e.setupTokens, e.contextHit]).toEqual([0, null]);
  });
});
