/**
 * Scale: large runs through the CLI end to end, each in a fresh process
 * (`node dist/src/cli/main.js run <scenario> --json --workers 1`, the scenario written to a
 * temporary directory), with wall time, tasks per second and peak resident memory.
 *
 * The fleets are M/M/c at load 0.9 with ideal agents (no skill, context or failure effects), so
 * the figures show what the fleet's size costs rather than the agent model's. Peak RSS comes
 * from `/usr/bin/time -v` when it exists, otherwise from `process.resourceUsage().maxRSS`,
 * which a preloaded module in the child reports on exit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Most agents one entry of a scenario's `agents` list may declare. */
const AGENTS_PER_ENTRY = 10_000;

/** Scenario text: `agents` one-slot ideal agents at load 0.9, stopping after `tasks` tasks. */
export function scaleScenario(agents: number, tasks: number, strategy: string): string {
  const entries: string[] = [];
  for (let made = 0, pool = 0; made < agents; made += AGENTS_PER_ENTRY, pool++) {
    const count = Math.min(AGENTS_PER_ENTRY, agents - made);
    entries.push(`  - { pool: p${pool}, count: ${count}, capacity: 1, speed: 100, skills: { job: 1 } }`);
  }
  return `name: bench-scale
seed: 1
replications: 1
stop: { tasks: ${tasks} }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
${entries.join('\n')}
workload:
  arrivals: { process: poisson, rate: ${agents * 0.9} }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [${strategy}]
`;
}

/** One process's figures. */
export interface ScaleRun {
  /** Agents in the fleet. */
  readonly agents: number;
  /** Tasks simulated. */
  readonly tasks: number;
  /** Strategy name. */
  readonly strategy: string;
  /** The process from start to exit, seconds. */
  readonly wallSeconds: number;
  /** The simulation alone (the run's own `timing.wallSeconds`), seconds. */
  readonly runSeconds: number;
  /**
   * CPU time of the process (user + system, every thread), seconds: on a shared machine a far
   * steadier figure than the wall time. NaN without `/usr/bin/time`.
   */
  readonly cpuSeconds: number;
  /** Tasks over the process's wall time. */
  readonly tasksPerSecond: number;
  /** Microseconds of simulation per task. */
  readonly runMicrosPerTask: number;
  /** The process's peak resident set, MiB. */
  readonly peakRssMiB: number;
  /** What measured the peak resident set. */
  readonly rssSource: '/usr/bin/time -v' | 'process.resourceUsage';
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TIME = '/usr/bin/time';

/** Runs one scale case in a fresh process. */
export function measureScaleRun(agents: number, tasks: number, strategy: string): ScaleRun {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-scale-'));
  try {
    const scenario = join(dir, 'scale.yaml');
    writeFileSync(scenario, scaleScenario(agents, tasks, strategy));
    const preload = join(dir, 'rss.mjs');
    writeFileSync(preload, "process.on('exit', () => process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS}\\n`));\n");
    const node = [process.execPath, '--import', preload, CLI, 'run', scenario, '--json', '--workers', '1'];
    const timed = existsSync(TIME);
    const start = performance.now();
    const child = timed ? spawnSync(TIME, ['-v', ...node], { maxBuffer: 1 << 30 }) : spawnSync(node[0]!, node.slice(1), { maxBuffer: 1 << 30 });
    const wallSeconds = (performance.now() - start) / 1000;
    const stderr = child.stderr.toString();
    if (child.status !== 0) throw new Error(`scale run ${agents} agents × ${tasks} tasks failed (${child.status}): ${stderr.slice(-2000)}`);
    const result = JSON.parse(child.stdout.toString()) as { results: { counts?: unknown; metrics: { tasks: { completed: number } }; timing: { wallSeconds: number } }[] };
    const run = result.results[0]!;
    if (run.metrics.tasks.completed !== tasks) throw new Error(`scale run completed ${run.metrics.tasks.completed} of ${tasks} tasks`);
    const timeKiB = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
    const ownKiB = /maxRSS (\d+)/.exec(stderr)?.[1];
    const kib = Number(timeKiB ?? ownKiB);
    const userSeconds = /User time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
    const systemSeconds = /System time \(seconds\): ([\d.]+)/.exec(stderr)?.[1];
    return {
      agents, tasks, strategy, wallSeconds,
      cpuSeconds: userSeconds === undefined || systemSeconds === undefined ? Number.NaN : Number(userSeconds) + Number(systemSeconds),
      runSeconds: run.timing.wallSeconds,
      tasksPerSecond: tasks / wallSeconds,
      runMicrosPerTask: (run.timing.wallSeconds / tasks) * 1e6,
      peakRssMiB: kib / 1024,
      rssSource: timeKiB !== undefined ? '/usr/bin/time -v' : 'process.resourceUsage',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The scale part of the bench. */
export interface ScaleFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** The target cases: 10M × 10k (two strategies) and 1M × 100k. */
  readonly rows: ScaleRun[];
  /**
   * 10,000 tasks on 100,000 agents: what the fleet costs whatever the tasks (reading and freezing
   * the scenario, the agents' set-up, the per-agent summaries and output), nearly alone.
   */
  readonly fleetFixedCost: ScaleRun;
  /** Least-connections at a fixed task count on growing fleets, and each one's cost per task over the smallest fleet's. */
  readonly costPerTask: { readonly run: ScaleRun; readonly ratioToSmallest: number }[];
}

/**
 * Every scale case, one fresh process each (the fixed-cost row's 10,000 tasks scale too). `taskFactor` scales every task count (1 for the
 * real figures; smaller for a quick look).
 */
export function measureScale(taskFactor = 1): ScaleFigures {
  const tasks = (n: number): number => Math.max(1, Math.round(n * taskFactor));
  const rows = [
    measureScaleRun(10_000, tasks(10_000_000), 'least-connections'),
    measureScaleRun(10_000, tasks(10_000_000), 'power-of-d'),
    measureScaleRun(100_000, tasks(1_000_000), 'least-connections'),
  ];
  const fleetFixedCost = measureScaleRun(100_000, tasks(10_000), 'least-connections');
  const fleet = [10, 1_000, 10_000, 100_000].map((agents) => measureScaleRun(agents, tasks(1_000_000), 'least-connections'));
  const smallest = fleet[0]!.runMicrosPerTask;
  return {
    benchmark: 'M/M/c at load 0.9 with ideal agents, the CLI end to end (`run --json --workers 1`), one fresh process per case',
    rows,
    fleetFixedCost,
    costPerTask: fleet.map((run) => ({ run, ratioToSmallest: run.runMicrosPerTask / smallest })),
  };
}

/** The figures as a text table. */
export function formatScale(figures: ScaleFigures): string {
  const line = (run: ScaleRun): string =>
    `  ${`${run.tasks.toLocaleString('en-US')} tasks × ${run.agents.toLocaleString('en-US')} agents, ${run.strategy}`.padEnd(52)} ` +
    `${run.wallSeconds.toFixed(1).padStart(6)} s wall (run ${run.runSeconds.toFixed(1)} s), ${Math.round(run.tasksPerSecond).toLocaleString('en-US').padStart(9)} tasks/s, ` +
    `CPU ${Number.isNaN(run.cpuSeconds) ? 'n/a' : `${run.cpuSeconds.toFixed(1)} s`}, peak RSS ${Math.round(run.peakRssMiB).toLocaleString('en-US')} MiB`;
  return [
    ...figures.rows.map(line),
    '  the fleet\'s fixed cost (few tasks on the largest fleet):',
    line(figures.fleetFixedCost),
    '  cost per task (least-connections, fixed tasks), µs of simulation per task and ratio to the smallest fleet:',
    ...figures.costPerTask.map(({ run, ratioToSmallest }) => `${line(run)}; ${run.runMicrosPerTask.toFixed(2)} µs/task, ×${ratioToSmallest.toFixed(2)}`),
    `  (peak RSS from ${figures.rows[0]?.rssSource ?? 'n/a'})`,
  ].join('\n');
}
