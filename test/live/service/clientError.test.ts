/**
 * A request Node's HTTP parser cannot read, or whose path Fastify cannot decode, is refused as
 * every other request is: `{ error: 'request: …' }` or `{ error: 'path: …' }` on one line and
 * nothing else, with the status Fastify would give (400, 431), and the service serves on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientErrorAnswer } from '../../../src/live/service/clientError.js';
import { send, type RawRequest } from './rawHttp.js';
import { startService, type Running } from './serviceHarness.js';

const GET_HEALTH: RawRequest = { method: 'GET', path: '/healthz', contentType: undefined, token: undefined, body: '', framing: 'length' };

let running: Running;
beforeAll(async () => { running = await startService(); });
afterAll(async () => { await running.close(); });

describe('requests the HTTP parser cannot read', () => {
  it.each([
    ['a method HTTP does not have', { ...GET_HEALTH, method: 'FETCH' }, 400, 'request: malformed HTTP (HPE_INVALID_METHOD)'],
    ['a header line without a colon', { ...GET_HEALTH, extraHeaders: ['No colon here'] }, 400, /^request: malformed HTTP \(HPE_[A-Z_]+\)$/],
    ['a content length and a chunked body at once', { ...GET_HEALTH, method: 'POST', path: '/v1/tasks', extraHeaders: ['Transfer-Encoding: chunked'], body: '2\r\n{}\r\n0\r\n\r\n' }, 400, /^request: malformed HTTP \(HPE_[A-Z_]+\)$/],
    ['headers larger than the limit', { ...GET_HEALTH, extraHeaders: [`X-Padding: ${'x'.repeat(20_000)}`] }, 431, 'request: headers larger than the limit'],
    ['a path with a bad percent escape', { ...GET_HEALTH, path: '/v1/tasks/%zz' }, 400, 'path: not a valid URL (a % not followed by two hexadecimal digits, or bytes that are not UTF-8)'],
  ])('%s: %i and one line saying what was wrong', async (_, request, status, error) => {
    const answer = await send(running.url, request);
    expect(answer.status).toBe(status);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(typeof error === 'string' ? new RegExp(`^${error.replace(/[()%]/g, '\\$&')}$`) : error);
    expect(running.service.errors).toEqual([]);
    expect((await send(running.url, GET_HEALTH)).status).toBe(200);
  });

  it('answers a timeout 408 and anything else unreadable 400, naming the parser code', () => {
    expect(clientErrorAnswer('ERR_HTTP_REQUEST_TIMEOUT')).toEqual({ status: 408, reason: 'Request Timeout', error: 'request: not received in time' });
    expect(clientErrorAnswer('HPE_INVALID_CONSTANT').error).toBe('request: malformed HTTP (HPE_INVALID_CONSTANT)');
    expect(clientErrorAnswer(undefined).error).toBe('request: malformed HTTP (unreadable)');
  });
});
