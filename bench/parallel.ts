/**
 * Speed-up of the experiment worker pool: one compare (strategies × replications of an M/M/10
 * fleet) run with one worker (in this thread) and with one worker per core. Also checks that
 * both give the same document apart from timing, as they must.
 */
import { availableParallelism } from 'node:os';
import { runCells } from '../src/experiments/experiment.js';
import type { ExperimentDocument } from '../src/experiments/types.js';
import { parseScenario } from '../src/scenario/load.js';
import { mm10Scenario } from './simulator.js';

/** Figures of one pool size. */
export interface ParallelRow {
  readonly workers: number;
  readonly wallSeconds: number;
  /** Runs (strategy × replication) finished per second. */
  readonly runsPerSecond: number;
  /** Wall time with one worker ÷ wall time with this many. */
  readonly speedup: number;
}

/** The parallel benchmark's result. */
export interface ParallelFigures {
  readonly benchmark: string;
  readonly cores: number;
  readonly rows: readonly ParallelRow[];
  /** The documents agreed apart from timing. */
  readonly identical: boolean;
}

const STRATEGIES = ['least-connections', 'round-robin', 'random'];
const REPLICATIONS = 4;
const TASKS = 200_000;

/** Runs the compare with 1 worker and with every core (and 2 in between when there are more). */
export async function measureParallel(): Promise<ParallelFigures> {
  const text = mm10Scenario(TASKS, STRATEGIES.join(', ')).replace('replications: 1', `replications: ${REPLICATIONS}`);
  const scenario = parseScenario(text, 'bench-parallel.yaml');
  const cells = [{ index: 0, params: {}, scenario }];
  const cores = availableParallelism();
  const sizes = [...new Set([1, Math.min(2, cores), cores])];
  const documents: string[] = [];
  const rows: ParallelRow[] = [];
  for (const workers of sizes) {
    const start = performance.now();
    const document = await runCells({ kind: 'compare', file: 'bench-parallel.yaml', cells, grid: [], workers });
    const wallSeconds = (performance.now() - start) / 1000;
    documents.push(withoutTiming(document));
    const runs = STRATEGIES.length * REPLICATIONS;
    rows.push({ workers, wallSeconds, runsPerSecond: runs / wallSeconds, speedup: rows.length === 0 ? 1 : rows[0]!.wallSeconds / wallSeconds });
  }
  return {
    benchmark: `compare of M/M/10 at load 0.9: ${STRATEGIES.length} strategies × ${REPLICATIONS} replications × ${TASKS.toLocaleString('en-US')} tasks`,
    cores,
    rows,
    identical: documents.every((d) => d === documents[0]),
  };
}

function withoutTiming(document: ExperimentDocument): string {
  return JSON.stringify({ ...document, timing: undefined });
}

/** The figures as a text table. */
export function formatParallel(figures: ParallelFigures): string {
  const lines = figures.rows.map((row) =>
    `  ${String(row.workers).padStart(2)} worker${row.workers === 1 ? ' ' : 's'}  ${row.wallSeconds.toFixed(2).padStart(7)} s  ${row.runsPerSecond.toFixed(2).padStart(6)} runs/s  speed-up ${row.speedup.toFixed(2)}x`);
  return [...lines, `  results identical across worker counts: ${figures.identical ? 'yes' : 'NO'}`].join('\n');
}
