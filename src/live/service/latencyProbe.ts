/**
 * Where a task waits between its submission reaching the service and its `start` being handed
 * to an agent, and what stalls the event loop meanwhile (`fleetsim serve --latency-probe`,
 * `GET /v1/latency`). Off by default: it costs a few clock readings per task and a timer that
 * samples the loop every millisecond.
 *
 * Per task whose start is queued while its submission is handled (the tasks a free agent takes
 * at once):
 * - `accept`: the submission's handler entered → the start queued for its agent (body
 *   validation, the driver, the engine's decision, the log line formatted);
 * - `commit`: queued → its input durable (the group commit: waiting for the fsync in flight,
 *   then the group's own write and fsync);
 * - `handout`: durable → taken by a poll (waking the long-poll that carries it).
 * Per group commit: `groupWait` (first input appended → the group's write begins), of it
 * `slotWait` (waiting for a free fsync slot while every one was taken), `fsync`.
 * For the loop: its delay sampled every millisecond (`monitorEventLoopDelay`: how long a timer
 * due then waited, i.e. how long the loop was blocked), garbage-collection pauses (the
 * scavenges apart, beside the young generation's size), and the synchronous part of each
 * compaction. The `fsync` figure runs to its callback, so it includes the wait for the loop to
 * get there. Busy time: the submission handlers' synchronous work and
 * the log's group writes, in microseconds per task.
 *
 * Histograms are Node's (`perf_hooks.createHistogram`, HDR), in microseconds.
 */
import { constants, createHistogram, monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type NodeGCPerformanceDetail, type PerformanceEntry, type RecordableHistogram } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { GroupCommitTiming } from '../wal.js';

/** Quantiles of one histogram, milliseconds. */
export interface StageFigures {
  /** Samples recorded. */
  readonly count: number;
  /** Median. */
  readonly p50Ms: number;
  /** 90th percentile. */
  readonly p90Ms: number;
  /** 99th percentile. */
  readonly p99Ms: number;
  /** 99.9th percentile. */
  readonly p999Ms: number;
  /** Largest sample. */
  readonly maxMs: number;
}

/** What {@link LatencyProbe.report} returns: figures since the probe started or was last reset. */
export interface LatencyReport {
  /** Wall-clock seconds the figures cover. */
  readonly seconds: number;
  /** Per task: request accepted, input durable, handed to an agent. */
  readonly stages: { readonly accept: StageFigures; readonly commit: StageFigures; readonly handout: StageFigures };
  /** Group commit of the log: the wait for a group and for an fsync slot, the fsync, and inputs per group. */
  readonly groupCommit: { readonly groupWait: StageFigures; readonly slotWait: StageFigures; readonly fsync: StageFigures; readonly inputsPerGroup: number };
  /** The event loop and the process. */
  readonly loop: {
    /** Event-loop delay (blocked time) sampled every millisecond. */
    readonly delay: StageFigures;
    /** Garbage-collection pauses. */
    readonly gc: StageFigures;
    /** Of them, the scavenges (minor GCs: the young generation's); the rest are the old generation's. */
    readonly scavenge: StageFigures;
    /**
     * Event-loop utilisation (`performance.eventLoopUtilization`): the share of wall time the
     * loop was not idle; beside the process's CPU per second, it tells a loop blocked by its
     * own work (both high) from one that had work but waited for a core (CPU well below it).
     */
    readonly utilization: number;
    /** The process's CPU seconds per wall second (all its threads). */
    readonly cpuCores: number;
    /** The synchronous part of each compaction (the engine's hand-over): wall clock, and the process's CPU time in it. */
    readonly compaction: StageFigures;
    /** The process's CPU time in each compaction's synchronous part. */
    readonly compactionCpu: StageFigures;
    /**
     * The young generation's size now (V8's new space), bytes: what `--max-semi-space-size`
     * bounds (a flag given to the process: V8 reads it when the heap is made, and setting it
     * later changes nothing), so a run shows which size its scavenges' pauses came from.
     */
    readonly youngGenerationBytes: number;
  };
  /** Synchronous busy time per submitted task, microseconds: submission handlers, the log's group writes. */
  readonly busyMicrosPerTask: { readonly submit: number; readonly groupWrite: number };
}


const MICROS_PER_MS = 1000;
/** Longest duration recorded (an hour, µs): the histograms' range. */
const HIGHEST_MICROS = 3_600_000_000;

function histogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: HIGHEST_MICROS, figures: 3 });
}

function record(histogram: RecordableHistogram, ms: number): void {
  histogram.record(Math.min(HIGHEST_MICROS, Math.max(1, Math.round(ms * MICROS_PER_MS))));
}

/** V8's new space, bytes (0 if this V8 names its spaces otherwise). */
function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/** Quantiles of a histogram whose values are `unitMs` milliseconds each. */
function figures(histogram: RecordableHistogram | IntervalHistogram, unitMs: number): StageFigures {
  const count = histogram.count;
  const at = (percentile: number): number => (count === 0 ? NaN : histogram.percentile(percentile) * unitMs);
  return { count, p50Ms: at(50), p90Ms: at(90), p99Ms: at(99), p999Ms: at(99.9), maxMs: count === 0 ? NaN : histogram.max * unitMs };
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** The stage timings of a running service (see the module comment). */
export class LatencyProbe {
  private readonly accept = histogram();
  private readonly commit = histogram();
  private readonly handout = histogram();
  private readonly groupWait = histogram();
  private readonly slotWait = histogram();
  private readonly fsync = histogram();
  private readonly gc = histogram();
  private readonly scavenge = histogram();
  private readonly compaction = histogram();
  private readonly compactionCpu = histogram();
  private readonly delay: IntervalHistogram;
  private readonly gcObserver: PerformanceObserver;
  private groups = 0;
  private groupInputs = 0;
  private submitBusyMs = 0;
  private groupWriteMs = 0;
  private tasks = 0;
  private since = performance.now();
  private utilizationSince = performance.eventLoopUtilization();
  private cpuSince = process.cpuUsage();
  /** When the submission handler running now was entered (undefined outside one). */
  private handlerStartedAt: number | undefined;

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 1 });
    this.delay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        record(this.gc, entry.duration);
        if ((entry as PerformanceEntry & { readonly detail?: NodeGCPerformanceDetail }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) record(this.scavenge, entry.duration);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /**
   * Runs a submission handler's synchronous part (`submitted` tasks): starts queued inside it
   * get their `accept` stage from its start.
   */
  submitting<T>(submitted: number, handler: () => T): T {
    const startedAt = performance.now();
    this.handlerStartedAt = startedAt;
    try {
      return handler();
    } finally {
      this.handlerStartedAt = undefined;
      this.submitBusyMs += performance.now() - startedAt;
      this.tasks += submitted;
    }
  }

  /** A start was queued for an agent now: its `accept` stage, when a submission handler queued it. Returns the time it was queued. */
  startQueued(): number {
    const now = performance.now();
    if (this.handlerStartedAt !== undefined) record(this.accept, now - this.handlerStartedAt);
    return now;
  }

  /** A queued start's input became durable now; returns the time. */
  startDurable(queuedAt: number): number {
    const now = performance.now();
    record(this.commit, now - queuedAt);
    return now;
  }

  /** A poll took a start whose input became durable at `durableAt`. */
  startTaken(durableAt: number): void {
    record(this.handout, performance.now() - durableAt);
  }

  /** A group commit of the write-ahead log. */
  groupCommitted(timing: GroupCommitTiming): void {
    this.groups++;
    this.groupInputs += timing.inputs;
    this.groupWriteMs += timing.writeMs;
    record(this.groupWait, timing.waitedMs);
    record(this.slotWait, timing.slotWaitMs);
    if (timing.syncMs > 0) record(this.fsync, timing.syncMs);
  }

  /** The synchronous part of a compaction took `wallMs`, of which `cpuMs` the process's CPU. */
  compacted(blocking: { readonly wallMs: number; readonly cpuMs: number }): void {
    record(this.compaction, blocking.wallMs);
    record(this.compactionCpu, blocking.cpuMs);
  }

  /** The figures since the start or the last {@link reset}. */
  report(): LatencyReport {
    const perTask = (ms: number): number => (this.tasks === 0 ? NaN : (ms * MICROS_PER_MS) / this.tasks);
    return {
      seconds: (performance.now() - this.since) / 1000,
      stages: { accept: figures(this.accept, 1 / MICROS_PER_MS), commit: figures(this.commit, 1 / MICROS_PER_MS), handout: figures(this.handout, 1 / MICROS_PER_MS) },
      groupCommit: { groupWait: figures(this.groupWait, 1 / MICROS_PER_MS), slotWait: figures(this.slotWait, 1 / MICROS_PER_MS), fsync: figures(this.fsync, 1 / MICROS_PER_MS), inputsPerGroup: this.groups === 0 ? NaN : this.groupInputs / this.groups },
      // The loop's delay histogram is in nanoseconds.
      loop: {
        delay: figures(this.delay, 1e-6),
        utilization: performance.eventLoopUtilization(this.utilizationSince).utilization,
        cpuCores: cpuSeconds(process.cpuUsage(this.cpuSince)) / ((performance.now() - this.since) / 1000),
        gc: figures(this.gc, 1 / MICROS_PER_MS),
        scavenge: figures(this.scavenge, 1 / MICROS_PER_MS),
        compaction: figures(this.compaction, 1 / MICROS_PER_MS),
        compactionCpu: figures(this.compactionCpu, 1 / MICROS_PER_MS),
        youngGenerationBytes: youngGenerationBytes(),
      },
      busyMicrosPerTask: { submit: perTask(this.submitBusyMs), groupWrite: perTask(this.groupWriteMs) },
    };
  }

  /** Starts the figures afresh. */
  reset(): void {
    for (const h of [this.accept, this.commit, this.handout, this.groupWait, this.slotWait, this.fsync, this.gc, this.scavenge, this.compaction, this.compactionCpu, this.delay]) h.reset();
    this.groups = 0;
    this.groupInputs = 0;
    this.submitBusyMs = 0;
    this.groupWriteMs = 0;
    this.tasks = 0;
    this.since = performance.now();
    this.utilizationSince = performance.eventLoopUtilization();
    this.cpuSince = process.cpuUsage();
  }

  /** Stops sampling the loop and observing garbage collection. */
  close(): void {
    this.delay.disable();
    this.gcObserver.disconnect();
  }
}
