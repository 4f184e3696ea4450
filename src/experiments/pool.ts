/**
 * The experiment pool: the main thread and up to `workers − 1` worker threads (piscina) draining
 * one queue of work items (runs, then the report's charts).
 *
 * - Items are claimed through flags shared by every thread (`Atomics.compareExchange`, one per
 *   item), so a thread that finishes an item takes the next one at once, without asking the
 *   main thread; each worker gets the item list once per queue, not once per item.
 * - The main thread takes items too, between which it handles the workers' results, so with
 *   `--workers 2` on two cores both cores run items and none waits on the other.
 * - Items are taken longest first (by the caller's estimate) so that no long item starts last;
 *   ties in list order by the main thread (and the second, fourth… worker thread), in reverse
 *   list order by the first, third… worker thread: two threads meet in the middle of a
 *   compare's runs, each isolate running fewer of its strategies (every strategy an isolate
 *   meets makes V8 throw away and compile again the engine's optimised code). Results come
 *   back by index, so nothing depends on which thread ran what, nor on the number of threads.
 * - Threads start when the pool is made; a queue is posted to them before the main thread takes
 *   its first item, so they start on it as soon as they are up, without waiting for the main
 *   thread's event loop (busy with runs). What a kind of work needs is loaded by its first item,
 *   or once a thread runs out of items of the queue before (`prepareLater`: the charts' stack,
 *   loaded at the end of the runs rather than while they need the cores); the main thread likewise
 *   (`prepareHereLater`) while it waits for the worker threads' last items. Threads are kept for
 *   every queue until {@link ExperimentPool.close}.
 * - A worker thread's isolate runs V8's optimising compiler on its own thread, not on V8's
 *   helper threads, which on two busy cores cost more CPU ({@link ExperimentPool}'s threads only).
 * - With a timeline (`FLEETSIM_POOL_TIMELINE`), every thread's spans are recorded: `poolTimeline.ts`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { InputError, systemErrorReason } from '../scenario/errors.js';
import type { JobResult, RunJob } from './job.js';
import { POOL_TIMELINE_ENV, processThreadsCpuSeconds, sinceThreadStart, startSpan, type PoolSpan, type SpanActivity, type TimelineFile } from './poolTimeline.js';
import { doWork, prepareWork, type WorkKind, type WorkKinds } from './work.js';

/** Worker threads by default: one per core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** A queue handed to a worker thread (plain data; the counter's memory is shared). */
export interface DrainTask<K extends WorkKind = WorkKind> {
  /** Always `drain`. */
  readonly task: 'drain';
  /** The kind of work in the queue. */
  readonly kind: K;
  /** The queue's items, taken in order through the shared counter. */
  readonly items: readonly WorkKinds[K]['item'][];
  /** Item indices in the order this thread takes them. */
  readonly order: readonly number[];
  /** One Int32 per item: 1 once a thread has taken it. */
  readonly taken: SharedArrayBuffer;
  /** Where each result goes, as `{ index, result, span }`. */
  readonly port: MessagePort;
  /** Record each item's span. */
  readonly timeline: boolean;
  /** Kinds of work to load once no item is left to take (returns the span of that loading). */
  readonly prepareAfter: readonly WorkKind[];
}

/** Asks a worker thread to load what some kinds of work need. */
export interface PrepareTask {
  /** Always `prepare`. */
  readonly task: 'prepare';
  /** The kinds of work to load for. */
  readonly kinds: readonly WorkKind[];
  /** Return the thread's start-up and loading spans. */
  readonly timeline: boolean;
}

/** What a worker thread is asked to do. */
export type WorkerTask = DrainTask | PrepareTask;

/** A result as a worker thread posts it. */
interface PostedResult {
  readonly index: number;
  readonly result: unknown;
  readonly span?: PoolSpan;
}

/** How to drain one queue. */
export interface DrainOptions {
  /** Estimated cost of each item (any unit): larger ones are taken first. @defaultValue list order */
  readonly cost?: readonly number[];
  /** Called as each item finishes, with the number finished so far and the index of this one. */
  readonly onDone?: (done: number, index: number) => void;
  /** Most threads that take items, this one included (1: this thread alone). @defaultValue every thread of the pool */
  readonly maxThreads?: number;
}

/**
 * The main thread and `workers − 1` worker threads. Close it when done with it: its threads
 * keep the process alive.
 */
export class ExperimentPool {
  /** Threads that take items, the main thread included. */
  readonly workers: number;
  /** The worker threads, once piscina is loaded (only when there are threads: CLI start-up). */
  private readonly piscina: Promise<Piscina<WorkerTask, unknown>> | undefined;
  private readonly preparing: Promise<{ error: unknown } | undefined>[] = [];
  /** The worker threads' drain tasks, settled (each ends after its thread's `prepareLater` loading). */
  private readonly draining: Promise<void>[] = [];
  private readonly counts = { here: 0, workers: 0 };
  /** Spans of every thread, when recording. */
  private readonly spans: PoolSpan[] | undefined;
  private readonly timelineFile: string | undefined;
  private readonly prepareLater: readonly WorkKind[];
  private readonly prepareHereLater: readonly WorkKind[];
  /** Kinds of work this thread has loaded while waiting for the worker threads' last items. */
  private readonly preparedHere = new Set<WorkKind>();

  /**
   * @param workers - threads that take items, this one included; 1 runs everything here
   * @param prepare - kinds of work the worker threads should load for at once, before any
   *   queue: only for a pool whose first queue comes later (a queue posted at once loads what
   *   it needs itself, and would otherwise wait for this thread to hand it over)
   */
  constructor(workers: number, prepare: readonly WorkKind[] = [], options: ExperimentPoolOptions = {}) {
    this.workers = Math.max(1, Math.floor(workers));
    this.prepareLater = options.prepareLater ?? [];
    this.prepareHereLater = options.prepareHereLater ?? [];
    this.timelineFile = options.timelineFile ?? (process.env[POOL_TIMELINE_ENV] || undefined);
    const timeline = options.timeline === true || this.timelineFile !== undefined;
    this.spans = timeline ? [sinceThreadStart()] : undefined;
    const threads = this.workers - 1;
    if (threads === 0) return;
    const filename = workerFile();
    this.piscina = import('piscina').then(({ Piscina }) => withCompilerOnTheirThreads(() => new Piscina<WorkerTask, unknown>({ filename, minThreads: threads, maxThreads: threads })));
    // Settled here so that closing the pool before a thread is ready rejects nothing unhandled;
    // drain() and ready() report the first failure.
    this.piscina.catch(() => undefined);
    for (let i = 0; i < (prepare.length === 0 ? 0 : threads); i++) {
      const prepared = this.piscina.then((piscina) => piscina.run({ task: 'prepare', kinds: prepare, timeline } satisfies PrepareTask));
      this.preparing.push(prepared.then((spans) => void this.spans?.push(...(spans as PoolSpan[])), (error: unknown) => ({ error })));
    }
  }

  /** What every thread did and when, when the pool records a timeline (otherwise empty). */
  get timeline(): readonly PoolSpan[] {
    return [...(this.spans ?? [])];
  }

  /**
   * Resolves once every worker thread has loaded what it was made for, and is done with the
   * queues given so far and what it loads after them (`prepareLater`).
   * @throws the first error of loading what the pool was made for
   */
  async ready(): Promise<void> {
    await Promise.all(this.draining);
    const failed = (await Promise.all(this.preparing)).find((outcome) => outcome !== undefined);
    if (failed !== undefined) throw failed.error;
  }

  /**
   * Starts a span of this thread's own work outside the queues (`report`, `load`), recorded when
   * the pool records a timeline; the function returned ends it.
   */
  span(activity: SpanActivity): () => void {
    if (this.spans === undefined) return () => undefined;
    const end = startSpan(activity);
    return () => void this.spans!.push(end());
  }

  /** Items done so far in this thread and in the worker threads (how the work was shared). */
  get itemsDone(): { readonly here: number; readonly workers: number } {
    return { ...this.counts };
  }

  /**
   * Does every item of `kind` and returns the results in item order.
   * @throws the first item's error (a bug: items hold validated input)
   */
  async drain<K extends WorkKind>(kind: K, items: readonly WorkKinds[K]['item'][], options: DrainOptions = {}): Promise<WorkKinds[K]['result'][]> {
    const order = takingOrder(items.length, options.cost);
    const takenBuffer = new SharedArrayBuffer(4 * items.length);
    const taken = new Int32Array(takenBuffer);
    const results = new Array<WorkKinds[K]['result']>(items.length);
    let done = 0;
    let failure: { error: unknown } | undefined;
    let settle: (() => void) | undefined;
    const finished = new Promise<void>((resolve) => (settle = resolve));
    const accept = (index: number, result: WorkKinds[K]['result']): void => {
      results[index] = result;
      done++;
      options.onDone?.(done, index);
      if (done === items.length) settle!();
    };
    const fail = (error: unknown): void => {
      failure ??= { error };
      // Every item taken: no thread starts another.
      for (let i = 0; i < items.length; i++) Atomics.store(taken, i, 1);
      settle!();
    };
    const ports: MessagePort[] = [];
    const threads = this.piscina === undefined || items.length < 2 ? 0 : Math.max(0, Math.min(this.workers - 1, items.length - 1, (options.maxThreads ?? this.workers) - 1));
    // The threads exist before this thread takes an item: between two of its items is the only
    // time this thread could start them.
    const piscina = threads > 0 ? await this.piscina! : undefined;
    for (let i = 0; i < threads; i++) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', ({ index, result, span }: PostedResult) => {
        this.counts.workers++;
        if (span !== undefined) this.spans?.push(span);
        accept(index, result as WorkKinds[K]['result']);
      });
      ports.push(port1);
      // Worker i is thread i + 1: the odd ones take ties from the end of the list.
      const threadOrder = i % 2 === 0 ? takingOrder(items.length, options.cost, 'reversed') : order;
      const task: DrainTask<K> = { task: 'drain', kind, items, order: threadOrder, taken: takenBuffer, port: port2, timeline: this.spans !== undefined, prepareAfter: this.prepareLater.filter((later) => later !== kind) };
      this.draining.push(piscina!.run(task, { transferList: [port2] }).then((spans) => void this.spans?.push(...(spans as PoolSpan[])), fail));
    }
    try {
      if (items.length === 0) settle!();
      for (let at = takeNext(taken, order, 0); at < order.length; at = takeNext(taken, order, at + 1)) {
        const index = order[at]!;
        try {
          const end = this.spans === undefined ? undefined : startSpan(kind, index);
          const { result } = await doWork(kind, items[index]!);
          if (end !== undefined) this.spans!.push(end());
          this.counts.here++;
          accept(index, result);
        } catch (error) {
          fail(error);
        }
        // Lets the workers' results (and progress) in between two items of this thread.
        if (threads > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (failure === undefined && done < items.length) await this.prepareHere(kind);
      await finished;
    } finally {
      for (const port of ports) port.close();
    }
    if (failure !== undefined) throw failure.error;
    return results;
  }

  /**
   * Loads, in this thread, what the kinds of work of {@link ExperimentPoolOptions.prepareHereLater}
   * (other than `kind`, the queue's) need, while it waits for the worker threads' last items of a
   * queue: time it would otherwise spend idle, and that loading would otherwise add to the
   * serial end of a command, after the last result.
   */
  private async prepareHere(kind: WorkKind): Promise<void> {
    const kinds = this.prepareHereLater.filter((later) => later !== kind && !this.preparedHere.has(later));
    if (kinds.length === 0) return;
    for (const later of kinds) this.preparedHere.add(later);
    const loaded = this.span('load');
    try {
      await prepareWork(kinds);
    } catch {
      // Only ahead of time: the first item of that kind loads it again and reports the failure.
      return;
    }
    loaded();
  }

  /**
   * Stops the worker threads, ready or not; when recording a timeline, once each has returned
   * its spans other than items' (its start, its `prepareLater` loading), so that none is lost.
   */
  async close(): Promise<void> {
    // A drain ends with its last result, before the worker's task settles with those spans.
    if (this.spans !== undefined) await Promise.all(this.draining);
    // Read before the threads end, while /proc still lists them.
    const osThreads = this.timelineFile === undefined ? undefined : Object.fromEntries(processThreadsCpuSeconds() ?? []);
    await (await this.piscina)?.destroy();
    if (this.timelineFile === undefined) return;
    try {
      writeFileSync(this.timelineFile, JSON.stringify({ spans: this.timeline, osThreads: osThreads! } satisfies TimelineFile) + '\n');
    } catch (error) {
      throw new InputError(this.timelineFile, POOL_TIMELINE_ENV, `cannot write the pool's timeline (${systemErrorReason(error)})`);
    }
  }
}

/** What an {@link ExperimentPool}'s worker threads load later, and its timeline. */
export interface ExperimentPoolOptions {
  /**
   * Kinds of work each worker thread loads once it finds no item left to take in a queue (the
   * report's charts, loaded as the runs end rather than while they run).
   */
  readonly prepareLater?: readonly WorkKind[];
  /**
   * Kinds of work this thread loads when it has taken its last item of a queue and waits for
   * the worker threads' last ones (the report's charts, which this thread draws next). Nothing
   * is loaded when this thread finishes last: the first item of the kind loads it then.
   */
  readonly prepareHereLater?: readonly WorkKind[];
  /** Record every thread's spans ({@link ExperimentPool.timeline}). */
  readonly timeline?: boolean;
  /** Write them to this file (JSON) when the pool closes; implies `timeline`. */
  readonly timelineFile?: string;
}

/**
 * Runs jobs somewhere else than this machine's pool (a queue of `fleetsim worker` processes):
 * resolves to their results in job order, calling `onJobDone` once per job as it finishes.
 */
export type JobRunner = (jobs: readonly RunJob[], options: Pick<PoolOptions, 'cost' | 'onJobDone'>) => Promise<JobResult[]>;

/** How to run jobs with {@link runJobs}. */
export interface PoolOptions {
  /** Runs the jobs instead of any pool (`--queue`). */
  readonly runner?: JobRunner;
  /** Threads, this one included; 1 runs every job in this thread. @defaultValue the number of cores */
  readonly workers?: number;
  /** A pool to run them on (its size wins over `workers`); otherwise one is made for them. */
  readonly pool?: ExperimentPool;
  /** Called as each job finishes, with the number of jobs finished so far and the index of this one. */
  readonly onJobDone?: (done: number, finished: number) => void;
  /** Estimated cost of each job (any unit): larger ones start first. */
  readonly cost?: readonly number[];
}

/**
 * Runs `jobs` and returns their results in the same order.
 * @throws the first job's error (a bug: jobs hold validated scenarios)
 */
export async function runJobs(jobs: readonly RunJob[], options: PoolOptions = {}): Promise<JobResult[]> {
  if (options.runner !== undefined) return options.runner(jobs, { cost: options.cost, onJobDone: options.onJobDone });
  const drainOptions = { cost: options.cost, onDone: options.onJobDone };
  if (options.pool !== undefined) return options.pool.drain('run', jobs, drainOptions);
  const pool = new ExperimentPool(Math.min(options.workers ?? defaultWorkers(), jobs.length));
  try {
    return await pool.drain('run', jobs, drainOptions);
  } finally {
    await pool.close();
  }
}

/** Node options under which V8 optimises on the JavaScript thread already: nothing to restore. */
const COMPILER_ON_THE_THREAD = /^--(no-concurrent-recompilation|single-threaded|predictable)$/;

/**
 * Makes a pool's worker threads with V8's optimising compiler on their own thread
 * (`--no-concurrent-recompilation` as their isolates start; an isolate reads it once), then
 * restores the flag once every thread is up: the process's other isolates, this thread's
 * included, keep compiling on V8's helper threads. On two cores a worker's compilations on
 * helper threads competed with both threads' runs and cost more CPU than on the worker's own
 * thread (docs/SPEED-RECORD.md, "Worker pool", sixth pass). A flag set at run time does not
 * change V8's flag hash, so the code caches are still accepted.
 */
function withCompilerOnTheirThreads<T extends { readonly threads: readonly Worker[] }>(makeThreads: () => T): T {
  if (process.execArgv.some((option) => COMPILER_ON_THE_THREAD.test(option))) return makeThreads();
  // Taken here, not imported: a command on one thread (a `run`) then never loads node:v8.
  const { setFlagsFromString } = process.getBuiltinModule('node:v8');
  const restore = (): void => setFlagsFromString('--concurrent-recompilation');
  setFlagsFromString('--no-concurrent-recompilation');
  try {
    const made = makeThreads();
    // A thread is up once it runs JavaScript, or done with if it ended before (its error goes to its tasks).
    void Promise.all(made.threads.map((thread) => new Promise((up) => thread.once('online', up).once('exit', up)))).then(restore);
    return made;
  } catch (error) {
    restore();
    throw error;
  }
}

/**
 * Item indices by decreasing cost, ties in index order (`reversed`: in decreasing index order):
 * the order a thread takes items in.
 */
export function takingOrder(count: number, cost: readonly number[] | undefined, ties: 'in order' | 'reversed' = 'in order'): number[] {
  const order = Array.from({ length: count }, (_, i) => (ties === 'reversed' ? count - 1 - i : i));
  if (cost === undefined) return order;
  return order.sort((a, b) => (cost[b] ?? 0) - (cost[a] ?? 0) || (ties === 'reversed' ? b - a : a - b));
}

/**
 * Takes for this thread the first item of `order`, from position `from` on, that no thread has
 * taken (`taken`: one flag per item, set by the thread that takes it).
 * @returns its position in `order`; `order.length` when every item is taken
 */
export function takeNext(taken: Int32Array, order: readonly number[], from: number): number {
  for (let at = from; at < order.length; at++) if (Atomics.compareExchange(taken, order[at]!, 0, 1) === 0) return at;
  return order.length;
}

/** Whether this worker thread has reported its start-up span. */
let startReported = false;

/** The thread's start-up span the first time a task of this thread records a timeline. */
function startSpanOnce(timeline: boolean): PoolSpan[] {
  if (!timeline || startReported) return [];
  startReported = true;
  return [sinceThreadStart()];
}

/**
 * Runs a drain task in a worker thread: takes items until none is left, then loads the kinds
 * of work to prepare after it; returns its spans other than items' when recording a timeline.
 */
export async function drainInWorker(task: DrainTask): Promise<PoolSpan[]> {
  const spans = startSpanOnce(task.timeline);
  const taken = new Int32Array(task.taken);
  try {
    for (let at = takeNext(taken, task.order, 0); at < task.order.length; at = takeNext(taken, task.order, at + 1)) {
      const index = task.order[at]!;
      const end = task.timeline ? startSpan(task.kind, index) : undefined;
      const { result, transfer } = await doWork(task.kind, task.items[index]!);
      task.port.postMessage({ index, result, ...(end === undefined ? {} : { span: end() }) } satisfies PostedResult, transfer);
    }
  } finally {
    task.port.close();
  }
  if (task.prepareAfter.length === 0) return spans;
  const end = task.timeline ? startSpan('load') : undefined;
  await prepareWork(task.prepareAfter);
  return end === undefined ? spans : [...spans, end()];
}

/** Runs a prepare task in a worker thread; returns the thread's start-up and loading spans when asked. */
export async function prepareInWorker(task: PrepareTask): Promise<PoolSpan[]> {
  const spans = startSpanOnce(task.timeline);
  const end = task.timeline ? startSpan('load') : undefined;
  await prepareWork(task.kinds);
  return end === undefined ? spans : [...spans, end()];
}

/**
 * The worker's compiled file. Beside this module in dist/; when this module runs from source
 * (the TypeScript tests), the build's copy, since a worker thread cannot load TypeScript.
 */
function workerFile(): string {
  return pathToFileURL(compiledFileBeside(import.meta.url, 'worker.js')).href;
}

/**
 * The path of the compiled file `fileName` beside the module at `moduleUrl`: in dist/ (or the
 * CLI's bundle), the file next to it; when the module runs from source (the TypeScript tests),
 * the build's copy, since a worker thread cannot load TypeScript.
 * @throws Error when neither exists (the project is not built)
 */
export function compiledFileBeside(moduleUrl: string, fileName: string): string {
  const beside = fileURLToPath(new URL(`./${fileName}`, moduleUrl));
  if (existsSync(beside)) return beside;
  const here = fileURLToPath(moduleUrl);
  // The last `src` of the path: the repository's own may sit below another one.
  const built = here.replace(/^(.*)([\\/])src([\\/](?:[^\\/]+[\\/])*)[^\\/]+\.ts$/, `$1$2dist$2src$3${fileName}`);
  if (built === here || !existsSync(built)) throw new Error(`${fileName} not found beside ${here}: run npm run build`);
  return built;
}
