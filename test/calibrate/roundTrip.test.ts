/**
 * Round trip: simulate a known scenario, write its events, calibrate, and the fitted parameters
 * recover the true ones within their 95% intervals; re-running the calibrated scenario gives
 * headline metrics within the original's intervals.
 *
 * Every interval is 95%, so over K checks about 5% miss by chance: the test allows the misses
 * a Binomial(K, 0.05) exceeds with probability below 0.001 (never a retry), and fails on more.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binomialDistribution } from 'simple-statistics';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrateFile } from '../../src/calibrate/calibrateFile.js';
import type { FittedParameter } from '../../src/calibrate/calibration.js';
import { runExperiment, type ExperimentResult } from '../../src/experiments/runResult.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fleet whose true parameters the calibration must recover. */
interface KnownFleet {
  readonly name: string;
  readonly yaml: string;
  /** True value of each fitted parameter, by the name calibration gives it. */
  readonly truth: Readonly<Record<string, number>>;
}

const HETEROGENEOUS: KnownFleet = {
  name: 'heterogeneous',
  yaml: `
name: heterogeneous
seed: 1
replications: 5
stop: { time: 500, drain: true }
agentModel: { skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0 }
agents:
  - { id: fast, capacity: 2, speed: 200, skills: { code: 1, review: 1 }, failureRate: 0.05, model: { serviceTimeCv: 0.3, qualityNoise: 0.1 } }
  - { id: slow, capacity: 1, speed: 80, skills: { code: 1, review: 1 }, failureRate: 0.15, model: { serviceTimeCv: 0.6, qualityNoise: 0.2 } }
  - { pool: gpu, count: 2, capacity: 3, speed: 120, skills: { code: 1, review: 1 }, failureRate: 0.01, model: { serviceTimeCv: 0.1, qualityNoise: 0.05 } }
workload:
  arrivals: { process: poisson, rate: 6 }
  tasks:
    - { type: code, weight: 2, tokens: { dist: lognormal, mean: 150, sd: 80 } }
    - { type: review, weight: 1, tokens: { dist: exponential, mean: 60 }, priority: { "1": 0.3, "3": 0.7 } }
strategies: [least-connections]
`,
  truth: {
    'agents[fast].speed': 200, 'agents[fast].failureRate': 0.05, 'agents[fast].model.serviceTimeCv': 0.3, 'agents[fast].model.qualityNoise': 0.1,
    'agents[fast].quality.mean': 1,
    'agents[slow].speed': 80, 'agents[slow].failureRate': 0.15, 'agents[slow].model.serviceTimeCv': 0.6, 'agents[slow].model.qualityNoise': 0.2,
    'agents[slow].quality.mean': 1,
    'agents[gpu-0].speed': 120, 'agents[gpu-0].failureRate': 0.01, 'agents[gpu-0].model.serviceTimeCv': 0.1, 'agents[gpu-0].model.qualityNoise': 0.05,
    'agents[gpu-1].speed': 120, 'agents[gpu-1].failureRate': 0.01, 'agents[gpu-1].model.serviceTimeCv': 0.1, 'agents[gpu-1].model.qualityNoise': 0.05,
    'workload.arrivals.rate': 6, 'workload.tasks[code].rate': 4, 'workload.tasks[review].rate': 2,
    'workload.tasks[code].tokens.mean': 150, 'workload.tasks[review].tokens.mean': 60,
  },
};

/** Skills below 1 slow an agent on one type (skillSpeedPenalty 0.5): speed per type. */
const SPECIALISTS: KnownFleet = {
  name: 'specialists',
  yaml: `
name: specialists
seed: 1
replications: 5
stop: { time: 500, drain: true }
agentModel: { skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0, qualityNoise: 0.08, serviceTimeCv: 0.4 }
agents:
  - { id: coder, capacity: 2, speed: 150, skills: { code: 1, review: 0.4 }, failureRate: 0.08 }
  - { id: reviewer, capacity: 2, speed: 100, skills: { code: 0.6, review: 1 }, failureRate: 0.02 }
  - { id: generalist, capacity: 1, speed: 90, skills: { code: 1, review: 1 }, failureRate: 0.1 }
workload:
  arrivals: { process: poisson, rate: 3 }
  tasks:
    - { type: code, tokens: { dist: exponential, mean: 100 } }
    - { type: review, tokens: { dist: lognormal, mean: 80, sd: 30 } }
strategies: [round-robin]
`,
  truth: {
    'agents[coder].speed[code]': 150, 'agents[coder].speed[review]': 150 * 0.7, 'agents[coder].failureRate': 0.08,
    'agents[coder].model.serviceTimeCv': 0.4, 'agents[coder].model.qualityNoise': 0.08,
    'agents[reviewer].speed[code]': 100 * 0.8, 'agents[reviewer].speed[review]': 100, 'agents[reviewer].failureRate': 0.02,
    'agents[reviewer].model.serviceTimeCv': 0.4, 'agents[reviewer].model.qualityNoise': 0.08,
    'agents[generalist].speed': 90, 'agents[generalist].failureRate': 0.1, 'agents[generalist].model.serviceTimeCv': 0.4,
    'workload.arrivals.rate': 3, 'workload.tasks[code].rate': 1.5, 'workload.tasks[review].rate': 1.5,
    'workload.tasks[code].tokens.mean': 100, 'workload.tasks[review].tokens.mean': 80,
  },
};

/** Offer delegation: agents turn offers down at a base rate and answer after a delay. */
const OFFERS: KnownFleet = {
  name: 'offers',
  yaml: `
name: offers
seed: 1
replications: 5
stop: { time: 500, drain: true }
engine: { delegation: { mode: offer } }
agentModel: { skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0, qualityNoise: 0.1, offerResponseSeconds: 0.5 }
agents:
  - { id: picky, capacity: 2, speed: 120, skills: { job: 1 }, model: { rejectBase: 0.3 } }
  - { id: eager, capacity: 2, speed: 60, skills: { job: 1 }, failureRate: 0.05, model: { rejectBase: 0.05, serviceTimeCv: 0.5 } }
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks:
    - { type: job, tokens: { dist: exponential, mean: 50 } }
strategies: [least-connections]
`,
  truth: {
    'agents[picky].speed': 120, 'agents[picky].model.rejectBase': 0.3, 'agents[picky].model.offerResponseSeconds': 0.5, 'agents[picky].failureRate': 0,
    'agents[picky].model.serviceTimeCv': 0, 'agents[picky].model.qualityNoise': 0.1,
    'agents[eager].speed': 60, 'agents[eager].model.rejectBase': 0.05, 'agents[eager].model.offerResponseSeconds': 0.5, 'agents[eager].failureRate': 0.05,
    'agents[eager].model.serviceTimeCv': 0.5, 'agents[eager].model.qualityNoise': 0.1,
    'workload.arrivals.rate': 2, 'workload.tasks[job].tokens.mean': 50,
  },
};

const FLEETS = [HETEROGENEOUS, SPECIALISTS, OFFERS];
const SEEDS = [11, 12];

/** Runs `fleet` (all replications, events of every run written) and calibrates its first run. */
async function simulateAndCalibrate(fleet: KnownFleet, seed: number): Promise<{ original: Scenario; parameters: readonly FittedParameter[]; out: string; traceOut: string; originalResult: Awaited<ReturnType<typeof runExperiment>> }> {
  const original = parseScenario(fleet.yaml, `${fleet.name}.yaml`, { seed });
  const events = join(dir, `${fleet.name}-${seed}.jsonl`);
  const originalResult = await runExperiment(original, { workers: 1, eventsFile: events });
  const out = join(dir, `${fleet.name}-${seed}.calibrated.yaml`);
  const calibration = calibrateFile({ events, out, synthetic: true });
  const traceOut = join(dir, `${fleet.name}-${seed}.trace.yaml`);
  calibrateFile({ events, out: traceOut, synthetic: false });
  return { original, parameters: calibration.parameters, out, traceOut, originalResult };
}

/** Whether `truth` lies in the interval (with float dust allowed at exact, zero-width ends). */
function covers(parameter: FittedParameter, truth: number): boolean {
  const slack = 1e-9 * Math.max(1, Math.abs(truth));
  return parameter.interval[0] - slack <= truth && truth <= parameter.interval[1] + slack;
}

/** Most misses of K independent 95% intervals that chance exceeds with probability < 0.001. */
function allowedMisses(checks: number): number {
  const probabilities = binomialDistribution(checks, 0.05)!;
  let tail = 1;
  for (let m = 0; m <= checks; m++) {
    tail -= probabilities[m] ?? 0;
    if (tail < 0.001) return m;
  }
  return checks;
}

describe('calibrate round trip', () => {
  const runs = FLEETS.flatMap((fleet) => SEEDS.map((seed) => ({ fleet, seed })));
  const outcomes = new Map<string, Awaited<ReturnType<typeof simulateAndCalibrate>>>();

  it('recovers every true parameter within its 95% interval, up to the misses chance allows', async () => {
    const misses: string[] = [];
    let checks = 0;
    for (const { fleet, seed } of runs) {
      const outcome = await simulateAndCalibrate(fleet, seed);
      outcomes.set(`${fleet.name}-${seed}`, outcome);
      const byName = new Map(outcome.parameters.map((parameter) => [parameter.name, parameter]));
      for (const [name, truth] of Object.entries(fleet.truth)) {
        const parameter = byName.get(name);
        // A pooled speed comes back per type only when the types' speeds differ significantly (5% by chance).
        const fitted = parameter !== undefined ? [parameter] : outcome.parameters.filter((p) => p.name.startsWith(`${name}[`));
        expect(fitted.length, `${fleet.name} seed ${seed}: ${name} fitted`).toBeGreaterThan(0);
        for (const p of fitted) {
          checks++;
          if (!covers(p, truth)) misses.push(`${fleet.name} seed ${seed}: ${p.name} = ${p.value} [${p.interval.join(', ')}], true ${truth}`);
        }
      }
    }
    expect(checks).toBeGreaterThan(80);
    expect(misses.length, misses.join('\n')).toBeLessThanOrEqual(allowedMisses(checks));
  }, 300_000);

  it('writes a scenario that loads, with the observed fleet', () => {
    for (const { fleet, seed } of runs) {
      const { original, out } = outcomes.get(`${fleet.name}-${seed}`)!;
      const calibrated = loadScenario(out);
      expect(calibrated.agents.map((agent) => [agent.spec.id, agent.spec.capacity])).toEqual(original.agents.map((agent) => [agent.spec.id, agent.spec.capacity]));
      expect(readFileSync(out, 'utf8')).toContain('process: poisson');
    }
  });

  /** Headline metrics whose 95% intervals must overlap between the original and a re-run. */
  const HEADLINE: readonly [string, (m: RunMetrics) => number | null][] = [
    ['throughput', (m) => m.throughput],
    ['latency.mean', (m) => m.latency.mean],
    ['quality.mean', (m) => m.quality.mean],
    ['utilization', (m) => m.utilization],
  ];

  async function headlineMismatches(label: string, scenarioFile: string, originalResult: ExperimentResult): Promise<string[]> {
    const rerun = await runExperiment(loadScenario(scenarioFile, { seed: 99 }), { workers: 1 });
    const before = originalResult.results[0]!;
    const after = rerun.results[0]!;
    const failures: string[] = [];
    for (const [name, read] of HEADLINE) {
      const a = read(before.metrics)!;
      const b = read(after.metrics)!;
      const ha = read(before.ci95 as RunMetrics)!;
      const hb = read(after.ci95 as RunMetrics)!;
      // Both are estimates: their 95% intervals must overlap.
      if (Math.abs(a - b) > ha + hb) failures.push(`${label}: ${name} original ${a} ± ${ha}, calibrated ${b} ± ${hb}`);
    }
    return failures;
  }

  it('re-running the calibrated scenario (fitted Poisson workload) gives headline metrics within the original\'s intervals', async () => {
    const failures: string[] = [];
    for (const fleet of FLEETS) {
      const { out, originalResult } = outcomes.get(`${fleet.name}-${SEEDS[0]}`)!;
      failures.push(...(await headlineMismatches(fleet.name, out, originalResult)));
    }
    expect(failures, failures.join('\n')).toEqual([]);
  }, 300_000);

  it('re-running the calibrated scenario on the trace of the events file reproduces the replayed run\'s headline metrics', async () => {
    // The trace fixes the arrivals of replication 0, so the re-runs vary only by the agents' luck:
    // replication 0's own figure is one more draw, within the re-runs' 95% prediction interval
    // (half-width √(R + 1) × the CI half-width), up to the misses chance allows.
    const misses: string[] = [];
    let checks = 0;
    for (const fleet of FLEETS) {
      const { traceOut, originalResult } = outcomes.get(`${fleet.name}-${SEEDS[0]}`)!;
      expect(readFileSync(traceOut, 'utf8')).toContain('format: fleetsim-events');
      const rerun = await runExperiment(loadScenario(traceOut, { seed: 99 }), { workers: 1 });
      const replayed = originalResult.results[0]!.perReplication[0]!;
      const after = rerun.results[0]!;
      for (const [name, read] of HEADLINE) {
        checks++;
        const a = read(replayed)!;
        const b = read(after.metrics)!;
        const half = read(after.ci95 as RunMetrics)! * Math.sqrt(rerun.replications + 1);
        if (Math.abs(a - b) > half + 1e-9 * Math.abs(a)) misses.push(`${fleet.name}: ${name} replayed run ${a}, calibrated ${b} ± ${half}`);
      }
    }
    expect(misses.length, misses.join('\n')).toBeLessThanOrEqual(allowedMisses(checks));
  }, 300_000);
});
