/**
 * Bearer tokens over real HTTP: 401 without a token or with an unknown one, 403 for a role that
 * may not act (an agent's token acting for another agent included), and the token file's errors,
 * which never print a token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authorizer, loadTokenFile } from '../../../src/live/service/auth.js';
import { MAX_NESTING_DEPTH, YAML_SCAN_FROM_CHARS } from '../../../src/nestingDepth.js';
import { isInputError } from '../../../src/scenario/errors.js';
import { scenarioText, startService, type Running } from './serviceHarness.js';

const SUBMITTER = 'submitter-token-0123456789';
const ADMIN = 'admin-token-0123456789abcdef';
const AGENT_A1 = 'agent-a1-token-0123456789';
const ANY_AGENT = 'emulator-token-0123456789';

let running: Running;
beforeAll(async () => {
  running = await startService(scenarioText('heartbeatSeconds: 5'), {
    tokens: { [SUBMITTER]: 'submitter', [ADMIN]: 'admin', [AGENT_A1]: 'agent:a1', [ANY_AGENT]: ['agent:*'] },
  });
});
afterAll(async () => {
  await running.close();
});

describe('authentication', () => {
  it('answers 401 without a token, with a malformed header and with an unknown token', async () => {
    expect(await running.request('POST', '/v1/tasks', { type: 'code' })).toMatchObject({ status: 401, body: { error: 'authorization: expected the header "Authorization: Bearer <token>"' } });
    const basic = await fetch(`${running.url}/v1/tasks`, { headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    expect(await running.request('POST', '/v1/tasks', { type: 'code' }, 'wrong-token-0123456789')).toMatchObject({ status: 401, body: { error: 'authorization: unknown token' } });
    expect(running.service.context.driver.counts().submitted).toBe(0);
  });

  it('lets each role do its part', async () => {
    expect((await running.request('POST', '/v1/tasks', { id: 'auth-1', type: 'code' }, SUBMITTER)).status).toBe(201);
    expect((await running.request('GET', '/v1/tasks/auth-1', undefined, ADMIN)).status).toBe(200);
    expect((await running.request('POST', '/v1/agents', { id: 'a1' }, AGENT_A1)).status).toBe(201);
    expect((await running.request('POST', '/v1/agents', { id: 'a2' }, ANY_AGENT)).status).toBe(201);
    expect((await running.request('POST', '/v1/agents/a1/poll', undefined, AGENT_A1)).status).toBe(200);
    expect((await running.request('POST', '/v1/admin', { op: 'pause-type', type: 'review' }, ADMIN)).status).toBe(200);
    expect((await running.request('GET', '/v1/metrics', undefined, AGENT_A1)).status).toBe(200);
    expect((await running.request('GET', '/metrics', undefined, SUBMITTER)).status).toBe(200);
  });

  it('answers 403 for a role that may not act', async () => {
    expect((await running.request('POST', '/v1/tasks', { type: 'code' }, AGENT_A1)).status).toBe(403);
    expect((await running.request('POST', '/v1/admin', { op: 'pause-type', type: 'code' }, SUBMITTER)).status).toBe(403);
    expect((await running.request('POST', '/v1/agents', { id: 'r1' }, SUBMITTER)).status).toBe(403);
  });

  it('refuses an agent token acting for another agent (403), and changes nothing', async () => {
    await running.request('POST', '/v1/agents', { id: 'a2' }, ANY_AGENT);
    const poll = await running.request('POST', '/v1/agents/a2/poll', undefined, AGENT_A1);
    expect(poll).toMatchObject({ status: 403, body: { error: 'authorization: the token may not act for agent a2 (role agent:a2, agent:*, provisioner:<its pool> or admin)' } });
    expect((await running.request('POST', '/v1/agents', { id: 'r1' }, AGENT_A1)).status).toBe(403);
    expect((await running.request('POST', '/v1/agents/a2/attempts/auth-1/1/finished', { ok: true }, AGENT_A1)).status).toBe(403);
    expect(running.service.context.driver.counts().completed).toBe(0);
  });

  it('leaves /healthz open', async () => {
    expect((await running.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('Authorizer', () => {
  it('lets every request act when there is no token file', () => {
    expect(() => new Authorizer(undefined).check(undefined, { kind: 'admin' })).not.toThrow();
  });
});

describe('loadTokenFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-tokens-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function load(text: string): unknown {
    const file = join(dir, 'tokens.yaml');
    writeFileSync(file, text);
    try {
      return loadTokenFile(file);
    } catch (error) {
      if (!isInputError(error)) throw error;
      return error.message;
    }
  }

  it('reads a mapping of tokens to a role or a list of roles', () => {
    expect(load(`${SUBMITTER}: submitter\n${ADMIN}: [admin, agent:x]\n`)).toEqual({ [SUBMITTER]: 'submitter', [ADMIN]: ['admin', 'agent:x'] });
  });

  it('reads every token and role as written: digits are not a number, a leading zero or an exponent is kept', () => {
    expect(load('0000000000000000: submitter\n1e12345678901234567: [admin]\n')).toEqual({ '0000000000000000': 'submitter', '1e12345678901234567': ['admin'] });
  });

  it.each([
    ['short-token: admin\n', 'token #1: expected a token of at least 16 characters'],
    [`${SUBMITTER}: superuser\n`, 'token #1: expected submitter, admin, agent:<id>, agent:*, provisioner:<pool> or provisioner:*, got "superuser"'],
    [`${SUBMITTER}: admin\n${ADMIN}: []\n`, 'token #2: expected a role or a non-empty list of roles'],
    ['- admin\n', 'expected a mapping token → role (or list of roles)'],
    ['{}\n', 'expected at least one token'],
    [`${SUBMITTER}: admin\n"${SUBMITTER} x": admin\n`, 'token #2: expected a token of printable ASCII characters without blanks'],
    [`${SUBMITTER}: admin\n${SUBMITTER}é: admin\n`, 'token #2: expected a token of printable ASCII characters without blanks'],
    [`? [${SUBMITTER}]\n: admin\n`, 'token #1: expected a token (a string), got a list or a mapping'],
    [`${SUBMITTER}: ~\n`, 'token #1: expected submitter, admin, agent:<id>, agent:*, provisioner:<pool> or provisioner:*, got "~"'],
    [`${SUBMITTER}: *${SUBMITTER}\n`, 'token #1: expected a role or a non-empty list of roles, got an alias (*name) that names no anchor (&name) before it, or too many aliases'],
  ])('refuses %j with one line that names the entry, not the token', (text, message) => {
    const answer = load(text) as string;
    expect(answer).toContain(message);
    expect(answer).not.toContain(SUBMITTER);
  });

  it('refuses lists nested deeper than a token file has before the YAML parser builds them', () => {
    const answer = load(`${SUBMITTER}: ${'['.repeat(YAML_SCAN_FROM_CHARS)}\n`) as string;
    expect(answer).toContain(`lists and maps nested more than ${MAX_NESTING_DEPTH} deep`);
    expect(answer).not.toContain(SUBMITTER);
  });

  it('names a file it cannot read', () => {
    expect(() => loadTokenFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read the token file \(ENOENT/);
  });
});
