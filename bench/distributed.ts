/**
 * Wall time of a sweep run through Redis (`--queue`, two `fleetsim worker --concurrency 1`
 * processes) against the same sweep in process (`--workers 2`), both through the CLI in fresh
 * processes, alternating, after one unmeasured run of each. Target: the queue within 10% of the
 * pool on a two-core machine. The workers stand for a fleet already running, so they are
 * started once, before the runs; the Redis server is a local `redis-server` started for the
 * benchmark (none on the machine: the part is skipped with a note). Both reports must be
 * identical apart from timing.
 *
 * `npm run bench -- --only distributed [--repeats N]` (5 by default).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { median } from 'simple-statistics';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');

/** The sweep measured: 2 cells × 2 strategies × 6 replications, runs of about half a second. */
const SWEEP = [
  'sweep', 'scenarios/identical-high-load.yaml', '--param', 'stop.time=900,1000',
  '--strategy', 'random,round-robin', '--replications', '6', '--workers', '2',
];

/** The distributed benchmark's result (the shape bench/main.ts prints). */
export type DistributedFigures = {
  readonly benchmark: string;
  readonly skipped: string;
} | {
  readonly benchmark: string;
  readonly repeats: number;
  /** Wall seconds of each repeat, in process (`--workers 2`) and through the queue. */
  readonly inProcessSeconds: readonly number[];
  readonly queueSeconds: readonly number[];
  /** Median through the queue ÷ median in process (target ≤ 1.10). */
  readonly ratio: number;
  readonly identical: boolean;
};

/** Measures; `repeats` alternating pairs after one unmeasured pair. */
export async function measureDistributed(repeats = 5): Promise<DistributedFigures> {
  const benchmark = `fleetsim ${SWEEP.join(' ')}: --queue with 2 fleetsim workers (--concurrency 1) vs in process, ${repeats} alternating repeats`;
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return { benchmark, skipped: 'redis-server is not installed (Debian package redis-server)' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-distributed-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/0`;
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const workers: ChildProcess[] = [];
  try {
    await waitForRedis(url);
    for (let i = 0; i < 2; i++) workers.push(await startWorker(url));
    const inProcess = (): number => timeCli([...SWEEP, '--out', join(dir, 'local')]);
    const queued = (): number => timeCli([...SWEEP, '--queue', url, '--out', join(dir, 'queued')]);
    inProcess();
    queued();
    const inProcessSeconds: number[] = [];
    const queueSeconds: number[] = [];
    for (let i = 0; i < repeats; i++) {
      inProcessSeconds.push(inProcess());
      queueSeconds.push(queued());
    }
    const identical = withoutTiming(join(dir, 'local', 'summary.json')) === withoutTiming(join(dir, 'queued', 'summary.json'));
    return { benchmark, repeats, inProcessSeconds, queueSeconds, ratio: median(queueSeconds) / median(inProcessSeconds), identical };
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as lines of text. */
export function formatDistributed(figures: DistributedFigures): string {
  if ('skipped' in figures) return `  skipped: ${figures.skipped}`;
  const seconds = (values: readonly number[]): string =>
    `best ${Math.min(...values).toFixed(2)} s, median ${median([...values]).toFixed(2)} s (${values.map((v) => v.toFixed(2)).join(', ')})`;
  return [
    `  in process, --workers 2 : ${seconds(figures.inProcessSeconds)}`,
    `  --queue, 2 workers      : ${seconds(figures.queueSeconds)}`,
    `  queue ÷ in process (medians): ${figures.ratio.toFixed(3)} (target ≤ 1.10)`,
    `  reports identical apart from timing: ${figures.identical ? 'yes' : 'NO'}`,
  ].join('\n');
}

function timeCli(args: readonly string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`fleetsim ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
  return seconds;
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--concurrency', '1'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('taking experiment jobs')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`fleetsim worker exited with ${code}: ${stderr}`)));
  });
}

async function waitForRedis(url: string): Promise<void> {
  const client = new Redis(url, { retryStrategy: (attempt) => (attempt > 100 ? null : 50) });
  client.on('error', () => undefined); // refused until the server listens: retried
  try {
    await client.ping();
  } finally {
    client.disconnect();
  }
}

function withoutTiming(file: string): string {
  const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete document.timing;
  return JSON.stringify(document);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
