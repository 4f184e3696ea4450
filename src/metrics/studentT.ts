/**
 * The 0.975 quantile of Student's t distribution, for 95% confidence half-widths over
 * replications. simple-statistics has no t quantile, and a run has few replications, so exact
 * values for small degrees of freedom matter most: they come from a table, larger ones from an
 * asymptotic expansion that is already exact to 3·10⁻⁸ at 30 degrees of freedom.
 */

/** The 0.975 quantile of the standard normal distribution (the limit as df → ∞). */
export const NORMAL_QUANTILE_975 = 1.959963984540054;

/**
 * t(0.975, df) for df = 1…30 (index df − 1), to six decimals. Computed with SciPy 1.17
 * (`scipy.stats.t.ppf(0.975, df)`); they agree with the three-decimal table of the
 * NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2, "Critical values of the
 * Student's t distribution" (12.706, 4.303, 3.182, 2.776 …, 2.042).
 */
const T_975: readonly number[] = [
  12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
  2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
  2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
];

/**
 * t(0.975, df): the factor that turns a standard error into a 95% confidence half-width.
 *
 * df 1…30 come from the table above. Beyond it, the Cornish–Fisher expansion of the t quantile
 * in powers of 1/df around the normal quantile z (Abramowitz & Stegun, Handbook of
 * Mathematical Functions, 26.7.5) is used; its error is below 3·10⁻⁸ for df > 30 and it tends
 * to z = 1.95996… as df → ∞.
 *
 * @param df - degrees of freedom: an integer ≥ 1, or `Infinity`.
 * @throws Error for any other df.
 */
export function studentT975(df: number): number {
  if (df === Number.POSITIVE_INFINITY) return NORMAL_QUANTILE_975;
  if (!Number.isInteger(df) || df < 1) throw new Error(`studentT975: degrees of freedom must be an integer >= 1, got ${df}`);
  if (df <= T_975.length) return T_975[df - 1]!;
  const z = NORMAL_QUANTILE_975;
  const z2 = z * z;
  const z3 = z2 * z;
  const z5 = z3 * z2;
  const z7 = z5 * z2;
  const z9 = z7 * z2;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}
