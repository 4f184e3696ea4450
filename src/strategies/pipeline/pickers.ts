/**
 * Pickers: the last stage of the pipeline (docs/STRATEGIES.md, `scored`). A picker turns the candidates'
 * total scores into one choice. Candidates arrive in fleet order, so "the first" means the
 * lowest agent index: that is every picker's final tie-breaker. The random pickers draw only
 * from the decision context's generator, once per decision with two or more candidates.
 */
import { z } from 'zod';

/** How a pipeline chooses among scored candidates. */
export const pickerSchema = z.enum(['max', 'weighted-random', 'softmax']);

/** A picker's name. */
export type PickerName = z.output<typeof pickerSchema>;

/** Chooses a position in `totals[0..count)`; `count` is at least 1. */
export type Picker = (totals: Float64Array, count: number, random: () => number) => number;

/** `max`: the highest total; ties go to the first. Draws nothing. */
export function pickMax(totals: Float64Array, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (totals[i]! > totals[best]!) best = i;
  return best;
}

/**
 * `weighted-random`: a candidate with probability proportional to its total. Totals below 0
 * weigh 0; when no total is above 0 the choice is uniform.
 */
export function pickWeightedRandom(totals: Float64Array, count: number, random: () => number): number {
  if (count === 1) return 0;
  let sum = 0;
  for (let i = 0; i < count; i++) if (totals[i]! > 0) sum += totals[i]!;
  const u = random();
  if (!(sum > 0)) return Math.min(count - 1, Math.floor(u * count));
  let threshold = u * sum;
  let last = 0;
  for (let i = 0; i < count; i++) {
    const weight = totals[i]!;
    if (!(weight > 0)) continue;
    last = i;
    threshold -= weight;
    if (threshold < 0) return i;
  }
  return last; // rounding left a sliver past the last positive weight
}

/**
 * `softmax`: a candidate with probability proportional to exp(total / temperature). A low
 * temperature approaches `max`, a high one approaches a uniform choice. Computed relative to
 * the highest total, so exp never overflows; no scratch array (the exponentials are computed
 * twice, which is cheaper than allocating).
 */
export function pickSoftmax(totals: Float64Array, count: number, random: () => number, temperature: number): number {
  if (count === 1) return 0;
  const top = totals[pickMax(totals, count)]!;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp((totals[i]! - top) / temperature);
  let threshold = random() * sum;
  for (let i = 0; i < count; i++) {
    threshold -= Math.exp((totals[i]! - top) / temperature);
    if (threshold < 0) return i;
  }
  return pickMax(totals, count); // rounding: the sliver belongs to the likeliest
}

/** The picker `name` names; `temperature` (> 0) is used by `softmax` only. */
export function createPicker(name: PickerName, temperature: number): Picker {
  if (!(temperature > 0)) throw new Error(`softmax temperature must be > 0, got ${temperature}`);
  switch (name) {
    case 'max':
      return pickMax;
    case 'weighted-random':
      return pickWeightedRandom;
    case 'softmax':
      return (totals, count, random) => pickSoftmax(totals, count, random, temperature);
    default: {
      const unreachable: never = name;
      throw new Error(`unknown picker ${String(unreachable)}`);
    }
  }
}
