/**
 * Provisioning over real HTTP: the engine's autoscaler asks for an agent of pool `burst`, a
 * provisioner takes the request by long-poll (`POST /v1/pools/{pool}/poll`) and answers it by
 * registering the agent with its `provisionId`. Covered: the agent's spec (its pool's first
 * agent, the registration's speed), bad requests (400 naming the field, 404 for a pool no
 * autoscaler scales), leases (a request not answered in time is handed out again), answers
 * repeated (200), refused (410: answered already, or unknown), an id in use (409), tokens (401,
 * 403, a provisioner acting for the agents of its pool), and `retire` reaching the agent; a lease
 * held for the provisioner that took the request only (by its `provisioner` name, else its
 * token); a pending request's id kept across a restart on the same data directory, where its old
 * taker may still answer it, or renew it: the request is held for it for a heartbeat.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startService, type Running } from './serviceHarness.js';
import type { ServiceOptions } from '../../../src/live/service/app.js';

/**
 * A fixed agent `core` (skill `other`) and pool `burst` (skill `job`, speed 40, two slots),
 * autoscaled between 1 and 3 agents, looked at every 0.1 s, acting at most once per `cooldown`
 * seconds (60 by default: one request in a test); a `job` waits unless a burst agent is in the
 * fleet, so the autoscaler asks for one at once.
 */
const scenario = (cooldown = 60): string => `
name: provision-test
seed: 3
agents:
  - { id: core, capacity: 1, speed: 100, skills: { other: 1 } }
  - { pool: burst, count: 1, capacity: 2, speed: 40, skills: { job: 1 }, contextWindow: 8000 }
engine:
  autoscale: [{ pool: burst, min: 1, max: 3, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: ${cooldown}, interval: 0.1, coldStart: 30 }]
workload: { jobs: [{ id: unused-1, at: 0, type: job, tokens: 1 }, { id: unused-2, at: 0, type: other, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

const PROVISIONER = 'provisioner-token-0123456789';
const OTHER_POOL = 'provisioner-other-0123456789';
const SUBMITTER = 'submitter-token-0123456789ab';
const AGENT_CORE = 'agent-core-token-0123456789';

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(options: Omit<ServiceOptions, 'scenario'> = {}, cooldown?: number): Promise<Running> {
  running = await startService(scenario(cooldown), options);
  return running;
}

/** Submits a job, which waits for a burst agent: the autoscaler asks for one. */
async function needAnAgent(service: Running, token?: string): Promise<void> {
  const answer = await service.request('POST', '/v1/tasks', { id: `job-${Math.random().toString(36).slice(2)}`, type: 'job', tokens: 100 }, token);
  expect(answer.status).toBe(201);
}

/** One long-poll of pool `burst`'s requests, by provisioner `provisioner` when given. */
async function pollRequests(service: Running, wait = 5, token?: string, provisioner?: string): Promise<{ provisionId: string; pool: string; leaseSeconds: number; delivery: number }[]> {
  const answer = await service.request('POST', `/v1/pools/burst/poll?wait=${wait}`, provisioner === undefined ? undefined : { provisioner }, token);
  expect(answer.status).toBe(200);
  expect(answer.body.gone).toEqual([]);
  return answer.body.requests;
}

describe('POST /v1/pools/{pool}/poll and the answer', () => {
  it('hands out the autoscaler\'s request; its answer brings the agent in with its pool\'s spec, and the waiting job runs on it', async () => {
    const service = await start();
    await needAnAgent(service);
    const [request, ...more] = await pollRequests(service);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ pool: 'burst', delivery: 1 });
    // The default lease: the pool's cold start plus the heartbeat period.
    expect(request!.leaseSeconds).toBe(35);
    const answer = await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 400, provisionId: request!.provisionId });
    expect(answer).toMatchObject({ status: 201, body: { id: 'burst-1', engineId: 'burst-1', joined: true } });
    const spec = service.service.context.driver.engine.agents.find((agent) => agent.spec.id === 'burst-1')?.spec;
    expect(spec).toMatchObject({ pool: 'burst', capacity: 2, tokensPerSecond: 400, skills: { job: 1 }, contextWindowTokens: 8000 });
    const poll = await service.request('POST', '/v1/agents/burst-1/poll?wait=5');
    expect(poll.body.commands[0]).toMatchObject({ kind: 'start', attempt: 1 });
  });

  it('hands a request out again once its lease ran out, and takes only the first answer (410 for the second, no second agent)', async () => {
    const service = await start({ provisionLeaseSeconds: 0.3 });
    await needAnAgent(service);
    const [first] = await pollRequests(service);
    const startedMs = performance.now();
    // The long-poll answers when the lease runs out, with the same request.
    const [again] = await pollRequests(service);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect(again).toMatchObject({ provisionId: first!.provisionId, delivery: 2 });
    const joined = await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 40, provisionId: first!.provisionId });
    expect(joined.status).toBe(201);
    const late = await service.request('POST', '/v1/agents', { id: 'burst-2', tokensPerSecond: 40, provisionId: again!.provisionId });
    expect(late.status).toBe(410);
    expect(late.body.error).toBe(`body.provisionId: provisioning request ${first!.provisionId} was answered already, by agent burst-1: agent burst-2 is not added; stop it`);
    expect(service.service.context.driver.engine.agents.map((agent) => agent.spec.id)).toEqual(['burst-1']);
    const prometheus = (await service.request('GET', '/metrics')).text;
    expect(prometheus).toMatch(/^fleetsim_provisions_pending 0$/m);
    expect(prometheus).toMatch(/^fleetsim_provisions_redelivered_total 1$/m);
    expect(prometheus).toMatch(/^fleetsim_provision_answers_refused_total 1$/m);
  });

  it('confirms an answer repeated by the same agent (200), refuses an unknown request (410) and an id in the fleet (409)', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'core' });
    await needAnAgent(service);
    const [request] = await pollRequests(service);
    const taken = await service.request('POST', '/v1/agents', { id: 'core', tokensPerSecond: 40, provisionId: request!.provisionId });
    expect(taken).toMatchObject({ status: 409, body: { error: 'body.id: agent core is in the fleet already: an agent provisioned needs an id of its own' } });
    const body = { id: 'burst-1', tokensPerSecond: 40, provisionId: request!.provisionId };
    expect((await service.request('POST', '/v1/agents', body)).status).toBe(201);
    expect(await service.request('POST', '/v1/agents', body)).toMatchObject({ status: 200, body: { id: 'burst-1', engineId: 'burst-1', joined: false } });
    const unknown = await service.request('POST', '/v1/agents', { id: 'burst-9', tokensPerSecond: 40, provisionId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(410);
    expect(unknown.body.error).toMatch(/^body\.provisionId: provisioning request 00000000-0000-4000-8000-000000000000 is not pending here/);
    expect(service.service.context.driver.engine.agents.map((agent) => agent.spec.id)).toEqual(['core', 'burst-1']);
  });

  it('keeps the lease of a request a poll lists in renew while the poll is open, and for a lease after it', async () => {
    const service = await start({ provisionLeaseSeconds: 0.3 });
    await needAnAgent(service);
    const [request] = await pollRequests(service);
    const renew = { renew: [request!.provisionId] };
    const [holding, other] = await Promise.all([
      service.request('POST', '/v1/pools/burst/poll?wait=0.6', renew),
      service.request('POST', '/v1/pools/burst/poll?wait=0.6'),
    ]);
    // Past the 0.3 s lease, neither took it: the first held it.
    expect([holding.body, other.body]).toEqual([{ requests: [], gone: [] }, { requests: [], gone: [] }]);
    const startedMs = performance.now();
    const [again] = await pollRequests(service);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect(again).toMatchObject({ provisionId: request!.provisionId, delivery: 2 });
  });

  it('answers a poll at once with the requests of its renew list that are no longer pending (gone)', async () => {
    const service = await start();
    await needAnAgent(service);
    const [request] = await pollRequests(service);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await service.request('POST', '/v1/pools/burst/poll?wait=5', { renew: [unknown] })).body).toEqual({ requests: [], gone: [unknown] });
    const holding = service.request('POST', '/v1/pools/burst/poll?wait=30', { renew: [request!.provisionId] });
    await eventually(() => service.service.context.agents.provisions.stats().pending === 1, 1000);
    const startedMs = performance.now();
    expect((await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 40, provisionId: request!.provisionId })).status).toBe(201);
    expect((await holding).body).toEqual({ requests: [], gone: [request!.provisionId] });
    expect(performance.now() - startedMs).toBeLessThan(5000);
  });

  it('holds a lease for the provisioner that took the request only: another one renewing it is told it is gone, and the lease runs out', async () => {
    const service = await start({ provisionLeaseSeconds: 0.3 });
    await needAnAgent(service);
    const [request] = await pollRequests(service, 5, undefined, 'host-a');
    const renew = (provisioner: string, wait: number): Promise<{ status: number; body: unknown }> =>
      service.request('POST', `/v1/pools/burst/poll?wait=${wait}`, { provisioner, renew: [request!.provisionId] });
    const startedMs = performance.now();
    expect(await renew('host-b', 5)).toMatchObject({ status: 200, body: { requests: [], gone: [request!.provisionId] } });
    expect(performance.now() - startedMs).toBeLessThan(250);
    // host-b's renewal held nothing: the request is handed out again once host-a's lease ran out.
    const [again] = await pollRequests(service, 5, undefined, 'host-b');
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(250);
    expect(again).toMatchObject({ provisionId: request!.provisionId, delivery: 2 });
    // Now host-b holds it: its renewal keeps the lease past 0.3 s, and host-a's is gone.
    const holding = renew('host-b', 0.6);
    expect(await renew('host-a', 5)).toMatchObject({ body: { gone: [request!.provisionId] } });
    expect(await pollRequests(service, 0.5, undefined, 'host-c')).toEqual([]);
    expect((await holding).body).toEqual({ requests: [], gone: [] });
    // The answer is taken from whoever brings the agent first, the holder or not.
    expect((await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 40, provisionId: request!.provisionId })).status).toBe(201);
  });

  it('keeps a pending request under its id across a restart on the same data directory: its old taker\'s answer adds the agent once (201, then 410)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-provision-'));
    let service = await start({ dataDir });
    await needAnAgent(service);
    const [before] = await pollRequests(service, 5, undefined, 'host-a');
    await service.close();
    service = await start({ dataDir });
    expect(service.service.recovery?.redelivered).toMatchObject({ provisions: 1 });
    expect(service.service.context.agents.provisions.stats().pending).toBe(1);
    // The old taker answers, not knowing of the restart: its agent joins as the answer.
    expect(await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 40, provisionId: before!.provisionId }))
      .toMatchObject({ status: 201, body: { engineId: 'burst-1', joined: true } });
    const second = await service.request('POST', '/v1/agents', { id: 'burst-2', tokensPerSecond: 40, provisionId: before!.provisionId });
    expect(second.status).toBe(410);
    expect(service.service.context.driver.engine.agents.map((agent) => agent.spec.id)).toEqual(['burst-1']);
    expect(await pollRequests(service, 0.3, undefined, 'host-b')).toEqual([]);
  });

  it('after a restart, holds a pending request for its old taker for a heartbeat: its renewal keeps it; unrenewed, it is handed out once the heartbeat passed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-provision-'));
    let service = await start({ dataDir, provisionLeaseSeconds: 0.3 });
    await needAnAgent(service);
    const [before] = await pollRequests(service, 5, undefined, 'host-a');
    await service.close();
    service = await start({ dataDir, provisionLeaseSeconds: 0.3 });
    const renew = (provisioner: string, wait: number): Promise<{ status: number; body: unknown }> =>
      service.request('POST', `/v1/pools/burst/poll?wait=${wait}`, { provisioner, renew: [before!.provisionId] });
    // host-b polls first: the request is held for whoever took it before the restart, so host-b gets nothing.
    expect(await pollRequests(service, 0.3, undefined, 'host-b')).toEqual([]);
    // host-a comes back and renews: it holds the request, which goes to nobody else.
    const holding = renew('host-a', 0.6);
    await eventually(() => service.service.context.agents.provisions.stats().pending === 1, 1000);
    expect(await pollRequests(service, 0.5, undefined, 'host-b')).toEqual([]);
    expect((await holding).body).toEqual({ requests: [], gone: [] });
    await service.close();

    const restartedMs = performance.now();
    service = await start({ dataDir, provisionLeaseSeconds: 0.3 });
    // Nobody renews: host-b's long poll is handed the request, under the same id, once the heartbeat (5 s) passed; host-a's renewal is then gone.
    expect(await pollRequests(service, 10, undefined, 'host-b')).toEqual([{ provisionId: before!.provisionId, pool: 'burst', leaseSeconds: 0.3, delivery: 1 }]);
    expect(performance.now() - restartedMs).toBeGreaterThanOrEqual(5000);
    expect(await renew('host-a', 5)).toMatchObject({ body: { requests: [], gone: [before!.provisionId] } });
  });

  it('answers an empty poll after its wait when nothing is asked for', async () => {
    const service = await start();
    const startedMs = performance.now();
    expect(await pollRequests(service, 0.2)).toEqual([]);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(150);
  });

  it.each([
    ['POST', '/v1/pools/core/poll', undefined, 404, 'params.pool: pool core is not provisioned over HTTP (the scenario\'s engine.autoscale does not scale it, or agents take their work from BullMQ)'],
    ['POST', '/v1/pools/burst/poll?wait=61', undefined, 400, 'query.wait: expected a number <= 60, got "61"'],
    ['POST', '/v1/pools/burst/poll?max=3', undefined, 400, 'query.max: unknown field "max"'],
    ['POST', '/v1/pools/burst/poll', { hold: [] }, 400, 'body.hold: unknown field "hold"'],
    ['POST', '/v1/pools/burst/poll', { renew: ['p1'] }, 400, 'body.renew[0]: expected a provisionId'],
    ['POST', '/v1/pools/burst/poll', { provisioner: '' }, 400, 'body.provisioner: expected a non-empty string'],
    ['POST', '/v1/pools/burst/poll', { provisioner: 'host 1' }, 400, 'body.provisioner: expected visible ASCII characters only (no blank)'],
    ['POST', '/v1/pools/burst/poll', { provisioner: 'h'.repeat(129) }, 400, `body.provisioner: expected at most 128 characters, got "${'h'.repeat(40)}…"`],
    ['POST', '/v1/pools/burst/poll', { provisioner: 7 }, 400, 'body.provisioner: expected a string, got 7'],
    ['POST', '/v1/agents', { id: 'burst-1', provisionId: 'p1' }, 400, 'body.provisionId: expected the provisionId of a request, as a poll of /v1/pools/{pool}/poll handed it out'],
  ])('%s %s %j: %i naming the field', async (method, path, body, status, error) => {
    const service = await start();
    expect(await service.request(method, path, body)).toMatchObject({ status, body: { error } });
  });

  it('sends retire to a provisioned agent the autoscaler drains', async () => {
    const service = await start({}, 0.1);
    await needAnAgent(service);
    const [request] = await pollRequests(service);
    await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 4000, provisionId: request!.provisionId });
    const [first] = (await service.request('POST', '/v1/agents/burst-1/poll?wait=5')).body.commands;
    await service.request('POST', `/v1/agents/burst-1/attempts/${first.task.id}/1/finished`, { ok: true, quality: 1 });
    // Idle, the pool above its minimum? No: at its minimum of one it stays; a second agent is drained.
    await needAnAgent(service);
    await needAnAgent(service);
    await needAnAgent(service);
    const [second] = await pollRequests(service);
    await service.request('POST', '/v1/agents', { id: 'burst-2', tokensPerSecond: 4000, provisionId: second!.provisionId });
    // Both agents finish whatever they get; once idle, the pool drains back to one agent.
    const retired: string[] = [];
    await eventually(async () => {
      for (const id of ['burst-1', 'burst-2']) {
        const { commands } = (await service.request('POST', `/v1/agents/${id}/poll?wait=0.2`)).body;
        for (const command of commands) {
          if (command.kind === 'retire') retired.push(id);
          if (command.kind === 'start') await service.request('POST', `/v1/agents/${id}/attempts/${command.task.id}/${command.attempt}/finished`, { ok: true, quality: 1 });
        }
      }
      return retired.length > 0;
    }, 10_000, 'a retire');
    expect(retired).toHaveLength(1);
    // The retired agent left the fleet; the other stays, at the pool's minimum.
    await eventually(() => service.service.context.agents.stats().agents === 1, 5000, 'one agent left in the fleet');
    expect(service.service.context.agents.agent(retired[0]!)?.inFleet).toBe(false);
  });
});

describe('provisioning with tokens', () => {
  const tokens = { [PROVISIONER]: 'provisioner:burst', [OTHER_POOL]: 'provisioner:gpu', [SUBMITTER]: 'submitter', [AGENT_CORE]: 'agent:core' } as const;

  it('needs a provisioner of the pool to poll (401 without a token, 403 for others)', async () => {
    const service = await start({ tokens });
    expect((await service.request('POST', '/v1/pools/burst/poll')).status).toBe(401);
    for (const token of [OTHER_POOL, SUBMITTER, AGENT_CORE]) {
      const answer = await service.request('POST', '/v1/pools/burst/poll', undefined, token);
      expect({ token, status: answer.status }).toEqual({ token, status: 403 });
    }
    expect((await service.request('POST', '/v1/pools/burst/poll', undefined, OTHER_POOL)).body.error)
      .toBe('authorization: the token may not act as a provisioner of pool burst (role provisioner:burst, provisioner:* or admin)');
    expect((await service.request('POST', '/v1/pools/burst/poll?wait=0', undefined, PROVISIONER)).status).toBe(200);
  });

  it('tells provisioners that name themselves not apart by their tokens', async () => {
    const second = 'provisioner-second-012345678';
    const service = await start({ tokens: { ...tokens, [second]: 'provisioner:burst' }, provisionLeaseSeconds: 0.3 });
    await needAnAgent(service, SUBMITTER);
    const [request] = await pollRequests(service, 5, PROVISIONER);
    const renew = { renew: [request!.provisionId] };
    expect((await service.request('POST', '/v1/pools/burst/poll?wait=5', renew, second)).body).toEqual({ requests: [], gone: [request!.provisionId] });
    const holding = service.request('POST', '/v1/pools/burst/poll?wait=0.6', renew, PROVISIONER);
    expect(await pollRequests(service, 0.5, second)).toEqual([]);
    expect((await holding).body).toEqual({ requests: [], gone: [] });
  });

  it('scopes a provisioner\'s name by its token: another token giving the same name does not hold the lease', async () => {
    const second = 'provisioner-second-012345678';
    const service = await start({ tokens: { ...tokens, [second]: 'provisioner:burst' }, provisionLeaseSeconds: 0.3 });
    await needAnAgent(service, SUBMITTER);
    const [request] = await pollRequests(service, 5, PROVISIONER, 'host-1');
    const renew = { provisioner: 'host-1', renew: [request!.provisionId] };
    expect((await service.request('POST', '/v1/pools/burst/poll?wait=5', renew, second)).body).toEqual({ requests: [], gone: [request!.provisionId] });
    const holding = service.request('POST', '/v1/pools/burst/poll?wait=0.6', renew, PROVISIONER);
    expect(await pollRequests(service, 0.5, second, 'host-1')).toEqual([]);
    expect((await holding).body).toEqual({ requests: [], gone: [] });
  });

  it('takes the answer from a provisioner of the pool only, and lets it act for the agent it brought in', async () => {
    const service = await start({ tokens });
    await needAnAgent(service, SUBMITTER);
    const [request] = await pollRequests(service, 5, PROVISIONER);
    const body = { id: 'burst-1', tokensPerSecond: 40, provisionId: request!.provisionId };
    for (const token of [OTHER_POOL, SUBMITTER, AGENT_CORE]) {
      const answer = await service.request('POST', '/v1/agents', body, token);
      expect({ token, status: answer.status }).toEqual({ token, status: 403 });
    }
    expect((await service.request('POST', '/v1/agents', body, PROVISIONER)).status).toBe(201);
    const poll = await service.request('POST', '/v1/agents/burst-1/poll?wait=5', undefined, PROVISIONER);
    expect(poll.body.commands[0]).toMatchObject({ kind: 'start' });
    // Not the agents of other pools, nor the provisioner of another pool.
    await service.request('POST', '/v1/agents', { id: 'core' }, AGENT_CORE);
    expect((await service.request('POST', '/v1/agents/core/poll?wait=0', undefined, PROVISIONER)).status).toBe(403);
    expect((await service.request('POST', '/v1/agents/burst-1/poll?wait=0', undefined, OTHER_POOL)).status).toBe(403);
  });
});
