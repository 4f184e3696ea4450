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
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import { hasRedisServer, startRedis } from '../test/support/redisProcess.js';
import { runCli, type Sample } from './parallel.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');

/** The sweep measured: 2 cells × 2 strategies × 6 replications, runs of about half a second. */
const SWEEP = [
  'sweep', 'scenarios/identical-high-load.yaml', '--param', 'stop.time=900,1000',
  '--strategy', 'random,round-robin', '--replications', '6', '--workers', '2',
];

/** The distributed benchmark's result (the shape bench/main.ts prints). */
export type DistributedFigures = {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** Why the part was skipped (no redis-server on the machine). */
  readonly skipped: string;
} | {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** Measured pairs of runs. */
  readonly repeats: number;
  /** Wall seconds of each repeat, in process (`--workers 2`) and through the queue. */
  readonly inProcessSeconds: readonly number[];
  /** Wall seconds of each repeat through the queue. */
  readonly queueSeconds: readonly number[];
  /** Median through the queue ÷ median in process (target ≤ 1.10). */
  readonly ratio: number;
  /**
   * CPU seconds of each repeat, all processes (in process: the command; through the queue: the
   * command and both workers), when /usr/bin/time and /proc tell: steadier than the wall
   * clock on a shared machine, and the cost of going through Redis.
   */
  readonly inProcessCpuSeconds?: readonly number[];
  /** CPU seconds of each repeat through the queue, when known. */
  readonly queueCpuSeconds?: readonly number[];
  /** Whether the in-process and the queued report were identical apart from timing. */
  readonly identical: boolean;
};

/** Measures; `repeats` alternating pairs after one unmeasured pair. */
export async function measureDistributed(repeats = 5): Promise<DistributedFigures> {
  const benchmark = `fleetsim ${SWEEP.join(' ')}: --queue with 2 fleetsim workers (--concurrency 1) vs in process, ${repeats} alternating repeats`;
  if (!hasRedisServer()) {
    return { benchmark, skipped: 'redis-server is not installed (Debian package redis-server)' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-distributed-'));
  const server = await startRedis();
  const url = server.url;
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorker(url));
    const inProcess = (): Sample => runCli([...SWEEP, '--out', join(dir, 'local')]);
    const queued = (): Sample => {
      const before = workers.map((worker) => processCpuSeconds(worker.pid));
      const sample = runCli([...SWEEP, '--queue', url, '--out', join(dir, 'queued')]);
      const workersCpu = workers.reduce<number | undefined>((sum, worker, i) => {
        const [start, end] = [before[i], processCpuSeconds(worker.pid)];
        return sum === undefined || start === undefined || end === undefined ? undefined : sum + end - start;
      }, 0);
      return { wallSeconds: sample.wallSeconds, cpuSeconds: sample.cpuSeconds === undefined || workersCpu === undefined ? undefined : sample.cpuSeconds + workersCpu };
    };
    inProcess();
    queued();
    const local: Sample[] = [];
    const remote: Sample[] = [];
    for (let i = 0; i < repeats; i++) {
      local.push(inProcess());
      remote.push(queued());
    }
    const identical = withoutTiming(join(dir, 'local', 'summary.json')) === withoutTiming(join(dir, 'queued', 'summary.json'));
    const inProcessSeconds = local.map((sample) => sample.wallSeconds);
    const queueSeconds = remote.map((sample) => sample.wallSeconds);
    const cpu = (samples: readonly Sample[]): number[] | undefined =>
      samples.every((sample) => sample.cpuSeconds !== undefined) ? samples.map((sample) => sample.cpuSeconds!) : undefined;
    return {
      benchmark, repeats, inProcessSeconds, queueSeconds, ratio: median(queueSeconds) / median(inProcessSeconds), identical,
      inProcessCpuSeconds: cpu(local), queueCpuSeconds: cpu(remote),
    };
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as lines of text. */
export function formatDistributed(figures: DistributedFigures): string {
  if ('skipped' in figures) return `  skipped: ${figures.skipped}`;
  const seconds = (values: readonly number[]): string =>
    `best ${Math.min(...values).toFixed(2)} s, median ${median([...values]).toFixed(2)} s (${values.map((v) => v.toFixed(2)).join(', ')})`;
  const cpu = (values: readonly number[] | undefined): string => (values === undefined ? '' : `; CPU median ${median([...values]).toFixed(2)} s`);
  return [
    `  in process, --workers 2 : ${seconds(figures.inProcessSeconds)}${cpu(figures.inProcessCpuSeconds)}`,
    `  --queue, 2 workers      : ${seconds(figures.queueSeconds)}${cpu(figures.queueCpuSeconds)}`,
    `  queue ÷ in process (medians): ${figures.ratio.toFixed(3)} (target ≤ 1.10)`,
    `  reports identical apart from timing: ${figures.identical ? 'yes' : 'NO'}`,
  ].join('\n');
}

/** User + system CPU seconds of a process so far (Linux /proc; its threads included). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
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

function withoutTiming(file: string): string {
  const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete document.timing;
  return JSON.stringify(document);
}
