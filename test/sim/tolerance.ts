/**
 * Acceptance bands for the stochastic tests of `test/sim`, derived from standard errors.
 *
 * Every stochastic test runs at a fixed seed, so it is deterministic; the band only has to be
 * wide enough that a correct implementation passes at (almost) any seed and narrow enough that a
 * wrong one fails. Four standard errors does both: by the central limit theorem a correct
 * estimate falls outside ±4 SE with probability about 6·10⁻⁵, while a wrong parameter (a mean
 * off by a few percent) is dozens of standard errors away at the sample sizes used here.
 */

/** How many standard errors an estimate may stray before a test fails. */
export const Z = 4;

/**
 * Band for a sample mean of `n` independent draws whose standard deviation is `sd`:
 * the mean's standard error is sd/√n, so the band is Z·sd/√n.
 */
export function meanTolerance(sd: number, n: number): number {
  return (Z * sd) / Math.sqrt(n);
}

/**
 * Band for an observed frequency of an event of probability `p` in `n` independent trials:
 * the count is binomial, so the frequency's standard error is √(p(1 − p)/n).
 */
export function binomialTolerance(p: number, n: number): number {
  return Z * Math.sqrt((p * (1 - p)) / n);
}

/**
 * Band for a sample standard deviation of `n` draws from a distribution with standard
 * deviation `sd` and kurtosis `kurtosis` (μ₄/σ⁴; 3 for the normal, 9 for the exponential).
 * Var(s²) ≈ (μ₄ − σ⁴)/n = σ⁴(κ − 1)/n, and by the delta method (s = √s²,
 * ds/d(s²) = 1/(2σ)) SE(s) ≈ σ·√((κ − 1)/n)/2.
 */
export function sdTolerance(sd: number, kurtosis: number, n: number): number {
  return (Z * sd * Math.sqrt((kurtosis - 1) / n)) / 2;
}

/** Sample mean and (n − 1) standard deviation of `xs`. */
export function meanAndSd(xs: ArrayLike<number>): { mean: number; sd: number } {
  const n = xs.length;
  if (n < 2) throw new Error('meanAndSd needs at least two values');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (xs[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(squares / (n - 1)) };
}

/** `draw()` called `n` times, into a typed array. */
export function drawMany(n: number, draw: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = draw();
  return out;
}
