/**
 * `fleetsim status` as a user runs it, against a real `fleetsim serve` over HTTP: the report says
 * what `GET /v1/metrics` says (the task counts, the latency figures, the window the service
 * answered), `--json` prints the document, `--watch` repeats until SIGINT (appended after
 * timestamp lines in a file or pipe, redrawn on a terminal, one document a line with `--json`)
 * and outlives a service that goes away; bad flags exit 2 naming the flag before any request, a
 * refused token exit 2 naming `--token`, a refused window (or an answer that is no metrics
 * document) exit 2 with the service's message, an unreachable or silent service exit 1 naming the URL.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fleetsim, freePort, tempDir, type Child } from '../live/clients/processes.js';
import { onPath } from '../support/shellExamples.js';
import { ROOT, expectInputError, runCli } from './runCli.js';
import { uptimeText } from '../../src/cli/statusCommand.js';

/** The library's scenario with the service's windows cut into half-second intervals (and `live` changed as given). */
function scenarioText(live: string): string {
  return `${readFileSync(join(ROOT, 'scenarios/specialists.yaml'), 'utf8')}\nlive: { metricsIntervalSeconds: 0.5${live} }\n`;
}

/** A `fleetsim serve` of the test's own. */
interface Service {
  readonly child: Child;
  readonly url: string;
}

/** Starts `fleetsim serve <scenario> --data <dir> …flags` and resolves once it listens. */
async function startService(scenario: string, data: string, ...flags: string[]): Promise<Service> {
  const child = fleetsim('serve', scenario, '--data', data, ...flags);
  let url: string | undefined;
  await eventually(() => {
    url = /listening on (http:\/\/\S+)/.exec(child.stdout())?.[1];
    if (child.process.exitCode !== null) throw new Error(`serve exited: ${child.stderr()}`);
    return url !== undefined;
  }, 30_000, 'serve listening');
  return { child, url: url! };
}

/** Stops a process with `signal` and resolves with its exit code. */
async function stopped(child: Child, signal: NodeJS.Signals): Promise<number | string> {
  child.process.kill(signal);
  return child.exited;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  const response = await fetch(`${url}${path}`, {
    method, signal: AbortSignal.timeout(10_000),
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
  return response.json();
}

/** The numbers of a report's line `<label>: 3 submitted, 2 in flight, …`, by state. */
function stateCounts(report: string, label: string): Record<string, number> {
  const line = report.split('\n').find((text) => text.startsWith(`${label}: `));
  expect(line, report).toBeDefined();
  return Object.fromEntries([...line!.slice(label.length + 2).matchAll(/(\d+) ([a-z -]+?)(?=,|;|$)/g)].map((match) => [match[2]!, Number(match[1])]));
}

/** The value column of a report's figure row (`latency p95 (s)   0.04`). */
function figure(report: string, title: string): string {
  const row = report.split('\n').find((line) => line.startsWith(`${title}  `));
  expect(row, `${title} in\n${report}`).toBeDefined();
  return row!.slice(title.length).trim();
}

/** A figure of the document as a report prints it: to `digits`, `-` for null. */
function printed(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** Resolves once `child` has printed `count` matches of `pattern` on its standard output. */
async function printedTimes(child: Child, pattern: RegExp, count: number): Promise<void> {
  await eventually(() => (child.stdout().match(new RegExp(pattern.source, 'gm')) ?? []).length >= count, 30_000, `${count} × ${pattern}`);
}

/** A timestamp line of `--watch` outside a terminal. */
const TIMESTAMP_LINE = /^--- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ---$/;

describe('uptimeText', () => {
  it.each([
    [0.4, '0 s'], [59, '59 s'], [60, '1 min 0 s'], [3599.9, '59 min 59 s'], [3600, '1 h 0 min 0 s'], [90_061, '1 d 1 h 1 min 1 s'], [86_400 * 400 + 5, '400 d 0 h 0 min 5 s'],
  ])('writes %d s as %s', (seconds, text) => {
    expect(uptimeText(seconds)).toBe(text);
  });
});

describe('fleetsim status', () => {
  it.each([
    [['--url', 'nowhere'], /--url: expected a URL like http:\/\/127\.0\.0\.1:8080, got "nowhere"/],
    [['--url', 'ftp://127.0.0.1:8080'], /--url: expected an http:\/\/ or https:\/\/ URL/],
    [['--window', '0'], /--window: expected seconds > 0 and <= 604800 \(the longest live\.metricsWindowSeconds\), got 0/],
    [['--window=-5'], /--window: expected seconds > 0 and <= 604800 .*, got -5$/],
    [['--window', '604801'], /--window: expected seconds > 0 and <= 604800 .*, got 604801$/],
    [['--window', 'minute'], /--window: expected a number, got "minute"/],
    [['--watch', '0'], /--watch: expected seconds from 0\.1 to 604800, got 0$/],
    [['--watch', '0.05'], /--watch: expected seconds from 0\.1 to 604800, got 0\.05$/],
    [['--watch', 'often'], /--watch: expected a number, got "often"/],
    [['--token', 'two words'], /--token: expected visible ASCII characters only/],
  ])('refuses %j with exit 2 and one line naming the flag, before any request', async (flags, message) => {
    // Nothing listens there: a request would end in the unreachable message and exit 1.
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = runCli('status', ...(flags[0] === '--url' ? flags : ['--url', url, ...flags]));
    expectInputError(run, message);
  });

  it('is listed by fleetsim --help, and fleetsim help status shows its flags and examples', () => {
    const top = runCli('--help');
    expect(top.stdout).toMatch(/^ {2}fleetsim status +print the tasks, latency and throughput$/m);
    const help = runCli('help', 'status');
    expect(help.status, help.stderr).toBe(0);
    for (const flag of ['--url', '--token', '--window', '--watch', '--json']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/Examples:\n {2}fleetsim status --url/);
  });

  it('says it cannot reach a closed port, naming the URL, with exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = runCli('status', '--url', url);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`fleetsim status: cannot reach ${url} (GET /v1/metrics: ECONNREFUSED)\n`);
  });

  it('counts a server that takes the connection but never answers as unreachable after its 5 s wait, exit 1', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const status = fleetsim('status', '--url', url);
      expect(await status.exited).toBe(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
      expect(status.stderr()).toBe(`fleetsim status: cannot reach ${url} (GET /v1/metrics: no answer in time)\n`);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 30_000);

  it('refuses an answer that is not a metrics document in one line naming the URL, exit 2', async () => {
    const other = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const status = fleetsim('status', '--url', url);
      expect(await status.exited).toBe(2);
      expect(status.stdout()).toBe('');
      expect(status.stderr()).toBe(`fleetsim: ${url}: GET /v1/metrics: not a fleetsim metrics document (no timeSeconds)\n`);
    } finally {
      other.close();
    }
  });

  it('with --json --watch, keeps standard output for the documents: an unreachable service is reported on standard error, each tick', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const watch = fleetsim('status', '--url', url, '--watch', '0.2', '--json');
    try {
      await eventually(() => (watch.stderr().match(/cannot reach/g) ?? []).length >= 2, 30_000, 'two ticks reported');
      expect(await stopped(watch, 'SIGINT')).toBe(0);
    } finally {
      watch.process.kill('SIGKILL');
    }
    expect(watch.stdout()).toBe('');
    for (const line of watch.stderr().trimEnd().split('\n')) {
      expect(line).toMatch(new RegExp(`^fleetsim status: \\d{4}-[\\d-]+T[\\d:.]+Z: cannot reach ${url} \\(GET /v1/metrics: ECONNREFUSED\\); trying again in 0\\.2 s$`));
    }
  });

  describe('against a service that completed some of its tasks', () => {
    const dir = tempDir({ 'scenario.yaml': scenarioText('') });
    let service: Service;
    const submitted = 5;
    let completed = 0;
    let lastCompletion = 0;

    beforeAll(async () => {
      service = await startService(join(dir.path, 'scenario.yaml'), join(dir.path, 'data'), '--port', '0');
      await call(service.url, 'POST', '/v1/agents', { id: 'coder-0' });
      for (let i = 0; i < submitted; i++) await call(service.url, 'POST', '/v1/tasks', { id: `t${i}`, type: 'code', tokens: 100, deadline: 600 });
      const { commands } = await call(service.url, 'POST', '/v1/agents/coder-0/poll?wait=1');
      const starts = (commands as { kind: string; task: { id: string }; attempt: number }[]).filter((command) => command.kind === 'start');
      expect(starts.length).toBeGreaterThan(0);
      for (const { task, attempt } of starts) {
        await call(service.url, 'POST', `/v1/agents/coder-0/attempts/${task.id}/${attempt}/finished`, { ok: true, quality: 0.8 });
        completed++;
      }
      lastCompletion = Date.now();
    }, 60_000);

    afterAll(async () => {
      if (service !== undefined) await stopped(service.child, 'SIGKILL');
      dir.remove();
    });

    it("prints the document's task counts, latency figures and process, with the legend", async () => {
      const run = runCli('status', '--url', service.url);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      const document = await call(service.url, 'GET', '/v1/metrics');
      expect(run.stdout.split('\n')[0]).toMatch(new RegExp(`^${service.url}: service clock [\\d.]+ s, process ${document.process.pid}\\b.*, up (\\d+ (d|h|min) )*\\d+ s$`));
      expect(run.stdout.split('\n')[1]).toMatch(/^window: the whole history, to [\d.]+ s$/);
      const counts = stateCounts(run.stdout, 'tasks');
      expect(counts).toEqual({
        submitted: document.counts.submitted, 'in flight': document.counts.inFlight, completed: document.counts.completed,
        'dead-lettered': document.counts.deadLettered, expired: document.counts.expired, cancelled: document.counts.cancelled, rejected: document.counts.rejected,
      });
      expect(counts).toMatchObject({ submitted, completed, 'in flight': submitted - completed });
      // The tasks in flight now by state, the states that have any.
      const now = stateCounts(run.stdout, 'in flight now');
      expect(now).toEqual(Object.fromEntries(Object.entries(document.inFlight as Record<string, number>).filter(([, count]) => count > 0)));
      expect(Object.values(now).reduce((a, b) => a + b, 0)).toBe(submitted - completed);
      for (const [title, path] of [['latency p50 (s)', 'p50'], ['latency p95 (s)', 'p95'], ['latency p99 (s)', 'p99'], ['latency mean (s)', 'mean']] as const) {
        // To the millisecond: a service's latencies may be milliseconds.
        expect(figure(run.stdout, title), title).toBe(printed(document.metrics.latency[path], 3));
      }
      expect(figure(run.stdout, 'wait p95 (s)')).toBe(printed(document.metrics.wait.p95, 3));
      expect(figure(run.stdout, 'quality')).toBe(printed(document.metrics.quality.mean, 3));
      expect(figure(run.stdout, 'deadline ok')).toBe(printed(document.metrics.deadlineSuccess, 3));
      expect(run.stdout).toMatch(/^legend:\n {2}throughput \(\/s\) {3}tasks completed per second$/m);
    });

    it('passes --window through: the window line says what the service answered, a figure with no data prints as -', async () => {
      const whole = runCli('status', '--url', service.url, '--window', '600');
      expect(whole.status, whole.stderr).toBe(0);
      expect(whole.stdout.split('\n')[1]).toMatch(/^window: the last 600 s asked, the whole history: [\d.]+ s to [\d.]+ s \(since the first task\)$/);
      expect(stateCounts(whole.stdout, 'tasks in the window')).toMatchObject({ submitted, completed, 'in flight at its end': submitted - completed });
      expect(whole.stdout).toMatch(/^figure +whole history$/m);

      // A 1 s window 2.5 s or more after the last submission and completion holds none of them.
      await eventually(() => Date.now() - lastCompletion > 2500, 10_000, 'time past the tasks');
      const recent = runCli('status', '--url', service.url, '--window', '1');
      expect(recent.status, recent.stderr).toBe(0);
      const line = recent.stdout.split('\n')[1]!;
      const match = /^window: the last 1 s asked: ([\d.]+) s to ([\d.]+) s \(([\d.]+) s, (\d+) intervals of 0\.5 s\)$/.exec(line);
      expect(match, line).not.toBeNull();
      const [start, end, length, intervals] = match!.slice(1).map(Number) as [number, number, number, number];
      expect(length).toBeCloseTo(end - start, 2);
      expect(length).toBeGreaterThanOrEqual(1);
      expect(length).toBeLessThan(1.5);
      expect(intervals).toBeGreaterThanOrEqual(3);
      expect(stateCounts(recent.stdout, 'tasks in the window')).toMatchObject({ submitted: 0, completed: 0 });
      // The whole history's ledger beside it.
      expect(stateCounts(recent.stdout, 'tasks')).toMatchObject({ submitted, completed });
      expect(figure(recent.stdout, 'latency p95 (s)')).toBe('-');
      // The table is headed by the span covered, not the one asked.
      expect(recent.stdout).toMatch(new RegExp(`^figure +last ${match![3]!.replace('.', '\\.')} s$`, 'm'));
    });

    it('refuses a document whose inFlight is not counts of tasks by state, exit 2; reads one without inFlight or uptime (an older service)', async () => {
      const document = await call(service.url, 'GET', '/v1/metrics');
      for (const [inFlight, expected] of [[{ queued: -1 }, 2], [{ queued: 1.5 }, 2], [[3], 2], [undefined, 0]] as const) {
        const { uptimeSeconds: _uptime, ...olderProcess } = document.process;
        const body = JSON.stringify({ ...document, inFlight, process: inFlight === undefined ? olderProcess : document.process });
        const other = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
        await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
        const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
        try {
          const status = fleetsim('status', '--url', url);
          expect(await status.exited, JSON.stringify(inFlight)).toBe(expected);
          if (expected === 2) expect(status.stderr()).toBe(`fleetsim: ${url}: GET /v1/metrics: not a fleetsim metrics document (inFlight is not counts of tasks by state)\n`);
          else expect(status.stdout()).not.toMatch(/in flight now|, up /);
        } finally {
          other.close();
        }
      }
    });

    it('prints the document with --json, as the service answers it', async () => {
      const run = runCli('status', '--url', service.url, '--json', '--window', '600');
      expect(run.status, run.stderr).toBe(0);
      const printedDocument = JSON.parse(run.stdout);
      const document = await call(service.url, 'GET', '/v1/metrics?window=600');
      expect(Object.keys(printedDocument)).toEqual(Object.keys(document));
      expect(printedDocument.window.requestedSeconds).toBe(600);
      expect(printedDocument.counts).toEqual(document.counts);
      expect(printedDocument.metrics.latency).toEqual(document.metrics.latency);
      expect(run.stdout.split('\n').length, 'pretty, as run --json prints').toBeGreaterThan(10);
    });

    it('shows the service refusing a window longer than it keeps in one line with its message, exit 2', () => {
      expectInputError(runCli('status', '--url', service.url, '--window', '4000'), `${service.url}: GET /v1/metrics?window=4000: HTTP 400: query.window: expected a number <= 3600`);
    });

    it('with --watch in a pipe, appends a report after a timestamp line every tick, and exits 0 on SIGINT', async () => {
      const watch = fleetsim('status', '--url', service.url, '--watch', '0.2');
      try {
        await printedTimes(watch, /service clock/, 2);
        expect(await stopped(watch, 'SIGINT')).toBe(0);
      } finally {
        watch.process.kill('SIGKILL');
      }
      const reports = watch.stdout().split(/^(?=--- )/m);
      expect(reports.length).toBeGreaterThanOrEqual(2);
      for (const report of reports) {
        expect(report.split('\n')[0]).toMatch(TIMESTAMP_LINE);
        expect(report.split('\n')[1]).toMatch(new RegExp(`^${service.url}: service clock `));
        expect(stateCounts(report, 'tasks')).toMatchObject({ submitted, completed });
        expect(report).not.toMatch(/legend:/);
      }
      expect(watch.stderr()).toBe('');
    });

    it('with --json --watch, prints one document a line', async () => {
      const watch = fleetsim('status', '--url', service.url, '--watch', '0.2', '--json');
      try {
        await printedTimes(watch, /^\{.*\}$/, 2);
        expect(await stopped(watch, 'SIGINT')).toBe(0);
      } finally {
        watch.process.kill('SIGKILL');
      }
      const lines = watch.stdout().trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      const times = lines.map((line) => (JSON.parse(line) as { timeSeconds: number; counts: { submitted: number } }));
      for (const document of times) expect(document.counts.submitted).toBe(submitted);
      expect(times[1]!.timeSeconds).toBeGreaterThan(times[0]!.timeSeconds);
    });

    it.skipIf(!onPath('script'))('with --watch on a terminal, clears the screen before each report', async () => {
      const command = `${process.execPath} dist/src/cli/main.js status --url ${service.url} --watch 0.2`;
      // script(1) gives the command a pseudo-terminal; its output is what the terminal was sent.
      const watch = spawnInTerminal(command);
      try {
        await eventually(() => (watch.output().match(/\u001b\[H\u001b\[2J--- /g) ?? []).length >= 2, 30_000, 'two redraws');
      } finally {
        watch.stop();
      }
      expect(watch.output()).toMatch(/\u001b\[H\u001b\[2J--- \d{4}-\d\d-\d\dT[\d:.]+Z ---\r?\nhttp:\/\/127\.0\.0\.1:\d+: service clock /);
    });
  });

  describe('against a service with tokens and no windows', () => {
    const token = 'status-reader-token-0123';
    const dir = tempDir({ 'scenario.yaml': scenarioText(', metricsWindowSeconds: 0'), 'tokens.yaml': `${token}: submitter\n` });
    let service: Service;

    beforeAll(async () => {
      service = await startService(join(dir.path, 'scenario.yaml'), join(dir.path, 'data'), '--port', '0', '--token-file', join(dir.path, 'tokens.yaml'));
    }, 60_000);

    afterAll(async () => {
      if (service !== undefined) await stopped(service.child, 'SIGKILL');
      dir.remove();
    });

    it('names --token when the service asks for one or refuses it, exit 2; reports with the right one', () => {
      expectInputError(runCli('status', '--url', service.url), /^fleetsim: command line: --token: the service asks for a token \(HTTP 401: authorization: /);
      expectInputError(runCli('status', '--url', service.url, '--token', 'not-the-token-0123456789'), /^fleetsim: command line: --token: the service refused the token \(HTTP 401: authorization: unknown token\)$/);
      const run = runCli('status', '--url', service.url, '--token', token);
      expect(run.status, run.stderr).toBe(0);
      expect(stateCounts(run.stdout, 'tasks')).toMatchObject({ submitted: 0 });
    });

    it("shows the service's refusal of a window when it keeps none, exit 2; under --watch too", () => {
      const message = /: GET \/v1\/metrics\?window=10: HTTP 400: query\.window: the service keeps no windows/;
      expectInputError(runCli('status', '--url', service.url, '--token', token, '--window', '10'), message);
      expectInputError(runCli('status', '--url', service.url, '--token', token, '--window', '10', '--watch', '0.2'), message);
    });
  });

  it('with --watch, reports a service that went away and tries again at each tick, until it is back', async () => {
    const dir = tempDir({ 'scenario.yaml': scenarioText('') });
    const scenario = join(dir.path, 'scenario.yaml');
    const data = join(dir.path, 'data');
    let service = await startService(scenario, data, '--port', '0');
    const watch = fleetsim('status', '--url', service.url, '--watch', '0.2');
    try {
      await printedTimes(watch, /service clock/, 1);
      expect(await stopped(service.child, 'SIGTERM')).toBe(0);
      await printedTimes(watch, /^cannot reach /, 2);
      expect(watch.process.exitCode).toBeNull();
      const port = new URL(service.url).port;
      service = await startService(scenario, data, '--port', port);
      const before = (watch.stdout().match(/service clock/g) ?? []).length;
      await printedTimes(watch, /service clock/, before + 1);
      expect(await stopped(watch, 'SIGINT')).toBe(0);
      expect(watch.stdout()).toMatch(new RegExp(`^--- \\S+ ---\\ncannot reach ${service.url} \\(GET /v1/metrics: ECONNREFUSED\\); trying again in 0\\.2 s$`, 'm'));
      expect(watch.stderr()).toBe('');
    } finally {
      watch.process.kill('SIGKILL');
      await stopped(service.child, 'SIGKILL');
      dir.remove();
    }
  }, 90_000);
});

/** A command run under script(1) in a pseudo-terminal: what it sent the terminal, and a way to end it. */
function spawnInTerminal(command: string): { output(): string; stop(): void } {
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return {
    output: () => out,
    // script(1) and the command it runs are one process group of their own.
    stop: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
