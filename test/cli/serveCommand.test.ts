/**
 * `fleetsim serve` as a user runs it: the built CLI in its own process prints where it listens,
 * serves the API, closes on SIGTERM with exit 0, and a restart on the same data directory
 * finds the acknowledged tasks; bad flags and files exit 2 with one line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { ROOT, expectInputError, runCli } from './runCli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-serve-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Starts `fleetsim serve …` and resolves once it printed its address. */
function serve(...args: string[]): Promise<Served> {
  return serveUnder([], ...args);
}

/** {@link serve} in a Node process given `nodeFlags`. */
function serveUnder(nodeFlags: readonly string[], ...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [...nodeFlags, 'dist/src/cli/main.js', 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address printed; stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^fleetsim serve listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, exited, stderr: () => stderr });
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
}

async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: await response.json() };
}

describe('fleetsim serve', () => {
  it('serves the API, closes on SIGTERM (exit 0), and recovers its data directory on restart', async () => {
    const data = join(dir, 'data');
    const first = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0');
    expect((await call(first.url, 'POST', '/v1/agents', { id: 'coder-1' })).status).toBe(201);
    expect((await call(first.url, 'POST', '/v1/tasks', { id: 'cli-1', type: 'code', tokens: 10 })).status).toBe(201);
    expect((await call(first.url, 'POST', '/v1/tasks', { id: 'cli-2', type: 'code', tokens: 10 })).status).toBe(201);
    const poll = await call(first.url, 'POST', '/v1/agents/coder-1/poll');
    const started = poll.body.commands.filter((command: { kind: string }) => command.kind === 'start');
    expect(started.length).toBeGreaterThan(0);
    const { task, attempt } = started[0];
    expect((await call(first.url, 'POST', `/v1/agents/coder-1/attempts/${task.id}/${attempt}/finished`, { ok: true })).body).toEqual({ stale: false });
    expect((await call(first.url, 'GET', '/healthz')).status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Nothing but, on a host of two cores, the line of the service process it runs in (test/cli/serveLauncher.test.ts).
    expect(first.stderr().replace(/^fleetsim serve: the service runs in process \d+ .*\n/, '')).toBe('');

    const second = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0');
    try {
      expect((await call(second.url, 'GET', `/v1/tasks/${task.id}`)).body.state).toBe('completed');
      const metrics = await call(second.url, 'GET', '/v1/metrics');
      expect(metrics.body.counts).toMatchObject({ submitted: 2, completed: 1 });
      expect((await call(second.url, 'POST', '/v1/tasks', { id: 'cli-2', type: 'code', tokens: 10 })).status).toBe(200);
    } finally {
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
  }, 60_000);

  it('compacts every --snapshot-every inputs: a snapshot appears once that many are logged, and a restart resumes from it', async () => {
    const data = join(dir, 'snapshot-data');
    const snapshots = (): string[] => readdirSync(data).filter((name) => /^snapshot-\d+\.json$/.test(name));
    const first = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0', '--snapshot-every', '1000');
    try {
      const tasks = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: `s-${from + i}`, type: 'code', tokens: 10 }));
      expect((await call(first.url, 'POST', '/v1/tasks/batch', { tasks: tasks(0, 999) })).status).toBe(200);
      // 999 inputs: none yet (the default, 100,000, would make none at all).
      expect(snapshots()).toStrictEqual([]);
      expect((await call(first.url, 'POST', '/v1/tasks/batch', { tasks: tasks(999, 2) })).status).toBe(200);
      await eventually(() => snapshots().length > 0, 20_000, 'a snapshot written');
      expect(snapshots()).toHaveLength(1);
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
    const second = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0', '--snapshot-every', '1000');
    try {
      expect((await call(second.url, 'GET', '/v1/metrics')).body.counts).toMatchObject({ submitted: 1001 });
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 60_000);

  it('asks for bearer tokens with --token-file', async () => {
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, 'submitter-token-0123456789: submitter\n');
    const served = await serve('scenarios/specialists.yaml', '--data', join(dir, 'auth-data'), '--port', '0', '--token-file', tokens);
    try {
      expect((await call(served.url, 'POST', '/v1/tasks', { type: 'code' })).status).toBe(401);
      expect((await call(served.url, 'POST', '/v1/tasks', { type: 'code' }, 'submitter-token-0123456789')).status).toBe(201);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  }, 60_000);

  it('reports with --latency-probe the young generation V8 was given (a smaller --max-semi-space-size shows)', async () => {
    const served = await serveUnder(['--max-semi-space-size=1'], 'scenarios/specialists.yaml', '--data', join(dir, 'probe-data'), '--port', '0', '--latency-probe');
    try {
      expect((await call(served.url, 'POST', '/v1/agents', { id: 'coder-1' })).status).toBe(201);
      for (let i = 0; i < 50; i++) expect((await call(served.url, 'POST', '/v1/tasks', { type: 'code', tokens: 10 })).status).toBe(201);
      const young = (await call(served.url, 'GET', '/v1/latency')).body.loop.youngGenerationBytes;
      // At most two 1 MiB semi-spaces; by then V8's defaults have let it grow past that.
      expect(young).toBeGreaterThan(0);
      expect(young).toBeLessThanOrEqual(2 * 2 ** 20);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
  }, 60_000);

  it('exits 2 with one line when the port is taken or another service holds the data directory', async () => {
    const data = join(dir, 'held');
    const holder = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0');
    try {
      const port = new URL(holder.url).port;
      // Run asynchronously: the holder must keep serving while the second one tries.
      const taken = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', join(dir, 'other'), '--port', port], { cwd: ROOT });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
        child.once('exit', (status) => resolve({ status, stderr }));
      });
      expect(taken.status).toBe(2);
      expect(taken.stderr).toMatch(new RegExp(`^fleetsim: command line: --port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE`));
      const held = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', data, '--port', '0'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(held.status).toBe(2);
      expect(held.stderr.trim().split('\n')).toHaveLength(1);
      expect(held.stderr).toContain(data);
    } finally {
      holder.child.kill('SIGTERM');
      await holder.exited;
    }
  }, 60_000);

  it('exits 2 with one line naming the file and line when a line of the log before its last is corrupt, and changes nothing', async () => {
    const data = join(dir, 'corrupt');
    const first = await serve('scenarios/specialists.yaml', '--data', data, '--port', '0');
    for (const id of ['c1', 'c2', 'c3']) {
      const answer = await fetch(`${first.url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, type: 'code' }) });
      expect(answer.status).toBe(201);
    }
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const wal = join(data, 'wal.jsonl');
    const lines = readFileSync(wal, 'utf8').split('\n');
    // Line 3 (the header is line 1) loses a character: its checksum no longer matches, and it is not the last line.
    lines[2] = lines[2]!.replace('c2', 'cX');
    writeFileSync(wal, lines.join('\n'));
    const before = readFileSync(wal, 'utf8');
    const result = runCli('serve', 'scenarios/specialists.yaml', '--data', data, '--port', '0');
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(wal);
    expect(result.stderr).toMatch(/line 3/);
    expect(result.stdout).toBe('');
    expect(readFileSync(wal, 'utf8')).toBe(before);
  }, 60_000);

  it.each([
    [['scenarios/specialists.yaml', '--port', '0'], /Missing required argument: data/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--port', '70000'], /--port: expected an integer 0\.\.65535, got 70000/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--port', 'abc'], /--port: expected a number, got "abc"/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--fsyncs-in-flight', '0'], /--fsyncs-in-flight: expected an integer 1\.\.8, got 0/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--fsyncs-in-flight', '2.5'], /--fsyncs-in-flight: expected an integer 1\.\.8, got 2\.5/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--commit-interval-ms', '-1'], /--commit-interval-ms: expected a number 0\.\.100, got -1/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--commit-interval-ms', '101'], /--commit-interval-ms: expected a number 0\.\.100, got 101/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--commit-interval-ms', 'soon'], /--commit-interval-ms: expected a number, got "soon"/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--wal-preallocate-mib', '-1'], /--wal-preallocate-mib: expected an integer 0\.\.4096, got -1/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--wal-preallocate-mib', '0.5'], /--wal-preallocate-mib: expected an integer 0\.\.4096, got 0\.5/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--wal-preallocate-mib', '4097'], /--wal-preallocate-mib: expected an integer 0\.\.4096, got 4097/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--snapshot-every', '999'], /--snapshot-every: expected an integer 1000\.\.100000000, got 999/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--snapshot-every', '5000.5'], /--snapshot-every: expected an integer 1000\.\.100000000, got 5000\.5/],
    [['scenarios/missing.yaml', '--data', 'DATA'], /scenarios\/missing\.yaml: cannot read file/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--token-file', 'nope.yaml'], /nope\.yaml: cannot read the token file/],
    [['scenarios/specialists.yaml', '--data', 'DATA', '--token-file', ''], /^fleetsim: command line: --token-file: expected a value, got the empty string$/],
    [['scenarios/specialists.yaml', '--data', '/proc/fleetsim-data'], /--data: cannot create \/proc\/fleetsim-data/],
    // No address of this machine: the host is named, and the warning about a host without
    // --token-file (due only once the service listens) is not a second line.
    [['scenarios/specialists.yaml', '--data', 'DATA', '--port', '0', '--host', '999.1.1.1'], /--host: cannot listen on 999\.1\.1\.1:0 \(ENOTFOUND/],
  ])('exits 2 with one line for %j', (args, message) => {
    const result = runCli('serve', ...args.map((arg) => (arg === 'DATA' ? join(dir, 'unused') : arg)));
    expectInputError(result, message);
  });

  it('exits 2 naming the file and field when the metrics windows would keep too many intervals', () => {
    const file = join(dir, 'windows.yaml');
    writeFileSync(file, `${readFileSync(join(ROOT, 'scenarios/specialists.yaml'), 'utf8')}\nlive: { metricsIntervalSeconds: 0.001, metricsWindowSeconds: 3600 }\n`);
    const result = runCli('serve', file, '--data', join(dir, 'unused'));
    expectInputError(result, /windows\.yaml: live\.metricsWindowSeconds: expected at most 100000 intervals of live\.metricsIntervalSeconds \(0\.001 s\), got 3600 s/);
  });
});
