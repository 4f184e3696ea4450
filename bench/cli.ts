/**
 * What a user runs: `fleetsim run FILE --json` in a fresh process, timed by the wall clock from
 * spawn to exit, on M/M/10 at load 0.9 for one million tasks under least-connections with late
 * binding and the default agent model (quality noise, so every attempt draws from its outcome
 * stream); the same scenario simulated in this process (warm, as `--only simulator` does); the
 * CLI's fixed cost (`--help`, and a `run` of one task); what importing the library costs a
 * process, by its two entries (`fleetsim`, everything; `fleetsim/engine`, what embedding needs);
 * and SimPy 3 on the same model (bench/mmcSimpy.py) when a python3 with simpy is found, measured
 * in the same bench run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from 'simple-statistics';
import { parseScenario } from '../src/scenario/load.js';
import { runSimulation } from '../src/sim/simulation.js';

const TASKS = 1_000_000;
/** Fresh processes per CLI row; in-process runs after one warm-up run. */
const PROCESSES = 5;
/** SimPy takes 10–20 s a run: fewer of them. */
const SIMPY_PROCESSES = 3;

/** The scenario: M/M/10 at load 0.9 with the default agent model (nothing zeroed). */
export function mm10DefaultModelScenario(tasks: number): string {
  return `
name: bench-cli-mm10
seed: 1
replications: 1
stop: { tasks: ${tasks} }
agents:
  - { pool: server, count: 10, capacity: 1, speed: 100, skills: { job: 1 } }
workload:
  arrivals: { process: poisson, rate: 9 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections]
`;
}

/** Best and median of some measurements, with every one. */
export interface Spread {
  /** The least measurement. */
  readonly best: number;
  /** The median measurement. */
  readonly median: number;
  /** Every measurement, in the order taken. */
  readonly runs: readonly number[];
}

function spread(runs: number[], higherIsBetter: boolean): Spread {
  return { best: higherIsBetter ? Math.max(...runs) : Math.min(...runs), median: median(runs), runs };
}

/** The CLI bench's figures. */
export interface CliFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** `fleetsim run FILE --json`, fresh processes: tasks per wall second, spawn to exit. */
  readonly endToEnd: Spread;
  /** The same scenario in this process, after a warm-up run: tasks per second of the run alone. */
  readonly inProcess: Spread;
  /**
   * Wall seconds of fresh processes: `fleetsim --help`, a `run` of one task, Node doing nothing,
   * and Node importing each of the package's entries (`fleetsim`, `fleetsim/engine`) and ending.
   */
  readonly startup: {
    readonly help: Spread; readonly oneTaskRun: Spread; readonly bareNode: Spread; readonly importLibrary: Spread; readonly importEngine: Spread;
  };
  /** SimPy on the same model, or why it was skipped. */
  readonly simpy: { readonly python: string; readonly tasksPerSecond: Spread; readonly meanLatencySeconds: number } | { readonly skipped: string };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
/** The modules package.json's `exports` maps `fleetsim` and `fleetsim/engine` to, built. */
const LIBRARY_ENTRY = join(ROOT, 'dist/src/index.js');
const ENGINE_ENTRY = join(ROOT, 'dist/src/engineEntry.js');

/** Wall seconds of one process, failing loudly when it fails. */
function timedProcess(command: string, args: readonly string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const child = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`bench: ${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return { seconds, stdout: child.stdout };
}

/** A python3 that can import simpy: `python3` on the path first, then the system's. */
function pythonWithSimpy(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import simpy'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

/** Runs the CLI bench. */
export function measureCli(): CliFigures {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-cli-'));
  try {
    const file = join(dir, 'mm10.yaml');
    const oneTask = join(dir, 'one.yaml');
    writeFileSync(file, mm10DefaultModelScenario(TASKS));
    writeFileSync(oneTask, mm10DefaultModelScenario(1));
    const bareNode = spread(Array.from({ length: PROCESSES }, () => timedProcess(process.execPath, ['-e', '0']).seconds), false);
    const help = spread(Array.from({ length: PROCESSES }, () => timedProcess(process.execPath, [CLI, '--help']).seconds), false);
    const oneTaskRun = spread(Array.from({ length: PROCESSES }, () => timedProcess(process.execPath, [CLI, 'run', oneTask, '--json']).seconds), false);
    const importCost = (entry: string): Spread => spread(Array.from({ length: PROCESSES }, () => (
      timedProcess(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(entry).href)});`]).seconds
    )), false);
    const importLibrary = importCost(LIBRARY_ENTRY);
    const importEngine = importCost(ENGINE_ENTRY);
    const endToEnd = spread(Array.from({ length: PROCESSES }, () => {
      const { seconds, stdout } = timedProcess(process.execPath, [CLI, 'run', file, '--json']);
      const completed = (JSON.parse(stdout) as { results: { metrics: { tasks: { completed: number } } }[] }).results[0]!.metrics.tasks.completed;
      if (completed !== TASKS) throw new Error(`bench: the CLI run completed ${completed} of ${TASKS} tasks`);
      return Math.round(TASKS / seconds);
    }), true);
    const scenario = parseScenario(mm10DefaultModelScenario(TASKS), 'bench-cli-mm10.yaml');
    const inProcessRun = (): number => {
      const start = performance.now();
      runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
      return Math.round(TASKS / ((performance.now() - start) / 1000));
    };
    inProcessRun();
    const inProcess = spread(Array.from({ length: PROCESSES }, inProcessRun), true);
    return {
      benchmark: 'M/M/10 at load 0.9, 1,000,000 tasks, least-connections, late binding, the default agent model',
      endToEnd, inProcess, startup: { help, oneTaskRun, bareNode, importLibrary, importEngine }, simpy: measureSimpy(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureSimpy(): CliFigures['simpy'] {
  const python = pythonWithSimpy();
  if (python === undefined) return { skipped: 'no python3 with simpy found (Debian: apt-get install python3-simpy3)' };
  const script = join(ROOT, 'bench/mmcSimpy.py');
  const runs = Array.from({ length: SIMPY_PROCESSES }, () => JSON.parse(timedProcess(python, [script, String(TASKS)]).stdout) as { tasksPerSecond: number; meanLatencySeconds: number });
  return { python, tasksPerSecond: spread(runs.map((run) => Math.round(run.tasksPerSecond)), true), meanLatencySeconds: runs[0]!.meanLatencySeconds };
}

/** The figures as text. */
export function formatCli(figures: CliFigures): string {
  const rate = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ms = (s: number): string => `${Math.round(s * 1000)} ms`;
  const rates = (s: Spread): string => `best ${rate(s.best).padStart(9)} tasks/s, median ${rate(s.median).padStart(9)}  (runs: ${s.runs.map(rate).join(', ')})`;
  const times = (s: Spread): string => `best ${ms(s.best)}, median ${ms(s.median)}  (runs: ${s.runs.map(ms).join(', ')})`;
  const lines = [
    `  CLI end to end (fresh process)  ${rates(figures.endToEnd)}`,
    `  in-process (warm)               ${rates(figures.inProcess)}`,
    `  fleetsim --help                 ${times(figures.startup.help)}`,
    `  fleetsim run (one task)         ${times(figures.startup.oneTaskRun)}`,
    `  node -e 0                       ${times(figures.startup.bareNode)}`,
    `  import('fleetsim')              ${times(figures.startup.importLibrary)}`,
    `  import('fleetsim/engine')       ${times(figures.startup.importEngine)}`,
  ];
  const { simpy } = figures;
  if ('skipped' in simpy) lines.push(`  SimPy: skipped (${simpy.skipped})`);
  else {
    lines.push(`  SimPy 3 (${simpy.python}, own loop) ${rates(simpy.tasksPerSecond)}; mean latency ${simpy.meanLatencySeconds.toFixed(3)} s`);
    lines.push(`  CLI end to end ÷ SimPy: best ${(figures.endToEnd.best / simpy.tasksPerSecond.best).toFixed(1)}×, median ${(figures.endToEnd.median / simpy.tasksPerSecond.median).toFixed(1)}×`);
  }
  return lines.join('\n');
}
