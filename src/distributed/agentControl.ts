/**
 * The engine's commands other than `start` as they reach an agent over Redis, the agent's
 * answers to offers, and its liveness key. Read by both sides (./bullmqConnector.ts,
 * ./agentWorker.ts, ./agentLiveness.ts), like ./agentQueues.ts for attempts.
 *
 * - **Control stream** `fleetsim:control:<agent id>:events`: a Redis stream, one entry per
 *   command (`abort`, `pause`, `resume`, `prewarm`, `retire`, `offer`, `withdraw`), trimmed to
 *   about {@link CONTROL_STREAM_ENTRIES}. It is BullMQ's event-stream layout (BullMQ's prefix
 *   `fleetsim:control`, the queue named by the agent), so the agent reads it with BullMQ's own
 *   `QueueEvents`: a blocking read that resumes from the last entry it saw after a dropped
 *   connection. A stream rather than pub/sub because pub/sub loses what is published while the
 *   subscriber reconnects, and a pause lost that way would leave an attempt running that the
 *   engine holds paused. A worker that starts reads from the stream's end: commands sent while
 *   no worker ran concerned attempts it does not hold (their jobs stalled or wait).
 * - **Offer answers**: an entry `fleetsim-offer-answer` on the agent queue's own event stream
 *   (`fleetsim:agent:<id>:events`), which the connector already reads for the agent's jobs.
 * - **Liveness** `fleetsim:agent:<id>:fleetsim-alive`: set by the agent's worker with a time to
 *   live of the heartbeat, refreshed {@link HEARTBEAT_REFRESHES} times per period, deleted when
 *   it closes or retires; a key that is gone is an agent gone.
 */
import type { QueueEventsListener } from 'bullmq';
import { z } from 'zod';
import type { TaskSpec } from '../engine/task.js';
import { offerAnswerBody } from '../live/service/bodies.js';
import { AGENT_QUEUE_PREFIX, agentQueueName } from './agentQueues.js';

/** BullMQ's key prefix for control streams: an agent's is `fleetsim:control:<id>:events`. */
export const AGENT_CONTROL_PREFIX = 'fleetsim:control';

/** The event name of a control entry (the stream's `event` field). */
export const CONTROL_EVENT = 'fleetsim-control';

/** The event name of an offer's answer on the agent queue's event stream. */
export const OFFER_ANSWER_EVENT = 'fleetsim-offer-answer';

/** `QueueEvents` listeners of fleetsim's own stream entries (their fields but `event`). */
export interface FleetsimEventsListener extends QueueEventsListener {
  /** Called for each control entry on the stream, with its fields and stream entry id. */
  'fleetsim-control': (fields: { readonly message?: string }, id: string) => void;
  /** Called for each offer answer on the stream, with its fields and stream entry id. */
  'fleetsim-offer-answer': (fields: { readonly message?: string }, id: string) => void;
}

/** Entries a control stream keeps (about: Redis trims it lazily). */
export const CONTROL_STREAM_ENTRIES = 1000;

/** How many times per heartbeat period a worker refreshes its liveness key. */
export const HEARTBEAT_REFRESHES = 4;

/** The Redis key of agent `agentId`'s control stream. */
export function controlStreamKey(agentId: string): string {
  return `${AGENT_CONTROL_PREFIX}:${agentQueueName(agentId)}:events`;
}

/** The Redis key of agent `agentId`'s job event stream (BullMQ's `events` key of its queue). */
export function agentEventsKey(agentId: string): string {
  return `${AGENT_QUEUE_PREFIX}:${agentQueueName(agentId)}:events`;
}

/** The Redis key whose presence says that agent `agentId`'s worker is alive. */
export function livenessKey(agentId: string): string {
  return `${AGENT_QUEUE_PREFIX}:${agentQueueName(agentId)}:fleetsim-alive`;
}

/** The id of offer number `offer` of task `taskId` to engine agent `engineAgentId`: unique while the engine runs. */
export function offerId(taskId: string, engineAgentId: string, offer: number): string {
  return `${encodeURIComponent(taskId)}@${encodeURIComponent(engineAgentId)}@o${offer}`;
}

/** A task spec as carried in a control entry (the engine's own, as in an attempt's job data). */
const taskSpec = z.custom<TaskSpec>((value) => typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string', 'expected a task spec');

/** A control entry's message. */
export const controlMessage = z.discriminatedUnion('kind', [
  /** The engine gave up on an attempt: `reason` is its failure reason (`timeout`, `cancelled`, …). */
  z.strictObject({ kind: z.literal('abort'), jobId: z.string(), taskId: z.string(), attempt: z.number().int(), reason: z.string() }),
  z.strictObject({ kind: z.literal('pause'), jobId: z.string(), taskId: z.string(), attempt: z.number().int() }),
  z.strictObject({ kind: z.literal('resume'), jobId: z.string(), taskId: z.string(), attempt: z.number().int() }),
  z.strictObject({ kind: z.literal('prewarm'), contextKey: z.string(), contextTokens: z.number() }),
  z.strictObject({ kind: z.literal('retire'), agentId: z.string() }),
  /**
   * `offer`: the engine's number of this offer of the task (counted over every agent it was
   * offered to); `active`: the slots the engine counts the agent holding, this offer's included.
   */
  z.strictObject({ kind: z.literal('offer'), offerId: z.string(), task: taskSpec, agentId: z.string(), offer: z.int().min(1), active: z.int().min(0) }),
  z.strictObject({ kind: z.literal('withdraw'), offerId: z.string() }),
]);

/** A control entry's message. */
export type ControlMessage = z.output<typeof controlMessage>;

/**
 * An offer's answer as the agent sends it: the HTTP API's answer body, with the offer's id, and
 * from an agent in virtual time the seconds its answer took on its own clock (`delaySeconds`).
 */
export const offerAnswerMessage = z.strictObject({ offerId: z.string(), answer: offerAnswerBody, delaySeconds: z.number().min(0).optional() });

/** An offer's answer as the agent sends it. */
export type OfferAnswerMessage = z.output<typeof offerAnswerMessage>;

/** What appends to a stream: BullMQ's Redis client (`queue.client`, `worker.client`). */
export interface StreamAppender {
  /** Appends an entry to stream `key` (`*` id: Redis picks it), capped near `MAXLEN` entries when given; resolves to the entry's id. */
  xadd(key: string, id: string, fields: Record<string, string | number>, options?: { MAXLEN?: number; approximate?: boolean }): Promise<string>;
}

/**
 * Appends one entry `{ event, message: JSON }` to the stream `key`, as BullMQ's
 * `QueueEventsProducer.publishEvent` does (without a connection of its own per agent); resolves
 * to the entry's id.
 */
export async function appendEvent(client: StreamAppender, key: string, event: string, message: unknown): Promise<string> {
  return client.xadd(key, '*', { event, message: JSON.stringify(message) }, { MAXLEN: CONTROL_STREAM_ENTRIES, approximate: true });
}

/** Whether stream entry id `a` (`<ms>-<seq>`) is at or after `b`. */
export function streamIdAtOrAfter(a: string, b: string): boolean {
  const [aMs = 0n, aSeq = 0n] = a.split('-').map(BigInt);
  const [bMs = 0n, bSeq = 0n] = b.split('-').map(BigInt);
  return aMs !== bMs ? aMs > bMs : aSeq >= bSeq;
}

/**
 * The message of a stream entry read by `QueueEvents` (its fields but `event`), checked with
 * `schema`; a one-line reason when it is not one.
 */
export function readEventMessage<T>(fields: unknown, schema: z.ZodType<T>): { readonly message: T } | { readonly error: string } {
  const text = (fields as { message?: unknown } | undefined)?.message;
  if (typeof text !== 'string') return { error: 'no message field' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'its message is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { error: `${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { message: parsed.data };
}
