/**
 * `/v1/agents` over real HTTP: registration, the long-poll (early on a command, empty after the
 * wait), attempt reports (fresh, duplicate, stale, someone else's), offers, the heartbeat
 * (a silent agent leaves and its task runs elsewhere), and re-registration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, pollsOpened, scenarioText, startService, type Running } from './serviceHarness.js';

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(text = scenarioText()): Promise<Running> {
  running = await startService(text);
  return running;
}

describe('POST /v1/agents', () => {
  it('registers a scenario agent (201, spec from the scenario) and confirms it again (200)', async () => {
    const service = await start();
    const first = await service.request('POST', '/v1/agents', { id: 'r1' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: 'r1', engineId: 'r1', joined: true });
    const spec = service.service.context.driver.engine.agents[0]!.spec;
    expect(spec).toMatchObject({ id: 'r1', capacity: 2, tokensPerSecond: 50, skills: { review: 1 } });
    const again = await service.request('POST', '/v1/agents', { id: 'r1' });
    expect(again.status).toBe(200);
    expect(again.body.joined).toBe(false);
  });

  it('answers 409 when an agent in the fleet registers with another spec', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'r1' });
    const other = await service.request('POST', '/v1/agents', { id: 'r1', capacity: 5 });
    expect(other.status).toBe(409);
  });

  it('needs tokensPerSecond for an agent the scenario does not list', async () => {
    const service = await start();
    const missing = await service.request('POST', '/v1/agents', { id: 'extra', skills: { code: 1 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/^body\.tokensPerSecond: required/);
    const given = await service.request('POST', '/v1/agents', { id: 'extra', skills: { code: 1 }, tokensPerSecond: 10, capacity: 3 });
    expect(given.status).toBe(201);
  });

  it.each([
    [{ id: 'a1', speed: 3 }, 'body.speed: unknown field "speed"'],
    [{ id: 'a1', capacity: 0 }, 'body.capacity: expected a number >= 1, got 0'],
    [{ id: 'a1', skills: { code: 2 } }, 'body.skills.code: expected a number <= 1, got 2'],
    [{}, 'body.id: required: expected a string'],
  ])('answers 400 naming the field for %j', async (body, message) => {
    const service = await start();
    const answer = await service.request('POST', '/v1/agents', body);
    expect(answer).toMatchObject({ status: 400, body: { error: message } });
    expect(service.service.context.driver.engine.agents).toHaveLength(0);
  });
});

describe('POST /v1/agents/{id}/poll', () => {
  it('hands out a start once, then runs the attempt to completion from the reports', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 5 });
    const poll = await service.request('POST', '/v1/agents/a1/poll?wait=0');
    expect(poll.status).toBe(200);
    expect(poll.body.commands).toEqual([{ kind: 'start', task: { id: 't1', type: 'code', priority: 2, tokens: 5, contextTokens: 0 }, attempt: 1 }]);
    expect((await service.request('POST', '/v1/agents/a1/poll?wait=0')).body.commands).toEqual([]);
    const started = await service.request('POST', '/v1/agents/a1/attempts/t1/1/started', { setupTokens: 0 });
    expect(started.body).toEqual({ stale: false });
    expect((await service.request('GET', '/v1/tasks/t1')).body.state).toBe('running');
    const finished = await service.request('POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true, quality: 0.9 });
    expect(finished.body).toEqual({ stale: false });
    expect((await service.request('GET', '/v1/tasks/t1')).body.state).toBe('completed');
  });

  it('answers a waiting poll as soon as a command arrives', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    const opened = pollsOpened(service.service);
    const poll = service.request('POST', '/v1/agents/a1/poll?wait=30');
    // Open before the task comes: otherwise the start would be in the mailbox when it opens.
    await eventually(() => opened() === 1, 5000, 'a1\'s long-poll open');
    const began = performance.now();
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const answer = await poll;
    const seconds = (performance.now() - began) / 1000;
    expect(answer.body.commands.map((command: { kind: string }) => command.kind)).toEqual(['start']);
    expect(seconds).toBeLessThan(5);
  });

  it('answers empty after the wait when nothing comes', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 5'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    const began = performance.now();
    const answer = await service.request('POST', '/v1/agents/a1/poll?wait=0.3');
    const seconds = (performance.now() - began) / 1000;
    expect(answer.body).toEqual({ commands: [] });
    expect(seconds).toBeGreaterThanOrEqual(0.29);
  });

  it('answers 404 for an agent not in the fleet, 400 for a bad wait', async () => {
    const service = await start();
    expect((await service.request('POST', '/v1/agents/ghost/poll')).status).toBe(404);
    await service.request('POST', '/v1/agents', { id: 'a1' });
    const bad = await service.request('POST', '/v1/agents/a1/poll?wait=600');
    expect(bad).toMatchObject({ status: 400, body: { error: 'query.wait: expected a number <= 60, got "600"' } });
  });

  it('delivers an abort when a running task is cancelled; the late result is stale', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    await service.request('POST', '/v1/agents/a1/poll');
    await service.request('POST', '/v1/agents/a1/attempts/t1/1/started', {});
    await service.request('DELETE', '/v1/tasks/t1');
    const poll = await service.request('POST', '/v1/agents/a1/poll');
    expect(poll.body.commands).toEqual([{ kind: 'abort', taskId: 't1', attempt: 1, reason: 'cancelled-by-request' }]);
    const late = await service.request('POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true });
    expect(late.body).toEqual({ stale: true });
    expect(service.service.context.driver.counts()).toMatchObject({ completed: 0, cancelled: 1 });
  });
});

describe('attempt reports', () => {
  it('answers stale for a duplicate or unknown attempt, 403 for another agent\'s attempt, 404 for an unknown agent', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/agents', { id: 'a2' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const owner = service.service.context.tasks.get('t1')!.agent!;
    const other = owner === 'a1' ? 'a2' : 'a1';
    const foreign = await service.request('POST', `/v1/agents/${other}/attempts/t1/1/finished`, { ok: true });
    expect(foreign.status).toBe(403);
    expect(service.service.context.driver.counts().completed).toBe(0);
    expect((await service.request('POST', `/v1/agents/${owner}/attempts/t1/2/finished`, { ok: true })).body).toEqual({ stale: true });
    expect((await service.request('POST', `/v1/agents/${owner}/attempts/t1/1/started`, {})).body).toEqual({ stale: false });
    expect((await service.request('POST', `/v1/agents/${owner}/attempts/t1/1/started`, {})).body).toEqual({ stale: true });
    expect((await service.request('POST', `/v1/agents/${owner}/attempts/t1/1/finished`, { ok: false, reason: 'quality' })).body).toEqual({ stale: false });
    expect((await service.request('POST', `/v1/agents/${owner}/attempts/t1/1/finished`, { ok: true })).body).toEqual({ stale: true });
    expect((await service.request('POST', '/v1/agents/ghost/attempts/t1/1/finished', { ok: true })).status).toBe(404);
  });

  it('refuses more blocks hit than the task\'s contextBlocks, or any for a task without, alone or in a batch; the attempt stays unstarted', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 'r0', type: 'code', contextTokens: 100, contextBlocks: [4, 5], contextBlockTokens: 64 });
    await service.request('POST', '/v1/agents', { id: 'a2' });
    await service.request('POST', '/v1/tasks', { id: 'plain', type: 'code' });
    const agentOf = (id: string): string => service.service.context.tasks.get(id)!.agent!;
    const tooMany = await service.request('POST', `/v1/agents/${agentOf('r0')}/attempts/r0/1/started`, { contextBlocksHit: 3 });
    expect(tooMany).toMatchObject({ status: 400, body: { error: 'body.contextBlocksHit: task r0 has 2 contextBlocks, got 3 hits' } });
    const none = await service.request('POST', `/v1/agents/${agentOf('plain')}/reports`, { reports: [{ task: 'plain', attempt: 1, started: { contextBlocksHit: 0 } }] });
    expect(none.body.results).toEqual([{ status: 400, error: 'body.reports[0].started.contextBlocksHit: task plain has no contextBlocks, got 0 hits' }]);
    expect([service.service.context.tasks.get('r0')!.state, service.service.context.tasks.get('plain')!.state]).toEqual(['assigned', 'assigned']);
    expect((await service.request('POST', `/v1/agents/${agentOf('r0')}/attempts/r0/1/started`, { contextBlocksHit: 2 })).body).toEqual({ stale: false });
  });

  it.each([
    ['/v1/agents/a1/attempts/t1/0/finished', { ok: true }, 'params.attempt: expected a number >= 1, got "0"'],
    ['/v1/agents/a1/attempts/t1/1/finished', { ok: false }, 'body.reason: required'],
    ['/v1/agents/a1/attempts/t1/1/finished', { ok: false, reason: 'ttl' }, 'body.reason: expected one of'],
    ['/v1/agents/a1/attempts/t1/1/finished', { ok: 'yes' }, 'body.ok: expected one of true, false'],
    ['/v1/agents/a1/attempts/t1/1/started', { setupTokens: -3 }, 'body.setupTokens: expected a number >= 0'],
    ['/v1/agents/a1/attempts/t1/1/started', { contextBlocksHit: 1.5 }, 'body.contextBlocksHit: expected an integer, got 1.5'],
    ['/v1/agents/a1/attempts/t1/1/started', { contextBlocksHit: 1001 }, 'body.contextBlocksHit: expected a number <= 1000, got 1001'],
  ])('answers 400 for %s with %j', async (path, body, message) => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    const answer = await service.request('POST', path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(message);
  });
});

describe('offers', () => {
  it('hands out an offer; accepting it starts the attempt; a second answer is stale', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 5', 'delegation: { mode: offer }'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const poll = await service.request('POST', '/v1/agents/a1/poll');
    const [offer] = poll.body.commands;
    expect(offer).toMatchObject({ kind: 'offer', task: { id: 't1' } });
    expect(offer.offerId).toMatch(/^o\d+$/);
    expect((await service.request('POST', `/v1/agents/a1/offers/${offer.offerId}`, { accept: true })).body).toEqual({ stale: false });
    const next = await service.request('POST', '/v1/agents/a1/poll');
    expect(next.body.commands).toMatchObject([{ kind: 'start', task: { id: 't1' }, attempt: 1 }]);
    expect((await service.request('POST', `/v1/agents/a1/offers/${offer.offerId}`, { accept: false })).body).toEqual({ stale: true });
  });

  it('takes a decline with its reason and offers the task to the next agent', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 5', 'delegation: { mode: offer }'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/agents', { id: 'a2' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const owner = service.service.context.tasks.get('t1')!.history.find((entry) => entry.kind === 'offerMade')!.agent!;
    const [offer] = (await service.request('POST', `/v1/agents/${owner}/poll`)).body.commands;
    expect((await service.request('POST', `/v1/agents/${owner}/offers/${offer.offerId}`, { accept: false, reason: 'overloaded' })).body).toEqual({ stale: false });
    const other = owner === 'a1' ? 'a2' : 'a1';
    await eventually(async () => (await service.request('GET', '/v1/tasks/t1')).body.history.some((entry: { kind: string; agent?: string }) => entry.kind === 'offerMade' && entry.agent === other), 5000, 'an offer made to the other agent');
    expect((await service.request('POST', `/v1/agents/${owner}/offers/${offer.offerId}`, { accept: true, reason: 'declined' })).status).toBe(400);
  });
  it.each([
    ['the engine withdraws it (delegation.offerTimeout)', 'heartbeatSeconds: 5', 'delegation: { mode: offer, offerTimeout: 0.3, maxOffers: 1 }', 'offer-timeout'],
    ['its agent leaves it unanswered for live.offerTimeoutSeconds', 'heartbeatSeconds: 5, offerTimeoutSeconds: 0.3', 'delegation: { mode: offer, maxOffers: 1 }', 'declined'],
  ])('tells the agent when %s; its late answer is stale', async (_, live, engine, reason) => {
    const service = await start(scenarioText(live, engine));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const [offer] = (await service.request('POST', '/v1/agents/a1/poll')).body.commands;
    expect(offer).toMatchObject({ kind: 'offer', task: { id: 't1' } });
    const withdrawn = await service.request('POST', '/v1/agents/a1/poll?wait=5');
    expect(withdrawn.body.commands).toEqual([{ kind: 'withdraw', offerId: offer.offerId }]);
    expect((await service.request('POST', `/v1/agents/a1/offers/${offer.offerId}`, { accept: true })).body).toEqual({ stale: true });
    const task = (await service.request('GET', '/v1/tasks/t1')).body;
    expect(task.history.filter((entry: { kind: string }) => entry.kind === 'offerAnswered')).toMatchObject([{ agent: 'a1', accepted: false, reason }]);
  });
});

// Heartbeats of a second: the requests a test makes one after another must stay within one on a
// loaded machine, or the agent that should stay would be taken out too.
describe('heartbeat', () => {
  it('takes a silent agent out of the fleet; its task is retried on an agent that polls', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 1'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    expect((await service.request('POST', '/v1/agents/a1/poll')).body.commands[0]).toMatchObject({ kind: 'start', attempt: 1 });
    await service.request('POST', '/v1/agents/a1/attempts/t1/1/started', {});
    await service.request('POST', '/v1/agents', { id: 'a2' });
    // a2 keeps polling (its heartbeat); a1 falls silent.
    let retried: { kind: string; attempt: number } | undefined;
    const deadline = Date.now() + 10_000;
    while (retried === undefined && Date.now() < deadline) {
      const poll = await service.request('POST', '/v1/agents/a2/poll?wait=0.1');
      retried = poll.body.commands.find((command: { kind: string }) => command.kind === 'start');
    }
    expect(retried).toMatchObject({ kind: 'start', task: { id: 't1' }, attempt: 2 });
    const task = (await service.request('GET', '/v1/tasks/t1')).body;
    expect(task.history.map((entry: { reason?: string }) => entry.reason)).toContain('agent-lost');
    expect((await service.request('POST', '/v1/agents/a1/poll')).status).toBe(404);
    // a1's late result for its lost attempt changes nothing.
    expect((await service.request('POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true })).body).toEqual({ stale: true });
    await service.request('POST', '/v1/agents/a2/attempts/t1/2/finished', { ok: true });
    expect(service.service.context.driver.counts()).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
  });

  it('keeps an agent whose long-poll is open past the heartbeat', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 1'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/agents/a1/poll?wait=2.5');
    expect(service.service.context.agents.agent('a1')!.inFleet).toBe(true);
  });

  it('lets an agent that left register again, as its next incarnation', async () => {
    const service = await start(scenarioText('heartbeatSeconds: 1'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await eventually(() => !service.service.context.agents.agent('a1')!.inFleet, 5000, 'a1 out of the fleet');
    const again = await service.request('POST', '/v1/agents', { id: 'a1' });
    expect(again).toMatchObject({ status: 201, body: { id: 'a1', engineId: 'a1#2', joined: true } });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    expect((await service.request('POST', '/v1/agents/a1/poll')).body.commands).toMatchObject([{ kind: 'start', task: { id: 't1' } }]);
  });
});

describe('bodiless requests', () => {
  it('takes a poll that sends a JSON content type and no body', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    const response = await fetch(`${service.url}/v1/agents/a1/poll`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ commands: [] });
  });
});
