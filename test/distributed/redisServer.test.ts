/** The test support that starts real redis-server processes: the ground the distributed suites stand on. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

describeWithRedis('a test redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => { server = await startRedis({ appendOnly: true }); });
  afterAll(async () => { await server.stop(); });

  it('listens on 127.0.0.1 and keeps what the append-only file holds across a SIGKILL restart', async () => {
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await client.connect();
    await client.set('fleetsim:test', 'kept');
    client.disconnect();
    await server.restart('SIGKILL');
    const again = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await again.connect();
    expect(await again.get('fleetsim:test')).toBe('kept');
    again.disconnect();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}/0`);
  });
});
