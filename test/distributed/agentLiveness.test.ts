/**
 * The liveness sweep's rules against a real redis-server, with the liveness keys written as an
 * agent worker writes them and a clock the test moves: a joined agent has a heartbeat to show its
 * key; a key that is gone takes the agent out; one that comes back brings it in again under its
 * next incarnation; an agent removed while its worker runs stays out until another worker writes
 * the key; a sweep that waited long for Redis decides nothing.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/engine/agent.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { livenessKey } from '../../src/distributed/agentControl.js';
import { AgentLiveness } from '../../src/distributed/agentLiveness.js';
import { bullConnectionOptions, parseQueueUrl } from '../../src/distributed/connection.js';
import { agentSpec } from '../support/harness.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

const HEARTBEAT_SECONDS = 10;

/** The engine's join and departure events of an agent, as far as the sweep reads them. */
function joined(spec: AgentSpec): EngineEvent {
  return { kind: 'agentJoined', time: 0, agent: { spec } } as unknown as EngineEvent;
}
function left(id: string): EngineEvent {
  return { kind: 'agentLeft', time: 0, agent: { spec: { id } } } as unknown as EngineEvent;
}

describeWithRedis('the liveness sweep of agents over BullMQ', () => {
  let server: RedisServer;
  let redis: Redis;
  const made: AgentLiveness[] = [];
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(bullConnectionOptions(parseQueueUrl(server.url)));
  });
  afterEach(async () => {
    for (const liveness of made.splice(0)) liveness.close();
    await redis.flushdb();
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /** A sweep over a fleet the test drives: the binding feeds the engine's events back, as the driver would. */
  function fleet(): { liveness: AgentLiveness; clock: { ms: number }; calls: string[]; engineIds: Set<string> } {
    const clock = { ms: 0 };
    const calls: string[] = [];
    const engineIds = new Set<string>();
    const liveness = new AgentLiveness({ connection: bullConnectionOptions(parseQueueUrl(server.url)), heartbeatSeconds: HEARTBEAT_SECONDS, nowMs: () => clock.ms });
    made.push(liveness);
    liveness.bind({
      agentLeft: (id) => {
        calls.push(`left ${id}`);
        liveness.observe(left(id));
      },
      agentJoined: (spec) => {
        calls.push(`joined ${spec.id}`);
        engineIds.add(spec.id);
        liveness.observe(joined(spec));
      },
      engineHasAgent: (id) => engineIds.has(id),
    });
    return { liveness, clock, calls, engineIds };
  }

  it('gives a joined agent a heartbeat to show its key, then takes it out', async () => {
    const { liveness, clock, calls } = fleet();
    liveness.observe(joined(agentSpec({ id: 'q1' })));
    clock.ms = HEARTBEAT_SECONDS * 1000;
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: [] });
    clock.ms += 1;
    expect(await liveness.sweep()).toEqual({ left: ['q1'], rejoined: [] });
    expect(calls).toEqual(['left q1']);
  });

  it('takes out an agent whose key is gone and brings it back under its next incarnation when the key returns', async () => {
    const { liveness, calls, engineIds } = fleet();
    engineIds.add('q2');
    liveness.observe(joined(agentSpec({ id: 'q2', capacity: 3 })));
    await redis.set(livenessKey('q2'), 'worker-A', 'PX', 60_000);
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: [] });
    await redis.del(livenessKey('q2'));
    expect(await liveness.sweep()).toEqual({ left: ['q2'], rejoined: [] });
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: [] });
    // The same worker (it was only stopped) refreshes its key again.
    await redis.set(livenessKey('q2'), 'worker-A', 'PX', 60_000);
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: ['q2#2'] });
    await redis.del(livenessKey('q2'));
    expect(await liveness.sweep()).toEqual({ left: ['q2#2'], rejoined: [] });
    await redis.set(livenessKey('q2'), 'worker-B', 'PX', 60_000);
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: ['q2#3'] });
    expect(calls).toEqual(['left q2', 'joined q2#2', 'left q2#2', 'joined q2#3']);
  });

  it('keeps out an agent removed while its worker runs, until another worker writes its key', async () => {
    const { liveness, calls } = fleet();
    liveness.observe(joined(agentSpec({ id: 'q3' })));
    await redis.set(livenessKey('q3'), 'worker-A', 'PX', 60_000);
    await liveness.sweep();
    // An operator's remove: the engine's departure, the worker still alive.
    liveness.observe(left('q3'));
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: [] });
    await redis.set(livenessKey('q3'), 'worker-B', 'PX', 60_000);
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: ['q3#2'] });
    expect(calls).toEqual(['joined q3#2']);
  });

  it('decides nothing on a sweep that waited longer than half a heartbeat for Redis, and gives every agent a heartbeat again', async () => {
    const clock = { ms: 0 };
    const liveness = new AgentLiveness({
      connection: bullConnectionOptions(parseQueueUrl(server.url)), heartbeatSeconds: HEARTBEAT_SECONDS,
      // Each reading of the clock is 6 s later: the sweep's read of Redis seems to take 6 s.
      nowMs: () => (clock.ms += 6000),
    });
    made.push(liveness);
    const calls: string[] = [];
    liveness.bind({ agentLeft: (id) => calls.push(`left ${id}`), agentJoined: (spec) => calls.push(`joined ${spec.id}`), engineHasAgent: () => false });
    liveness.observe(joined(agentSpec({ id: 'q4' })));
    expect(await liveness.sweep()).toEqual({ left: [], rejoined: [] });
    expect(calls).toEqual([]);
  });
});
