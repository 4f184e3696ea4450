/**
 * Simulated queues checked against theory: scenarios of an ideal fleet (no skill penalties, no
 * quality noise), their replications' mean waits, and the check that theory lies within the
 * simulated mean's 99.9% confidence interval (t quantile × s/√R), an interval that must be narrow
 * for the check to have the power to fail.
 */
import { expect } from 'vitest';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { parseScenario } from '../../src/scenario/load.js';
import { runExperiment } from '../../src/experiments/runResult.js';
import type { RunMetrics } from '../../src/metrics/types.js';

/** Student t 0.9995 quantiles (two-sided 99.9%) for df = R − 1. */
const T_999: Record<number, number> = { 9: 4.781, 11: 4.437, 15: 4.073, 19: 3.883 };

/** Simulated mean waits (one per replication) and the theoretical mean they should estimate. */
export interface Check {
  /** Each replication's mean wait, seconds. */
  readonly waits: number[];
  /** The mean wait theory gives for the queue, seconds. */
  readonly theory: number;
}

/** Each replication's metrics of the scenario's first strategy. */
export async function replications(yaml: string): Promise<readonly RunMetrics[]> {
  const scenario = parseScenario(yaml, 'validation.yaml');
  const result = await runExperiment(scenario, { workers: 1 });
  return result.results[0]!.perReplication;
}

/** Each replication's mean wait of the scenario's first strategy. */
export async function meanWaits(yaml: string): Promise<number[]> {
  return (await replications(yaml)).map((run) => run.wait.mean!);
}

/** Theory within the 99.9% interval of the simulated mean, an interval narrower than `maxRelativeHalfWidth` of theory. */
export function expectWithinCi({ waits, theory }: Check, maxRelativeHalfWidth: number): void {
  const halfWidth = (T_999[waits.length - 1]! * sampleStandardDeviation(waits)) / Math.sqrt(waits.length);
  expect(halfWidth / theory, 'the interval is narrow enough for the check to mean something').toBeLessThan(maxRelativeHalfWidth);
  expect(Math.abs(mean(waits) - theory), `simulated ${mean(waits)} vs theory ${theory} ± ${halfWidth}`).toBeLessThan(halfWidth);
}

/** `agents` identical single-slot servers of `speed` tokens per second, skilled at `job`, without noise. */
export function idealFleet(agents: number, speed: number, binding: 'late' | 'early'): string {
  return `
engine: { binding: ${binding} }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
  - pool: server
    count: ${agents}
    capacity: 1
    speed: ${speed}
    skills: { job: 1 }`;
}


/**
 * An M/M/c scenario: `servers` ideal servers at 1 task/s (exponential tokens of mean 100 at 100
 * tokens/s), Poisson arrivals at `rate`, 10 replications of 60,000 s after 2,000 s of warm-up,
 * least-connections with late binding (one shared queue). `taskFields` adds to the task type.
 */
export function mmcScenario(name: string, seed: number, servers: number, rate: number, taskFields = ''): string {
  return `
name: ${name}
seed: ${seed}
replications: 10
warmup: { time: 2000 }
stop: { time: 60000 }
${idealFleet(servers, 100, 'late')}
workload:
  arrivals: { process: poisson, rate: ${rate} }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }${taskFields} }]
strategies: [least-connections]`;
}
