/**
 * Speed-up of the experiment pool (`--workers 2` over `--workers 1`), three ways:
 *
 * - in process: one compare of an M/M/10 fleet whose runs take a few seconds, `runCells` with
 *   one thread and with two (its own pool, threads started for it), alternating;
 * - the report's charts: the HTML report of that compare rendered in one thread and on a pool
 *   of two whose threads have loaded the chart stack (as the CLI's have by then);
 * - end to end: `fleetsim compare` in a fresh process on every library scenario and on two
 *   compares whose runs take ~4 and ~20 seconds, `--workers 1` and `--workers 2` alternating.
 *
 * Every figure is the best and the median of several alternating repeats, wall clock, with the
 * CPU time beside it (all threads, and for the CLI the child process from /usr/bin/time when
 * present), the CPU time of the busiest thread (in process from /proc/self/task, for the CLI from
 * the pool's timeline, `FLEETSIM_POOL_TIMELINE`), and the CPU of the process's other threads
 * (V8's compilers and garbage collector). On a shared machine the wall clock is noisy, the CPU
 * times much less so: the wall time an idle machine of this many cores would allow is at least
 * the busiest thread's CPU and the whole process's CPU ÷ the cores, and the speed-up by that
 * bound is the one reported beside the wall-clock ones. The one-thread run's own use of the
 * cores (its process's CPU ÷ its busiest thread's) caps what a second thread can gain: cores ÷
 * that, were two threads to do no more work than one. The documents of both pool sizes must
 * be identical apart from timing.
 *
 * The report's charts of each CLI compare are counted from its timeline (the sum of its `chart`
 * spans' CPU), cold: with a copy of the installation's chart templates' store (as the build
 * leaves it, unless compares since added to it) and, in a third run per repeat, with none. Its
 * critical path too: when each thread's first run started, when the runs ended, and how long
 * the report took after the last run (`CriticalPath`).
 *
 * `npm run bench -- --only parallel [--repeats N] [--scenarios a.yaml,b.yaml]`: the flags
 * change the number of repeats (3) and the library scenarios measured end to end (all).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { median } from 'simple-statistics';
import { runCells } from '../src/experiments/experiment.js';
import { ExperimentPool } from '../src/experiments/pool.js';
import { POOL_TIMELINE_ENV, processThreadsCpuSeconds, type TimelineFile } from '../src/experiments/poolTimeline.js';
import type { ExperimentDocument } from '../src/experiments/types.js';
import { buildHtmlReport } from '../src/report/htmlReport.js';
import { TEMPLATE_STORE_DIR_ENV } from '../src/report/templateStore.js';
import { parseScenario } from '../src/scenario/load.js';
import { mm10Scenario } from './simulator.js';

/** Best and median of repeated measurements, seconds. */
export interface Timings {
  /** The least of the repeats. */
  readonly bestSeconds: number;
  /** The median of the repeats. */
  readonly medianSeconds: number;
  /** CPU seconds (every thread) of each repeat, when known. */
  readonly cpuSeconds?: readonly number[];
  /** CPU seconds of the busiest thread of each repeat, on Linux. */
  readonly busiestThreadSeconds?: readonly number[];
  /** Idle-machine bound of each repeat: max(busiest thread, process CPU ÷ cores), on Linux. */
  readonly boundSeconds?: readonly number[];
  /** CPU seconds of the threads that take no items (V8's compilers and GC) in each repeat, on Linux. */
  readonly otherThreadsSeconds?: readonly number[];
  /** The report's charts in each repeat of a CLI compare (from its timeline), cold: every thread's chart CPU, and the wall time from the first chart's start to the last one's end. */
  readonly charts?: readonly ChartsFigures[];
  /** A CLI compare's critical path in each repeat (from its timeline). */
  readonly criticalPaths?: readonly CriticalPath[];
}

/**
 * Where a CLI compare's wall time goes, from its pool's timeline, seconds since the process
 * started: the serial start (until each thread's first run), the runs' end (and how long the
 * thread that ran out of runs first waited for the last one), and the serial end (from the
 * last run to the report written).
 */
export interface CriticalPath {
  /** When each thread's first run started, the main thread's first. */
  readonly firstRunSeconds: readonly number[];
  /** When the last run ended. */
  readonly runsEndSeconds: number;
  /** From the first thread out of runs to the last run's end: one thread idle, or loading. */
  readonly idleAtEndSeconds: number;
  /** From the last run's end to the report's end (summary, files, charts, page). */
  readonly reportSeconds?: number;
  /** The main thread's CPU over the report. */
  readonly reportCpuSeconds?: number;
}

/** What the report's charts cost in one CLI compare. */
export interface ChartsFigures {
  /** CPU seconds of every thread's chart rendering. */
  readonly cpuSeconds: number;
  /** Wall seconds from the first chart's start to the last one's end. */
  readonly wallSeconds: number;
}

/** One workload measured with one thread and with two. */
export interface SpeedupRow {
  /** The workload, in words. */
  readonly what: string;
  /** With one thread. */
  readonly one: Timings;
  /** With two threads. */
  readonly two: Timings;
  /** Median with one ÷ median with two. */
  readonly speedup: number;
  /** Best with one ÷ best with two. */
  readonly bestSpeedup: number;
  /** Median CPU of the busiest thread with one ÷ with two, when measured. */
  readonly busiestThreadSpeedup?: number;
  /** Median idle-machine bound with one ÷ with two, when measured. */
  readonly boundSpeedup?: number;
  /**
   * Cores the one-thread run keeps busy: its process's CPU ÷ its wall time, medians (V8's
   * compiler and garbage-collector threads run beside the JavaScript thread); CLI rows. Not the
   * busiest thread's CPU: that counts only the items it ran, not start-up and charts.
   */
  readonly oneThreadCores?: number;
  /**
   * The most two threads can gain on this machine's cores if they do no more work than one:
   * cores × the one-thread run's wall time ÷ its process's CPU.
   */
  readonly speedupCap?: number;
  /**
   * A CLI compare's charts with one worker and no chart templates' store (every structure
   * compiled, as on a fresh installation's first chart of a new structure), each repeat; the
   * rows' own runs have a copy of the installation's store.
   */
  readonly chartsWithoutStore?: readonly ChartsFigures[];
}

/** The parallel benchmark's result (the shape bench/main.ts prints). */
export interface ParallelFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** Cores of the machine. */
  readonly cores: number;
  /** Repeats of each measurement. */
  readonly repeats: number;
  /** The in-process compare, its charts, then every CLI compare. */
  readonly rows: readonly SpeedupRow[];
  /** Documents agreed apart from timing (in process and every CLI summary.json). */
  readonly identical: boolean;
}

const STRATEGIES = ['least-connections', 'round-robin', 'random'];
const REPLICATIONS = 4;
const TASKS = 200_000;
/** Alternating repeats of each measurement. */
const REPEATS = 3;
const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..', '..');

/** What to measure. */
export interface ParallelOptions {
  /** Alternating pairs of each measurement. @defaultValue `--repeats`, else 3 */
  readonly repeats?: number;
  /** Library scenario files to compare end to end. @defaultValue `--scenarios`, else all */
  readonly scenarios?: readonly string[];
}

/** Measures every row. */
export async function measureParallel(options: ParallelOptions = {}): Promise<ParallelFigures> {
  const repeats = options.repeats ?? Number(flag('--repeats') ?? REPEATS);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`bench parallel: --repeats takes a positive integer, got ${flag('--repeats')}`);
  const rows: SpeedupRow[] = [];
  const inProcess = await measureInProcess(repeats);
  rows.push(inProcess.row, await measureCharts(inProcess.document, repeats));
  let identical = inProcess.identical;
  const scenarios = options.scenarios ?? flag('--scenarios')?.split(',') ?? readdirSync(join(ROOT, 'scenarios')).filter((name) => name.endsWith('.yaml')).sort();
  const compares: [string, string[]][] = [
    ['identical-high-load.yaml, 8 replications', ['scenarios/identical-high-load.yaml', '--replications', '8']],
    // Runs of ~20 s: where the fixed cost of a second thread (its start, warm-up and compilations,
    // the serial start and report) no longer hides what two cores give.
    ['identical-high-load.yaml, 40 replications', ['scenarios/identical-high-load.yaml', '--replications', '40']],
    ...scenarios.map((name): [string, string[]] => [name, [`scenarios/${name}`]]),
  ];
  const stores = installedTemplateStores();
  for (const [what, args] of compares) {
    const measured = measureCli(what, args, repeats, stores);
    rows.push(measured.row);
    identical &&= measured.identical;
  }
  return {
    benchmark: `--workers 2 against --workers 1, ${repeats} alternating repeats each, best and median wall clock (CPU seconds of all threads beside); ` +
      `CLI compares with a copy of the installation's chart templates' store (${storedTemplates(stores)} templates) and, one worker, with none; ` +
      `load average ${loadavg().map((load) => load.toFixed(1)).join(', ')} at the end`,
    cores: availableParallelism(),
    repeats,
    rows,
    identical,
  };
}

async function measureInProcess(repeats: number): Promise<{ row: SpeedupRow; document: ExperimentDocument; identical: boolean }> {
  const text = mm10Scenario(TASKS, STRATEGIES.join(', ')).replace('replications: 1', `replications: ${REPLICATIONS}`);
  const scenario = parseScenario(text, 'bench-parallel.yaml');
  const cells = [{ index: 0, params: {}, scenario }];
  const samples: Record<1 | 2, Sample[]> = { 1: [], 2: [] };
  const documents = new Set<string>();
  let document: ExperimentDocument | undefined;
  for (let i = 0; i < repeats; i++) {
    for (const workers of [1, 2] as const) {
      // A pool made inside the span and closed after it, so that its thread can still be read.
      const end = span();
      const pool = new ExperimentPool(workers);
      const value = await runCells({ kind: 'compare', file: 'bench-parallel.yaml', cells, grid: [], pool });
      samples[workers].push(end());
      await pool.close();
      documents.add(withoutTiming(value));
      document = value;
    }
  }
  const what = `in process: compare of M/M/10 at load 0.9, ${STRATEGIES.length} strategies × ${REPLICATIONS} replications × ${TASKS.toLocaleString('en-US')} tasks`;
  return { row: speedupRow(what, samples[1], samples[2]), document: document!, identical: documents.size === 1 };
}

/** The HTML report's charts (SVG only, as by default), in one thread and on two warm ones. */
async function measureCharts(document: ExperimentDocument, repeats: number): Promise<SpeedupRow> {
  const pool = new ExperimentPool(2, ['chart']);
  try {
    await pool.ready();
    // One unmeasured rendering in this thread, as the workers have loaded the stack too.
    await buildHtmlReport(document);
    const samples: Record<1 | 2, Sample[]> = { 1: [], 2: [] };
    for (let i = 0; i < repeats; i++) {
      let end = span();
      await buildHtmlReport(document);
      samples[1].push(end());
      end = span();
      await buildHtmlReport(document, pool);
      samples[2].push(end());
    }
    return speedupRow('in process: the HTML report of that compare (charts: Vega-Lite → SVG, no PNG), threads warm', samples[1], samples[2]);
  } finally {
    await pool.close();
  }
}

/**
 * The installation's chart templates' store (src/report/templateStore.ts) as it is when the
 * bench starts: after a build, the build's. Every CLI compare gets a copy of it, so that none
 * finds the structures an earlier one of the bench added.
 */
function installedTemplateStores(): string[] {
  const dir = dirname(CLI);
  return readdirSync(dir).filter((name) => name.endsWith('.templates.jsonl')).map((name) => join(dir, name));
}

/** The stored templates of the installation's store files (two lines each after a header). */
function storedTemplates(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + (readFileSync(file, 'utf8').split('\n').length - 2) / 2, 0);
}

/**
 * Runs a CLI compare with its pool's timeline and a chart templates' store of its own: a copy
 * of `stores` (empty: no store, as a fresh installation's first chart of a new structure).
 */
function runCompare(args: readonly string[], out: string, stores: readonly string[]): Sample {
  const timeline = join(out, 'timeline.json');
  const storeDir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-templates-'));
  try {
    for (const file of stores) copyFileSync(file, join(storeDir, basename(file)));
    const sample = runCli(['compare', ...args, '--out', out], { [POOL_TIMELINE_ENV]: timeline, [TEMPLATE_STORE_DIR_ENV]: storeDir });
    return { ...sample, ...threadFigures(JSON.parse(readFileSync(timeline, 'utf8')) as TimelineFile, sample.cpuSeconds) };
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
}

function measureCli(what: string, args: readonly string[], repeats: number, stores: readonly string[]): { row: SpeedupRow; identical: boolean } {
  const samples: Record<1 | 2, Sample[]> = { 1: [], 2: [] };
  const withoutStore: ChartsFigures[] = [];
  const summaries = new Set<string>();
  const out = mkdtempSync(join(tmpdir(), 'fleetsim-bench-parallel-'));
  try {
    for (let i = 0; i < repeats; i++) {
      for (const workers of [1, 2] as const) {
        samples[workers].push(runCompare([...args, '--workers', String(workers)], out, stores));
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ExperimentDocument;
        summaries.add(withoutTiming(summary));
      }
      const charts = runCompare([...args, '--workers', '1'], out, []).charts;
      if (charts !== undefined) withoutStore.push(charts);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const row = speedupRow(`CLI end to end: compare ${what}`, samples[1], samples[2]);
  return { row: withoutStore.length === repeats ? { ...row, chartsWithoutStore: withoutStore } : row, identical: summaries.size === 1 };
}

/** A wall-clock time and, when known, the CPU time of the same span. */
export interface Sample {
  /** Elapsed seconds. */
  readonly wallSeconds: number;
  /** CPU seconds of every thread, when known. */
  readonly cpuSeconds?: number;
  /** CPU seconds of the busiest thread that takes items, on Linux. */
  readonly busiestThreadSeconds?: number;
  /** Idle-machine bound: max(busiest thread, process CPU ÷ cores), on Linux. */
  readonly boundSeconds?: number;
  /** CPU seconds of the threads that take no items (V8's compilers and GC), on Linux. */
  readonly otherThreadsSeconds?: number;
  /** The report's charts (from the timeline), when there were any. */
  readonly charts?: ChartsFigures;
  /** The critical path (from the timeline). */
  readonly criticalPath?: CriticalPath;
}

/**
 * From a CLI's pool timeline: the busiest of the threads that take items, the CPU of the
 * others (V8's), and the idle-machine bound, with the process's CPU when known (else the
 * threads' sum at the pool's close).
 */
function threadFigures(file: TimelineFile, processCpuSeconds: number | undefined): Pick<Sample, 'busiestThreadSeconds' | 'boundSeconds' | 'otherThreadsSeconds' | 'charts' | 'criticalPath'> {
  const chartSpans = file.spans.filter((span) => span.activity === 'chart');
  const fromSpans = {
    ...(chartSpans.length === 0 ? {} : {
      charts: {
        cpuSeconds: chartSpans.reduce((sum, span) => sum + (span.cpuSeconds ?? 0), 0),
        wallSeconds: (Math.max(...chartSpans.map((span) => span.endMs)) - Math.min(...chartSpans.map((span) => span.startMs))) / 1000,
      },
    }),
    ...criticalPathOf(file),
  };
  const itemThreads = new Set(file.spans.flatMap((span) => (span.osThread === undefined ? [] : [String(span.osThread)])));
  const cpu = Object.entries(file.osThreads);
  if (cpu.length === 0) return fromSpans;
  const busiest = Math.max(...cpu.filter(([tid]) => itemThreads.has(tid)).map(([, seconds]) => seconds));
  const others = cpu.filter(([tid]) => !itemThreads.has(tid)).reduce((sum, [, seconds]) => sum + seconds, 0);
  const total = processCpuSeconds ?? cpu.reduce((sum, [, seconds]) => sum + seconds, 0);
  return { busiestThreadSeconds: busiest, otherThreadsSeconds: others, boundSeconds: Math.max(busiest, total / availableParallelism()), ...fromSpans };
}

/** A CLI compare's {@link CriticalPath}, when its timeline has runs. */
export function criticalPathOf(file: TimelineFile): { criticalPath?: CriticalPath } {
  // The main thread's start span starts when the process did (its performance.timeOrigin).
  const processStart = file.spans.find((span) => span.thread === 0 && span.activity === 'start')?.startMs;
  const runs = file.spans.filter((span) => span.activity === 'run');
  if (processStart === undefined || runs.length === 0) return {};
  const threads = [...new Set(runs.map((span) => span.thread))].sort((a, b) => a - b);
  const since = (ms: number): number => (ms - processStart) / 1000;
  const lastEnds = threads.map((thread) => Math.max(...runs.filter((span) => span.thread === thread).map((span) => span.endMs)));
  const runsEndMs = Math.max(...lastEnds);
  const report = file.spans.find((span) => span.activity === 'report');
  return {
    criticalPath: {
      firstRunSeconds: threads.map((thread) => since(Math.min(...runs.filter((span) => span.thread === thread).map((span) => span.startMs)))),
      runsEndSeconds: since(runsEndMs),
      idleAtEndSeconds: (runsEndMs - Math.min(...lastEnds)) / 1000,
      ...(report === undefined ? {} : { reportSeconds: (report.endMs - runsEndMs) / 1000, reportCpuSeconds: report.cpuSeconds }),
    },
  };
}

const TIME = '/usr/bin/time';

/** Runs `fleetsim ...args` in a fresh process: its wall time and, with /usr/bin/time, its CPU time. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Sample {
  const withTime = existsSync(TIME);
  const command = withTime ? TIME : process.execPath;
  const argv = withTime ? ['-f', 'cpu %U %S', process.execPath, CLI, ...args] : [CLI, ...args];
  const start = performance.now();
  const child = spawnSync(command, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
  const wallSeconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`bench parallel: fleetsim ${args.join(' ')} failed: ${child.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(child.stderr);
  return cpu === null ? { wallSeconds } : { wallSeconds, cpuSeconds: Number(cpu[1]) + Number(cpu[2]) };
}

/**
 * Starts measuring a span of this process; the function returned ends it. Besides wall and CPU
 * time, the CPU time of the busiest thread (Linux: /proc/self/task), which bounds the wall time
 * on an idle machine from below whatever the neighbours do.
 */
function span(): () => Sample {
  const cpuStart = process.cpuUsage();
  const threadsStart = processThreadsCpuSeconds();
  const start = performance.now();
  return () => {
    const wallSeconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const threads = processThreadsCpuSeconds();
    if (threads === undefined) return { wallSeconds, cpuSeconds };
    const used = [...threads].map(([tid, seconds]) => seconds - (threadsStart?.get(tid) ?? 0));
    const busiest = Math.max(...used);
    // The threads that take items are the busiest two at most (this one and one worker); the
    // rest is V8's, whose CPU on the same cores the bound counts through the process's CPU.
    return { wallSeconds, cpuSeconds, busiestThreadSeconds: busiest, boundSeconds: Math.max(busiest, cpuSeconds / availableParallelism()) };
  };
}

function timings(samples: readonly Sample[]): Timings {
  const walls = samples.map((s) => s.wallSeconds);
  const cpu = samples.flatMap((s) => (s.cpuSeconds === undefined ? [] : [s.cpuSeconds]));
  const busiest = samples.flatMap((s) => (s.busiestThreadSeconds === undefined ? [] : [s.busiestThreadSeconds]));
  const bound = samples.flatMap((s) => (s.boundSeconds === undefined ? [] : [s.boundSeconds]));
  const others = samples.flatMap((s) => (s.otherThreadsSeconds === undefined ? [] : [s.otherThreadsSeconds]));
  const charts = samples.flatMap((s) => (s.charts === undefined ? [] : [s.charts]));
  const criticalPaths = samples.flatMap((s) => (s.criticalPath === undefined ? [] : [s.criticalPath]));
  return {
    bestSeconds: Math.min(...walls), medianSeconds: median(walls),
    ...(cpu.length === samples.length ? { cpuSeconds: cpu } : {}),
    ...(busiest.length === samples.length ? { busiestThreadSeconds: busiest } : {}),
    ...(bound.length === samples.length ? { boundSeconds: bound } : {}),
    ...(others.length === samples.length ? { otherThreadsSeconds: others } : {}),
    ...(charts.length === samples.length ? { charts } : {}),
    ...(criticalPaths.length === samples.length ? { criticalPaths } : {}),
  };
}

function speedupRow(what: string, oneSamples: readonly Sample[], twoSamples: readonly Sample[]): SpeedupRow {
  const one = timings(oneSamples);
  const two = timings(twoSamples);
  const busiest = one.busiestThreadSeconds !== undefined && two.busiestThreadSeconds !== undefined
    ? { busiestThreadSpeedup: median([...one.busiestThreadSeconds]) / median([...two.busiestThreadSeconds]) }
    : {};
  const bound = one.boundSeconds !== undefined && two.boundSeconds !== undefined
    ? { boundSpeedup: median([...one.boundSeconds]) / median([...two.boundSeconds]) }
    : {};
  // The CLI rows only: there the process's CPU is the child's whole run, and the busiest thread
  // one that takes items (in process, the span's CPU includes the other rows' idle pools).
  const cores = one.cpuSeconds !== undefined && one.busiestThreadSeconds !== undefined && one.otherThreadsSeconds !== undefined
    ? { oneThreadCores: median([...one.cpuSeconds]) / one.medianSeconds }
    : {};
  const cap = cores.oneThreadCores === undefined ? {} : { speedupCap: availableParallelism() / cores.oneThreadCores };
  return { what, one, two, speedup: one.medianSeconds / two.medianSeconds, bestSpeedup: one.bestSeconds / two.bestSeconds, ...busiest, ...bound, ...cores, ...cap };
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function withoutTiming(document: ExperimentDocument): string {
  return JSON.stringify({ ...document, timing: undefined });
}

/** The figures as a text table. */
export function formatParallel(figures: ParallelFigures): string {
  const seconds = (t: Timings): string => {
    const others = t.otherThreadsSeconds === undefined ? '' : `, V8's threads ${median([...t.otherThreadsSeconds]).toFixed(2)}`;
    const bound = t.boundSeconds === undefined ? '' : `, idle-machine bound ${median([...t.boundSeconds]).toFixed(2)}`;
    const busiest = t.busiestThreadSeconds === undefined ? '' : `, busiest thread ${median([...t.busiestThreadSeconds]).toFixed(2)}${others}${bound}`;
    const charts = t.charts === undefined ? '' : `; charts: CPU ${median(t.charts.map((c) => c.cpuSeconds)).toFixed(2)}, wall ${median(t.charts.map((c) => c.wallSeconds)).toFixed(2)}`;
    const cpu = t.cpuSeconds === undefined ? '' : ` (CPU ${median([...t.cpuSeconds]).toFixed(2)}${busiest}${charts})`;
    return `best ${t.bestSeconds.toFixed(2)} s, median ${t.medianSeconds.toFixed(2)} s${cpu}`;
  };
  const criticalPath = (t: Timings): string[] => {
    const paths = t.criticalPaths;
    if (paths === undefined || paths.length === 0) return [];
    const at = (values: readonly (number | undefined)[]): string => {
      const known = values.flatMap((value) => (value === undefined ? [] : [value]));
      return known.length === 0 ? '-' : median(known).toFixed(2);
    };
    const threads = Math.max(...paths.map((path) => path.firstRunSeconds.length));
    const firstRuns = Array.from({ length: threads }, (_, thread) => at(paths.map((path) => path.firstRunSeconds[thread]))).join(' / ');
    return [`      critical path (medians, s since the process started): first run ${firstRuns} (main thread first), runs end ${at(paths.map((path) => path.runsEndSeconds))}` +
      ` (one thread out of runs ${at(paths.map((path) => path.idleAtEndSeconds))} before), report ${at(paths.map((path) => path.reportSeconds))} after the last run (its CPU ${at(paths.map((path) => path.reportCpuSeconds))})`];
  };
  const lines = figures.rows.flatMap((row) => [
    `  ${row.what}`,
    `    1 worker : ${seconds(row.one)}`,
    ...criticalPath(row.one),
    `    2 workers: ${seconds(row.two)}   speed-up ${row.speedup.toFixed(2)}x median, ${row.bestSpeedup.toFixed(2)}x best` +
      (row.busiestThreadSpeedup === undefined ? '' : `, ${row.busiestThreadSpeedup.toFixed(2)}x by the busiest thread's CPU`) +
      (row.boundSpeedup === undefined ? '' : `, ${row.boundSpeedup.toFixed(2)}x by the idle-machine bound`),
    ...criticalPath(row.two),
    ...(row.chartsWithoutStore === undefined ? [] : [
      `    charts with the installation's template store above; with none (1 worker): CPU ${median(row.chartsWithoutStore.map((c) => c.cpuSeconds)).toFixed(2)}, wall ${median(row.chartsWithoutStore.map((c) => c.wallSeconds)).toFixed(2)}`,
    ]),
    ...(row.oneThreadCores === undefined || row.speedupCap === undefined ? [] : [
      `    1 worker keeps ${row.oneThreadCores.toFixed(2)} cores busy (process CPU ÷ wall): two can gain at most ${row.speedupCap.toFixed(2)}x on ${figures.cores} cores doing no more work`,
    ]),
  ]);
  return [...lines, `  results identical across worker counts: ${figures.identical ? 'yes' : 'NO'}`].join('\n');
}
