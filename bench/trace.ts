/**
 * Trace replay memory and speed (`npm run bench -- --only trace`): synthesizes a file in the
 * Azure 2024 week-long format (`TIMESTAMP,ContextTokens,GeneratedTokens`, 20M rows over seven
 * days by default, `--rows N` for fewer) in a temporary directory, never committed, and replays
 * it in a child process, which reports its peak RSS (the target is < 500 MB) and rows per
 * second. Two children: the reader alone (every row parsed, scaled and made a task, nothing
 * simulated) and a full run of one strategy (load-time scan of every row, then the simulation).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rows of the synthesized trace unless `--rows` says otherwise (the 2024 week-long trace's order of size). */
export const TRACE_BENCH_ROWS = 20_000_000;
/** Seconds the synthesized trace spans: one week. */
const WEEK_SECONDS = 7 * 86_400;

/** What one child measured. */
export interface TraceReplayFigures {
  /** The reader alone, or a whole run. */
  readonly part: 'reader' | 'run';
  /** Rows read. */
  readonly rows: number;
  /** Elapsed seconds. */
  readonly wallSeconds: number;
  /** Rows per elapsed second. */
  readonly rowsPerSecond: number;
  /** Peak resident set, megabytes. */
  readonly peakRssMegabytes: number;
}

/** The figures of the trace benchmark. */
export interface TraceBenchFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** Size of the trace file, megabytes. */
  readonly fileMegabytes: number;
  /** Each part, as its child measured it. */
  readonly parts: readonly TraceReplayFigures[];
}

/** Writes `rows` rows of Azure 2024 format to `path`, in 1 MB blocks; returns its size in bytes. */
function synthesize(path: string, rows: number): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let block: string[] = ['TIMESTAMP,ContextTokens,GeneratedTokens'];
  let blockChars = 0;
  const start = Date.UTC(2024, 4, 10);
  // A deterministic, bursty-enough pattern: gaps from a small linear congruential generator.
  let state = 12_345;
  let tenthsOfMicros = 0;
  const meanGap = (WEEK_SECONDS * 1e7) / rows;
  for (let i = 0; i < rows; i++) {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    tenthsOfMicros += Math.floor((2 * meanGap * state) / 0x7fffffff);
    const ms = start + Math.floor(tenthsOfMicros / 1e4);
    const iso = new Date(ms).toISOString();
    const fraction = String(tenthsOfMicros % 1e7).padStart(7, '0');
    const line = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction},${200 + (state % 4000)},${1 + (state % 700)}`;
    block.push(line);
    blockChars += line.length + 1;
    if (blockChars >= 1 << 20) {
      bytes += writeSync(fd, `${block.join('\n')}\n`);
      block = [];
      blockChars = 0;
    }
  }
  if (block.length > 0) bytes += writeSync(fd, `${block.join('\n')}\n`);
  closeSync(fd);
  return bytes;
}

/** Synthesizes the trace, replays it in two children, and removes it. */
export function measureTraceReplay(rows = TRACE_BENCH_ROWS): TraceBenchFigures {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-trace-bench-'));
  try {
    const trace = join(dir, 'azure-2024-week.csv');
    const bytes = synthesize(trace, rows);
    const child = fileURLToPath(new URL('./traceReplay.js', import.meta.url));
    const parts = (['reader', 'run'] as const).map((part) => {
      const result = spawnSync(process.execPath, [child, part, trace], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (result.status !== 0) throw new Error(`trace bench child (${part}) failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as TraceReplayFigures;
    });
    return {
      benchmark: `replay of a synthesized Azure 2024 week-long trace (${rows.toLocaleString('en-US')} rows over 7 days), one child process per part`,
      fileMegabytes: Math.round(bytes / 1e6),
      parts,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as text. */
export function formatTraceReplay(figures: TraceBenchFigures): string {
  return figures.parts.map((p) =>
    `  ${p.part.padEnd(7)} ${p.rows.toLocaleString('en-US').padStart(11)} rows in ${p.wallSeconds.toFixed(1)} s: ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s, peak RSS ${p.peakRssMegabytes} MB (target < 500 MB)`,
  ).join('\n');
}
