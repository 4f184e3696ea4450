/**
 * Where an event loop's long turns went, from the thread's own scheduler accounting: Linux's
 * `/proc/thread-self/schedstat` gives, for the calling thread, the nanoseconds it ran on a CPU,
 * the nanoseconds it waited in a run queue (runnable, not running) and how many times it was
 * scheduled in. Read at every tick of a 1 ms timer (bench/loopStallMonitor.ts), the difference
 * between two ticks splits a late tick (a stall) into the loop's thread waiting for a core, and the
 * rest: its own work (JavaScript, a collection, a system call on the CPU) or a sleep off the CPU (a
 * blocking system call, a lock). The kernel adds a running thread's CPU time at its ticks and
 * switches, so the on-CPU share is known to a scheduler tick; the run-queue wait is exact, since
 * the kernel adds it when the thread is scheduled in, before the timer's callback reads it.
 */

/** One reading of `/proc/<pid>/task/<tid>/schedstat`, in nanoseconds and switches. */
export interface SchedStat {
  /** Time on a CPU, ns. */
  readonly runNs: number;
  /** Time runnable in a run queue but not running, ns. */
  readonly runQueueWaitNs: number;
  /** Times the thread was scheduled in. */
  readonly timeslices: number;
}

/** The three fields of a schedstat line (`"<run ns> <wait ns> <timeslices>\n"`), or undefined if it is not one. */
export function parseSchedStat(text: string): SchedStat | undefined {
  const fields = text.trim().split(' ');
  if (fields.length !== 3) return undefined;
  const [runNs, runQueueWaitNs, timeslices] = fields.map(Number) as [number, number, number];
  if (![runNs, runQueueWaitNs, timeslices].every((n) => Number.isInteger(n) && n >= 0)) return undefined;
  return { runNs, runQueueWaitNs, timeslices };
}

/** A late tick of the monitor's timer: when the previous tick ran and what the thread did until this one. */
export interface LoopStall {
  /** The previous tick, ms since the process's `performance.timeOrigin`. */
  readonly startMs: number;
  /** Time from the previous tick to this one, ms. */
  readonly gapMs: number;
  /** The thread's time on a CPU in the gap, ms (to a scheduler tick). */
  readonly runMs: number;
  /** The thread's time runnable in a run queue in the gap, ms. */
  readonly runQueueWaitMs: number;
  /** Times the thread was scheduled in during the gap. */
  readonly timeslices: number;
}

/** A garbage collection's pause as `PerformanceObserver` reports it: start (ms since time origin), duration ms, V8's kind. */
export interface GcPause {
  /** Start, milliseconds since the time origin. */
  readonly startMs: number;
  /** Pause, milliseconds. */
  readonly durationMs: number;
  /** `perf_hooks` kind: 1 minor (scavenge), 2 major, 4 incremental, 8 weak callbacks. */
  readonly kind: number;
}

/** What a monitored thread wrote when it ended: its stalls and its collections' pauses, on one clock. */
export interface LoopStallRecord {
  /** The stall threshold, ms. */
  readonly thresholdMs: number;
  /** When the record was written, ms since the time origin. */
  readonly endMs: number;
  /** The process's `performance.timeOrigin` (epoch ms), to line the record up with other clocks. */
  readonly timeOriginMs: number;
  /** The thread's event-loop stalls. */
  readonly stalls: readonly LoopStall[];
  /** Its collections' pauses. */
  readonly gcs: readonly GcPause[];
}

/** The stalls of a window, and how much of them the thread spent waiting for a core. */
export interface LoopStallSummary {
  /** Stalls in the window. */
  readonly stalls: number;
  /** All the stalls' gaps added up, ms. */
  readonly stalledMs: number;
  /** Of {@link stalledMs}: the thread runnable in a run queue, ms. */
  readonly runQueueWaitMs: number;
  /** Of {@link stalledMs}: the thread on a CPU, ms. */
  readonly runMs: number;
  /** The rest: off the CPU and not runnable (a blocking system call, a lock, a late timer), ms. */
  readonly offCpuMs: number;
  /** Stalls with a collection of at least `gcMinMs` inside them. */
  readonly withGc: number;
  /** Stalls in which the run-queue wait was at least half the gap. */
  readonly mostlyRunQueue: number;
}

/**
 * Sums up the stalls of `record` that began in the last `windowMs` before it was written; a stall
 * counts as having a collection inside when a pause of `gcMinMs` or more overlaps it.
 */
export function summarizeLoopStalls(record: LoopStallRecord, windowMs: number, gcMinMs = 2): LoopStallSummary {
  const stalls = record.stalls.filter((stall) => stall.startMs >= record.endMs - windowMs);
  const sum = (f: (stall: LoopStall) => number): number => stalls.reduce((total, stall) => total + f(stall), 0);
  const stalledMs = sum((s) => s.gapMs);
  const runQueueWaitMs = sum((s) => Math.min(s.runQueueWaitMs, s.gapMs));
  const runMs = sum((s) => Math.min(s.runMs, s.gapMs - Math.min(s.runQueueWaitMs, s.gapMs)));
  const overlapsGc = (stall: LoopStall): boolean =>
    record.gcs.some((gc) => gc.durationMs >= gcMinMs && gc.startMs < stall.startMs + stall.gapMs && gc.startMs + gc.durationMs > stall.startMs);
  return {
    stalls: stalls.length,
    stalledMs,
    runQueueWaitMs,
    runMs,
    offCpuMs: stalledMs - runQueueWaitMs - runMs,
    withGc: stalls.filter(overlapsGc).length,
    mostlyRunQueue: stalls.filter((s) => s.runQueueWaitMs >= s.gapMs / 2).length,
  };
}
