/**
 * The collector against the real engine: the events it folds are the ones the engine emits,
 * in the order it emits them.
 */
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/engine/agent.js';
import { defaultEngineConfig } from '../../src/engine/config.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { TaskSpec } from '../../src/engine/task.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { findStrategy } from '../../src/strategies/index.js';
import { expectQuantile } from '../support/sketchAccuracy.js';

const TOKENS_PER_SECOND = 10;

interface PendingFinish {
  readonly at: number;
  readonly taskId: string;
  readonly attempt: number;
}

/**
 * Ideal agents (service time = tokens / 10 s, quality 0.9) answering every start at once;
 * tasks submitted at the given times. At most 1000 steps, so a bug cannot spin forever.
 */
function simulate(agents: readonly AgentSpec[], tasks: readonly { at: number; spec: TaskSpec }[], endTimeSeconds: number): { metrics: RunMetrics; engine: Engine } {
  const engine = createEngine({
    config: defaultEngineConfig(),
    strategy: findStrategy('round-robin')!.create({}),
    strategyRandom: () => 0.5,
    engineRandom: () => 0.5,
  });
  const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
  const pending: PendingFinish[] = [];
  let now = 0;
  const drain = (): void => {
    for (let command = engine.pollCommand(); command !== undefined; command = engine.pollCommand()) {
      if (command.kind !== 'start') continue;
      engine.started(now, command.task.spec.id, command.attempt, { setupTokens: 0, contextHit: null });
      pending.push({ at: now + command.task.spec.tokens / TOKENS_PER_SECOND, taskId: command.task.spec.id, attempt: command.attempt });
    }
    for (let event = engine.pollEvent(); event !== undefined; event = engine.pollEvent()) collector.observe(event);
  };
  for (const spec of agents) engine.agentJoined(0, spec);
  drain();
  const arrivals = [...tasks];
  for (let step = 0; step < 1000 && (arrivals.length > 0 || pending.length > 0); step++) {
    pending.sort((x, y) => x.at - y.at || x.taskId.localeCompare(y.taskId));
    const nextFinish = pending[0]?.at ?? Number.POSITIVE_INFINITY;
    if (arrivals.length > 0 && arrivals[0]!.at <= nextFinish) {
      const arrival = arrivals.shift()!;
      now = arrival.at;
      engine.submit(now, arrival.spec);
    } else {
      const finish = pending.shift()!;
      now = finish.at;
      engine.finished(now, finish.taskId, finish.attempt, { ok: true, quality: 0.9 });
    }
    drain();
  }
  return { metrics: collector.finish(endTimeSeconds), engine };
}

function agentSpec(id: string): AgentSpec {
  return { id, capacity: 1, tokensPerSecond: TOKENS_PER_SECOND, skills: { code: 1 }, weight: 1, tags: [] };
}

function taskSpec(id: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return { id, type: 'code', priority: 2, tokens: 10, contextTokens: 0, ...extra };
}

describe('collector on a real engine run', () => {
  it('two one-slot agents, four one-second tasks at once: waits, latencies, utilization and fairness by hand', () => {
    const { metrics, engine } = simulate(
      [agentSpec('a'), agentSpec('b')],
      ['t0', 't1', 't2', 't3'].map((id) => ({ at: 0, spec: taskSpec(id, { deadline: 1.5 }) })),
      2,
    );
    // t0, t1 run 0…1; t2, t3 wait 1 s and run 1…2.
    const { inFlight: _ignored, ...ledger } = engine.counts();
    expect(metrics.tasks).toEqual({ ...ledger, inFlight: 0 });
    expect(metrics.tasks.completed).toBe(4);
    expect(metrics.wait.mean).toBe(0.5);
    expectQuantile(metrics.wait.p95, 1);
    expect(metrics.latency.mean).toBeCloseTo(1.5, 12);
    expectQuantile(metrics.latency.p50, 1.5);
    expect(metrics.utilization).toBeCloseTo(1, 12);
    expect(metrics.throughput).toBeCloseTo(2, 12);
    expect(metrics.gini).toEqual({ tasks: 0, tokens: 0 });
    expect(metrics.deadlineSuccess).toBeCloseTo(0.5, 12);
    expect(metrics.quality.mean).toBeCloseTo(0.9, 12);
    expect(metrics.quality.stddev).toBeCloseTo(0, 12);
    expect(metrics.priorityRespect).toBe(1);
    expect(metrics.contextHitRate).toBeNull();
    expect(metrics.contextWaste).toBe(0);
    expect(metrics.maxQueueDepth).toBe(2);
    expect(metrics.perAgent.map((agent) => [agent.id, agent.completed, agent.busySeconds])).toEqual([['a', 2, 2], ['b', 2, 2]]);
  });

  it('an idle stretch lowers utilization and throughput; the result keys come in the documented order', () => {
    const { metrics } = simulate([agentSpec('a')], [{ at: 0, spec: taskSpec('t0') }, { at: 3, spec: taskSpec('t1', { tokens: 20 }) }], 10);
    // Busy 0…1 and 3…5 of 0…10.
    expect(metrics.utilization).toBeCloseTo(0.3, 12);
    expect(metrics.throughput).toBeCloseTo(0.2, 12);
    expect(metrics.wait).toEqual({ mean: 0, p95: 0 });
    expect(Object.keys(metrics)).toEqual([
      'tasks', 'latency', 'wait', 'gini', 'jain', 'tenantFairness', 'deadlineSuccess', 'contextWaste', 'contextHitRate', 'quality',
      'priorityRespect', 'utilization', 'throughput', 'retries', 'retrySuccess', 'maxQueueDepth', 'delegation', 'workflows', 'fleet',
      'byType', 'byPriority', 'byTenant', 'perAgent',
    ]);
  });
});
