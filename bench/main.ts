/**
 * `npm run bench`: speed figures, measured (never asserted in tests). Prints tables and, with
 * `--json`, one JSON document. `--only simulator`, `--only decisions` or `--only parallel` runs
 * one part.
 *
 * - simulator: tasks simulated per second (bench/simulator.ts), best and median of five runs after
 *   a warm-up run, beside a CPU reference loop that shows how fast the machine is today
 *   (bench/cpuReference.ts);
 * - decisions: wall-clock cost of one routing decision of every registered strategy at 10 to
 *   10,000 agents, under late and early binding (bench/decisions.ts);
 * - parallel: speed-up of the experiment worker pool over one thread (bench/parallel.ts).
 */
import { formatDecisionCosts, measureDecisionCosts, type DecisionCostRow } from './decisions.js';
import { formatParallel, measureParallel } from './parallel.js';
import { median } from 'simple-statistics';
import { REFERENCE_STEPS, measureCpuReference } from './cpuReference.js';
import { measureSimulator } from './simulator.js';

const TASKS = 1_000_000;
const REPEATS = 5;

interface SimulatorFigures {
  readonly benchmark: string;
  /** Milliseconds of the CPU reference loop, measured just before (see bench/cpuReference.ts). */
  readonly cpuReferenceMillis: number;
  readonly rows: { strategy: string; tasks: number; bestTasksPerSecond: number; medianTasksPerSecond: number; runsTasksPerSecond: number[] }[];
}

function simulatorFigures(): SimulatorFigures {
  const cpuReferenceMillis = Math.round(measureCpuReference());
  const rows: SimulatorFigures['rows'] = [];
  for (const strategy of ['least-connections', 'round-robin', 'random']) {
    // One unmeasured run of full size first: runs keep getting faster for a while (the JIT's
    // last re-optimisations, the allocator's pages), and the figure is meant to be the steady state.
    measureSimulator(TASKS, strategy);
    const runs = Array.from({ length: REPEATS }, () => Math.round(measureSimulator(TASKS, strategy).tasksPerSecond));
    rows.push({ strategy, tasks: TASKS, bestTasksPerSecond: Math.max(...runs), medianTasksPerSecond: Math.round(median(runs)), runsTasksPerSecond: runs });
  }
  return {
    benchmark: `M/M/10 at load 0.9, 1,000,000 tasks, all metrics on, one core; best and median of ${REPEATS} runs after a warm-up run`,
    cpuReferenceMillis,
    rows,
  };
}

interface DecisionFigures {
  readonly benchmark: string;
  readonly rows: DecisionCostRow[];
}

function decisionFigures(): DecisionFigures {
  return {
    benchmark: 'wall-clock cost of one pickAgent call at a busy steady state (80% of slots taken), median of 6 batches',
    rows: measureDecisionCosts(),
  };
}

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const PARTS = ['simulator', 'decisions', 'parallel'];
if (only !== undefined && !PARTS.includes(only)) {
  process.stderr.write(`--only takes ${PARTS.join(', ')}, got ${only ?? 'nothing'}\n`);
  process.exit(2);
}
const wanted = (part: string): boolean => only === undefined || only === part;
const figures = {
  node: process.version,
  simulator: wanted('simulator') ? simulatorFigures() : undefined,
  decisions: wanted('decisions') ? decisionFigures() : undefined,
  parallel: wanted('parallel') ? await measureParallel() : undefined,
};
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
} else {
  const sim = figures.simulator;
  if (sim !== undefined) {
    process.stdout.write(`${sim.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(`  CPU reference: ${REFERENCE_STEPS.toLocaleString('en-US')} steps of an integer loop in ${sim.cpuReferenceMillis} ms\n`);
    for (const row of sim.rows) {
      const rate = (n: number): string => n.toLocaleString('en-US');
      process.stdout.write(
        `  ${row.strategy.padEnd(20)} best ${rate(row.bestTasksPerSecond).padStart(9)} tasks/s, median ${rate(row.medianTasksPerSecond).padStart(9)}  (runs: ${row.runsTasksPerSecond.map(rate).join(', ')})\n`,
      );
    }
  }
  const decisions = figures.decisions;
  if (decisions !== undefined) {
    process.stdout.write(`\nDecision cost: ${decisions.benchmark} (Node ${figures.node})\n`);
    process.stdout.write(formatDecisionCosts(decisions.rows) + '\n');
  }
  const parallel = figures.parallel;
  if (parallel !== undefined) {
    process.stdout.write(`\nWorker pool: ${parallel.benchmark}, ${parallel.cores} cores (Node ${figures.node})\n`);
    process.stdout.write(formatParallel(parallel) + '\n');
  }
}
