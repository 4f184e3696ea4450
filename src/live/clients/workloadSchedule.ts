/**
 * A scenario's workload as a timed list of submissions, for `fleetsim load`: the same tasks a
 * simulated run of replication r submits (generated arrivals from the arrival process and
 * {@link TaskFactory}, the listed jobs, the workflow instances from {@link WorkflowFactory}, the
 * rows of a trace from {@link TraceReplay}), at the same scenario times, drawn from the same
 * seeded streams, lazily and in time order. Arrivals stop where the simulator's stop: at
 * `stop.timeSeconds` or after `stop.tasks` generated tasks; a trace is read one row ahead, and
 * its file is closed when the trace ends, passes the stop time, or the schedule is given up
 * (`return()` on the generator, as a `for … of` that breaks out does).
 */
import type { TaskSpec } from '../../engine/task.js';
import type { Scenario } from '../../scenario/types.js';
import { stream } from '../../sim/random.js';
import { TraceReplay } from '../../traces/traceReplay.js';
import { WorkflowFactory, workflowArrivalClock } from '../../sim/workflows.js';
import { TaskFactory, arrivalClock, jobTask, type ArrivalClock } from '../../sim/workload.js';

/** Tasks submitted together at one scenario time (a job, a generated task, a workflow instance's graph). */
export interface Submission {
  /** Scenario seconds since the start of the run. */
  readonly atSeconds: number;
  /** In submission order: a task comes after those it depends on. */
  readonly specs: readonly TaskSpec[];
}

/** A source of submissions: its next one (undefined when it has no more). */
interface Source {
  peek(): Submission | undefined;
  advance(): void;
  /** Releases what it holds open (a trace's file); idempotent. */
  close?(): void;
}

/**
 * The submissions of `scenario`'s replication `replication`, earliest first (ties: jobs,
 * workflows, trace, generated).
 * @throws InputError for a bad trace row (naming the file, line and column); the scenario's
 * loader checked every row of the window already, so only a file changed since can have one
 */
export function* workloadSchedule(scenario: Scenario, replication = 0): Generator<Submission> {
  const sources: Source[] = [jobSource(scenario), ...scenario.workload.workflows.map((_, i) => workflowSource(scenario, replication, i))];
  try {
    if (scenario.workload.trace !== undefined) sources.push(traceSource(scenario, replication));
    sources.push(generatedSource(scenario, replication));
    for (;;) {
      let best: Source | undefined;
      let bestAt = Number.POSITIVE_INFINITY;
      for (const source of sources) {
        const next = source.peek();
        if (next !== undefined && next.atSeconds < bestAt) {
          best = source;
          bestAt = next.atSeconds;
        }
      }
      if (best === undefined) return;
      yield best.peek()!;
      best.advance();
    }
  } finally {
    for (const source of sources) source.close?.();
  }
}

/**
 * The trace's tasks, one row ahead, as the simulator's `scheduleTrace` reads them: the first one
 * after the stop time ends the trace.
 */
function traceSource(scenario: Scenario, replication: number): Source {
  const replay = new TraceReplay(scenario.workload.trace!, scenario.seed, replication);
  let current: Submission | undefined;
  const read = (): void => {
    const next = replay.next();
    current = next === undefined || next.atSeconds > scenario.stop.timeSeconds ? undefined : { atSeconds: next.atSeconds, specs: [next.task] };
    if (current === undefined) replay.close();
  };
  try {
    read();
  } catch (error) {
    replay.close();
    throw error;
  }
  return {
    peek: () => current,
    advance: read,
    close: () => replay.close(),
  };
}

function jobSource(scenario: Scenario): Source {
  const jobs = scenario.workload.jobs.filter((job) => job.atSeconds <= scenario.stop.timeSeconds)
    .map((job, i) => ({ job, i })).sort((a, b) => a.job.atSeconds - b.job.atSeconds || a.i - b.i);
  let index = 0;
  return {
    peek: () => {
      const entry = jobs[index];
      return entry === undefined ? undefined : { atSeconds: entry.job.atSeconds, specs: [jobTask(entry.job)] };
    },
    advance: () => void index++,
  };
}

function generatedSource(scenario: Scenario, replication: number): Source {
  const { stop } = scenario;
  const factory = new TaskFactory(scenario.workload, scenario.seed, replication);
  const arrivals = arrivalClock(scenario.workload.arrivals, stream(scenario.seed, replication, 'arrivals'));
  return arrivalSource(scenario, stop.tasks, (now) => arrivals.next(now), (n, at) => [factory.create(n, at)]);
}

function workflowSource(scenario: Scenario, replication: number, index: number): Source {
  const template = scenario.workload.workflows[index]!;
  const factory = new WorkflowFactory(template, scenario.seed, replication);
  const clock: ArrivalClock = workflowArrivalClock(template, scenario.seed, replication);
  return arrivalSource(scenario, template.count, (now) => clock.next(now), (n, at) => {
    const specs = [...factory.arrive(n, at)];
    // The graph waits on the decomposition by its first edges, so it is submitted at once (as the simulator does).
    if (template.supervisor !== undefined) specs.push(...factory.decomposed(n, at));
    return specs;
  });
}

/**
 * Arrivals `0 … count − 1` of one stream, each at the time `next` gives after the previous one,
 * until one falls after the scenario's stop time; `specs` makes arrival `n`'s submissions.
 */
function arrivalSource(scenario: Scenario, count: number, next: (now: number) => number, specs: (n: number, atSeconds: number) => TaskSpec[]): Source {
  let n = 0;
  let current: Submission | undefined;
  const draw = (now: number): void => {
    const at = n < count ? next(now) : Number.POSITIVE_INFINITY;
    current = at < Number.POSITIVE_INFINITY && at <= scenario.stop.timeSeconds ? { atSeconds: at, specs: specs(n, at) } : undefined;
  };
  draw(0);
  return {
    peek: () => current,
    advance: () => {
      n++;
      draw(current!.atSeconds);
    },
  };
}
