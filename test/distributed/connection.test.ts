import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { checkQueueVersion, connectRedis, parseQueueUrl, versionKey } from '../../src/distributed/connection.js';
import { InputError } from '../../src/scenario/errors.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

describe('parseQueueUrl', () => {
  it('reads host, port and DB index, with 6379 and 0 as defaults', () => {
    expect(parseQueueUrl('redis://10.0.0.7:6380/3')).toMatchObject({ host: '10.0.0.7', port: 6380, db: 3 });
    expect(parseQueueUrl('redis://cache.internal')).toMatchObject({ host: 'cache.internal', port: 6379, db: 0 });
    expect(parseQueueUrl('redis://:s3cret@h:1/0')).toMatchObject({ password: 's3cret' });
  });

  it.each([
    ['127.0.0.1:6379', 'not a URL'],
    ['http://127.0.0.1:6379/0', 'scheme "http" is not redis'],
    ['redis://127.0.0.1:6379/zero', 'the DB "zero" is not a database index'],
    ['redis://127.0.0.1:6379/0?x=1', 'no query or fragment'],
    ['redis://127.0.0.1:99999/0', 'not a URL'],
  ])('refuses %s naming --queue on one line', (url, reason) => {
    let error: unknown;
    try {
      parseQueueUrl(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toMatch(/^command line: --queue: /);
    expect(message).toContain(reason);
    expect(message).not.toContain('\n');
  });
});

describe('connectRedis without a server', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let silentPort = 0;
  beforeAll(async () => {
    // Accepts connections and never answers: the connect must still give up in time.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    silent.close(() => resolve());
  }));

  it('fails fast with one line when nothing listens on the port', async () => {
    await expect(connectRedis(parseQueueUrl('redis://127.0.0.1:1/0'), { timeoutMs: 1000 }))
      .rejects.toThrow(/^command line: --queue: redis:\/\/127\.0\.0\.1:1\/0: cannot reach Redis at 127\.0\.0\.1:1 within 1000 ms/);
  });

  it('gives up after the timeout when the server never answers', async () => {
    const started = Date.now();
    await expect(connectRedis(parseQueueUrl(`redis://127.0.0.1:${silentPort}/0`), { timeoutMs: 500 })).rejects.toThrow(/cannot reach Redis/);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describeWithRedis('connectRedis and checkQueueVersion on a real Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis.stop(); });

  it('selects the DB of the URL', async () => {
    const client = await connectRedis(parseQueueUrl(`redis://127.0.0.1:${redis.port}/2`));
    await client.set('probe', 'x');
    expect(await client.exists('probe')).toBe(1);
    await client.select(0);
    expect(await client.exists('probe')).toBe(0);
    client.disconnect();
  });

  it('refuses a DB index the server does not have', async () => {
    await expect(connectRedis(parseQueueUrl(`redis://127.0.0.1:${redis.port}/16`)))
      .rejects.toThrow(/^command line: --queue: .*Redis has no database 16/);
  });

  it('stamps a new queue and refuses one stamped by another version', async () => {
    const queue = parseQueueUrl(`redis://127.0.0.1:${redis.port}/1`);
    const client = await connectRedis(queue);
    const stamp = { prefix: 'fleetsim', queueName: 'experiments', version: '1.2.3' };
    await checkQueueVersion(client, queue, stamp);
    expect(await client.get(versionKey('fleetsim', 'experiments'))).toBe('1.2.3');
    await checkQueueVersion(client, queue, stamp);
    await expect(checkQueueVersion(client, queue, { ...stamp, version: '1.2.4' }))
      .rejects.toThrow(/^command line: --queue: .*holds jobs of fleetsim 1\.2\.3, this is fleetsim 1\.2\.4/);
    client.disconnect();
  });
});
