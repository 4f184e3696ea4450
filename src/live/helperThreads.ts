/**
 * The service's helper threads at a lower priority than its event loop (Linux).
 *
 * On a host of few cores a helper thread that the loop wakes (libuv's pool thread handed a group
 * commit's `fdatasync`, V8's helper given part of a collection) often takes the loop's own core
 * at once: the scheduler runs the woken thread, and the loop, with requests waiting, waits for
 * it (measured on the loop: the call that hands a sync to the pool took a median of 26 µs and a
 * p99 of 2.6 ms at 5,000 submissions/s on two cores; docs/LIVE-RECORD.md, "The eighth session").
 * At a higher nice value a woken helper runs on a free core or after the loop's turn instead.
 *
 * Linux gives each thread its own nice value (`setpriority(PRIO_PROCESS, tid)`, which
 * `os.setPriority` calls), listed in `/proc/self/task`. Threads appear during a process's life
 * (libuv's pool at its first use, a worker's threads), so the list is looked at again every
 * {@link RESWEEP_MS}. Elsewhere (no `/proc/self/task`) nothing is changed.
 */
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The nice value `fleetsim serve` gives its helper threads unless told otherwise (`--helper-nice`). */
export const DEFAULT_HELPER_NICE = 10;

/** The highest nice value (the lowest priority) on Linux. */
export const MAX_NICE = 19;

/** Milliseconds between two looks at the process's threads. */
const RESWEEP_MS = 1_000;

/** Helper threads kept at a nice value until stopped. */
export interface HelperThreads {
  /** The nice value the helper threads are kept at. */
  readonly nice: number;
  /** Lowers every thread but the main one that runs at a higher priority than {@link nice}; how many it lowered. */
  sweep(): number;
  /** Stops looking again (the threads keep the value they have). */
  stop(): void;
}

/**
 * Lowers every thread of this process except its main thread to nice value `nice` (1..19),
 * now and every second until stopped; a thread already at `nice` or lower priority is left
 * alone. `onError` hears what prevented it (once: it stops looking then); a thread that ends
 * between the listing and the call is not an error.
 */
export function lowerHelperThreads(nice: number, onError: (error: Error) => void): HelperThreads {
  if (!Number.isInteger(nice) || nice < 1 || nice > MAX_NICE) throw new Error(`helper threads' nice value must be an integer 1..${MAX_NICE}, got ${nice}`);
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const sweep = (): number => {
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      // Not Linux: no per-thread nice value to set.
      stop();
      return 0;
    }
    let lowered = 0;
    for (const name of tids) {
      const tid = Number(name);
      if (tid === process.pid) continue;
      try {
        if (getPriority(tid) >= nice) continue;
        setPriority(tid, nice);
        lowered++;
      } catch (error) {
        if ((error as { info?: { code?: string } }).info?.code === 'ESRCH') continue;
        stop();
        onError(new Error(`could not lower helper thread ${tid} to nice ${nice}: ${(error as Error).message}`));
        return lowered;
      }
    }
    return lowered;
  };
  sweep();
  if (process.platform === 'linux') {
    timer = setInterval(sweep, RESWEEP_MS);
    timer.unref();
  }
  return { nice, sweep, stop };
}
