/**
 * `npm run bench -- --only live-clients`: the service's CPU per task when the user-facing
 * clients drive it. `fleetsim serve` (fsync on) with `fleetsim agents` (50 agents of 4 slots,
 * mean service 0.1 s real) and `fleetsim load` (8,000 tasks at 800/s, K = 100) as child
 * processes; the figure is the service's CPU (user + system, from /proc) from the start of
 * `load` until every task completed, divided by the tasks. `load` runs batched (default) and
 * with `--batch 1`, alternating, `runs` times each. CPU, not latency: fair on a shared machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds, startService } from './live.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TASKS = 8000;
const SCENARIO = `
name: live-clients-bench
seed: 7
stop: { tasks: ${TASKS}, drain: true }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents: [{ pool: worker, count: 50, capacity: 4, speed: 10, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 8 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

/** One run's figures. */
export interface LiveClientsRun {
  /** Whether `fleetsim load` submitted in batches or one task per request. */
  readonly load: 'batched' | 'single';
  /** Tasks completed. */
  readonly completed: number;
  /** The service's CPU per completed task, microseconds. */
  readonly serviceCpuMicrosPerTask: number;
  /** `fleetsim load`'s summary line. */
  readonly loadSummary: string;
}

/** What the bench measured. */
export interface LiveClientsFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** One run per way of loading. */
  readonly runs: readonly LiveClientsRun[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function fleetsim(...args: string[]): { child: ChildProcess; exited: Promise<string> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  return { child, exited: new Promise((resolve) => child.on('exit', () => resolve(stdout.trim()))) };
}

async function completed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/fleetsim_tasks_final_total\{state="completed"\} (\d+)/.exec(text)?.[1] ?? 0);
}

async function oneRun(load: 'batched' | 'single'): Promise<LiveClientsRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-clients-'));
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(scenario, SCENARIO);
  const service = await startService(scenario, join(dir, 'data'));
  const agents = fleetsim('agents', scenario, '--url', service.url, '--speedup', '100');
  try {
    await sleep(2000);
    const before = processCpuSeconds(service.child.pid) ?? Number.NaN;
    const loadSummary = await fleetsim('load', scenario, '--url', service.url, '--speedup', '100', ...(load === 'single' ? ['--batch', '1'] : [])).exited;
    let done = 0;
    for (let i = 0; i < 300 && done < TASKS; i++) {
      done = await completed(service.url);
      if (done < TASKS) await sleep(100);
    }
    const cpu = (processCpuSeconds(service.child.pid) ?? Number.NaN) - before;
    return { load, completed: done, serviceCpuMicrosPerTask: (cpu / done) * 1e6, loadSummary };
  } finally {
    agents.child.kill('SIGTERM');
    service.child.kill('SIGTERM');
    await sleep(300);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the bench: batched and single loads alternating, `runs` of each. */
export async function measureLiveClients(runs = 2): Promise<LiveClientsFigures> {
  const all: LiveClientsRun[] = [];
  for (let i = 0; i < runs; i++) for (const load of ['batched', 'single'] as const) all.push(await oneRun(load));
  return { benchmark: `fleetsim serve driven by fleetsim agents (50 × 4 slots) and fleetsim load (${TASKS} tasks at 800/s, K = 100), fsync on`, runs: all };
}

/** The figures as a table. */
export function formatLiveClients(figures: LiveClientsFigures): string {
  const lines = ['| load | completed | service CPU per task | load summary |', '|---|---|---|---|'];
  for (const run of figures.runs) lines.push(`| ${run.load} | ${run.completed} | ${run.serviceCpuMicrosPerTask.toFixed(0)} µs | ${run.loadSummary} |`);
  return lines.join('\n');
}
