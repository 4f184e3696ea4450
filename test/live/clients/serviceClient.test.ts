import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyServer, type BodyHandler } from '../../support/bodyServer.js';
import { ServiceClient, ServiceUnavailable } from '../../../src/live/clients/serviceClient.js';

const servers: Server[] = [];

/** A real HTTP server on a free port, closed after the test. */
async function serve(handler: BodyHandler): Promise<{ url: string; server: Server }> {
  const started = await bodyServer(handler);
  servers.push(started.server);
  return started;
}

/** Answers with what the request was: method, path, the headers a service reads, the body. */
const echo: BodyHandler = (req, body, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, path: req.url, contentType: req.headers['content-type'] ?? null, authorization: req.headers.authorization ?? null, body }));
};

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('ServiceClient', () => {
  it('sends the method, path and JSON body with its content type and the bearer token, and parses the answer', async () => {
    const { url } = await serve(echo);
    const answer = await new ServiceClient({ url, token: 's3cret' }).request('POST', '/v1/tasks', { id: 't1', tokens: 100 }, 5_000);
    expect(answer).toEqual({ status: 200, body: { method: 'POST', path: '/v1/tasks', contentType: 'application/json', authorization: 'Bearer s3cret', body: '{"id":"t1","tokens":100}' } });
  });

  it('sends a request without a body with no content type, and keeps the base URL\'s path', async () => {
    const { url } = await serve(echo);
    const answer = await new ServiceClient({ url: `${url}/fleet/` }).request('GET', '/v1/tasks/t1', undefined, 5_000);
    expect(answer.body).toEqual({ method: 'GET', path: '/fleet/v1/tasks/t1', contentType: null, authorization: null, body: '' });
  });

  it('resolves with an answer below 500 (a 4xx included), its body undefined when it is not JSON', async () => {
    const { url } = await serve((_req, _body, res) => {
      res.writeHead(404);
      res.end('not here');
    });
    expect(await new ServiceClient({ url }).request('DELETE', '/v1/tasks/x', undefined, 5_000)).toEqual({ status: 404, body: undefined });
  });

  it.each([500, 503, 429])('throws ServiceUnavailable on HTTP %i, with the answer\'s text', async (status) => {
    const { url } = await serve((_req, _body, res) => {
      res.writeHead(status);
      res.end('busy now');
    });
    const failed = new ServiceClient({ url }).request('POST', '/v1/agents/poll', { agents: [] }, 5_000);
    await expect(failed).rejects.toThrow(ServiceUnavailable);
    await expect(failed).rejects.toThrow(`POST /v1/agents/poll: HTTP ${status} busy now`);
  });

  it('throws ServiceUnavailable naming the cause when the service cannot be reached', async () => {
    const { url, server } = await serve(echo);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    await expect(new ServiceClient({ url }).request('GET', '/healthz', undefined, 5_000)).rejects.toThrow('GET /healthz: ECONNREFUSED');
  });

  it('throws ServiceUnavailable when no answer comes in time, and when the caller aborts', async () => {
    const { url } = await serve(() => {
      // never answers
    });
    const client = new ServiceClient({ url });
    const started = performance.now();
    await expect(client.request('GET', '/v1/agents/poll', undefined, 100)).rejects.toThrow('GET /v1/agents/poll: no answer in time');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    const stop = new AbortController();
    const aborted = client.request('GET', '/v1/agents/poll', undefined, 60_000, stop.signal);
    stop.abort();
    await expect(aborted).rejects.toThrow(ServiceUnavailable);
  });
});
