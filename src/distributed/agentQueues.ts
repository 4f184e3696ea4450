/**
 * How the live driver and its agents meet in Redis: one BullMQ queue per agent, the Redis keys
 * `fleetsim:agent:<agent id>:…` (BullMQ's prefix `fleetsim:agent`, the queue named by the agent's
 * id), one job per attempt whose id names the task and the attempt, and the shapes of a job's
 * data and result. The connector (./bullmqConnector.ts) and the agent worker (./agentWorker.ts)
 * both read this module, so the two sides cannot drift apart.
 */
import { z } from 'zod';
import type { Outcome, StartReport } from '../engine/messages.js';
import type { TaskSpec } from '../engine/task.js';
import { finishedBody, startedBody } from '../live/service/bodies.js';

/** BullMQ's key prefix for agent queues: an agent's keys are `fleetsim:agent:<id>:…`. */
export const AGENT_QUEUE_PREFIX = 'fleetsim:agent';

/** The name of the job that carries an attempt (BullMQ job names are labels; ids identify). */
export const ATTEMPT_JOB_NAME = 'attempt';

/**
 * The queue name of an agent (its id). BullMQ forbids `:` in queue names, and an empty name
 * would address the prefix itself.
 * @throws Error naming the agent when its id cannot be a queue name.
 */
export function agentQueueName(agentId: string): string {
  if (agentId === '' || agentId.includes(':')) throw new Error(`agent id "${agentId}" cannot name a BullMQ queue (empty, or contains ":")`);
  return agentId;
}

/**
 * The job id of attempt `attempt` of task `taskId`: `<task id, URI-encoded>@<attempt>`. Encoding
 * keeps `:` (refused by BullMQ) and `@` out of the task part, so the id parses back uniquely, and
 * the `@` keeps it from being an integer (also refused). The same attempt always gets the same
 * id, so a re-delivered start adds nothing: BullMQ keeps the job it already has.
 */
export function attemptJobId(taskId: string, attempt: number): string {
  return `${encodeURIComponent(taskId)}@${attempt}`;
}

/** The task id and attempt of a job id made by {@link attemptJobId}; undefined for any other id. */
export function parseAttemptJobId(jobId: string): { readonly taskId: string; readonly attempt: number } | undefined {
  const at = jobId.lastIndexOf('@');
  if (at < 0) return undefined;
  const attempt = Number(jobId.slice(at + 1));
  if (!Number.isInteger(attempt) || attempt < 1) return undefined;
  try {
    return { taskId: decodeURIComponent(jobId.slice(0, at)), attempt };
  } catch {
    return undefined;
  }
}

/** A job's data: the attempt the engine started (the task's spec as the engine holds it). */
export interface AttemptJobData {
  /** The task's spec as the engine holds it. */
  readonly task: TaskSpec;
  /** Attempt number (1 for the first). */
  readonly attempt: number;
  /** The engine's id of the agent (`<id>#n` for a later incarnation). */
  readonly agentId: string;
  /**
   * The id of the last entry the connector had put on the agent's control stream before this
   * start (./agentControl.ts), if any: the worker carries out the commands up to it (a prewarm)
   * before it runs the attempt, since the stream and the queue are read on separate connections.
   */
  readonly afterControl?: string;
}

/**
 * A start report as it crosses Redis: the HTTP service's (setup tokens, context hit), plus what
 * an emulated agent observes of itself and the simulator reports too: the leading context blocks
 * found resident, and the agent's context after loading (resident keys as a list).
 */
export interface AttemptStartReport {
  /** Tokens spent loading context before the work began. */
  readonly setupTokens: number;
  /** Whether the task's context was resident; null when the task has none. */
  readonly contextHit: boolean | null;
  /** Leading context blocks found resident (tasks with context blocks). */
  readonly contextBlocksHit?: number;
  /** The agent's context after loading: utilisation in [0, 1] and the resident keys. */
  readonly agent?: { readonly contextUtilization: number; readonly residentKeys: readonly string[] };
}

/** What an agent worker returns for a job: how the attempt began (optional) and how it ended. */
export interface AttemptJobResult {
  /** How the attempt began, when the agent reports it. */
  readonly started?: AttemptStartReport;
  /** How the attempt ended. */
  readonly outcome: Outcome;
  /**
   * Seconds the attempt took on the agent's own clock, from an agent running in virtual time
   * (it answers at once); a `VirtualTimeConnector` makes the attempt take that long.
   */
  readonly durationSeconds?: number;
}

/** A start report as the connector accepts it (see {@link AttemptStartReport}). */
export const attemptStartReport = startedBody.extend({
  contextBlocksHit: z.int().min(0).optional(),
  agent: z.strictObject({ contextUtilization: z.number().min(0).max(1), residentKeys: z.array(z.string()) }).optional(),
});

/** A job's return value as the connector accepts it (the HTTP service's outcome schema, reused). */
export const attemptJobResult = z.strictObject({
  started: attemptStartReport.optional(),
  outcome: finishedBody,
  durationSeconds: z.number().min(0).max(Number.MAX_VALUE).optional(),
});

/** A start report as {@link attemptStartReport} parsed it. */
export type ParsedStartReport = z.output<typeof attemptStartReport>;

/** The shape of a start report sent through job progress (`job.updateProgress({ started })`). */
export const attemptJobProgress = z.strictObject({ started: attemptStartReport });

/** A start report in its Redis form: the resident keys as a list. */
export function startReportForRedis(report: StartReport): AttemptStartReport {
  const wire: AttemptStartReport = { setupTokens: report.setupTokens, contextHit: report.contextHit };
  return {
    ...wire,
    ...(report.contextBlocksHit === undefined ? {} : { contextBlocksHit: report.contextBlocksHit }),
    ...(report.agent === undefined ? {} : { agent: { contextUtilization: report.agent.contextUtilization, residentKeys: [...report.agent.residentKeys] } }),
  };
}
