import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/engine/task.js';
import { ZipfSampler, sampler } from '../../src/sim/distributions.js';
import { stream, type Uniform } from '../../src/sim/random.js';
import { TaskFactory, arrivalClock, jobTask } from '../../src/sim/workload.js';
import { binomialTolerance, meanAndSd, meanTolerance, sdTolerance, Z } from './tolerance.js';

// The scenario types, taken from the signatures that consume them rather than imported from
// src/scenario (which is being rewritten concurrently).
type WorkloadConfig = ConstructorParameters<typeof TaskFactory>[0];
type TaskTypeConfig = WorkloadConfig['taskTypes'][number];
type ArrivalProcess = Parameters<typeof arrivalClock>[0];
type ScenarioJob = Parameters<typeof jobTask>[0];

const SEED = 42;

/**
 * A task type with test defaults for what the caller leaves out.
 * @defaultValue weight 1, constant 1000 tokens, no context (0 tokens, no keys), priority 2
 * always, no deadline, timeout, ttl or retry override.
 */
function taskType(partial: Partial<TaskTypeConfig> & { readonly type: string }): TaskTypeConfig {
  return {
    weight: 1,
    tokens: { dist: 'constant', value: 1000 },
    contextTokens: 0,
    priority: [{ level: 2, probability: 1 }],
    tags: [],
    ...partial,
  };
}

/**
 * A workload of the given task types, no jobs.
 * @defaultValue arrivals `none` (the factory does not read them).
 */
function workload(taskTypes: readonly TaskTypeConfig[], arrivals: ArrivalProcess = { process: 'none' }): WorkloadConfig {
  return { arrivals, taskTypes, jobs: [], workflows: [] };
}

/** Tasks t0 … t(n−1) from a fresh factory, task i arriving at time 10·i. */
function generate(config: WorkloadConfig, n: number, seed = SEED, replication = 0): TaskSpec[] {
  const factory = new TaskFactory(config, seed, replication);
  return Array.from({ length: n }, (_, i) => factory.create(i, 10 * i));
}

/** `n` consecutive arrival times of `process`, starting from time 0. */
function arrivals(process: ArrivalProcess, n: number, random: Uniform): Float64Array {
  const clock = arrivalClock(process, random);
  const times = new Float64Array(n);
  let now = 0;
  for (let i = 0; i < n; i++) times[i] = now = clock.next(now);
  return times;
}

/** Gaps between consecutive arrivals (the first gap is measured from time 0). */
function gaps(times: Float64Array): Float64Array {
  return times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]!));
}

/** A uniform that must never be called. */
const untouchable: Uniform = () => {
  throw new Error('this stream must not be drawn from');
};

/** A mix exercising every attribute: two types, keys, a priority mix, deadlines. */
const RICH_TYPES: readonly TaskTypeConfig[] = [
  taskType({
    type: 'code',
    weight: 3,
    tokens: { dist: 'lognormal', mean: 2000, sd: 800 },
    contextTokens: 8000,
    contextKeys: { count: 20, zipf: 1.1 },
    priority: [{ level: 1, probability: 0.2 }, { level: 2, probability: 0.8 }],
    deadline: { dist: 'uniform', min: 120, max: 600 },
  }),
  taskType({
    type: 'review',
    tokens: { dist: 'exponential', mean: 500 },
    contextKeys: { count: 5, zipf: 0 },
    priority: [{ level: 0, probability: 0.5 }, { level: 3, probability: 0.5 }],
    deadline: { dist: 'exponential', mean: 60 },
  }),
];

describe('arrival clocks', () => {
  it('Poisson gaps have mean 1/rate and coefficient of variation 1', () => {
    // Exponential gaps: σ = mean = 1/rate and kurtosis 9, so |mean − 2| < 4·2/√n, |sd − 2| < 4·2·√(8/n)/2.
    const n = 200_000;
    const { mean, sd } = meanAndSd(gaps(arrivals({ process: 'poisson', ratePerSecond: 0.5 }, n, seedrandom.alea('poisson'))));
    expect(Math.abs(mean - 2)).toBeLessThan(meanTolerance(2, n));
    expect(Math.abs(sd - 2)).toBeLessThan(sdTolerance(2, 9, n));
  });

  it('Poisson arrivals come strictly after the time asked from', () => {
    const clock = arrivalClock({ process: 'poisson', ratePerSecond: 3 }, seedrandom.alea('poisson-after'));
    for (const now of [0, 5, 1e6]) expect(clock.next(now)).toBeGreaterThan(now);
  });

  it('MMPP long-run rate is (r0·d0 + r1·d1)/(d0 + d1)', () => {
    // Rates 0.2 and 5 per second, mean dwell 50 s and 10 s: λ̄ = (0.2·50 + 5·10)/60 = 1 per second
    // (the plain mean of the rates would be 2.6). An MMPP count over [0, T] is overdispersed:
    // Var N(T) → λ̄·T·IDC with IDC = 1 + 2(λ0 − λ1)²·q0·q1 / ((q0 + q1)³·λ̄), qᵢ = 1/dᵢ the switching
    // rates (Fischer & Meier-Hellstern, "The MMPP cookbook"): here IDC ≈ 54.3. So the rate N/T has
    // SE √(λ̄·IDC/T), and we accept |N/T − λ̄| < 4 SE. Starting calm biases N by O(10), negligible.
    const rates: [number, number] = [0.2, 5];
    const dwell: [number, number] = [50, 10];
    const expected = (rates[0] * dwell[0] + rates[1] * dwell[1]) / (dwell[0] + dwell[1]);
    const q0 = 1 / dwell[0];
    const q1 = 1 / dwell[1];
    const idc = 1 + (2 * (rates[0] - rates[1]) ** 2 * q0 * q1) / ((q0 + q1) ** 3 * expected);
    const horizon = 2_000_000;
    const clock = arrivalClock({ process: 'mmpp', ratesPerSecond: rates, meanDwellSeconds: dwell }, seedrandom.alea('mmpp-rate'));
    let count = 0;
    for (let t = clock.next(0); t <= horizon; t = clock.next(t)) count++;
    expect(expected).toBe(1);
    expect(Math.abs(count / horizon - expected)).toBeLessThan(Z * Math.sqrt((expected * idc) / horizon));
  });

  it('MMPP with a silent calm state (on/off source) keeps the long-run rate r1·d1/(d0 + d1)', () => {
    // λ̄ = 4·10/20 = 2; IDC = 1 + 2·16·0.01/(0.2³·2) = 21 (same formula as above).
    const horizon = 1_000_000;
    const clock = arrivalClock({ process: 'mmpp', ratesPerSecond: [0, 4], meanDwellSeconds: [10, 10] }, seedrandom.alea('mmpp-onoff'));
    let count = 0;
    for (let t = clock.next(0); t <= horizon; t = clock.next(t)) count++;
    expect(Math.abs(count / horizon - 2)).toBeLessThan(Z * Math.sqrt((2 * 21) / horizon));
  });

  it('MMPP gaps are burstier than Poisson (CV > 1) when the two rates differ', () => {
    const n = 200_000;
    const process: ArrivalProcess = { process: 'mmpp', ratesPerSecond: [0.2, 5], meanDwellSeconds: [50, 10] };
    const { mean, sd } = meanAndSd(gaps(arrivals(process, n, seedrandom.alea('mmpp-cv'))));
    // A Poisson CV estimate has SE ≈ 1/√n (≈ 0.002 here); a CV above 1.5 is hundreds of SEs away.
    expect(sd / mean).toBeGreaterThan(1.5);
  });

  it('MMPP with equal rates is Poisson: mean gap 1/rate and CV 1', () => {
    // Control for the test above. For exponential gaps (μ = σ = 1) the delta method gives
    // Var(CV̂) ≈ Var(s) + Var(x̄) − 2Cov(x̄, s) = 2/n + 1/n − 2/n = 1/n, so |CV − 1| < 4/√n.
    const n = 200_000;
    const process: ArrivalProcess = { process: 'mmpp', ratesPerSecond: [1, 1], meanDwellSeconds: [5, 5] };
    const { mean, sd } = meanAndSd(gaps(arrivals(process, n, seedrandom.alea('mmpp-poisson'))));
    expect(Math.abs(mean - 1)).toBeLessThan(meanTolerance(1, n));
    expect(Math.abs(sd / mean - 1)).toBeLessThan(Z / Math.sqrt(n));
  });

  it('MMPP arrivals come after the time asked from, even when that time is later than the last arrival', () => {
    // ArrivalClock.next(now) promises "the next arrival after now". A fresh MMPP clock asked from
    // t = 1000 (the first state switch is drawn near t ≈ 50) must not answer with a time before 1000.
    const clock = arrivalClock({ process: 'mmpp', ratesPerSecond: [0.2, 5], meanDwellSeconds: [50, 10] }, seedrandom.alea('mmpp-jump'));
    const answers = [1000, 1000, 5000].map((now) => ({ now, next: clock.next(now) }));
    for (const { now, next } of answers) expect(next).toBeGreaterThan(now);
  });

  it("'none' never arrives and draws nothing", () => {
    const clock = arrivalClock({ process: 'none' }, untouchable);
    expect(clock.next(0)).toBe(Number.POSITIVE_INFINITY);
    expect(clock.next(1e9)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('TaskFactory', () => {
  it('the same (seed, replication) gives an identical task sequence', () => {
    const config = workload(RICH_TYPES);
    expect(generate(config, 500)).toEqual(generate(config, 500));
  });

  it('a different replication gives a different task sequence', () => {
    const config = workload(RICH_TYPES);
    const a = generate(config, 500, SEED, 0);
    const b = generate(config, 500, SEED, 1);
    // Continuous token sizes: two independent streams essentially never agree.
    const sameTokens = a.filter((t, i) => t.tokens === b[i]!.tokens).length;
    expect(sameTokens).toBe(0);
    expect(a.map((t) => t.type)).not.toEqual(b.map((t) => t.type));
  });

  it('a different seed gives a different task sequence', () => {
    const config = workload(RICH_TYPES);
    const a = generate(config, 200, 1);
    const b = generate(config, 200, 2);
    expect(a.filter((t, i) => t.tokens === b[i]!.tokens).length).toBe(0);
  });

  it('changing the deadline distribution leaves types, tokens, keys and priorities unchanged', () => {
    const changed = RICH_TYPES.map((t) =>
      t.type === 'code'
        ? { ...t, deadline: { dist: 'lognormal', mean: 300, sd: 100 } as const } // two uniforms a draw instead of one
        : { ...t, deadline: undefined },
    );
    const a = generate(workload(RICH_TYPES), 500);
    const b = generate(workload(changed), 500);
    const strip = (t: TaskSpec): unknown => ({ ...t, deadline: undefined });
    expect(b.map(strip)).toEqual(a.map(strip));
    expect(b.filter((t) => t.type === 'review').every((t) => t.deadline === undefined)).toBe(true);
    expect(b.filter((t, i) => t.type === 'code' && t.deadline !== a[i]!.deadline).length).toBe(b.filter((t) => t.type === 'code').length);
  });

  it('changing the token distribution leaves types, keys, priorities and deadlines unchanged', () => {
    const changed = RICH_TYPES.map((t) => ({ ...t, tokens: { dist: 'uniform', min: 1, max: 9 } as const }));
    const a = generate(workload(RICH_TYPES), 500);
    const b = generate(workload(changed), 500);
    const strip = (t: TaskSpec): unknown => ({ ...t, tokens: undefined });
    expect(b.map(strip)).toEqual(a.map(strip));
    expect(b.every((t) => t.tokens >= 1 && t.tokens < 9)).toBe(true);
  });

  it('draws each task size from the tokens stream of (seed, replication)', () => {
    const dist = { dist: 'lognormal', mean: 2000, sd: 800 } as const;
    const tasks = generate(workload([taskType({ type: 'code', tokens: dist })]), 100, SEED, 3);
    const draw = sampler(dist);
    const random = stream(SEED, 3, 'tokens');
    expect(tasks.map((t) => t.tokens)).toEqual(tasks.map(() => draw(random)));
  });

  it('picks types in proportion to their weights', () => {
    const n = 40_000;
    const tasks = generate(workload([taskType({ type: 'a', weight: 3 }), taskType({ type: 'b', weight: 1 })]), n);
    const share = tasks.filter((t) => t.type === 'a').length / n;
    expect(Math.abs(share - 0.75)).toBeLessThan(binomialTolerance(0.75, n));
  });

  it('picks each type with one draw from the mix stream against the cumulative weights', () => {
    // Weights 3 : 1 → cumulative 0.75, 1: u < 0.75 is type a.
    const tasks = generate(workload([taskType({ type: 'a', weight: 3 }), taskType({ type: 'b', weight: 1 })]), 300, SEED, 1);
    const random = stream(SEED, 1, 'mix');
    expect(tasks.map((t) => t.type)).toEqual(tasks.map(() => (random() < 0.75 ? 'a' : 'b')));
  });

  it('picks each priority with one draw from the priority stream against the cumulative probabilities', () => {
    const levels = [{ level: 0, probability: 0.25 }, { level: 2, probability: 0.5 }, { level: 4, probability: 0.25 }];
    const tasks = generate(workload([taskType({ type: 'code', priority: levels })]), 300, SEED, 1);
    const random = stream(SEED, 1, 'priority');
    const expected = tasks.map(() => {
      const u = random();
      return u < 0.25 ? 0 : u < 0.75 ? 2 : 4;
    });
    expect(tasks.map((t) => t.priority)).toEqual(expected);
  });

  it('draws priorities with the configured probabilities', () => {
    const n = 50_000;
    const levels = [{ level: 0, probability: 0.1 }, { level: 2, probability: 0.6 }, { level: 4, probability: 0.3 }];
    const tasks = generate(workload([taskType({ type: 'code', priority: levels })]), n);
    for (const { level, probability } of levels) {
      const share = tasks.filter((t) => t.priority === level).length / n;
      expect(Math.abs(share - probability)).toBeLessThan(binomialTolerance(probability, n));
    }
    expect(tasks.every((t) => [0, 2, 4].includes(t.priority))).toBe(true);
  });

  it('gives every task the single priority level when only one is configured', () => {
    const tasks = generate(workload([taskType({ type: 'code', priority: [{ level: 3, probability: 1 }] })]), 100);
    expect(tasks.every((t) => t.priority === 3)).toBe(true);
  });

  it('names context keys `${type}-${rank}` with the rank drawn by Zipf from the keys stream', () => {
    const keys = { count: 12, zipf: 1.1 };
    const tasks = generate(workload([taskType({ type: 'review', contextKeys: keys })]), 300, SEED, 2);
    const zipf = new ZipfSampler(keys.count, keys.zipf);
    const random = stream(SEED, 2, 'keys');
    expect(tasks.map((t) => t.contextKey)).toEqual(tasks.map(() => `review-${zipf.draw(random)}`));
    expect(tasks.some((t) => t.contextKey === 'review-0')).toBe(true);
  });

  it('gives no context key to a type without contextKeys', () => {
    const tasks = generate(workload([taskType({ type: 'code', contextTokens: 500 })]), 20);
    expect(tasks.every((t) => t.contextKey === undefined && t.contextTokens === 500)).toBe(true);
  });

  it('sets the deadline to the arrival time plus a draw from the deadline stream', () => {
    const dist = { dist: 'uniform', min: 120, max: 600 } as const;
    const factory = new TaskFactory(workload([taskType({ type: 'code', deadline: dist })]), SEED, 0);
    const draw = sampler(dist);
    const random = stream(SEED, 0, 'deadline');
    for (const [n, now] of [[0, 0], [1, 17.5], [2, 1000], [3, 1000]] as const) {
      expect(factory.create(n, now).deadline).toBe(now + draw(random));
    }
  });

  it('gives no deadline to a type without one', () => {
    const tasks = generate(workload([taskType({ type: 'code' })]), 20);
    expect(tasks.every((t) => t.deadline === undefined)).toBe(true);
  });

  it('numbers tasks t<n> and passes the type settings through', () => {
    const config = workload([taskType({ type: 'code', contextTokens: 64, timeoutSeconds: 30, ttlSeconds: 90, maxRetries: 2 })]);
    const factory = new TaskFactory(config, SEED, 0);
    expect(factory.create(7, 3)).toEqual({
      id: 't7',
      type: 'code',
      priority: 2,
      tokens: 1000,
      contextKey: undefined,
      contextTokens: 64,
      deadline: undefined,
      timeoutSeconds: 30,
      ttlSeconds: 90,
      maxRetries: 2,
    });
  });
});

describe('jobTask', () => {
  it('maps a hand-listed job to a task spec with the deadline relative to atSeconds', () => {
    const job: ScenarioJob = {
      id: 'build',
      atSeconds: 100,
      type: 'code',
      tokens: 3000,
      priority: 1,
      contextKey: 'repo',
      contextTokens: 2000,
      deadlineSeconds: 50,
      dependsOn: ['fetch', 'plan'],
      dependencyPolicy: {},
      timeoutSeconds: 20,
      ttlSeconds: 40,
      maxRetries: 4,
      tags: [],
    };
    expect(jobTask(job)).toEqual({
      id: 'build',
      type: 'code',
      priority: 1,
      tokens: 3000,
      contextKey: 'repo',
      contextTokens: 2000,
      deadline: 150,
      dependsOn: ['fetch', 'plan'],
      timeoutSeconds: 20,
      ttlSeconds: 40,
      maxRetries: 4,
    });
  });

  it('leaves the deadline and optional settings unset when the job has none', () => {
    const job: ScenarioJob = { id: 'j', atSeconds: 5, type: 'review', tokens: 10, priority: 3, contextTokens: 0, dependsOn: [], dependencyPolicy: {}, tags: [] };
    const task = jobTask(job);
    expect(task.deadline).toBeUndefined();
    expect(task.contextKey).toBeUndefined();
    expect(task.timeoutSeconds).toBeUndefined();
    expect(task.ttlSeconds).toBeUndefined();
    expect(task.maxRetries).toBeUndefined();
    expect(task.dependsOn).toEqual([]);
  });
});
