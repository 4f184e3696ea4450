/**
 * The work budget of one run: a scenario whose arrival rate, stop time or task count would
 * make a run simulate more than {@link MAX_TASKS_PER_RUN} tasks is refused before it starts
 * (it would run for hours and grow memory without bound), unless the user passes
 * `--allow-huge`. docs/SCENARIOS.md ("Limits") documents the estimate.
 */
import { InputError } from './errors.js';
import type { ArrivalProcess, Scenario, WorkflowTemplate } from './types.js';

/**
 * Most tasks one run (one replication of one strategy) may be expected to simulate: 10⁸, about
 * a quarter of an hour at the simulator's ~100,000 tasks a second.
 */
export const MAX_TASKS_PER_RUN = 100_000_000;

/** The expected work of one run, and how it was reckoned, for the message. */
export interface RunEstimate {
  /** Expected tasks (generated, workflow nodes and listed jobs) plus autoscaler evaluations and MMPP state switches. */
  readonly tasks: number;
  /** The term that contributes most, e.g. `workload.arrivals (rate × stop.time)`. */
  readonly largest: string;
}

/**
 * Expected work of one run: generated tasks (mean arrival rate × stop.time, or stop.tasks when
 * it comes first), workflow instances times their nodes, listed jobs, one autoscaler
 * evaluation per `interval` up to stop.time, and an MMPP's state switches over the time its
 * arrivals take. Replications and strategies multiply it but are
 * not counted: each run is a separate unit of work.
 */
export function estimateRun(scenario: Scenario): RunEstimate {
  const { stop, workload, engine } = scenario;
  const terms: [string, number][] = [];
  terms.push([describeArrivals('workload.arrivals', workload.arrivals, stop.tasks), Math.min(stop.tasks, meanRate(workload.arrivals) * stop.timeSeconds)]);
  terms.push(['workload.arrivals (MMPP state switches)', mmppSwitches(workload.arrivals, stop.tasks, stop.timeSeconds)]);
  workload.workflows.forEach((workflow, i) => {
    const instances = Math.min(workflow.count, meanRate(workflow.arrivals) * stop.timeSeconds);
    terms.push([`workload.workflows[${i}] (instances × ${nodesPerInstance(workflow)} tasks)`, instances * nodesPerInstance(workflow)]);
    terms.push([`workload.workflows[${i}].arrivals (MMPP state switches)`, mmppSwitches(workflow.arrivals, workflow.count, stop.timeSeconds)]);
  });
  terms.push(['workload.jobs', workload.jobs.length]);
  const trace = workload.trace;
  // An endless loop is bounded by stop.time, which it must have; one pass is a fair unit then.
  if (trace !== undefined) terms.push(['workload.trace (rows × loop × rateScale)', trace.rows * (Number.isFinite(trace.loop) ? trace.loop : 1) * trace.rateScale]);
  engine.autoscale.forEach((scaler, i) => {
    if (Number.isFinite(stop.timeSeconds)) terms.push([`engine.autoscale[${i}] (stop.time / interval evaluations)`, stop.timeSeconds / scaler.intervalSeconds]);
  });
  // 0 × Infinity (no arrivals, no time limit) is no work, not NaN.
  const counted = terms.map(([what, amount]): [string, number] => [what, Number.isNaN(amount) ? 0 : amount]);
  const largest = counted.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { tasks: counted.reduce((sum, [, amount]) => sum + amount, 0), largest: largest[0] };
}

/**
 * Refuses a scenario whose runs would each simulate more than {@link MAX_TASKS_PER_RUN} tasks.
 * @throws InputError stating the estimate and how to lower it (or `--allow-huge`)
 */
export function checkWorkBudget(scenario: Scenario, file: string): void {
  const { tasks, largest } = estimateRun(scenario);
  if (tasks <= MAX_TASKS_PER_RUN) return;
  throw new InputError(
    file,
    '',
    `one run would simulate about ${formatCount(tasks)} tasks, more than the ${formatCount(MAX_TASKS_PER_RUN)} a run may have ` +
      `(most from ${largest}): lower the rate, stop.time or stop.tasks, or pass --allow-huge to run it anyway`,
  );
}

/**
 * Expected state switches of an MMPP (two a calm-and-burst cycle) while it brings `arrivals`
 * or until `stopSeconds`, whichever comes first; 0 for other processes. Each switch is a step of
 * the arrival clock however few tasks arrive: dwell times short against the rates make a run
 * of few tasks switch state for hours.
 */
function mmppSwitches(arrivals: ArrivalProcess, arrivalsWanted: number, stopSeconds: number): number {
  if (arrivals.process !== 'mmpp') return 0;
  const [calmDwell, burstDwell] = arrivals.meanDwellSeconds;
  const seconds = Math.min(stopSeconds, arrivalsWanted / meanRate(arrivals));
  return (2 * seconds) / (calmDwell + burstDwell);
}

/** Mean arrivals per second (an MMPP's rates weighted by its mean dwell times). */
function meanRate(arrivals: ArrivalProcess): number {
  switch (arrivals.process) {
    case 'poisson':
      return arrivals.ratePerSecond;
    case 'mmpp': {
      const [calm, burst] = arrivals.ratesPerSecond;
      const [calmDwell, burstDwell] = arrivals.meanDwellSeconds;
      return (calm * calmDwell + burst * burstDwell) / (calmDwell + burstDwell);
    }
    case 'none':
      return 0;
  }
}

function describeArrivals(path: string, arrivals: ArrivalProcess, stopTasks: number): string {
  if (arrivals.process === 'none') return path;
  return Number.isFinite(stopTasks) ? `${path} (rate × stop.time, at most stop.tasks)` : `${path} (rate × stop.time)`;
}

/** Tasks of one workflow instance: fanOut + fanOut² + … per level, plus join and supervisor. */
function nodesPerInstance(workflow: WorkflowTemplate): number {
  let nodes = 0;
  for (let level = 1, width = 1; level <= workflow.dag.depth; level++) {
    width *= workflow.dag.fanOut;
    nodes += width;
  }
  return nodes + (workflow.dag.join ? 1 : 0) + (workflow.supervisor === undefined ? 0 : 2);
}

/** 1.2e+14 for big numbers, 100,000,000 for round ones. */
function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'infinitely many';
  return n < 1e12 ? Math.round(n).toLocaleString('en-US') : n.toExponential(1);
}
