/**
 * `npm run bench`: speed figures, measured (never asserted in tests). Prints a table and, with
 * `--json`, one JSON document.
 */
import { measureSimulator } from './simulator.js';

const TASKS = 1_000_000;
const REPEATS = 3;

function simulatorFigures(): Record<string, unknown> {
  const rows: Record<string, unknown>[] = [];
  for (const strategy of ['least-connections', 'round-robin', 'random']) {
    measureSimulator(100_000, strategy); // warm the JIT
    const runs = Array.from({ length: REPEATS }, () => measureSimulator(TASKS, strategy));
    const best = runs.reduce((a, b) => (a.tasksPerSecond > b.tasksPerSecond ? a : b));
    rows.push({ strategy, tasks: TASKS, bestTasksPerSecond: Math.round(best.tasksPerSecond), runsTasksPerSecond: runs.map((r) => Math.round(r.tasksPerSecond)) });
  }
  return { benchmark: 'M/M/10 at load 0.9, 1,000,000 tasks, all metrics on, one core', rows };
}

const figures = { node: process.version, simulator: simulatorFigures() };
if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify(figures, null, 2) + '\n');
} else {
  const sim = figures.simulator as { benchmark: string; rows: { strategy: string; bestTasksPerSecond: number; runsTasksPerSecond: number[] }[] };
  process.stdout.write(`${sim.benchmark} (Node ${figures.node})\n`);
  for (const row of sim.rows) {
    process.stdout.write(`  ${row.strategy.padEnd(20)} ${row.bestTasksPerSecond.toLocaleString('en-US').padStart(12)} tasks/s  (runs: ${row.runsTasksPerSecond.map((n) => n.toLocaleString('en-US')).join(', ')})\n`);
  }
}
