/**
 * `/v1/tasks` over real HTTP: submission (with and without a client id, idempotent, conflicting),
 * reading with history, listing by pages, cancelling; and what each bad request gets. A
 * submission's answer shows a state the task is in, even when it settled and was forgotten
 * before the submission was durable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { failingJournal, faultySubmissions, startService, scenarioText, type Running } from './serviceHarness.js';

let running: Running;
beforeEach(async () => {
  running = await startService();
});
afterEach(async () => {
  // Every submission's wait ended with its request, whatever the request's outcome.
  expect(running.service.context.tasks.awaitedSubmissions).toBe(0);
  await running.close();
});

describe('POST /v1/tasks', () => {
  it('submits a task (201), and the same body again is 200 with the current state', async () => {
    const first = await running.request('POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 10, deadline: 60 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: 't1', state: 'queued' });
    const again = await running.request('POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 10, deadline: 60 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: 't1', state: 'queued' });
    expect(running.service.context.driver.counts().submitted).toBe(1);
  });

  it('answers 409 for the same id with another body, and submits nothing', async () => {
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 10 });
    const other = await running.request('POST', '/v1/tasks', { id: 't1', type: 'code', tokens: 11 });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatch(/t1/);
    expect(running.service.context.driver.counts().submitted).toBe(1);
  });

  it('names a task without a client id', async () => {
    const answer = await running.request('POST', '/v1/tasks', { type: 'code' });
    expect(answer.status).toBe(201);
    expect(answer.body.id).toMatch(/^task-[0-9a-f-]{36}$/);
  });

  it('turns the relative deadline into an absolute one on the service clock', async () => {
    await running.request('POST', '/v1/tasks', { id: 'd', type: 'code', deadline: 100 });
    const task = running.service.context.tasks.get('d')!;
    expect(Math.abs(task.spec.deadline! - task.submittedAt - 100)).toBeLessThan(0.01);
  });

  it('keeps the tenant on the spec; the same id from another tenant is a conflict', async () => {
    expect((await running.request('POST', '/v1/tasks', { id: 'm', type: 'code', tenant: 'team-a' })).status).toBe(201);
    expect(running.service.context.tasks.get('m')!.spec.tenant).toBe('team-a');
    expect((await running.request('POST', '/v1/tasks', { id: 'm', type: 'code', tenant: 'team-a' })).status).toBe(200);
    expect((await running.request('POST', '/v1/tasks', { id: 'm', type: 'code', tenant: 'team-b' })).status).toBe(409);
  });

  it('keeps a workflow\'s fields on the spec, and a resubmission must carry the same ones', async () => {
    const child = { id: 'w1/c', type: 'code', dependsOn: ['w1/p'], dependencyPolicy: { 'w1/p': 'ignore' }, parentId: 'w1/p', workflowId: 'w1' };
    expect((await running.request('POST', '/v1/tasks', { id: 'w1/p', type: 'code', workflowId: 'w1' })).status).toBe(201);
    expect((await running.request('POST', '/v1/tasks', child)).status).toBe(201);
    expect(running.service.context.tasks.get('w1/c')!.spec).toMatchObject({ dependsOn: ['w1/p'], dependencyPolicy: { 'w1/p': 'ignore' }, parentId: 'w1/p', workflowId: 'w1' });
    expect((await running.request('POST', '/v1/tasks', child)).status).toBe(200);
    for (const changed of [
      { ...child, workflowId: 'w2' }, { ...child, workflowId: undefined }, { ...child, parentId: 'w1/q' }, { ...child, parentId: undefined },
      { ...child, dependencyPolicy: { 'w1/p': 'cancel' } }, { ...child, dependencyPolicy: undefined },
    ]) {
      expect({ changed, status: (await running.request('POST', '/v1/tasks', changed)).status }).toEqual({ changed, status: 409 });
    }
    expect(running.service.context.driver.counts().submitted).toBe(2);
  });

  it('keeps a trace task\'s prompt prefix and its failure hint on the spec, and a resubmission must carry the same ones', async () => {
    const task = { id: 'r0', type: 'code', tokens: 20, contextTokens: 1100, contextKey: 'block-7', contextBlocks: [0, 7, 9], contextBlockTokens: 512, traceFailed: true, maxRetries: 0 };
    expect((await running.request('POST', '/v1/tasks', task)).status).toBe(201);
    expect(running.service.context.tasks.get('r0')!.spec).toMatchObject({ contextBlocks: [0, 7, 9], contextBlockTokens: 512, traceFailed: true });
    expect((await running.request('POST', '/v1/tasks', task)).status).toBe(200);
    for (const changed of [
      { ...task, contextBlocks: [0, 7] }, { ...task, contextBlocks: [0, 7, 8] }, { ...task, contextBlockTokens: 256 }, { ...task, contextBlocks: undefined, contextBlockTokens: undefined },
      { ...task, traceFailed: false }, { ...task, traceFailed: undefined },
    ]) {
      expect({ changed, status: (await running.request('POST', '/v1/tasks', changed)).status }).toEqual({ changed, status: 409 });
    }
    // traceFailed false is the default: a task that did not fail carries none.
    expect((await running.request('POST', '/v1/tasks', { id: 'ok', type: 'code', traceFailed: false })).status).toBe(201);
    expect(running.service.context.tasks.get('ok')!.spec).not.toHaveProperty('traceFailed');
    expect((await running.request('POST', '/v1/tasks', { id: 'ok', type: 'code' })).status).toBe(200);
  });

  it('applies each edge\'s dependency policy, the engine\'s dependencies.onFailure (cancel) to edges without one', async () => {
    await running.request('POST', '/v1/tasks', { id: 'p', type: 'code' });
    await running.request('POST', '/v1/tasks', { id: 'ignores', type: 'code', dependsOn: ['p'], dependencyPolicy: { p: 'ignore' } });
    await running.request('POST', '/v1/tasks', { id: 'cascades', type: 'code', dependsOn: ['p'], dependencyPolicy: { p: 'cascade-fail' } });
    await running.request('POST', '/v1/tasks', { id: 'defaults', type: 'code', dependsOn: ['p'] });
    expect((await running.request('DELETE', '/v1/tasks/p')).body.state).toBe('cancelled');
    const states = Object.fromEntries(['ignores', 'cascades', 'defaults'].map((id) => [id, running.service.context.tasks.get(id)!.state]));
    expect(states).toEqual({ ignores: 'queued', cascades: 'dead-lettered', defaults: 'cancelled' });
  });

  it.each([
    [{ type: 'code', dependsOn: ['a'], dependencyPolicy: { b: 'cancel' } }, 'body.dependencyPolicy.b: expected a task id of dependsOn, got "b"'],
    [{ type: 'code', dependencyPolicy: { a: 'cancel' } }, 'body.dependencyPolicy.a: expected a task id of dependsOn, got "a"'],
    [{ type: 'code', dependsOn: ['a'], dependencyPolicy: { a: 'retry' } }, 'body.dependencyPolicy.a: expected one of "cascade-fail", "cancel", "ignore", got "retry"'],
    [{ type: 'code', dependsOn: ['a'], dependencyPolicy: ['cancel'] }, 'body.dependencyPolicy: expected an object, got a list (1 items)'],
    [{ type: 'code', dependencyPolicy: { '': 'cancel' } }, 'body.dependencyPolicy[""]: the key "": expected a non-empty string'],
    [{ type: 'code', workflowId: '' }, 'body.workflowId: expected a non-empty string'],
    [{ type: 'code', contextBlocks: [1, 2] }, 'body.contextBlockTokens: expected contextBlocks and contextBlockTokens together (blocks, and the tokens of one block)'],
    [{ type: 'code', contextBlockTokens: 512 }, 'body.contextBlocks: expected contextBlocks and contextBlockTokens together (blocks, and the tokens of one block)'],
    [{ type: 'code', contextBlocks: [1, 2.5], contextBlockTokens: 512 }, 'body.contextBlocks[1]: expected an integer, got 2.5'],
    [{ type: 'code', contextBlocks: ['1'], contextBlockTokens: 512 }, 'body.contextBlocks[0]: expected a number, got "1"'],
    [{ type: 'code', contextBlocks: Array.from({ length: 1001 }, (_, i) => i), contextBlockTokens: 512 }, 'body.contextBlocks: expected at most 1000 items, got 1001'],
    [{ type: 'code', contextBlocks: [1], contextBlockTokens: 0 }, 'body.contextBlockTokens: expected a number > 0, got 0'],
    [{ type: 'code', traceFailed: 'yes' }, 'body.traceFailed: expected true or false, got "yes"'],
    [{ type: 'code', parentId: 5 }, 'body.parentId: expected a string, got 5'],
    [{ type: 'code', workflowID: 'w' }, 'body.workflowID: unknown field "workflowID"'],
    [{ type: 'code', tenant: 5 }, 'body.tenant: expected a string, got 5'],
    [{ type: 'code', tokenz: 5 }, 'body.tokenz: unknown field "tokenz"'],
    [{ tokens: 5 }, 'body.type: required: expected a string'],
    [{ type: 'code', priority: 7 }, 'body.priority: expected a number <= 4, got 7'],
    [{ type: 'code', tokens: -1 }, 'body.tokens: expected a number >= 0, got -1'],
    [{ type: 'code', tags: ['ok', 3] }, 'body.tags[1]: expected a string, got 3'],
    [{ type: 'code', assignee: 'a#2' }, 'body.assignee: expected an agent id without "#"'],
    [[1, 2], 'body: expected an object, got a list (2 items)'],
  ])('answers 400 naming the field for %j', async (body, message) => {
    const answer = await running.request('POST', '/v1/tasks', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: message });
    expect(running.service.context.driver.counts().submitted).toBe(0);
  });

  it('answers 400 for malformed JSON and for a missing body', async () => {
    const malformed = await running.request('POST', '/v1/tasks', '{"type": "code",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/^body: malformed JSON/);
    const empty = await running.request('POST', '/v1/tasks', '');
    expect(empty).toMatchObject({ status: 400, body: { error: 'body: required: expected an object' } });
  });

  it('refuses prototype poisoning as malformed JSON', async () => {
    const answer = await running.request('POST', '/v1/tasks', '{"type":"code","__proto__":{"admin":true}}');
    expect(answer.status).toBe(400);
  });

  it('answers 413 for a body larger than live.maxBodyBytes, 415 for a content type other than JSON or text', async () => {
    const huge = await running.request('POST', '/v1/tasks', JSON.stringify({ type: 'code', id: 'x'.repeat(70_000) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/65536 bytes/);
    const response = await fetch(`${running.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<type>code</type>' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: 'content-type: expected application/json' });
    const text = await fetch(`${running.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'type=code' });
    expect(text.status).toBe(400);
    expect(await text.json()).toEqual({ error: 'body: expected an object, got "type=code"' });
  });

  it('answers 503 beyond live.maxInFlightTasks', async () => {
    await running.close();
    running = await startService(scenarioText('maxInFlightTasks: 2'));
    expect((await running.request('POST', '/v1/tasks', { type: 'code' })).status).toBe(201);
    expect((await running.request('POST', '/v1/tasks', { type: 'code' })).status).toBe(201);
    const third = await running.request('POST', '/v1/tasks', { type: 'code' });
    expect(third.status).toBe(503);
    expect(third.body.error).toMatch(/maxInFlightTasks/);
  });
});

describe('a submission that fails', () => {
  it('ends its wait for the task\'s state, refused (409, 503), failed inside (500) or by the log (503): none stays awaited', async () => {
    await running.close();
    running = await startService(scenarioText('maxInFlightTasks: 1'));
    const tasks = running.service.context.tasks;
    expect((await running.request('POST', '/v1/tasks', { id: 'first', type: 'code' })).status).toBe(201);
    expect((await running.request('POST', '/v1/tasks', { type: 'code' })).status).toBe(503);
    expect(tasks.awaitedSubmissions).toBe(0);
    await running.close();
    running = await startService(scenarioText('settledTasks: 0'));
    const restore = faultySubmissions(running, new Map([['boom', 'throw'], ['lost', 'drop']]));
    expect((await running.request('POST', '/v1/tasks', { id: 'boom', type: 'code' })).status).toBe(500);
    expect((await running.request('POST', '/v1/tasks', { id: 'lost', type: 'code' })).status).toBe(500);
    restore();
    expect(running.service.context.tasks.awaitedSubmissions).toBe(0);
    const restoreJournal = failingJournal(running);
    // Settled (rejected) before the failed wait: its final state was kept for the answer.
    expect((await running.request('POST', '/v1/tasks', { id: 'loop', type: 'code', dependsOn: ['loop'] })).status).toBe(503);
    expect((await running.request('POST', '/v1/tasks', { id: 'plain', type: 'code' })).status).toBe(503);
    restoreJournal();
    expect(running.service.context.tasks.awaitedSubmissions).toBe(0);
  });
});

describe('the state POST /v1/tasks answers', () => {
  // A task that depends on itself is rejected as it is submitted: settled before its answer.
  const selfDependent = (id: string): object => ({ id, type: 'code', dependsOn: [id] });

  it('is the final state of a task that settled and was forgotten before its submission was durable (live.settledTasks 0)', async () => {
    await running.close();
    running = await startService(scenarioText('settledTasks: 0'));
    const answer = await running.request('POST', '/v1/tasks', selfDependent('loop'));
    expect(answer).toMatchObject({ status: 201, body: { id: 'loop', state: 'rejected' } });
    expect((await running.request('GET', '/v1/tasks/loop')).status).toBe(404);
    expect(running.service.context.driver.counts().rejected).toBe(1);
  });

  it('is the final state of each task of concurrent submissions that forget one another (live.settledTasks 1, a data directory\'s commit wait)', async () => {
    await running.close();
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-forgotten-'));
    try {
      running = await startService(scenarioText('settledTasks: 1'), { dataDir: join(dir, 'data') });
      const ids = Array.from({ length: 20 }, (_, i) => `loop-${i}`);
      const answers = await Promise.all(ids.map((id) => running.request('POST', '/v1/tasks', selfDependent(id))));
      expect(answers.map((answer) => [answer.status, answer.body])).toEqual(ids.map((id) => [201, { id, state: 'rejected' }]));
      expect(running.service.context.tasks.size).toBe(1);
    } finally {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the current state of a task still known, and the same body again answers it too', async () => {
    const answer = await running.request('POST', '/v1/tasks', selfDependent('kept'));
    expect(answer).toMatchObject({ status: 201, body: { id: 'kept', state: 'rejected' } });
    expect(await running.request('POST', '/v1/tasks', selfDependent('kept'))).toMatchObject({ status: 200, body: { id: 'kept', state: 'rejected' } });
  });
});

describe('GET /v1/tasks/{id}', () => {
  it('shows state, agent, attempts and the history of events', async () => {
    await running.request('POST', '/v1/agents', { id: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const answer = await running.request('GET', '/v1/tasks/t1');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: 't1', type: 'code', state: 'assigned', agent: 'a1', attempts: 1 });
    expect(answer.body.history.map((entry: { to?: string }) => entry.to)).toEqual(['created', 'queued', 'assigned']);
  });

  it('shows a task\'s workflow: its dependencies, their policies, its parent and its workflow id', async () => {
    await running.request('POST', '/v1/tasks', { id: 'w1/1', type: 'code', workflowId: 'w1' });
    await running.request('POST', '/v1/tasks', { id: 'w1/1.1', type: 'code', dependsOn: ['w1/1'], dependencyPolicy: { 'w1/1': 'cascade-fail' }, parentId: 'w1/1', workflowId: 'w1' });
    expect((await running.request('GET', `/v1/tasks/${encodeURIComponent('w1/1.1')}`)).body).toMatchObject({
      id: 'w1/1.1', state: 'blocked', dependsOn: ['w1/1'], dependencyPolicy: { 'w1/1': 'cascade-fail' }, parentId: 'w1/1', workflowId: 'w1',
    });
    const root = (await running.request('GET', `/v1/tasks/${encodeURIComponent('w1/1')}`)).body;
    expect(root.workflowId).toBe('w1');
    expect(['dependsOn', 'dependencyPolicy', 'parentId'].filter((field) => field in root)).toEqual([]);
  });

  it('shows a trace task\'s prompt prefix and failure hint, and nothing of them for a task without', async () => {
    await running.request('POST', '/v1/tasks', { id: 'r0', type: 'code', contextTokens: 600, contextBlocks: [3, 4], contextBlockTokens: 300, traceFailed: true });
    expect((await running.request('GET', '/v1/tasks/r0')).body).toMatchObject({ id: 'r0', contextBlocks: [3, 4], contextBlockTokens: 300, traceFailed: true });
    await running.request('POST', '/v1/tasks', { id: 'plain', type: 'code', traceFailed: false });
    const plain = (await running.request('GET', '/v1/tasks/plain')).body;
    expect(['contextBlocks', 'contextBlockTokens', 'traceFailed'].filter((field) => field in plain)).toEqual([]);
  });

  it('answers 404 for an unknown task', async () => {
    const answer = await running.request('GET', '/v1/tasks/nope');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: 'params.id: no task nope' });
  });

  it('keeps only live.historyEvents events per task', async () => {
    await running.close();
    running = await startService(scenarioText('historyEvents: 2'));
    await running.request('POST', '/v1/agents', { id: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const answer = await running.request('GET', '/v1/tasks/t1');
    expect(answer.body.history.map((entry: { to?: string }) => entry.to)).toEqual(['queued', 'assigned']);
    expect(answer.body.historyDropped).toBe(1);
  });
});

describe('GET /v1/tasks', () => {
  it('pages through every task in submission order with the next cursor', async () => {
    for (let i = 0; i < 7; i++) await running.request('POST', '/v1/tasks', { id: `t${i}`, type: i % 2 === 0 ? 'code' : 'review' });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await running.request('GET', `/v1/tasks?limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.tasks.map((task: { id: string }) => task.id));
      cursor = answer.body.next;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(pages).toBe(3);
  });

  it('filters by state, type and workflow', async () => {
    await running.request('POST', '/v1/tasks', { id: 'c', type: 'code', workflowId: 'wf-1' });
    await running.request('POST', '/v1/tasks', { id: 'r', type: 'review', workflowId: 'wf-1' });
    await running.request('POST', '/v1/tasks', { id: 'c2', type: 'code', workflowId: 'wf-2' });
    await running.request('DELETE', '/v1/tasks/r');
    const ids = async (query: string): Promise<string[]> => (await running.request('GET', `/v1/tasks?${query}`)).body.tasks.map((task: { id: string }) => task.id);
    expect(await ids('type=code')).toEqual(['c', 'c2']);
    expect(await ids('state=cancelled')).toEqual(['r']);
    // A settled task (r, cancelled) is found by its workflow as a live one is.
    expect(await ids('workflow=wf-1')).toEqual(['c', 'r']);
    expect(await ids('workflow=wf-1&state=cancelled')).toEqual(['r']);
    expect(await ids('workflow=wf-2&type=review')).toEqual([]);
    expect(await ids('workflow=wf-3')).toEqual([]);
  });

  it.each([
    ['?limit=0', 'query.limit: expected a number >= 1, got "0"'],
    ['?state=done', 'query.state'],
    ['?colour=red', 'query.colour: unknown field "colour"'],
    ['?workflow=', 'query.workflow'],
    ['?cursor=abc', 'query.cursor: expected a cursor returned as next by an earlier page'],
  ])('answers 400 for %s', async (query, message) => {
    const answer = await running.request('GET', `/v1/tasks${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain(message);
  });

  it('forgets the oldest settled tasks beyond live.settledTasks', async () => {
    await running.close();
    running = await startService(scenarioText('settledTasks: 2'));
    for (const id of ['x', 'y', 'z']) {
      await running.request('POST', '/v1/tasks', { id, type: 'code' });
      await running.request('DELETE', `/v1/tasks/${id}`);
    }
    expect((await running.request('GET', '/v1/tasks/x')).status).toBe(404);
    expect((await running.request('GET', '/v1/tasks/y')).body.state).toBe('cancelled');
    const list = await running.request('GET', '/v1/tasks');
    expect(list.body.tasks.map((task: { id: string }) => task.id)).toEqual(['y', 'z']);
  });
});

describe('DELETE /v1/tasks/{id}', () => {
  it('cancels a live task and answers its state; cancelling again changes nothing', async () => {
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    const answer = await running.request('DELETE', '/v1/tasks/t1');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: 't1', state: 'cancelled' });
    expect((await running.request('DELETE', '/v1/tasks/t1')).body).toEqual({ id: 't1', state: 'cancelled' });
    expect(running.service.context.driver.counts()).toMatchObject({ submitted: 1, cancelled: 1, inFlight: 0 });
  });

  it('answers 404 for an unknown task', async () => {
    expect((await running.request('DELETE', '/v1/tasks/nope')).status).toBe(404);
  });
});
