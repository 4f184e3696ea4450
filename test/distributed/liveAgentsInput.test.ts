/**
 * Bad input to the BullMQ side of the live deployment (`serve --agents bullmq`, `agent-worker`):
 * one line on standard error naming the flag, exit code 2, no stack trace, and no hang (the first
 * connection gives up after a few seconds).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, it } from 'vitest';
import { expectInputError, runCli } from '../cli/runCli.js';
import { tempDir } from '../live/clients/processes.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

const SCENARIO = `
name: bullmq-input
agents: [{ id: a1, capacity: 1, speed: 10, skills: { job: 1 } }]
workload: { jobs: [{ id: j0, at: 0, type: job, tokens: 10 }] }
strategies: [least-connections]
`;

describeWithRedis('bad input to live agents over BullMQ', () => {
  let server: RedisServer;
  let dir: ReturnType<typeof tempDir>;
  let scenarioPath: string;
  /** Port 1: nothing listens there, so connecting is refused (the command must still give up within its timeout, not retry). */
  const closedUrl = 'redis://127.0.0.1:1/0';
  beforeAll(async () => {
    server = await startRedis();
    dir = tempDir({ 'scenario.yaml': SCENARIO });
    scenarioPath = join(dir.path, 'scenario.yaml');
  });
  afterAll(async () => {
    await server.stop();
    dir.remove();
  });

  const serve = (...flags: string[]): ReturnType<typeof runCli> => runCli('serve', scenarioPath, '--data', join(dir.path, 'data'), '--port', '0', ...flags);
  const worker = (queue: string, agent = 'a1'): ReturnType<typeof runCli> => runCli('agent-worker', '--queue', queue, '--agent', agent, '--emulate', scenarioPath);

  it('an unreachable Redis', () => {
    expectInputError(serve('--agents', 'bullmq', '--queue', closedUrl), '--queue', 'cannot reach Redis at 127.0.0.1:1');
    expectInputError(worker(closedUrl), '--queue', 'cannot reach Redis at 127.0.0.1:1');
  });

  it('a DB index the server does not have', () => {
    const url = server.url.replace(/\/0$/, '/99');
    expectInputError(serve('--agents', 'bullmq', '--queue', url), '--queue', 'Redis has no database 99');
    expectInputError(worker(url), '--queue', 'Redis has no database 99');
  });

  it('an agent queue holding jobs of another fleetsim version', async () => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    await client.set('fleetsim:agent:a1:fleetsim-version', '0.0.0-other');
    client.disconnect();
    expectInputError(serve('--agents', 'bullmq', '--queue', server.url), '--queue', 'queue "a1" holds jobs of fleetsim 0.0.0-other');
    expectInputError(worker(server.url), '--queue', 'queue "a1" holds jobs of fleetsim 0.0.0-other');
  });

  it('flags that do not go together, an agent the scenario lacks, an id that cannot name a queue', () => {
    expectInputError(serve('--agents', 'bullmq'), '--queue', 'expected redis://HOST:PORT/DB with --agents bullmq');
    expectInputError(serve('--queue', server.url), '--queue', 'goes with --agents bullmq');
    expectInputError(worker(server.url, 'a9'), '--agent', 'has no agent a9');
    expectInputError(runCli('agent-worker', '--queue', server.url, '--agent', 'a1', '--emulate', scenarioPath, '--virtual-time', '--speedup', '10'), '--speedup', 'has no effect with --virtual-time');
    const colon = join(dir.path, 'colon.yaml');
    writeFileSync(colon, SCENARIO.replace('id: a1', 'id: "a:1"'));
    expectInputError(runCli('serve', colon, '--data', join(dir.path, 'data2'), '--agents', 'bullmq', '--queue', server.url), 'agents', 'agent id "a:1" cannot name a BullMQ queue');
  });

  it('agent-worker with neither agents nor pools, or a pool the scenario does not autoscale', () => {
    expectInputError(runCli('agent-worker', '--queue', server.url, '--emulate', scenarioPath), '--agent', 'expected an agent id (or comma-separated ids), or --provision POOL');
    expectInputError(runCli('agent-worker', '--queue', server.url, '--provision', 'burst', '--emulate', scenarioPath), '--provision', 'autoscales no pool burst');
  });
});
