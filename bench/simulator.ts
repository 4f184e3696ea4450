/**
 * Simulator throughput: an M/M/10 fleet at load 0.9 simulated for one million tasks with every
 * metric on, on one core. Target (issue 2): over 1,000,000 tasks per second.
 */
import { parseScenario } from '../src/scenario/load.js';
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
