/**
 * Seeded random streams (DESIGN.md section 5). Every stream is derived from
 * (scenario seed, replication, stream name), and a task's outcome draws from
 * (seed, replication, task id, attempt), never from a stream consumed in event order: so every
 * strategy sees the same tasks at the same times and the same luck per task attempt (common
 * random numbers), and differences between strategies are paired rather than noise.
 */
import seedrandom from 'seedrandom';

/** A uniform generator on [0, 1). */
export type Uniform = () => number;

/**
 * Names of the workload and decision streams. `workflow/…` streams belong to workflow templates
 * (src/sim/workflows.ts): `workflow/<name>/arrivals`, and per instance
 * `workflow/<name>/<n>/<attribute>`.
 */
export type StreamName =
  | 'arrivals'
  | 'mix'
  | 'tokens'
  | 'keys'
  | 'priority'
  | 'deadline'
  | 'strategy'
  | 'engine'
  | `workflow/${string}`;

/** The stream `name` of replication `replication` of a scenario seeded with `seed`. */
export function stream(seed: number, replication: number, name: StreamName): Uniform {
  return seedrandom.alea(`fleetsim/${seed}/${replication}/${name}`);
}

/** The outcome stream of one attempt of one task. */
export function outcomeStream(seed: number, replication: number, taskId: string, attempt: number): Uniform {
  return seedrandom.alea(`fleetsim/${seed}/${replication}/outcome/${taskId}/${attempt}`);
}

/** Where an attempt's outcome stream comes from (an object, so a start allocates no closure). */
export interface OutcomeStreams {
  /** The stream of attempt `attempt` of task `taskId`. */
  forAttempt(taskId: string, attempt: number): Uniform;
  /** The stream of agent `agentId`'s answer to offer `offer` of task `taskId`. */
  forOffer(taskId: string, offer: number, agentId: string): Uniform;
}

/** Outcome streams of one replication of a scenario. */
export function outcomeStreams(seed: number, replication: number): OutcomeStreams {
  return {
    forAttempt: (taskId, attempt) => outcomeStream(seed, replication, taskId, attempt),
    forOffer: (taskId, offer, agentId) => seedrandom.alea(`fleetsim/${seed}/${replication}/offer/${taskId}/${offer}/${agentId}`),
  };
}
