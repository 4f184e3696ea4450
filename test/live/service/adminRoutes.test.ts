/**
 * `POST /v1/admin` over real HTTP: every operation does what its scenario counterpart does;
 * unknown ids are 404, bad bodies 400, and neither changes anything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scenarioText, startService, type Running } from './serviceHarness.js';

let running: Running;
beforeEach(async () => {
  running = await startService(scenarioText('heartbeatSeconds: 5'));
});
afterEach(async () => {
  await running.close();
});

function states(): Record<string, string> {
  const result: Record<string, string> = {};
  for (const id of ['t1', 't2', 't3']) {
    const entry = running.service.context.tasks.get(id);
    if (entry !== undefined) result[id] = entry.state;
  }
  return result;
}

describe('POST /v1/admin', () => {
  it('pauses and resumes a task type', async () => {
    expect((await running.request('POST', '/v1/admin', { op: 'pause-type', type: 'code' })).body).toEqual({ op: 'pause-type' });
    await running.request('POST', '/v1/agents', { id: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    expect(states()).toEqual({ t1: 'queued' });
    await running.request('POST', '/v1/admin', { op: 'resume-type', type: 'code' });
    expect(states()).toEqual({ t1: 'assigned' });
  });

  it('adds an agent like a registration, drains and removes agents', async () => {
    const added = await running.request('POST', '/v1/admin', { op: 'add', agent: { id: 'a1' } });
    expect(added).toMatchObject({ status: 201, body: { op: 'add', id: 'a1', joined: true } });
    await running.request('POST', '/v1/agents', { id: 'a2' });
    await running.request('POST', '/v1/admin', { op: 'drain', agentId: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    expect(running.service.context.tasks.get('t1')!.agent).toBe('a2');
    await running.request('POST', '/v1/admin', { op: 'remove', agentId: 'a2' });
    expect(running.service.context.tasks.get('t1')!.history.map((entry) => entry.reason)).toContain('agent-lost');
    expect(running.service.context.agents.agent('a2')!.inFleet).toBe(false);
  });

  it('sets the priority of one task, or of every queued task of a type', async () => {
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code', priority: 3 });
    await running.request('POST', '/v1/tasks', { id: 't2', type: 'code', priority: 3 });
    await running.request('POST', '/v1/tasks', { id: 't3', type: 'review', priority: 3 });
    await running.request('POST', '/v1/admin', { op: 'set-priority', taskId: 't1', priority: 0 });
    const { engine } = running.service.context.driver;
    expect(engine.task('t1')!.priority).toBe(0);
    const byType = await running.request('POST', '/v1/admin', { op: 'set-priority', type: 'review', priority: 1 });
    expect(byType.body).toEqual({ op: 'set-priority', tasks: 1 });
    expect([engine.task('t2')!.priority, engine.task('t3')!.priority]).toEqual([3, 1]);
  });

  it('pauses and resumes a running task', async () => {
    await running.request('POST', '/v1/agents', { id: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    await running.request('POST', '/v1/agents/a1/poll');
    await running.request('POST', '/v1/agents/a1/attempts/t1/1/started', {});
    await running.request('POST', '/v1/admin', { op: 'pause', taskId: 't1' });
    expect(states()).toEqual({ t1: 'paused' });
    await running.request('POST', '/v1/admin', { op: 'resume', taskId: 't1' });
    expect(states()).toEqual({ t1: 'running' });
    const commands = (await running.request('POST', '/v1/agents/a1/poll')).body.commands;
    expect(commands).toEqual([{ kind: 'pause', taskId: 't1', attempt: 1 }, { kind: 'resume', taskId: 't1', attempt: 1 }]);
  });

  it.each([
    [{ op: 'drain', agentId: 'ghost' }, 404, 'body.agentId: agent ghost is not in the fleet'],
    [{ op: 'remove', agentId: 'ghost' }, 404, 'body.agentId: agent ghost is not in the fleet'],
    [{ op: 'pause', taskId: 'nope' }, 404, 'body.taskId: no task nope'],
    [{ op: 'set-priority', taskId: 'nope', priority: 1 }, 404, 'body.taskId: no task nope'],
    [{ op: 'reboot' }, 400, 'body.op: expected one of'],
    [{ op: 'drain' }, 400, 'body.agentId: required'],
    [{ op: 'set-priority', priority: 1 }, 400, 'body: expected exactly one of taskId and type'],
    [{ op: 'pause-type', type: 'code', now: 1 }, 400, 'body.now: unknown field "now"'],
  ])('answers %j with %i', async (body, status, message) => {
    const before = running.service.context.journal.appendedSeq;
    const answer = await running.request('POST', '/v1/admin', body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toContain(message);
    expect(running.service.context.journal.appendedSeq).toBe(before);
  });
});
