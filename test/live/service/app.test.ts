/**
 * The service as a whole: unknown routes, internal errors (500 without detail, reported inside),
 * and closing (long-polls end, the port is released).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../../src/live/service/app.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { eventually, pollsOpened, scenarioText } from './serviceHarness.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

async function build(): Promise<{ service: Service }> {
  service = await createService({ scenario: parseScenario(scenarioText('heartbeatSeconds: 5'), 's.yaml') });
  return { service };
}

describe('createService', () => {
  it('answers 404 with one line for an unknown route or method', async () => {
    const built = await build();
    const url = await built.service.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${url}/v2/tasks?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'path: no route GET /v2/tasks' });
    expect((await fetch(`${url}/v1/tasks/t1`, { method: 'PUT' })).status).toBe(404);
  });

  it('answers 500 without detail for a bug, and reports it inside', async () => {
    const built = await build();
    built.service.app.get('/boom', () => {
      throw new Error('secret detail');
    });
    const url = await built.service.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${url}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error (reported in the service\'s log)' });
    expect(text).not.toContain('secret');
    expect(built.service.errors.map((error) => error.message)).toEqual(['secret detail']);
    // It still serves.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('ends open long-polls at once when it closes, and releases the port', async () => {
    const built = await build();
    const url = await built.service.app.listen({ host: '127.0.0.1', port: 0 });
    await fetch(`${url}/v1/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'a1' }) });
    const opened = pollsOpened(built.service);
    const poll = fetch(`${url}/v1/agents/a1/poll?wait=30`, { method: 'POST' });
    await eventually(() => opened() === 1, 5000, 'a1\'s long-poll open');
    const began = performance.now();
    await built.service.close();
    service = undefined;
    const answer = await poll;
    expect(await answer.json()).toEqual({ commands: [] });
    expect((performance.now() - began) / 1000).toBeLessThan(5);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
