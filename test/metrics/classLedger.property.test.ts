/**
 * Conservation by class, as a property: on simulated runs of drawn scenarios (several task types
 * with mixed priorities, deadlines, time-to-live, retries, failing agents, a bounded queue that
 * rejects or sheds, warm-up, a stop that leaves tasks in flight), every dimension's per-class
 * ledgers sum to the pooled ledger field by field, each class's ledger balances on its own, and
 * the classes' completed latencies add up to the pooled ones, and the classes' shares of the
 * tokens submitted and completed add up to 1. And each class's own figures (all but its shares,
 * which are of the whole run) are exactly, to the bit, those of a collector fed that class's
 * events alone, however late in the run its dimension gained a second class.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventObjects } from '../../src/engine/eventSink.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { BREAKDOWN_KEY, CLASS_DIMENSIONS, classKey, type ClassMetrics } from '../../src/metrics/classes.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import type { RunMetrics, TaskCountMetrics } from '../../src/metrics/types.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';

const LEDGER_FIELDS: readonly (keyof TaskCountMetrics)[] = ['submitted', 'completed', 'deadLettered', 'expired', 'cancelled', 'rejected', 'inFlight'];

interface TypeDraw {
  readonly priorities: readonly number[];
  readonly deadline: number | undefined;
  readonly ttl: number | undefined;
  readonly maxRetries: number;
  readonly tenant: string | undefined;
}

interface ScenarioDraw {
  readonly seed: number;
  readonly types: readonly TypeDraw[];
  readonly agents: number;
  readonly failureRate: number;
  readonly maxDepth: number | undefined;
  readonly overflow: 'reject' | 'shed-lowest';
  readonly warmupTasks: number;
  readonly stopSeconds: number;
  readonly strategy: string;
}

const typeArb: fc.Arbitrary<TypeDraw> = fc.record({
  priorities: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
  deadline: fc.option(fc.constantFrom(1, 3, 10), { nil: undefined }),
  ttl: fc.option(fc.constantFrom(2, 8), { nil: undefined }),
  maxRetries: fc.integer({ min: 0, max: 2 }),
  tenant: fc.option(fc.constantFrom('acme', 'globex'), { nil: undefined }),
});

const scenarioArb: fc.Arbitrary<ScenarioDraw> = fc.record({
  seed: fc.integer({ min: 0, max: 100_000 }),
  types: fc.array(typeArb, { minLength: 1, maxLength: 3 }),
  agents: fc.integer({ min: 1, max: 3 }),
  failureRate: fc.constantFrom(0, 0.1, 0.4),
  maxDepth: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  overflow: fc.constantFrom('reject' as const, 'shed-lowest' as const),
  warmupTasks: fc.integer({ min: 0, max: 5 }),
  stopSeconds: fc.integer({ min: 5, max: 40 }),
  strategy: fc.constantFrom('round-robin', 'least-connections', 'random'),
});

function yamlOf(draw: ScenarioDraw): string {
  const types = draw.types.map((t, i) => {
    const share = 1 / t.priorities.length;
    const priority = `{ ${t.priorities.map((p) => `"${p}": ${share}`).join(', ')} }`;
    const extras = [
      t.deadline === undefined ? '' : `, deadline: ${t.deadline}`,
      t.ttl === undefined ? '' : `, ttl: ${t.ttl}`,
      t.tenant === undefined ? '' : `, tenant: ${t.tenant}`,
    ].join('');
    return `{ type: t${i}, tokens: { dist: exponential, mean: 200 }, priority: ${priority}, maxRetries: ${t.maxRetries}${extras} }`;
  });
  const skills = draw.types.map((_, i) => `t${i}: 0.8`).join(', ');
  return `
name: class-ledger
seed: ${draw.seed}
replications: 1
warmup: { tasks: ${draw.warmupTasks} }
stop: { time: ${draw.stopSeconds} }
engine: { queue: { ${draw.maxDepth === undefined ? '' : `maxDepth: ${draw.maxDepth}, `}overflow: ${draw.overflow} } }
agents: [{ pool: a, count: ${draw.agents}, capacity: 1, speed: 100, failureRate: ${draw.failureRate}, skills: { ${skills} } }]
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks: [${types.join(', ')}]
strategies: [${draw.strategy}]`;
}

function simulate(draw: ScenarioDraw): RunMetrics {
  const scenario = parseScenario(yamlOf(draw), 'class-ledger.yaml');
  return runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 }).metrics;
}

/** A class's own figures: {@link ClassMetrics} but its shares (which are of the whole run). */
type OwnFigures = Omit<ClassMetrics, 'share'>;

/** The own figures of a class, or of a run's pooled metrics. */
function ownFigures(metrics: RunMetrics | ClassMetrics): OwnFigures {
  const { tasks, latency, wait, deadlineSuccess, contextWaste, quality } = metrics;
  return { tasks, latency, wait, deadlineSuccess, contextWaste, quality };
}

/**
 * A run, and beside it one collector per class of every dimension fed only that class's task
 * events (and every agent event, so slots and agents are known; prewarm loads belong to no class).
 */
function simulateWithClassCollectors(draw: ScenarioDraw): { metrics: RunMetrics; byClass: Map<string, OwnFigures> } {
  const scenario = parseScenario(yamlOf(draw), 'class-ledger.yaml');
  const options = { warmupTimeSeconds: scenario.warmup.timeSeconds, warmupTasks: scenario.warmup.tasks };
  const byClass = new Map<string, MetricsCollector>();
  const agentEvents: EngineEvent[] = [];
  const deliver = (event: EngineEvent): void => {
    if (event.kind === 'prewarm') return;
    if (!('task' in event)) {
      agentEvents.push(event);
      for (const collector of byClass.values()) collector.observe(event);
      return;
    }
    for (const dimension of CLASS_DIMENSIONS) {
      const name = `${dimension}:${classKey(dimension, event.task.spec)}`;
      let collector = byClass.get(name);
      if (collector === undefined) {
        collector = new MetricsCollector(options);
        for (const past of agentEvents) collector.observe(past);
        byClass.set(name, collector);
      }
      collector.observe(event);
    }
  };
  const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0, sink: new EventObjects(deliver) });
  const figures = [...byClass].map(([name, collector]) => [name, ownFigures(collector.finish(result.endTimeSeconds))] as const);
  // A class of warm-up tasks only is in no table.
  return { metrics: result.metrics, byClass: new Map(figures.filter(([, cls]) => cls.tasks.submitted > 0)) };
}

describe('conservation by class', () => {
  it('per-class ledgers balance and sum to the pooled ledger in every dimension', () => {
    fc.assert(fc.property(scenarioArb, (draw) => {
      const metrics = simulate(draw);
      for (const dimension of CLASS_DIMENSIONS) {
        const table = metrics[BREAKDOWN_KEY[dimension]];
        for (const field of LEDGER_FIELDS) {
          const sum = Object.values(table).reduce((total, cls) => total + cls.tasks[field], 0);
          expect(sum, `${dimension} ${field}`).toBe(metrics.tasks[field]);
        }
        let latencySum = 0;
        for (const cls of Object.values(table)) {
          const t = cls.tasks;
          expect(t.submitted).toBe(t.completed + t.deadLettered + t.expired + t.cancelled + t.rejected + t.inFlight);
          expect(t.inFlight).toBeGreaterThanOrEqual(0);
          expect(t.submitted).toBeGreaterThan(0);
          latencySum += t.completed * (cls.latency.mean ?? 0);
        }
        expect(latencySum).toBeCloseTo(metrics.tasks.completed * (metrics.latency.mean ?? 0), 6);
        // The classes' shares of the tokens asked for and served make up the whole.
        const classes = Object.values(table);
        expect(classes.reduce((total, cls) => total + cls.share.demand!, 0), `${dimension} demand`).toBeCloseTo(1, 9);
        if (metrics.tasks.completed > 0) expect(classes.reduce((total, cls) => total + cls.share.service!, 0), `${dimension} service`).toBeCloseTo(1, 9);
        else for (const cls of classes) expect(cls.share).toEqual({ demand: cls.share.demand, service: null, ratio: null });
      }
      const priorities = new Set(draw.types.flatMap((t) => t.priorities.map(String)));
      for (const key of Object.keys(metrics.byPriority)) expect(priorities.has(key)).toBe(true);
      for (const key of Object.keys(metrics.byType)) expect(key).toMatch(/^t[0-2]$/);
    }), { seed: 16, numRuns: 60 });
  });

  it('each class has, to the bit, the own figures of a collector fed that class alone', () => {
    let split = 0;
    fc.assert(fc.property(scenarioArb, (draw) => {
      const { metrics, byClass } = simulateWithClassCollectors(draw);
      for (const dimension of CLASS_DIMENSIONS) {
        const table = metrics[BREAKDOWN_KEY[dimension]];
        const names = Object.keys(table).map((key) => `${dimension}:${key}`);
        expect(names.sort()).toEqual([...byClass.keys()].filter((name) => name.startsWith(`${dimension}:`)).sort());
        if (names.length > 1) split++;
        for (const [key, cls] of Object.entries(table)) expect(ownFigures(cls), `${dimension} ${key}`).toEqual(byClass.get(`${dimension}:${key}`));
      }
    }), { seed: 16, numRuns: 60 });
    // Dimensions with one class and with several were both drawn.
    expect(split).toBeGreaterThan(20);
    expect(split).toBeLessThan(3 * 60);
  });

  it('the drawn runs reach every final state, so the property is not vacuous', () => {
    const totals = { completed: 0, deadLettered: 0, expired: 0, rejected: 0, inFlight: 0, classes: 0 };
    fc.assert(fc.property(scenarioArb, (draw) => {
      const metrics = simulate(draw);
      for (const key of ['completed', 'deadLettered', 'expired', 'rejected', 'inFlight'] as const) totals[key] += metrics.tasks[key];
      totals.classes = Math.max(totals.classes, Object.keys(metrics.byPriority).length);
    }), { seed: 16, numRuns: 60 });
    for (const count of Object.values(totals)) expect(count).toBeGreaterThan(1);
  });
});
