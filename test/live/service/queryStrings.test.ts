/**
 * A query string on a route that takes none is a 400 naming the parameter, as an unknown field
 * of a body is, and changes nothing: `POST /v1/tasks?wait=5` does not submit a task that will
 * not wait. The three routes that take a query (the task list and the two polls) check theirs;
 * `/metrics` and `/healthz`, read by scrapers and load balancers, take any.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startService, type Running } from './serviceHarness.js';

let running: Running;
beforeEach(async () => {
  running = await startService(undefined, { latencyProbe: true });
  expect((await running.request('POST', '/v1/agents', { id: 'a1', skills: { code: 1 }, capacity: 1 })).status).toBe(201);
  expect((await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' })).status).toBe(201);
});
afterEach(async () => {
  await running.close();
});

describe('routes that take no query', () => {
  it.each([
    ['POST', '/v1/tasks', { id: 't2', type: 'code' }],
    ['POST', '/v1/tasks/batch', { tasks: [{ id: 't2', type: 'code' }] }],
    ['GET', '/v1/tasks/t1', undefined],
    ['DELETE', '/v1/tasks/t1', undefined],
    ['POST', '/v1/agents', { id: 'a2', skills: { code: 1 }, capacity: 1 }],
    ['POST', '/v1/agents/a1/attempts/t1/1/started', {}],
    ['POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true }],
    ['POST', '/v1/agents/a1/offers/o1', { accept: true }],
    ['POST', '/v1/agents/a1/reports', { reports: [] }],
    ['POST', '/v1/admin', { op: 'pause', agent: 'a1' }],
    ['GET', '/v1/metrics', undefined],
    ['GET', '/v1/latency', undefined],
    ['DELETE', '/v1/latency', undefined],
  ])('%s %s?wait=5 is 400 query.wait, and changes nothing', async (method, path, body) => {
    const { driver, agents } = running.service.context;
    const before = { counts: driver.counts(), agents: agents.stats() };
    const answer = await running.request(method, `${path}?wait=5`, body);
    expect(answer).toMatchObject({ status: 400, body: { error: 'query.wait: unknown field "wait"' } });
    expect({ counts: driver.counts(), agents: agents.stats() }).toEqual(before);
  });
});

describe('routes that take a query or any', () => {
  it('the task list and the polls read their own parameters and refuse others', async () => {
    expect((await running.request('GET', '/v1/tasks?limit=1')).status).toBe(200);
    expect((await running.request('POST', '/v1/agents/a1/poll?wait=0')).status).toBe(200);
    expect((await running.request('POST', '/v1/agents/poll?wait=0', { agents: ['a1'] })).status).toBe(200);
    expect((await running.request('POST', '/v1/agents/a1/poll?wiat=1')).body).toEqual({ error: 'query.wiat: unknown field "wiat"' });
  });

  it('/metrics and /healthz answer whatever their query', async () => {
    expect((await running.request('GET', '/metrics?name[]=fleetsim_queue_depth')).status).toBe(200);
    expect((await running.request('GET', '/healthz?probe=lb')).status).toBe(200);
  });
});
