/**
 * The estimators of calibration, one per model quantity (docs/CALIBRATION.md states each):
 * work rate under lognormal service noise, a censored-normal (Tobit) quality, a Bernoulli rate,
 * a Poisson arrival rate, and a token-size distribution chosen between exponential and lognormal.
 * Each returns its estimate, a 95% interval and a goodness-of-fit test.
 */
import { mean, sampleStandardDeviation, sampleVariance } from 'simple-statistics';
import type { Distribution } from '../scenario/types.js';
import {
  Z95, ksTest, meanInterval, normalCdf, normalPValue, tQuantile95, twoProportionTest, varianceInterval, wilsonInterval,
  type Interval, type TestResult,
} from './statistics.js';

/** Variance of log work rates below which durations are exact (a CV below 10⁻⁶). */
const EXACT_LOG_VARIANCE = 1e-12;

/** A fitted scalar. */
export interface Estimate {
  /** The point estimate. */
  readonly value: number;
  /** Its 95% interval. */
  readonly interval: Interval;
  /** Observations it rests on. */
  readonly n: number;
}

/**
 * Work rates (tokens ÷ seconds) of several groups (an agent's task types) that share one
 * lognormal noise: log rate = log v_g + σ²/2 − σZ, so the noise has mean 1 on time as the agent
 * model draws it. MLE: σ² from the pooled within-group variance of log rates; per group
 * log v_g = mean(log rate) − σ²/2, with a t interval.
 */
export function fitWorkRates(groups: ReadonlyMap<string, readonly number[]>): {
  readonly speeds: ReadonlyMap<string, Estimate>;
  /** Coefficient of variation of the service-time noise, sqrt(exp σ² − 1). */
  readonly serviceTimeCv: Estimate;
  readonly gof: TestResult | null;
  /** Whether the groups' speeds differ: the fastest against each other, z on log speed, Bonferroni-adjusted p. */
  readonly differ: TestResult | null;
} {
  let squares = 0;
  let df = 0;
  const logs = new Map<string, number[]>();
  for (const [group, rates] of groups) {
    const logRates = rates.map(Math.log);
    logs.set(group, logRates);
    if (logRates.length >= 2) {
      squares += sampleVariance(logRates) * (logRates.length - 1);
      df += logRates.length - 1;
    }
  }
  // Exact durations (no service noise) still vary by float rounding of tokens ÷ speed: call that 0.
  const sigma2 = df > 0 && squares / df > EXACT_LOG_VARIANCE ? squares / df : 0;
  const speeds = new Map<string, Estimate>();
  const residuals: number[] = [];
  for (const [group, logRates] of logs) {
    const centre = mean(logRates);
    const half = df > 0 ? tQuantile95(df) * Math.sqrt(sigma2 / logRates.length) : 0;
    const logSpeed = centre - sigma2 / 2;
    speeds.set(group, { value: Math.exp(logSpeed), interval: [Math.exp(logSpeed - half), Math.exp(logSpeed + half)], n: logRates.length });
    if (sigma2 > 0) for (const x of logRates) residuals.push((x - centre) / Math.sqrt(sigma2));
  }
  const cv = (s2: number): number => Math.sqrt(Math.expm1(s2));
  let differ: TestResult | null = null;
  if (speeds.size >= 2) {
    const fastest = [...speeds.values()].reduce((a, b) => (b.value > a.value ? b : a));
    let smallest = 1;
    let statistic = 0;
    for (const estimate of speeds.values()) {
      if (estimate === fastest) continue;
      const se = Math.sqrt(sigma2 * (1 / fastest.n + 1 / estimate.n));
      const z = se === 0 ? (fastest.value === estimate.value ? 0 : Number.POSITIVE_INFINITY) : Math.log(fastest.value / estimate.value) / se;
      const p = Math.min(1, normalPValue(z) * (speeds.size - 1));
      if (p < smallest || statistic === 0) statistic = z;
      smallest = Math.min(smallest, p);
    }
    differ = { test: 'z (fastest vs each type, Bonferroni)', statistic, pValue: smallest };
  }
  const [low, high] = df > 0 && sigma2 > 0 ? varianceInterval(sigma2, df) : [sigma2, sigma2];
  return {
    speeds,
    serviceTimeCv: { value: cv(sigma2), interval: [cv(low), cv(high)], n: df + logs.size },
    gof: residuals.length >= 5 ? { ...ksTest(residuals, normalCdf), test: 'KS (log rate normal)' } : null,
    differ,
  };
}

/**
 * A Bernoulli rate from outcomes in time order: MLE k/n, Wilson interval; the test compares the
 * first and second half (a rate that drifts is not one rate).
 */
export function fitRate(outcomes: readonly boolean[]): { readonly estimate: Estimate; readonly gof: TestResult | null } {
  const n = outcomes.length;
  const k = outcomes.filter(Boolean).length;
  const half = Math.floor(n / 2);
  const k1 = outcomes.slice(0, half).filter(Boolean).length;
  return {
    estimate: { value: n === 0 ? 0 : k / n, interval: wilsonInterval(k, n), n },
    gof: half >= 5 ? twoProportionTest(k1, half, k - k1, n - half) : null,
  };
}

/** A censored-normal quality: mean and noise of N(μ, σ) clamped to [0, 1], as the agent model draws it. */
export interface QualityFit {
  /** Mean μ of the quality before clamping. */
  readonly mean: Estimate;
  /** Noise σ of the quality before clamping. */
  readonly noise: Estimate;
  /** Goodness of fit; null when there are too few observations to test. */
  readonly gof: TestResult | null;
}

/**
 * Tobit MLE of quality = clamp01(μ + σZ): values at 0 or 1 are censored. Newton's method on
 * (μ, log σ) with numeric derivatives; intervals from the observed information (Wald).
 */
export function fitQuality(values: readonly number[]): QualityFit {
  const n = values.length;
  const interior = values.filter((q) => q > 0 && q < 1);
  if (interior.length < 2) {
    // All (or all but one) at a bound: the noise is not identifiable beyond "none seen".
    const m = n === 0 ? 1 : mean(values as number[]);
    return { mean: { value: m, interval: [m, m], n }, noise: { value: 0, interval: [0, 0], n }, gof: null };
  }
  const logLikelihood = (mu: number, logSigma: number): number => {
    const sigma = Math.exp(logSigma);
    let sum = 0;
    for (const q of values) {
      if (q >= 1) sum += Math.log(normalCdf((mu - 1) / sigma));
      else if (q <= 0) sum += Math.log(normalCdf(-mu / sigma));
      else sum += -0.5 * ((q - mu) / sigma) ** 2 - logSigma - 0.5 * Math.log(2 * Math.PI);
    }
    return sum;
  };
  let theta: [number, number] = [mean(interior), Math.log(Math.max(1e-6, sampleStandardDeviation(interior)))];
  for (let iteration = 0; iteration < 100; iteration++) {
    const f = (x: readonly number[]): number => logLikelihood(x[0]!, x[1]!);
    const g = gradient(f, theta);
    const h = hessian(f, theta);
    const det = h[0]! * h[3]! - h[1]! * h[2]!;
    // Newton step −H⁻¹g; fall back to gradient ascent where the Hessian is not negative definite.
    let step: [number, number] = det > 0 && h[0]! < 0
      ? [-(h[3]! * g[0]! - h[1]! * g[1]!) / det, -(-h[2]! * g[0]! + h[0]! * g[1]!) / det]
      : [g[0]! * 1e-4, g[1]! * 1e-4];
    const base = f(theta);
    let next: [number, number] = [theta[0] + step[0], theta[1] + step[1]];
    for (let halving = 0; halving < 30 && !(f(next) >= base); halving++) {
      step = [step[0] / 2, step[1] / 2];
      next = [theta[0] + step[0], theta[1] + step[1]];
    }
    if (!(f(next) >= base)) break;
    theta = next;
    if (Math.abs(step[0]) < 1e-10 && Math.abs(step[1]) < 1e-10) break;
  }
  const [mu, logSigma] = theta;
  const sigma = Math.exp(logSigma);
  // Observed information in (μ, σ).
  const h = hessian((x) => logLikelihood(x[0]!, Math.log(x[1]!)), [mu, sigma]);
  const det = h[0]! * h[3]! - h[1]! * h[2]!;
  const varMu = det === 0 ? Number.NaN : -h[3]! / det;
  const varSigma = det === 0 ? Number.NaN : -h[0]! / det;
  const halfMu = Z95 * Math.sqrt(varMu);
  const halfSigma = Z95 * Math.sqrt(varSigma);
  // Atoms at 0 and 1: F jumps there, so its left limits are 0 at 0 and Φ((1 − μ)/σ) at 1.
  const cdf = (q: number): number => (q >= 1 ? 1 : normalCdf((q - mu) / sigma));
  const cdfLeft = (q: number): number => (q <= 0 ? 0 : normalCdf((Math.min(q, 1) - mu) / sigma));
  return {
    mean: { value: mu, interval: [mu - halfMu, mu + halfMu], n },
    noise: { value: sigma, interval: [Math.max(0, sigma - halfSigma), sigma + halfSigma], n },
    gof: n >= 5 ? { ...ksTest(values, cdf, cdfLeft), test: 'KS (censored normal)' } : null,
  };
}

function gradient(f: (x: readonly number[]) => number, x: readonly number[]): number[] {
  return x.map((_, i) => {
    const h = 1e-5 * Math.max(1, Math.abs(x[i]!));
    const up = [...x];
    const down = [...x];
    up[i]! += h;
    down[i]! -= h;
    return (f(up) - f(down)) / (2 * h);
  });
}

/** Row-major 2×2 Hessian by central differences. */
function hessian(f: (x: readonly number[]) => number, x: readonly number[]): number[] {
  const out: number[] = [];
  const step = x.map((v) => 1e-4 * Math.max(1, Math.abs(v)));
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const at = (di: number, dj: number): number => {
        const y = [...x];
        y[i]! += di * step[i]!;
        y[j]! += dj * step[j]!;
        return f(y);
      };
      out.push((at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * step[i]! * step[j]!));
    }
  }
  return out;
}

/** A Poisson arrival rate and the check of the Poisson assumption. */
export interface ArrivalFit {
  /** Arrivals per second: MLE n ÷ window, interval exp(±1.96/√n) around it. */
  readonly ratePerSecond: Estimate;
  /** Coefficient of variation of the inter-arrival gaps (1 for Poisson). */
  readonly interArrivalCv: number;
  /** z test of CV = 1 (the CV of n exponential gaps has standard error 1/√n). */
  readonly cvTest: TestResult | null;
  /** KS test of the gaps against the fitted exponential. */
  readonly gof: TestResult | null;
}

/** Fits a Poisson process to sorted arrival `times` observed over [startSeconds, endSeconds]. */
export function fitArrivals(times: readonly number[], startSeconds: number, endSeconds: number): ArrivalFit {
  const n = times.length;
  const window = Math.max(endSeconds - startSeconds, Number.MIN_VALUE);
  const rate = n / window;
  const half = n > 0 ? Z95 / Math.sqrt(n) : 0;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(times[i]! - times[i - 1]!);
  const gapMean = gaps.length > 0 ? mean(gaps) : 0;
  const cv = gaps.length >= 2 && gapMean > 0 ? sampleStandardDeviation(gaps) / gapMean : Number.NaN;
  const z = (cv - 1) * Math.sqrt(gaps.length);
  return {
    ratePerSecond: { value: rate, interval: [rate * Math.exp(-half), rate * Math.exp(half)], n },
    interArrivalCv: cv,
    cvTest: gaps.length >= 10 ? { test: 'z (inter-arrival CV = 1)', statistic: z, pValue: normalPValue(z) } : null,
    gof: gaps.length >= 5 ? { ...ksTest(gaps, (x) => 1 - Math.exp(-rate * x)), test: 'KS (exponential gaps)' } : null,
  };
}

/** A token-size distribution in the scenario's terms, with the mean's interval. */
export interface SizeFit {
  /** The fitted distribution, as the scenario writes it. */
  readonly distribution: Distribution;
  /** Sample mean with its t interval (method of moments). */
  readonly mean: Estimate;
  /** Goodness of fit; null when there are too few observations to test. */
  readonly gof: TestResult | null;
}

/**
 * The size distribution of one task type: constant when every value is equal, else exponential
 * (MLE mean) or lognormal (MLE on log values, written as its mean and sd), whichever has the
 * lower AIC.
 */
export function fitSizes(values: readonly number[]): SizeFit {
  const { mean: m, interval } = meanInterval(values);
  const estimate: Estimate = { value: m, interval, n: values.length };
  if (values.every((v) => v === values[0])) return { distribution: { dist: 'constant', value: values[0] ?? 0 }, mean: estimate, gof: null };
  const n = values.length;
  const exponentialAic = 2 - 2 * (-n * Math.log(m) - n);
  const positive = values.every((v) => v > 0);
  let lognormal: { mu: number; sigma: number; aic: number } | undefined;
  if (positive) {
    const logs = values.map(Math.log);
    const mu = mean(logs);
    const variance = logs.reduce((sum, x) => sum + (x - mu) ** 2, 0) / n;
    const sigma = Math.sqrt(variance);
    const logLikelihood = -logs.reduce((a, b) => a + b, 0) - n * Math.log(sigma * Math.sqrt(2 * Math.PI)) - n / 2;
    lognormal = { mu, sigma, aic: 4 - 2 * logLikelihood };
  }
  if (lognormal !== undefined && lognormal.sigma > 0 && lognormal.aic < exponentialAic) {
    const { mu, sigma } = lognormal;
    const fittedMean = Math.exp(mu + (sigma * sigma) / 2);
    const sd = fittedMean * Math.sqrt(Math.expm1(sigma * sigma));
    const gof = n >= 5 ? { ...ksTest(values, (x) => (x <= 0 ? 0 : normalCdf((Math.log(x) - mu) / sigma))), test: 'KS (lognormal)' } : null;
    return { distribution: { dist: 'lognormal', mean: fittedMean, sd }, mean: estimate, gof };
  }
  const gof = n >= 5 ? { ...ksTest(values, (x) => 1 - Math.exp(-x / m)), test: 'KS (exponential)' } : null;
  return { distribution: { dist: 'exponential', mean: m }, mean: estimate, gof };
}
