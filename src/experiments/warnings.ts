/**
 * Warnings a document carries for its reader. One so far: too few replications. A 95% interval
 * from n replications estimates the spread from n − 1 degrees of freedom; with n = 3 the true
 * standard deviation may lie anywhere from 0.52 to 6.3 times the estimate (95% chi-square
 * interval), and t(0.975, 2) = 4.30 makes the half-width mostly a guess. From n = 5 the range
 * narrows to 0.60–2.9 times and t to 2.78: still wide, but a half-width then means something.
 */

/** Below this many replications, intervals and significance marks come with a warning. */
export const FEW_REPLICATIONS = 5;

/** The warnings of a document run with `replications` replications per strategy. */
export function replicationWarnings(replications: number): string[] {
  if (replications >= FEW_REPLICATIONS) return [];
  const what = replications < 2
    ? `${replications} replication: no confidence interval can be computed and no difference is significant`
    : `only ${replications} replications: the 95% intervals rest on ${replications - 1} degree${replications === 2 ? '' : 's'} of freedom and may be far too narrow or too wide`;
  return [`${what}; run at least ${FEW_REPLICATIONS} (--replications) before trusting a difference.`];
}
