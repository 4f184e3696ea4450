/**
 * A fixed CPU-bound loop, timed next to the simulator figures. These virtual machines run at
 * varying speeds (3·10⁸ steps of this loop took from 1.2 s to 1.55 s within one afternoon): a
 * slower simulator figure beside a slower reference is the machine, not the code. The converse
 * does not hold: simulator runs also slow down by 25–45% for spells this loop never sees
 * (docs/SPEED-RECORD.md, "These machines are noisy, and in a particular way").
 */

/** Steps of the reference loop. */
export const REFERENCE_STEPS = 100_000_000;

/** Milliseconds the reference loop takes: best of `repeats`, so one interruption does not count. */
export function measureCpuReference(repeats = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    let state = 0;
    // Integer arithmetic in registers: no memory traffic, no allocation, nothing to optimise away.
    for (let i = 0; i < REFERENCE_STEPS; i++) state = (state + i * 7) % 1_000_003;
    const millis = performance.now() - start;
    if (state < 0) throw new Error('unreachable: the reference loop state is never negative');
    best = Math.min(best, millis);
  }
  return best;
}
