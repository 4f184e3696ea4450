/**
 * The experiment pool's timeline: what each thread did and when (its start, its loading, each
 * item), with the CPU time the thread spent on it. It shows where a `--workers N` speed-up is
 * lost: idle gaps between a thread's spans, a thread that loads while the others run, one
 * thread working alone at the end. Recorded only when asked for (`FLEETSIM_POOL_TIMELINE`, or
 * a pool made with a timeline); see docs/ARCHITECTURE.md, "Worker pool".
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

/**
 * What a thread spent a span on: its start, loading what a kind of work needs, an item, or (the
 * command's thread) the report of a compare or sweep, from the document to its files written:
 * with the runs' ends it marks the command's serial end, where one thread works alone.
 */
export type SpanActivity = 'start' | 'load' | 'run' | 'chart' | 'report';

/** One span of one thread. */
export interface PoolSpan {
  /** `worker_threads.threadId`: 0 for the main thread. */
  readonly thread: number;
  /** What the thread was doing. */
  readonly activity: SpanActivity;
  /** The item's index in its queue (runs and charts). */
  readonly index?: number;
  /** Milliseconds since the Unix epoch (comparable across threads). */
  readonly startMs: number;
  /** End, milliseconds since the Unix epoch. */
  readonly endMs: number;
  /** CPU time of this thread over the span, when the system tells (Linux). */
  readonly cpuSeconds?: number;
  /** The OS thread id (Linux), on a thread's `start` span: the key of its {@link TimelineFile.osThreads} entry. */
  readonly osThread?: number;
}

/** Environment variable naming the file a CLI command's pool writes its timeline to (JSON). */
export const POOL_TIMELINE_ENV = 'FLEETSIM_POOL_TIMELINE';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Milliseconds since the Unix epoch, sub-millisecond, comparable between threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU seconds (user + system) of the calling thread, or undefined where /proc does not tell. */
export function threadCpuSeconds(): number | undefined {
  try {
    return statCpuSeconds(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of every OS thread of this process by thread id (Linux: /proc/self/task), V8's
 * own threads (compilers, garbage collector) included; undefined where /proc does not tell.
 */
export function processThreadsCpuSeconds(): Map<number, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  const seconds = new Map<number, number>();
  for (const tid of tids) {
    try {
      seconds.set(Number(tid), statCpuSeconds(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return seconds;
}

/** User + system CPU seconds of a /proc `stat` line. */
function statCpuSeconds(stat: string): number {
  // Fields after the command name: utime is the 14th field and stime the 15th, in ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A pool's timeline as written to `FLEETSIM_POOL_TIMELINE`. */
export interface TimelineFile {
  /** Every span of every thread. */
  readonly spans: readonly PoolSpan[];
  /** CPU seconds of every OS thread of the process when the pool closed, by thread id. */
  readonly osThreads: Readonly<Record<string, number>>;
}

/** Starts a span of this thread; the function returned ends it. */
export function startSpan(activity: SpanActivity, index?: number): () => PoolSpan {
  const startMs = epochMs();
  const cpuStart = threadCpuSeconds();
  return () => spanOf(activity, index, startMs, cpuStart);
}

/** The `start` span of this thread: from its `performance.timeOrigin` to now. */
export function sinceThreadStart(): PoolSpan {
  return { ...spanOf('start', undefined, performance.timeOrigin, 0), ...osThreadId() };
}

function osThreadId(): { osThread?: number } {
  try {
    // "<pid>/task/<tid>"
    return { osThread: Number(readlinkSync('/proc/thread-self').split('/').pop()) };
  } catch {
    return {};
  }
}

function spanOf(activity: SpanActivity, index: number | undefined, startMs: number, cpuStart: number | undefined): PoolSpan {
  const cpuEnd = threadCpuSeconds();
  return {
    thread: threadId, activity, ...(index === undefined ? {} : { index }), startMs, endMs: epochMs(),
    ...(cpuStart === undefined || cpuEnd === undefined ? {} : { cpuSeconds: cpuEnd - cpuStart }),
  };
}
