/**
 * The BullMQ connector and agent workers of a suite, against one real redis-server started for
 * the suite: each test's connectors, workers and queues are closed after it (last made, first
 * closed), the server after the suite.
 */
import { Queue } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { AGENT_QUEUE_PREFIX, agentQueueName } from '../../src/distributed/agentQueues.js';
import { runAgentWorker, type AgentHandler, type AgentHandlers, type AgentWorker } from '../../src/distributed/agentWorker.js';
import { BullmqAgentConnector } from '../../src/distributed/bullmqConnector.js';
import { bullConnectionOptions, parseQueueUrl } from '../../src/distributed/connection.js';
import { startRedis, type RedisServer } from './redisProcess.js';

/** How the suite's connectors and workers detect a dead worker. */
export interface AgentQueuesTimings {
  /** The connector's stalled-job check. */
  readonly stalledCheckSeconds: number;
  /** The workers' job lock. */
  readonly lockSeconds: number;
}

/** What a suite makes its connectors, workers and queues with. */
export interface AgentQueuesFixture {
  /** The server's `redis://` URL. */
  url(): string;
  /** BullMQ's connection options for the server. */
  connection(): RedisOptions;
  /** A connector whose log lines go to `log`. */
  connector(log?: string[]): BullmqAgentConnector;
  /** An agent worker of `concurrency` slots whose log lines go to `log`. */
  worker(agentId: string, handler: AgentHandler | AgentHandlers, options?: { readonly concurrency?: number; readonly log?: string[] }): Promise<AgentWorker>;
  /** A BullMQ queue handle on the agent's queue. */
  queue(agentId: string): Queue;
  /** Closes `item` after the test. */
  closeAfter(item: { close(): Promise<void> }): void;
}

/** A BullMQ queue handle on agent `agentId`'s queue in the Redis at `url` (the caller closes it). */
export function agentQueueAt(url: string, agentId: string): Queue {
  return new Queue(agentQueueName(agentId), { connection: bullConnectionOptions(parseQueueUrl(url)), prefix: AGENT_QUEUE_PREFIX });
}

/** Registers the suite's hooks (call inside `describe`) and returns its fixture. */
export function agentQueuesFixture(timings: AgentQueuesTimings): AgentQueuesFixture {
  let server: RedisServer;
  const closing: { close(): Promise<void> }[] = [];
  beforeAll(async () => { server = await startRedis(); });
  afterEach(async () => {
    for (const item of closing.splice(0).reverse()) await item.close();
  });
  afterAll(async () => { await server.stop(); });
  const connection = (): RedisOptions => bullConnectionOptions(parseQueueUrl(server.url));
  const closeAfter = <T extends { close(): Promise<void> }>(item: T): T => {
    closing.push(item);
    return item;
  };
  return {
    url: () => server.url,
    connection,
    connector: (log = []) => closeAfter(new BullmqAgentConnector({ connection: connection(), stalledCheckSeconds: timings.stalledCheckSeconds, onLog: (line) => log.push(line) })),
    worker: async (agentId, handler, options = {}) => closeAfter(await runAgentWorker(server.url, agentId, handler, {
      lockSeconds: timings.lockSeconds, concurrency: options.concurrency ?? 1,
      ...(options.log === undefined ? {} : { onLog: (line: string) => options.log!.push(line) }),
    })),
    queue: (agentId) => closeAfter(agentQueueAt(server.url, agentId)),
    closeAfter,
  };
}
