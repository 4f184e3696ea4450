/**
 * Inequality of work across agents: the Gini coefficient and Jain's fairness index.
 *
 * Both return null for an empty input and for one that is all zeros: when nobody did anything,
 * "everyone did the same" and "one did everything" are equally true, and a number would
 * present a run with no completed work as perfectly fair.
 */

/**
 * Gini coefficient of non-negative values: 0 when all are equal, (n − 1)/n when one value holds
 * everything (so never 1 for a finite fleet).
 *
 * Sorted-rank formula: with x sorted ascending and ranks i = 1…n,
 * G = 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1)/n.
 *
 * @returns the coefficient, or null for an empty or all-zero input.
 * @throws Error when a value is negative or not finite (a caller bug: counts cannot be).
 */
export function gini(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n === 0) return null;
  // Copying into a Float64Array gives a numeric sort (the default Array sort is lexicographic)
  // and leaves the caller's array as it was. A plain loop: `Float64Array.from` with a mapping
  // function goes through an iterator and a call per value, most of the cost at 100,000 agents.
  // Only the values above zero are sorted: the zeros come first in the order and add exactly 0 to
  // both sums, so the sums are the same to the bit, and a large fleet's idle agents (most of a
  // short run's) cost no sort.
  const positive = new Float64Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = checkedValue(values[i]!);
    if (x !== 0) positive[count++] = x;
  }
  const sorted = positive.subarray(0, count).sort();
  const zeros = n - count;
  let total = 0;
  let rankWeighted = 0;
  for (let j = 0; j < count; j++) {
    total += sorted[j]!;
    rankWeighted += (zeros + j + 1) * sorted[j]!;
  }
  if (total === 0) return null;
  const coefficient = (2 * rankWeighted) / (n * total) - (n + 1) / n;
  // Rounding can leave a tiny negative number for an equal split; the true value is 0.
  return coefficient < 0 ? 0 : coefficient;
}

/**
 * Jain's fairness index (Σx)² / (n Σx²) of non-negative values: 1 when all are equal, 1/n when
 * one value holds everything.
 *
 * @returns the index, or null for an empty or all-zero input.
 * @throws Error when a value is negative or not finite.
 */
export function jain(values: ArrayLike<number>): number | null {
  const n = values.length;
  if (n === 0) return null;
  let total = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = checkedValue(values[i]!);
    total += x;
    squares += x * x;
  }
  if (squares === 0) return null;
  return (total * total) / (n * squares);
}

function checkedValue(x: number): number {
  if (!(x >= 0) || !Number.isFinite(x)) throw new Error(`inequality index: values must be finite and >= 0, got ${x}`);
  return x;
}
