/**
 * The engine's `provision` over BullMQ: each autoscaled pool has a provisioning queue
 * (`fleetsim:pool:<pool>`, BullMQ's prefix `fleetsim:pool`), whose jobs (`provision`, data
 * `{ pool }`) are taken by whoever can start agents of that pool. The taker starts the agent (its
 * worker taking attempts from its own queue, ./agentWorker.ts) and returns the agent's spec as
 * the job's result; the connector hands that spec to the driver, and the agent joins.
 *
 * Delivery is at least once: a provisioner that dies mid-job gives it back through BullMQ's
 * stalled-job check and another takes it, which may start one agent more than the autoscaler
 * asked for (the autoscaler drains it again when it is not needed). A driver restart asks again
 * for every agent provisioned but not joined under the provision's id
 * (`ProvisionContext.provisionId`, the same across restarts), which is the job's id: BullMQ adds
 * no second job for an id it holds, so the restarted driver waits for the job already queued or
 * running, or takes the result of one that completed while it was down (kept an hour), and no
 * second agent is started. Only a job that failed is replaced by a new one under the same id.
 *
 * {@link PoolProvisioning} is the driver's side, {@link runProvisioner} the taker's.
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import { z } from 'zod';
import type { AgentSpec } from '../engine/agent.js';
import { agentQueueName } from './agentQueues.js';
import { bullConnectionOptions, checkQueue, parseQueueUrl, queueNameFromFlag } from './connection.js';

/** BullMQ's key prefix for provisioning queues: a pool's keys are `fleetsim:pool:<pool>:…`. */
export const POOL_QUEUE_PREFIX = 'fleetsim:pool';

/** The name of a provisioning job. */
export const PROVISION_JOB_NAME = 'provision';

/** A provisioning job's data. */
export interface ProvisionJobData {
  /** The pool an agent is asked for. */
  readonly pool: string;
}

/** A provisioning job's result as the connector accepts it: the new agent's spec. */
export const provisionJobResult = z.strictObject({
  agent: z.strictObject({
    id: z.string().min(1).refine((id) => !id.includes(':') && !id.includes('#'), 'an agent id may not contain ":" or "#"'),
    capacity: z.int().min(1),
    tokensPerSecond: z.number().positive(),
    skills: z.record(z.string(), z.number().min(0).max(1)),
    weight: z.number().positive(),
    tags: z.array(z.string()),
    contextWindowTokens: z.int().positive().optional(),
    pool: z.string().optional(),
  }),
  /** From a provisioner in virtual time: how long the agent's cold start took on its own clock. */
  coldStartSeconds: z.number().min(0).optional(),
});

/** A provisioning job's result. */
export type ProvisionJobResult = z.output<typeof provisionJobResult>;

/** The queue name of a pool (its name). @throws Error naming the pool when it cannot name a queue. */
export function poolQueueName(pool: string): string {
  if (pool === '' || pool.includes(':')) throw new Error(`pool "${pool}" cannot name a BullMQ queue (empty, or contains ":")`);
  return pool;
}

/** One pool's queue and the event stream its jobs' ends are read from. */
interface PoolQueue {
  readonly queue: Queue<ProvisionJobData>;
  readonly events: QueueEvents;
}

/** Seconds a finished provisioning job is kept (its result has been read by then). */
const KEEP_FINISHED_SECONDS = 3600;

/** The driver's side: asks a pool's provisioners for a new agent and waits for its spec. */
export class PoolProvisioning {
  private readonly pools = new Map<string, Promise<PoolQueue>>();
  private closed = false;

  /** @param connection - the Redis, as BullMQ takes it. @param onError - errors of a queue or stream. */
  constructor(private readonly connection: ConnectionOptions, private readonly onError: (error: Error) => void) {}

  /**
   * Adds a provisioning job to `pool`'s queue once `durable` settles, with id `requestId` (a
   * random one when absent), and resolves with the agent's spec the job returns (after handing
   * its `coldStartSeconds`, when it has one, to `readyAfter`). A job of that id still waiting,
   * running or completed is the one waited for (no second job: a provision asked again after a
   * restart); a failed one is removed and asked again. Rejects when the job fails (the
   * provisioner's handler threw) or the result is not an agent spec of that pool.
   */
  async provision(pool: string, durable: Promise<void>, readyAfter?: (coldStartSeconds: number) => void, requestId: string = randomUUID()): Promise<AgentSpec> {
    await durable;
    const { queue, events } = await this.poolQueue(pool);
    const keep = { age: KEEP_FINISHED_SECONDS };
    const earlier = await queue.getJob(requestId);
    if (earlier !== undefined && (await earlier.isFailed())) await earlier.remove();
    const job = await queue.add(PROVISION_JOB_NAME, { pool }, { jobId: requestId, attempts: 1, removeOnComplete: keep, removeOnFail: keep });
    const result = await job.waitUntilFinished(events);
    const parsed = provisionJobResult.safeParse(result);
    if (!parsed.success) throw new Error(`the provisioner of pool ${pool} returned no agent spec (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'})`);
    const { contextWindowTokens, pool: agentPool, ...spec } = parsed.data.agent;
    if (agentPool !== undefined && agentPool !== pool) throw new Error(`the provisioner of pool ${pool} returned agent ${spec.id} of pool ${agentPool}`);
    if (parsed.data.coldStartSeconds !== undefined) readyAfter?.(parsed.data.coldStartSeconds);
    return { ...spec, pool, ...(contextWindowTokens === undefined ? {} : { contextWindowTokens }) };
  }

  /** Closes every pool's queue and event stream; pending provisions stay unsettled. */
  async close(): Promise<void> {
    this.closed = true;
    const pools = await Promise.allSettled([...this.pools.values()]);
    await Promise.allSettled(pools.flatMap((p) => (p.status === 'fulfilled' ? [p.value.events.close(), p.value.queue.close()] : [])));
    this.pools.clear();
  }

  private poolQueue(pool: string): Promise<PoolQueue> {
    let poolQueue = this.pools.get(pool);
    if (poolQueue === undefined) {
      poolQueue = this.openPoolQueue(pool);
      this.pools.set(pool, poolQueue);
    }
    return poolQueue;
  }

  private async openPoolQueue(pool: string): Promise<PoolQueue> {
    if (this.closed) throw new Error('bullmq connector: closed');
    const name = poolQueueName(pool);
    const queue = new Queue<ProvisionJobData>(name, { connection: this.connection, prefix: POOL_QUEUE_PREFIX });
    queue.on('error', this.onError);
    const events = new QueueEvents(name, { connection: this.connection, prefix: POOL_QUEUE_PREFIX });
    events.on('error', this.onError);
    await events.waitUntilReady();
    return { queue, events };
  }
}

/** A request for a new agent, as a provisioner's handler receives it. */
export interface ProvisionRequest {
  /** The pool (autoscaled) the agent is for. */
  readonly pool: string;
  /** The job's id: the driver's id of the provision (the same when a restarted driver asks again for it), or a random one. */
  readonly requestId: string;
  /**
   * For a provisioner in virtual time (it answers at once): how many seconds the agent's cold
   * start took on its own clock, returned with the spec (`coldStartSeconds`) for a driver on a
   * manual clock (`VirtualTimeConnector`), which lets the agent join that long after the request.
   * At most once, before resolving.
   */
  readyAfter(coldStartSeconds: number): void;
}

/**
 * Starts a new agent of the pool (its worker taking attempts from its queue must be running
 * before this resolves) and resolves with its spec; `id` must be new to the fleet.
 */
export type ProvisionHandler = (request: ProvisionRequest) => Promise<AgentSpec>;

/** Options of {@link runProvisioner}. */
export interface ProvisionerOptions {
  /** Requests handled at once. @defaultValue 1 */
  readonly concurrency?: number;
  /** Milliseconds the first connection may take. @defaultValue 3000 */
  readonly connectTimeoutMs?: number;
  /** When given, the pool's queue is stamped with this fleetsim version, and one stamped by another is refused. */
  readonly version?: string;
}

/** A running provisioner. */
export interface Provisioner {
  /** The BullMQ worker (for its events: `completed`, `failed`, `error`). */
  readonly worker: Worker<ProvisionJobData, ProvisionJobResult>;
  /** Stops taking requests and waits for the running ones to end. */
  close(): Promise<void>;
}

/**
 * Runs `handler` for every agent the engine asks of `pool`, taking the requests from the pool's
 * provisioning queue in the Redis at `url` (`redis://HOST:PORT/DB`). A handler that throws
 * fails the request (the driver reports it; the autoscaler asks again at its next interval).
 * @throws InputError naming `--queue` for a bad URL, an unreachable Redis, a missing DB, or a
 * queue of another fleetsim version; naming `--provision` for a pool that cannot name a queue
 */
export async function runProvisioner(url: string, pool: string, handler: ProvisionHandler, options: ProvisionerOptions = {}): Promise<Provisioner> {
  const queueUrl = parseQueueUrl(url);
  const name = queueNameFromFlag('--provision', pool, poolQueueName);
  if (options.version !== undefined) {
    await checkQueue(queueUrl, { prefix: POOL_QUEUE_PREFIX, queueName: name, version: options.version },
      options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs });
  }
  const worker = new Worker<ProvisionJobData, ProvisionJobResult>(name, async (job) => {
    let coldStartSeconds: number | undefined;
    const spec = await handler({ pool: job.data.pool, requestId: job.id!, readyAfter: (seconds) => { coldStartSeconds ??= seconds; } });
    agentQueueName(spec.id);
    const agent = { ...spec, tags: [...spec.tags], skills: { ...spec.skills } };
    return coldStartSeconds === undefined ? { agent } : { agent, coldStartSeconds };
  }, { connection: bullConnectionOptions(queueUrl), prefix: POOL_QUEUE_PREFIX, concurrency: options.concurrency ?? 1 });
  await worker.waitUntilReady();
  return { worker, close: () => worker.close() };
}
