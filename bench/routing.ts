/**
 * Routing cost in real runs: every registered strategy, under late and early binding, simulates
 * a realistic 1,000-agent scenario (four pools of capacity 1–4 with their own skills and speeds,
 * a GPU pool that tagged tasks need, context keys with Zipf popularity, deadlines, priorities)
 * with every routing decision timed by the engine's route probe, so the figures include what the
 * engine does besides the strategy's pick (constraint checks and fallback; under early binding
 * the queue, the refill and the work stealing it sets off); each measured run follows an
 * unmeasured short one of the same strategy and binding. On a shared machine the tail (p99,
 * p99.9) also catches the process being descheduled mid-decision: read it on a quiet one. Reports p50, p99 and p99.9 per
 * strategy and binding, and the run time of work-stealing against least-connections under early
 * binding on the same scenario (best of a few runs each, alternated).
 */
import { parseScenario } from '../src/scenario/load.js';
import type { Binding } from '../src/engine/strategy.js';
import { DecisionTimer } from '../src/sim/decisionTimer.js';
import { runSimulation } from '../src/sim/simulation.js';
import { strategyNames } from '../src/strategies/index.js';

/** Tasks per measured run. */
const TASKS = 10_000;
/** Runs of each of work-stealing and least-connections for the run-time comparison. */
const RUN_TIME_REPEATS = 3;

/** The scenario: 1,000 agents, 2,000 slots, ~1,500 tasks/s. */
export function routingScenario(binding: Binding, strategy: string, tasks = TASKS): string {
  return `
name: bench-routing-1000
seed: 7
replications: 1
stop: { tasks: ${tasks} }
engine: { binding: ${binding} }
agents:
  - { pool: general, count: 400, capacity: 1, speed: 100, skills: { code: 0.8, review: 0.7, chat: 0.9 }, contextWindow: 128000 }
  - { pool: coder, count: 300, capacity: 2, speed: 120, skills: { code: 0.95, review: 0.6, chat: 0.5 }, contextWindow: 128000 }
  - { pool: reviewer, count: 200, capacity: 3, speed: 80, skills: { code: 0.5, review: 0.95, chat: 0.6 }, contextWindow: 200000 }
  - { pool: gpu, count: 100, capacity: 4, speed: 200, skills: { code: 0.9, review: 0.9, chat: 0.9, render: 0.95 }, contextWindow: 200000 }
workload:
  arrivals: { process: poisson, rate: 1500 }
  tasks:
    - { type: code, weight: 4, tokens: { dist: exponential, mean: 100 }, contextKeys: { count: 200, zipf: 1.0 }, contextTokens: 2000, deadline: { dist: uniform, min: 5, max: 30 } }
    - { type: review, weight: 3, tokens: { dist: exponential, mean: 80 }, contextKeys: { count: 100, zipf: 1.0 }, contextTokens: 1000 }
    - { type: chat, weight: 2, tokens: { dist: exponential, mean: 40 }, priority: 1, deadline: 10 }
    - { type: render, weight: 1, tokens: { dist: exponential, mean: 200 }, tags: [gpu], contextTokens: 4000 }
strategies: [${strategy}]`;
}

/** One strategy under one binding. */
export interface RoutingRow {
  /** Strategy name. */
  readonly strategy: string;
  /** Late or early binding. */
  readonly binding: Binding;
  /** Routing decisions made. */
  readonly decisions: number;
  /** Median decision cost, microseconds. */
  readonly p50Us: number | null;
  /** 99th percentile, microseconds. */
  readonly p99Us: number | null;
  /** 99.9th percentile, microseconds. */
  readonly p999Us: number | null;
  /** Wall seconds of the run. */
  readonly wallSeconds: number;
}

/** Run time of work-stealing and least-connections under early binding (seconds per run). */
export interface StealingRunTime {
  /** Work-stealing, seconds of each run. */
  readonly workStealingSeconds: number[];
  /** Least-connections, seconds of each run. */
  readonly leastConnectionsSeconds: number[];
  /** Best work-stealing run over best least-connections run. */
  readonly ratio: number;
}

/** The whole part. */
export interface RoutingFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** One row per strategy and binding. */
  readonly rows: RoutingRow[];
  /** Work-stealing against least-connections under early binding. */
  readonly stealing: StealingRunTime;
}

/** Tasks of the unmeasured run before each measured one (the JIT's warm-up). */
const WARMUP_TASKS = 2_000;

function run(binding: Binding, strategy: string, timer?: DecisionTimer, tasks = TASKS): number {
  const scenario = parseScenario(routingScenario(binding, strategy, tasks), 'bench-routing-1000.yaml');
  const start = performance.now();
  runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0, decisionTimer: timer });
  return (performance.now() - start) / 1000;
}

/** Every strategy × binding with every decision timed, then the run-time comparison. */
export function measureRouting(): RoutingFigures {
  const rows: RoutingRow[] = [];
  for (const strategy of strategyNames()) {
    for (const binding of ['late', 'early'] as const) {
      run(binding, strategy, undefined, WARMUP_TASKS);
      const timer = new DecisionTimer(1);
      const wallSeconds = run(binding, strategy, timer);
      const { decisions, p50Us, p99Us, p999Us } = timer.summary();
      rows.push({ strategy, binding, decisions, p50Us, p99Us, p999Us, wallSeconds });
    }
  }
  const workStealingSeconds: number[] = [];
  const leastConnectionsSeconds: number[] = [];
  for (let i = 0; i < RUN_TIME_REPEATS; i++) {
    workStealingSeconds.push(run('early', 'work-stealing'));
    leastConnectionsSeconds.push(run('early', 'least-connections'));
  }
  return {
    benchmark: `a 1,000-agent scenario (pools, capacities 1–4, skills, tags, context keys, deadlines), ${TASKS.toLocaleString('en-US')} tasks, every routing decision timed`,
    rows,
    stealing: { workStealingSeconds, leastConnectionsSeconds, ratio: Math.min(...workStealingSeconds) / Math.min(...leastConnectionsSeconds) },
  };
}

/** The figures as a table, then the run-time line. */
export function formatRouting(figures: RoutingFigures): string {
  const us = (value: number | null): string => (value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1)).padStart(9);
  const lines = [`  ${'strategy'.padEnd(22)} ${'binding'.padEnd(7)} ${'p50 µs'.padStart(9)} ${'p99 µs'.padStart(9)} ${'p99.9 µs'.padStart(9)} ${'run s'.padStart(7)}`];
  for (const row of figures.rows) {
    lines.push(`  ${row.strategy.padEnd(22)} ${row.binding.padEnd(7)} ${us(row.p50Us)} ${us(row.p99Us)} ${us(row.p999Us)} ${row.wallSeconds.toFixed(2).padStart(7)}`);
  }
  const { workStealingSeconds, leastConnectionsSeconds, ratio } = figures.stealing;
  const seconds = (runs: number[]): string => runs.map((s) => s.toFixed(2)).join(', ');
  lines.push(`  early binding run time: work-stealing ${seconds(workStealingSeconds)} s, least-connections ${seconds(leastConnectionsSeconds)} s; best over best ${ratio.toFixed(2)}x (target ≤ 3x)`);
  return lines.join('\n');
}
