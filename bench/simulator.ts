/**
 * Simulator throughput: an M/M/10 fleet at load 0.9 simulated for one million tasks with every
 * metric on, on one core (target of issue 2: over 1,000,000 tasks per second); and a realistic
 * scenario, where the agent model (context, compaction, quality) and its random streams work
 * for every task.
 */
import { fileURLToPath } from 'node:url';
import { loadScenario, parseScenario } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/types.js';
import { runSimulation } from '../src/sim/simulation.js';

/** Scenario text of the benchmark. */
export function mm10Scenario(tasks: number, strategy: string): string {
  return `
name: bench-mm10
seed: 1
replications: 1
stop: { tasks: ${tasks} }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
  - { pool: server, count: 10, capacity: 1, speed: 100, skills: { job: 1 } }
workload:
  arrivals: { process: poisson, rate: 9 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [${strategy}]`;
}

/** One measured run: tasks simulated per wall-clock second. */
export function measureSimulator(tasks: number, strategy: string): { tasksPerSecond: number; wallSeconds: number; events: number } {
  const scenario = parseScenario(mm10Scenario(tasks, strategy), 'bench-mm10.yaml');
  const start = performance.now();
  const run = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
  const wallSeconds = (performance.now() - start) / 1000;
  if (run.counts.completed !== tasks) throw new Error(`benchmark run completed ${run.counts.completed} of ${tasks} tasks`);
  return { tasksPerSecond: tasks / wallSeconds, wallSeconds, events: run.timing.events };
}

/** The library scenario of the realistic benchmark and how long it is stretched to run. */
export const REALISTIC_SCENARIO = 'scenarios/context-pressure.yaml';
const REALISTIC_STOP_SECONDS = 504_000;

/**
 * One measured run of a realistic scenario: `scenarios/context-pressure.yaml` (16 agents with
 * context windows that fill and compact, 64 sessions, setup tokens, quality that degrades,
 * early binding) stretched from 70 minutes to about 150,000 tasks, under `strategy`.
 */
export function measureRealistic(strategy: string): { tasksPerSecond: number; tasks: number } {
  // Found from the built file (dist/bench/simulator.js), wherever the bench is started.
  const loaded = loadScenario(fileURLToPath(new URL(`../../${REALISTIC_SCENARIO}`, import.meta.url)), { strategies: [strategy] });
  const scenario: Scenario = { ...loaded, stop: { ...loaded.stop, timeSeconds: REALISTIC_STOP_SECONDS } };
  const start = performance.now();
  const run = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
  const wallSeconds = (performance.now() - start) / 1000;
  return { tasksPerSecond: run.counts.submitted / wallSeconds, tasks: run.counts.submitted };
}
