/**
 * Speed-up of the experiment pool (`--workers 2` over `--workers 1`), three ways:
 *
 * - in process: one compare of an M/M/10 fleet whose runs take a few seconds, `runCells` with
 *   one thread and with two (its own pool, threads started for it), alternating;
 * - the report's charts: the HTML report of that compare rendered in one thread and on a pool
 *   of two whose threads have loaded the chart stack (as the CLI's have by then);
 * - end to end: `fleetsim compare` in a fresh process on every library scenario and on a
 *   compare whose runs take several seconds, `--workers 1` and `--workers 2` alternating.
 *
 * Every figure is the best and the median of several alternating repeats, wall clock, with the
 * CPU time beside it (all threads, and for the CLI the child process from /usr/bin/time when
 * present): on a shared machine the wall clock is noisy, the CPU time much less so. The
 * documents of both pool sizes must be identical apart from timing.
 *
 * `npm run bench -- --only parallel [--repeats N] [--scenarios a.yaml,b.yaml]`: the flags
 * change the number of repeats (3) and the library scenarios measured end to end (all).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { runCells } from '../src/experiments/experiment.js';
import { ExperimentPool } from '../src/experiments/pool.js';
import type { ExperimentDocument } from '../src/experiments/types.js';
import { buildHtmlReport } from '../src/report/htmlReport.js';
import { parseScenario } from '../src/scenario/load.js';
import { mm10Scenario } from './simulator.js';

/** Best and median of repeated measurements, seconds. */
export interface Timings {
  readonly bestSeconds: number;
  readonly medianSeconds: number;
  /** CPU seconds (every thread) of each repeat, when known. */
  readonly cpuSeconds?: readonly number[];
}

/** One workload measured with one thread and with two. */
export interface SpeedupRow {
  readonly what: string;
  readonly one: Timings;
  readonly two: Timings;
  /** Median with one ÷ median with two. */
  readonly speedup: number;
  /** Best with one ÷ best with two. */
  readonly bestSpeedup: number;
}

/** The parallel benchmark's result (the shape bench/main.ts prints). */
export interface ParallelFigures {
  readonly benchmark: string;
  readonly cores: number;
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
    ...scenarios.map((name): [string, string[]] => [name, [`scenarios/${name}`]]),
  ];
  for (const [what, args] of compares) {
    const measured = measureCli(what, args, repeats);
    rows.push(measured.row);
    identical &&= measured.identical;
  }
  return {
    benchmark: `--workers 2 against --workers 1, ${repeats} alternating repeats each, best and median wall clock (CPU seconds of all threads beside)`,
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
      const { value, sample } = await timed(() => runCells({ kind: 'compare', file: 'bench-parallel.yaml', cells, grid: [], workers }));
      samples[workers].push(sample);
      documents.add(withoutTiming(value));
      document = value;
    }
  }
  const what = `in process: compare of M/M/10 at load 0.9, ${STRATEGIES.length} strategies × ${REPLICATIONS} replications × ${TASKS.toLocaleString('en-US')} tasks`;
  return { row: speedupRow(what, samples[1], samples[2]), document: document!, identical: documents.size === 1 };
}

async function measureCharts(document: ExperimentDocument, repeats: number): Promise<SpeedupRow> {
  const pool = new ExperimentPool(2, ['chart']);
  try {
    await pool.ready();
    // One unmeasured rendering in this thread, as the workers have loaded the stack too.
    await buildHtmlReport(document);
    const samples: Record<1 | 2, Sample[]> = { 1: [], 2: [] };
    for (let i = 0; i < repeats; i++) {
      samples[1].push((await timed(() => buildHtmlReport(document))).sample);
      samples[2].push((await timed(() => buildHtmlReport(document, pool))).sample);
    }
    return speedupRow('in process: the HTML report of that compare (charts: Vega-Lite → SVG → PNG), threads warm', samples[1], samples[2]);
  } finally {
    await pool.close();
  }
}

function measureCli(what: string, args: readonly string[], repeats: number): { row: SpeedupRow; identical: boolean } {
  const samples: Record<1 | 2, Sample[]> = { 1: [], 2: [] };
  const summaries = new Set<string>();
  const out = mkdtempSync(join(tmpdir(), 'fleetsim-bench-parallel-'));
  try {
    for (let i = 0; i < repeats; i++) {
      for (const workers of [1, 2] as const) {
        samples[workers].push(runCli(['compare', ...args, '--workers', String(workers), '--out', out]));
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ExperimentDocument;
        summaries.add(withoutTiming(summary));
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { row: speedupRow(`CLI end to end: compare ${what}`, samples[1], samples[2]), identical: summaries.size === 1 };
}

/** A wall-clock time and, when known, the CPU time of the same span. */
interface Sample {
  readonly wallSeconds: number;
  readonly cpuSeconds?: number;
}

const TIME = '/usr/bin/time';

function runCli(args: readonly string[]): Sample {
  const withTime = existsSync(TIME);
  const command = withTime ? TIME : process.execPath;
  const argv = withTime ? ['-f', 'cpu %U %S', process.execPath, CLI, ...args] : [CLI, ...args];
  const start = performance.now();
  const child = spawnSync(command, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallSeconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`bench parallel: fleetsim ${args.join(' ')} failed: ${child.stderr}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(child.stderr);
  return cpu === null ? { wallSeconds } : { wallSeconds, cpuSeconds: Number(cpu[1]) + Number(cpu[2]) };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; sample: Sample }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const value = await work();
  const wallSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { value, sample: { wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 } };
}

function timings(samples: readonly Sample[]): Timings {
  const walls = samples.map((s) => s.wallSeconds);
  const cpu = samples.flatMap((s) => (s.cpuSeconds === undefined ? [] : [s.cpuSeconds]));
  return { bestSeconds: Math.min(...walls), medianSeconds: median(walls), ...(cpu.length === samples.length ? { cpuSeconds: cpu } : {}) };
}

function speedupRow(what: string, oneSamples: readonly Sample[], twoSamples: readonly Sample[]): SpeedupRow {
  const one = timings(oneSamples);
  const two = timings(twoSamples);
  return { what, one, two, speedup: one.medianSeconds / two.medianSeconds, bestSpeedup: one.bestSeconds / two.bestSeconds };
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
    const cpu = t.cpuSeconds === undefined ? '' : ` (CPU ${median([...t.cpuSeconds]).toFixed(2)})`;
    return `best ${t.bestSeconds.toFixed(2)} s, median ${t.medianSeconds.toFixed(2)} s${cpu}`;
  };
  const lines = figures.rows.flatMap((row) => [
    `  ${row.what}`,
    `    1 worker : ${seconds(row.one)}`,
    `    2 workers: ${seconds(row.two)}   speed-up ${row.speedup.toFixed(2)}x median, ${row.bestSpeedup.toFixed(2)}x best`,
  ]);
  return [...lines, `  results identical across worker counts: ${figures.identical ? 'yes' : 'NO'}`].join('\n');
}
