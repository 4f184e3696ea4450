/**
 * The Redis behind `--queue redis://HOST:PORT/DB`, shared by distributed experiments and live
 * agents over BullMQ: the URL is parsed and checked before anything connects, the first
 * connection gives up after a few seconds instead of retrying forever, the DB index must exist,
 * and a queue stamped by another version of fleetsim is refused (its jobs would not mean the
 * same). Each failure is an {@link InputError} naming the flag, so the CLI prints one line and
 * exits with code 2.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { InputError, firstLineOf } from '../scenario/errors.js';
import { queueError, type QueueUrl } from './queueUrl.js';

export { QUEUE_FLAG, parseQueueUrl, type QueueUrl } from './queueUrl.js';

/** How long the first connection may take by default before it is an error. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;

/** Options of {@link connectRedis}. */
export interface ConnectOptions {
  /** Give up when the server has not answered within this many milliseconds. @defaultValue {@link DEFAULT_CONNECT_TIMEOUT_MS} */
  readonly timeoutMs?: number;
}

/**
 * ioredis options for long-lived BullMQ connections to `queue`: they reconnect after a Redis
 * restart (BullMQ needs `maxRetriesPerRequest: null` so that blocking commands wait instead of
 * failing), so check the server with {@link connectRedis} first.
 */
export function bullConnectionOptions(queue: QueueUrl): RedisOptions {
  return {
    host: queue.host, port: queue.port, db: queue.db, username: queue.username, password: queue.password,
    maxRetriesPerRequest: null,
    // Back off up to 2 s between attempts: a restarted Redis is found again within that.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
  };
}

/**
 * Connects to the Redis of `queue` once, without retrying: resolves when the server answers and
 * the DB index is selected. Close the client with `quit()` or `disconnect()` when done.
 * @throws InputError naming `--queue` when the server cannot be reached within the timeout, refuses
 * the password, or has no such DB index
 */
export async function connectRedis(queue: QueueUrl, options: ConnectOptions = {}): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const client = new Redis({
    host: queue.host, port: queue.port, username: queue.username, password: queue.password,
    lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs,
    retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false,
  });
  // Errors surface through the promises below; without a listener ioredis would also log them.
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), timeoutMs, 'no answer');
  } catch (error) {
    client.disconnect();
    throw queueError(queue.url, `cannot reach Redis at ${queue.host}:${queue.port} within ${timeoutMs} ms (${firstLineOf(error)})`);
  }
  try {
    await client.select(queue.db);
  } catch (error) {
    client.disconnect();
    const reason = firstLineOf(error);
    if (/out of range/i.test(reason)) throw queueError(queue.url, `Redis has no database ${queue.db} (the server's "databases" setting is lower)`);
    throw queueError(queue.url, `Redis refused SELECT ${queue.db} (${reason})`);
  }
  return client;
}

/** `promise`, or a rejection with `reason` once `ms` have passed (a server that accepts and never answers). */
async function withTimeout<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(reason)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The key holding the fleetsim version that made a queue (beside BullMQ's keys of that queue). */
export function versionKey(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:fleetsim-version`;
}

/**
 * Stamps the queue `queueName` with `version` when it has no stamp yet, and refuses it when it
 * has another: its jobs were made (or are awaited) by another fleetsim, whose job format or
 * results may differ.
 * @throws InputError naming `--queue` when the queue belongs to another version
 */
export async function checkQueueVersion(client: Redis, queue: QueueUrl, stamp: QueueStamp): Promise<void> {
  const key = versionKey(stamp.prefix, stamp.queueName);
  await client.set(key, stamp.version, 'NX');
  const found = await client.get(key);
  if (found !== stamp.version) {
    throw queueError(queue.url, `queue "${stamp.queueName}" holds jobs of fleetsim ${found ?? '(unknown)'}, this is fleetsim ${stamp.version}; `
      + 'use another DB or empty it (redis-cli -n DB FLUSHDB)');
  }
}

/** The stamp a queue must carry: see {@link checkQueueVersion}. */
export interface QueueStamp {
  /** BullMQ key prefix. */
  readonly prefix: string;
  /** The BullMQ queue name. */
  readonly queueName: string;
  /** This fleetsim's version. */
  readonly version: string;
}

/**
 * Checks, on a connection of its own closed afterwards, that the queue can be used: Redis
 * answers within the timeout, the DB index exists, and the queue is this version's.
 * @throws InputError naming `--queue` otherwise
 */
export async function checkQueue(queue: QueueUrl, stamp: QueueStamp, options: ConnectOptions = {}): Promise<void> {
  const client = await connectRedis(queue, options);
  try {
    await checkQueueVersion(client, queue, stamp);
  } finally {
    client.disconnect();
  }
}

/**
 * The queue name `nameOf` makes of `id`, or a command-line error naming `flag` when `id` cannot
 * name a queue (the agents' and the pools' workers take their ids from flags).
 * @throws InputError naming `flag`
 */
export function queueNameFromFlag(flag: string, id: string, nameOf: (id: string) => string): string {
  try {
    return nameOf(id);
  } catch (error) {
    throw new InputError('command line', flag, (error as Error).message);
  }
}
