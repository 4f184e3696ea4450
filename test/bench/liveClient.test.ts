import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyServer, type BodyHandler } from '../support/bodyServer.js';
import { Client } from '../../bench/liveClient.js';

const servers: Server[] = [];
const clients: Client[] = [];

/** A real HTTP server on a free port, closed after the test. */
async function serve(handler: BodyHandler): Promise<{ url: string; server: Server }> {
  const started = await bodyServer(handler);
  servers.push(started.server);
  return started;
}

function client(url: string, connections: number): Client {
  const made = new Client(url, connections);
  clients.push(made);
  return made;
}

const now = (): number => performance.timeOrigin + performance.now();

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('the live bench\'s HTTP client', () => {
  it('sends the method, path and JSON body, and resolves with the status and the parsed answer', async () => {
    const { url } = await serve((req, body, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: req.url, contentType: req.headers['content-type'], body: JSON.parse(body) as unknown }));
    });
    const answer = await client(url, 2).call('POST', '/v1/tasks?x=1', { id: 'bench-1', tokens: 100 });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ method: 'POST', path: '/v1/tasks?x=1', contentType: 'application/json', body: { id: 'bench-1', tokens: 100 } });
  });

  it('sends a request without a body with no content type, and keeps an answer that is not JSON as text', async () => {
    const { url } = await serve((req, body, res) => {
      res.writeHead(404);
      res.end(`no ${req.method} ${req.url} (${req.headers['content-type'] ?? 'no type'}, ${body.length} bytes)`);
    });
    const answer = await client(url, 1).call('GET', '/nowhere');
    expect(answer).toMatchObject({ status: 404, body: 'no GET /nowhere (no type, 0 bytes)' });
  });

  it('sends a body that is JSON text already as it is', async () => {
    const { url } = await serve((_req, body, res) => res.end(JSON.stringify({ echoed: body })));
    const payload = '{"tasks":[{"id":"bench-7","type":"job","tokens":100}]}';
    expect((await client(url, 1).callRaw('POST', '/v1/tasks/batch', payload)).body).toEqual({ echoed: payload });
  });

  it('times an answer when its last bytes are read, not when its first are', async () => {
    let lastWrittenAt = 0;
    const { url } = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"part":');
      setTimeout(() => {
        lastWrittenAt = now();
        res.end('1}');
      }, 50);
    });
    const sentAt = now();
    const answer = await client(url, 1).call('GET', '/slow');
    expect(answer.body).toEqual({ part: 1 });
    expect(answer.receivedAt).toBeGreaterThanOrEqual(lastWrittenAt);
    expect(answer.receivedAt).toBeGreaterThanOrEqual(sentAt + 50);
    expect(answer.receivedAt).toBeLessThanOrEqual(now());
  });

  it('counts the requests it sent, and keeps each connection to one request at a time', async () => {
    const sockets = new Set<unknown>();
    let open = 0;
    let mostOpen = 0;
    const { url } = await serve((req, _body, res) => {
      sockets.add(req.socket);
      open++;
      mostOpen = Math.max(mostOpen, open);
      // Held, as a long poll is: a connection carrying more than one request would show as more open than connections.
      // 100 ms, so that all three connections are open at once even when a loaded machine opens them tens of ms apart.
      setTimeout(() => {
        open--;
        res.end('{}');
      }, 100);
    });
    const c = client(url, 3);
    const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => c.call('POST', `/poll/${i}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(c.requests).toBe(9);
    expect(mostOpen).toBe(3);
    expect(sockets.size).toBe(3);
  });

  it('reuses its connections from one request to the next (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    const { url } = await serve((req, _body, res) => {
      sockets.add(req.socket);
      res.end('{}');
    });
    const c = client(url, 4);
    for (let i = 0; i < 20; i++) await c.call('GET', '/healthz');
    await sleep(10);
    await c.call('GET', '/healthz');
    // Two, not one: undici answers a request before it marks its connection free, so the next
    // request, sent from that answer's continuation, takes the pool's other connection.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('rejects when the service cannot be reached', async () => {
    const { url, server } = await serve((_req, _body, res) => res.end('{}'));
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    await expect(client(url, 1).call('GET', '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
