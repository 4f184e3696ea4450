/**
 * What generates a scenario's tasks in one replication: the task factory with its arrival clock,
 * each workflow template's factory with its clock, and the trace being replayed. The simulator and
 * the live driver's scenario runner both draw from these, so both see the same workload.
 */
import type { Scenario } from '../scenario/types.js';
import { TraceReplay } from '../traces/traceReplay.js';
import { stream } from './random.js';
import { WorkflowFactory, workflowArrivalClock } from './workflows.js';
import { TaskFactory, arrivalClock, type ArrivalClock } from './workload.js';

/** One workflow template's arrivals. */
export interface WorkflowStream {
  /** Builds each instance of the workflow. */
  readonly factory: WorkflowFactory;
  /** When instances arrive. */
  readonly clock: ArrivalClock;
  /** Instances arrived so far. */
  arrived: number;
}

/** The sources of one replication's workload (see the module's comment). */
export interface WorkloadSources {
  /** Generated tasks (`workload.taskTypes`). */
  readonly factory: TaskFactory;
  /** When the next generated task arrives (`workload.arrivals`). */
  readonly arrivals: ArrivalClock;
  /** One per `workload.workflows` template, in order. */
  readonly workflows: WorkflowStream[];
  /** The trace being replayed, if `workload.trace` names one. */
  readonly trace: TraceReplay | undefined;
}

/** The workload sources of `scenario`'s replication `replication`, each on its own seeded stream. */
export function workloadSources(scenario: Scenario, replication: number): WorkloadSources {
  const { workload, seed } = scenario;
  return {
    factory: new TaskFactory(workload, seed, replication),
    arrivals: arrivalClock(workload.arrivals, stream(seed, replication, 'arrivals')),
    workflows: workload.workflows.map((template) => ({
      factory: new WorkflowFactory(template, seed, replication),
      clock: workflowArrivalClock(template, seed, replication),
      arrived: 0,
    })),
    trace: workload.trace === undefined ? undefined : new TraceReplay(workload.trace, seed, replication),
  };
}
