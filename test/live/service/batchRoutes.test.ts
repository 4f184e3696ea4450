/**
 * The batch routes over real HTTP: many submissions in one request (each validated and
 * idempotent on its own, one answer per item), many attempt reports of one agent in one request
 * (stale flags per item, `finished` without `started`), one long-poll and its reports and offer
 * answers for many agents at once (`POST /v1/agents/poll`), their limits and token rules; the
 * conservation ledger holds after each.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BATCH_ITEMS } from '../../../src/live/service/batchRoutes.js';
import { failingJournal, faultySubmissions, scenarioText, startService, type Running } from './serviceHarness.js';

let running: Running | undefined;
afterEach(async () => {
  // Every submission's wait ended with its request, whatever the request's outcome.
  expect(running?.service.context.tasks.awaitedSubmissions ?? 0).toBe(0);
  await running?.close();
  running = undefined;
});

async function start(options: Parameters<typeof startService>[1] = {}, text = scenarioText()): Promise<Running> {
  running = await startService(text, options);
  return running;
}

/** The test scenario with offer delegation: a task is offered to an agent, which answers. */
const OFFERS = scenarioText('heartbeatSeconds: 5', 'delegation: { mode: offer }');

function expectLedger(service: Running): void {
  const counts = service.service.context.driver.counts();
  expect(counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight).toBe(counts.submitted);
}

/** Registers a1 and polls until it holds `count` start commands. */
async function startsFor(service: Running, agent: string, count: number): Promise<{ task: { id: string }; attempt: number }[]> {
  const starts: { task: { id: string }; attempt: number }[] = [];
  while (starts.length < count) {
    const polled = await service.request('POST', `/v1/agents/${agent}/poll?wait=2`);
    expect(polled.status).toBe(200);
    for (const command of polled.body.commands) if (command.kind === 'start') starts.push(command);
  }
  return starts;
}

describe('POST /v1/tasks/batch', () => {
  it('submits every item (201 each, in order) and the engine holds them all', async () => {
    const service = await start();
    const tasks = [0, 1, 2, 3, 4].map((i) => ({ id: `t${i}`, type: 'code', tokens: 10 * i }));
    const answer = await service.request('POST', '/v1/tasks/batch', { tasks });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { id: string; status: number }) => [r.id, r.status])).toEqual(tasks.map((task) => [task.id, 201]));
    expect(service.service.context.driver.counts().submitted).toBe(5);
    expect(service.service.context.tasks.get('t3')?.spec.tokens).toBe(30);
    expectLedger(service);
  });

  it('answers a bad item with a 400 naming its path, and submits the others', async () => {
    const service = await start();
    const tasks = [0, 1, 2, 3, 4].map((i) => ({ id: `t${i}`, type: 'code', ...(i === 3 ? { priority: 9 } : {}) }));
    const answer = await service.request('POST', '/v1/tasks/batch', { tasks });
    expect(answer.status).toBe(200);
    expect(answer.body.results[3].status).toBe(400);
    expect(answer.body.results[3].error).toMatch(/^body\.tasks\[3\]\.priority: /);
    expect(answer.body.results.filter((r: { status: number }) => r.status === 201)).toHaveLength(4);
    expect(service.service.context.tasks.get('t3')).toBeUndefined();
    expectLedger(service);
  });

  it('tells new (201), duplicate (200) and conflicting (409) items apart, within a batch and across batches', async () => {
    const service = await start();
    expect((await service.request('POST', '/v1/tasks', { id: 'old', type: 'code', tokens: 5 })).status).toBe(201);
    const answer = await service.request('POST', '/v1/tasks/batch', {
      tasks: [
        { id: 'old', type: 'code', tokens: 5 },
        { id: 'old', type: 'code', tokens: 6 },
        { id: 'new', type: 'review' },
        { id: 'new', type: 'review' },
        { id: 'new', type: 'code' },
        { type: 'code' },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { status: number }) => r.status)).toEqual([200, 409, 201, 200, 409, 201]);
    expect(answer.body.results[1].error).toMatch(/^body\.tasks\[1\]: task old was submitted before with another body/);
    expect(answer.body.results[5].id).toMatch(/^task-/);
    expect(service.service.context.driver.counts().submitted).toBe(3);
    expectLedger(service);
  });

  it('carries each item\'s workflow to its spec, names a bad one\'s field, and compares the workflow on a resubmission', async () => {
    const service = await start();
    const root = { id: 'w/1', type: 'code', workflowId: 'w' };
    const child = { id: 'w/1.1', type: 'code', dependsOn: ['w/1'], dependencyPolicy: { 'w/1': 'cascade-fail' }, parentId: 'w/1', workflowId: 'w' };
    const answer = await service.request('POST', '/v1/tasks/batch', {
      tasks: [root, child, { ...child, id: 'w/1.2', dependencyPolicy: { 'w/9': 'cancel' } }, root, { ...root, workflowId: 'v' }],
    });
    expect(answer.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400, 200, 409]);
    expect(answer.body.results[2].error).toBe('body.tasks[2].dependencyPolicy["w/9"]: expected a task id of dependsOn, got "w/9"');
    expect(service.service.context.tasks.get('w/1.1')!.spec).toMatchObject({ dependencyPolicy: { 'w/1': 'cascade-fail' }, parentId: 'w/1', workflowId: 'w' });
    expectLedger(service);
  });

  it.each([
    [{ tasks: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ id: `t${i}`, type: 'code' })) }, /^body\.tasks: /],
    [{ tasks: [] }, /^body\.tasks: /],
    [{ tasks: [{ type: 'code' }], extra: 1 }, /^body\.extra: /],
    [[{ type: 'code' }], /^body: /],
  ])('refuses a whole malformed batch with 400 and submits nothing (%#)', async (body, message) => {
    const service = await start();
    const answer = await service.request('POST', '/v1/tasks/batch', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(message);
    expect(service.service.context.driver.counts().submitted).toBe(0);
    expectLedger(service);
  });

  it('answers each item with the state its task is in once the batch is durable, the final state of one settled and forgotten meanwhile (live.settledTasks 0)', async () => {
    running = await startService(scenarioText('settledTasks: 0'));
    const answer = await running.request('POST', '/v1/tasks/batch', { tasks: [{ id: 'loop', type: 'code', dependsOn: ['loop'] }, { id: 'plain', type: 'code' }] });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ id: 'loop', state: 'rejected', status: 201 }, { id: 'plain', state: 'queued', status: 201 }]);
    expectLedger(running);
  });

  it.each([
    // An item's submission fails with an error that is not the item's: the items before it were submitted, the rest not.
    ['throw' as const, ['ok-1', 'ok-2', 'boom', 'ok-3'], 'injected fault: the submission of boom failed', 2],
    // An item's answer fails once the batch is durable (the registry never saw its task): the items after it were submitted too.
    ['drop' as const, ['ok-1', 'boom', 'ok-2', 'ok-3'], 'task boom: submitted, but the task registry never saw it', 3],
  ])('ends every item\'s wait for its state when an error inside fails the batch (500, fault %s): none stays awaited', async (fault, ids, message, submitted) => {
    const service = await start();
    const restore = faultySubmissions(service, new Map([['boom', fault]]));
    const answer = await service.request('POST', '/v1/tasks/batch', { tasks: ids.map((id) => ({ id, type: 'code' })) });
    restore();
    expect(answer.status).toBe(500);
    expect(service.service.errors.map((error) => error.message)).toEqual([message]);
    expect(service.service.context.driver.counts().submitted).toBe(submitted);
    expect(service.service.context.tasks.awaitedSubmissions).toBe(0);
    expectLedger(service);
  });

  it('ends every item\'s wait when the log fails before the batch is durable (503), a settled item\'s kept final state included', async () => {
    running = await startService(scenarioText('settledTasks: 0'));
    const restore = failingJournal(running);
    const answer = await running.request('POST', '/v1/tasks/batch', { tasks: [{ id: 'loop', type: 'code', dependsOn: ['loop'] }, { id: 'plain', type: 'code' }, { id: 'bad', type: 'code', priority: 9 }] });
    restore();
    expect(answer).toMatchObject({ status: 503, body: { error: 'journal: the write-ahead log failed; the service cannot acknowledge anything' } });
    expect(running.service.context.tasks.awaitedSubmissions).toBe(0);
  });

  it('needs the submitter role', async () => {
    const service = await start({ tokens: { sub: 'submitter', ag: 'agent:a1' } });
    expect((await service.request('POST', '/v1/tasks/batch', { tasks: [{ type: 'code' }] }, 'ag')).status).toBe(403);
    expect((await service.request('POST', '/v1/tasks/batch', { tasks: [{ type: 'code' }] })).status).toBe(401);
    expect((await service.request('POST', '/v1/tasks/batch', { tasks: [{ type: 'code' }] }, 'sub')).status).toBe(200);
    expectLedger(service);
  });
});

describe('POST /v1/agents/{id}/reports', () => {
  it('reports starts and finishes in one request, finished without started included, and the tasks complete', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'r1' });
    await service.request('POST', '/v1/tasks/batch', { tasks: [{ id: 'x', type: 'review' }, { id: 'y', type: 'review' }] });
    const starts = await startsFor(service, 'r1', 2);
    const [x, y] = ['x', 'y'].map((id) => starts.find((command) => command.task.id === id)!);
    const answer = await service.request('POST', '/v1/agents/r1/reports', {
      reports: [
        { task: 'x', attempt: x!.attempt, started: { setupTokens: 3 }, finished: { ok: true, quality: 0.5 } },
        { task: 'y', attempt: y!.attempt, finished: { ok: true } },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ started: { stale: false }, finished: { stale: false } }, { finished: { stale: false } }]);
    expect(service.service.context.tasks.get('x')?.state).toBe('completed');
    expect(service.service.context.tasks.get('y')?.state).toBe('completed');
    expect(service.service.context.driver.counts().completed).toBe(2);
    expectLedger(service);
  });

  it('flags stale items (a replay, an unknown attempt) and changes nothing for them', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'r1' });
    await service.request('POST', '/v1/tasks', { id: 'x', type: 'review' });
    const [x] = await startsFor(service, 'r1', 1);
    await service.request('POST', '/v1/agents/r1/reports', { reports: [{ task: 'x', attempt: x!.attempt, finished: { ok: true } }] });
    const replay = await service.request('POST', '/v1/agents/r1/reports', {
      reports: [
        { task: 'x', attempt: x!.attempt, finished: { ok: false, reason: 'agent-error' } },
        { task: 'nope', attempt: 1, started: {} },
      ],
    });
    expect(replay.status).toBe(200);
    expect(replay.body.results).toEqual([{ finished: { stale: true } }, { started: { stale: true } }]);
    expect(service.service.context.tasks.get('x')?.state).toBe('completed');
    expect(service.service.context.driver.counts().completed).toBe(1);
    expectLedger(service);
  });

  it('answers a bad item with a 400 naming its path, and another agent\'s attempt with a 403, per item', async () => {
    const service = await start({ tokens: { any: ['agent:*', 'submitter'] } });
    await service.request('POST', '/v1/agents', { id: 'r1' }, 'any');
    await service.request('POST', '/v1/agents', { id: 'a1' }, 'any');
    // Only r1 can review, so x runs on r1.
    expect((await service.request('POST', '/v1/tasks', { id: 'x', type: 'review' }, 'any')).status).toBe(201);
    const polled = await service.request('POST', '/v1/agents/r1/poll?wait=2', undefined, 'any');
    const x = polled.body.commands.find((command: { kind: string }) => command.kind === 'start');
    const answer = await service.request('POST', '/v1/agents/a1/reports', {
      reports: [{ task: 'x', attempt: x.attempt, finished: { ok: true } }, { task: 'x', attempt: 0, finished: { ok: true } }, { task: 'x', attempt: 1 }],
    }, 'any');
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toMatchObject({ status: 403, error: expect.stringMatching(/belongs to another agent/) });
    expect(answer.body.results[1]).toMatchObject({ status: 400, error: expect.stringMatching(/^body\.reports\[1\]\.attempt: /) });
    expect(answer.body.results[2]).toMatchObject({ status: 400, error: expect.stringMatching(/^body\.reports\[2\]: expected started, finished or both/) });
    expect(service.service.context.tasks.get('x')?.state).toBe('assigned');
    expect(service.service.context.driver.counts().completed).toBe(0);
    expectLedger(service);
  });

  it('refuses a token of another agent (403) and too many items (400)', async () => {
    const service = await start({ tokens: { a1: 'agent:a1', r1: 'agent:r1' } });
    await service.request('POST', '/v1/agents', { id: 'r1' }, 'r1');
    const other = await service.request('POST', '/v1/agents/r1/reports', { reports: [{ task: 'x', attempt: 1, finished: { ok: true } }] }, 'a1');
    expect(other.status).toBe(403);
    const many = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => ({ task: `t${i}`, attempt: 1, finished: { ok: true } }));
    const tooMany = await service.request('POST', '/v1/agents/r1/reports', { reports: many }, 'r1');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatch(/^body\.reports: /);
    expectLedger(service);
  });
});

describe('POST /v1/agents/poll (many agents at once)', () => {
  it('answers with the ready commands of every listed agent, applies the reports it carries, and the tasks complete', async () => {
    const service = await start();
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/agents', { id: 'r1' });
    await service.request('POST', '/v1/tasks/batch', { tasks: [{ id: 'c', type: 'code' }, { id: 'r', type: 'review' }] });
    const starts = new Map<string, { agent: string; attempt: number }>();
    while (starts.size < 2) {
      const polled = await service.request('POST', '/v1/agents/poll?wait=2', { agents: ['a1', 'r1'] });
      expect(polled.status).toBe(200);
      expect(polled.body.results).toBeUndefined();
      for (const { agent, commands } of polled.body.commands) {
        for (const command of commands) if (command.kind === 'start') starts.set(command.task.id, { agent, attempt: command.attempt });
      }
    }
    expect(starts.get('c')?.agent).toBe('a1');
    expect(starts.get('r')?.agent).toBe('r1');
    const flushed = await service.request('POST', '/v1/agents/poll?wait=0', {
      agents: ['a1', 'r1'],
      reports: [
        { agent: 'a1', task: 'c', attempt: starts.get('c')!.attempt, finished: { ok: true } },
        { agent: 'r1', task: 'r', attempt: starts.get('r')!.attempt, started: {}, finished: { ok: false, reason: 'quality' } },
        { agent: 'a1', task: 'c', attempt: starts.get('c')!.attempt, finished: { ok: true } },
      ],
    });
    expect(flushed.status).toBe(200);
    expect(flushed.body.commands).toEqual([]);
    expect(flushed.body.results).toEqual([{ finished: { stale: false } }, { started: { stale: false }, finished: { stale: false } }, { finished: { stale: true } }]);
    expect(service.service.context.tasks.get('c')?.state).toBe('completed');
    expect(service.service.context.tasks.get('r')?.state).not.toBe('running');
    expectLedger(service);
  });

  it('is the heartbeat of every listed agent', async () => {
    const service = running = await startService(scenarioText('heartbeatSeconds: 1'));
    await service.request('POST', '/v1/agents', { id: 'a1' });
    await service.request('POST', '/v1/agents', { id: 'a2' });
    // Heartbeat 1 s: polls of 0.6 s, one after another, keep both in the fleet for well over a heartbeat.
    for (let i = 0; i < 4; i++) expect((await service.request('POST', '/v1/agents/poll?wait=0.6', { agents: ['a1', 'a2'] })).status).toBe(200);
    expect(service.service.context.agents.agent('a1')?.inFleet).toBe(true);
    expect(service.service.context.agents.agent('a2')?.inFleet).toBe(true);
  });

  it('answers bad bodies, unknown agents, reports for agents not listed and other agents\' tokens with their status and field path', async () => {
    const service = await start({ tokens: { a1: 'agent:a1', any: ['agent:*', 'submitter'] } });
    await service.request('POST', '/v1/agents', { id: 'a1' }, 'any');
    await service.request('POST', '/v1/agents', { id: 'a2' }, 'any');
    const cases: [unknown, string, number, RegExp][] = [
      [{ agents: [] }, 'any', 400, /^body\.agents: /],
      [{ agents: ['a1', 'a#2'] }, 'any', 400, /^body\.agents\[1\]: /],
      [{ agents: ['a1', 'a1'] }, 'any', 400, /^body\.agents\[1\]: agent a1 is listed twice/],
      [{ agents: ['a1'], extra: 1 }, 'any', 400, /^body\.extra: unknown field/],
      [{ agents: ['a1', 'ghost'] }, 'any', 404, /^body\.agents\[1\]: agent ghost is not in the fleet/],
      [{ agents: ['a1', 'a2'] }, 'a1', 403, /./],
    ];
    for (const [body, token, status, error] of cases) {
      const answer = await service.request('POST', '/v1/agents/poll?wait=0', body, token);
      expect([answer.status, answer.body.error]).toEqual([status, expect.stringMatching(error)]);
    }
    const notListed = await service.request('POST', '/v1/agents/poll?wait=0', { agents: ['a1'], reports: [{ agent: 'a2', task: 'x', attempt: 1, finished: { ok: true } }, { agent: 'a1', task: 'x', attempt: 1 }] }, 'any');
    expect(notListed.status).toBe(200);
    expect(notListed.body.results[0]).toMatchObject({ status: 400, error: expect.stringMatching(/^body\.reports\[0\]\.agent: agent a2 is not listed/) });
    expect(notListed.body.results[1]).toMatchObject({ status: 400, error: expect.stringMatching(/^body\.reports\[1\]: expected started, finished or both/) });
    expectLedger(service);
  });

  it('applies the offer answers it carries after its reports, each as the single offers route does, and then polls', async () => {
    const service = await start({}, OFFERS);
    for (const id of ['a1', 'a2']) await service.request('POST', '/v1/agents', { id });
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const owner = service.service.context.tasks.get('t1')!.history.find((entry) => entry.kind === 'offerMade')!.agent!;
    const other = owner === 'a1' ? 'a2' : 'a1';
    const polled = await service.request('POST', '/v1/agents/poll?wait=2', { agents: ['a1', 'a2'] });
    expect(polled.body.commands).toMatchObject([{ agent: owner, commands: [{ kind: 'offer', task: { id: 't1' } }] }]);
    const { offerId } = polled.body.commands[0].commands[0];
    const answered = await service.request('POST', '/v1/agents/poll?wait=2', {
      agents: ['a1', 'a2'],
      reports: [{ agent: owner, task: 'none', attempt: 1, finished: { ok: true } }],
      offers: [
        { agent: other, offerId, accept: true },
        { agent: owner, offerId, accept: true, setupTokens: 5 },
        { agent: owner, offerId, accept: false },
        { agent: owner, offerId: 'o999', accept: false, reason: 'overloaded' },
      ],
    });
    expect(answered.status).toBe(200);
    expect(answered.body.results).toEqual([{ finished: { stale: true } }]);
    expect(answered.body.offerResults).toEqual([
      { status: 403, error: `body.offers[0].offerId: offer ${offerId} was made to another agent` }, { stale: false }, { stale: true }, { stale: true },
    ]);
    // The accepted offer's start comes with the same answer: the answers were applied before the poll waited.
    expect(answered.body.commands).toMatchObject([{ agent: owner, commands: [{ kind: 'start', task: { id: 't1' }, attempt: 1 }] }]);
    const history = service.service.context.tasks.get('t1')!.history.filter((entry) => entry.kind === 'offerAnswered');
    expect(history).toMatchObject([{ agent: owner, accepted: true }]);
    expectLedger(service);
  });

  it('answers bad offer answers with a 400 naming their path, per item, and too many with a 400 for the whole request', async () => {
    const service = await start({}, OFFERS);
    for (const id of ['a1', 'a2']) await service.request('POST', '/v1/agents', { id });
    const answer = await service.request('POST', '/v1/agents/poll?wait=0', {
      agents: ['a1'],
      offers: [
        { agent: 'a1', offerId: 'x1', accept: true }, { agent: 'a1', offerId: 'o1', accept: true, reason: 'overloaded' },
        { agent: 'a1', offerId: 'o1', accept: false, reason: 'busy' }, { agent: 'a2', offerId: 'o1', accept: true }, { agent: 'a1', offerId: 'o1' },
        { agent: 'a1', offerId: 'o1', accept: true, extra: 1 },
      ],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results).toBeUndefined();
    expect(answer.body.offerResults.map((result: { status: number }) => result.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(answer.body.offerResults.map((result: { error: string }) => result.error)).toEqual([
      expect.stringMatching(/^body\.offers\[0\]\.offerId: expected an offerId handed out by a poll/),
      expect.stringMatching(/^body\.offers\[1\]\.reason: a reason goes only with accept: false/),
      expect.stringMatching(/^body\.offers\[2\]\.reason: /),
      expect.stringMatching(/^body\.offers\[3\]\.agent: agent a2 is not listed in body\.agents/),
      expect.stringMatching(/^body\.offers\[4\]\.accept: /),
      expect.stringMatching(/^body\.offers\[5\]\.extra: unknown field/),
    ]);
    const many = Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({ agent: 'a1', offerId: 'o1', accept: true }));
    const tooMany = await service.request('POST', '/v1/agents/poll?wait=0', { agents: ['a1'], offers: many });
    expect([tooMany.status, tooMany.body.error]).toEqual([400, expect.stringMatching(/^body\.offers: /)]);
    expectLedger(service);
  });

  it('refuses offer answers for an agent its token may not act for (403), and applies none of them', async () => {
    const service = await start({ tokens: { a1: 'agent:a1', any: ['agent:*', 'submitter'] } }, OFFERS);
    await service.request('POST', '/v1/agents', { id: 'a2' }, 'any');
    await service.request('POST', '/v1/tasks', { id: 't1', type: 'code' }, 'any');
    const [offer] = (await service.request('POST', '/v1/agents/a2/poll?wait=2', undefined, 'any')).body.commands;
    expect(offer).toMatchObject({ kind: 'offer', task: { id: 't1' } });
    const refused = await service.request('POST', '/v1/agents/poll?wait=0', { agents: ['a2'], offers: [{ agent: 'a2', offerId: offer.offerId, accept: false }] }, 'a1');
    expect(refused.status).toBe(403);
    expect(service.service.context.tasks.get('t1')?.state).toBe('offered');
    const answered = await service.request('POST', '/v1/agents/poll?wait=0', { agents: ['a2'], offers: [{ agent: 'a2', offerId: offer.offerId, accept: false }] }, 'any');
    expect(answered.body.offerResults).toEqual([{ stale: false }]);
    expectLedger(service);
  });
});
