/**
 * A trace replayed as a workload: the arrivals of {@link TraceArrivals} made into tasks by
 * {@link TraceTaskFactory}, one at a time, so that the simulator holds one pending row however
 * long the trace. Every strategy of a replication reads the same file with the same seeded
 * streams, so all see exactly the same tasks at the same times.
 */
import type { TaskSpec } from '../engine/task.js';
import { TraceArrivals } from './traceArrivals.js';
import { TraceTaskFactory } from './traceTasks.js';
import type { TraceConfig } from './types.js';

/** The next task of a replay and when it is submitted (simulated seconds). */
export interface TraceSubmission {
  /** Submission time, simulated seconds. */
  readonly atSeconds: number;
  /** The task to submit. */
  readonly task: TaskSpec;
}

/** Pulls the tasks of a trace replay in submission order. */
export class TraceReplay {
  private readonly arrivals: TraceArrivals;
  private readonly tasks: TraceTaskFactory;

  /** @param seed, replication - select the streams of rate scaling. */
  constructor(config: TraceConfig, seed: number, replication: number) {
    this.arrivals = new TraceArrivals(config, seed, replication);
    this.tasks = new TraceTaskFactory(config);
  }

  /**
   * The next submission, or undefined when the trace is over.
   * @throws InputError for a bad row (naming the file, line and column)
   */
  next(): TraceSubmission | undefined {
    for (let arrival = this.arrivals.next(); arrival !== undefined; arrival = this.arrivals.next()) {
      const task = this.tasks.create(arrival);
      if (task !== undefined) return { atSeconds: arrival.atSeconds, task };
    }
    return undefined;
  }

  /** Closes the trace files (a run that stops before the trace ends). */
  close(): void {
    this.arrivals.close();
  }
}
