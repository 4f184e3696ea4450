/**
 * `fleetsim serve` running its service in a child process with another V8 pool size
 * (src/cli/serveLauncher.ts), with real processes: the child's flags and threads, SIGTERM's
 * graceful drain and the exit code passed through, a second signal stopping it at once (one
 * delivered twice at once draining it), a SIGKILL of the launcher ending the child at
 * once and a restart on the same data directory succeeding (also while the old child is still
 * on its way out), and a second service on a held directory refused at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHER_GONE_WAIT_MS } from '../../src/live/dataDirLock.js';
import { eventually, sleep } from '../support/eventually.js';
import { ROOT } from './runCli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-launcher-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every process a test started (launchers and the services they started), killed after it. */
const pids = new Set<number>();
afterEach(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  pids.clear();
});

interface Served {
  readonly launcher: ChildProcess;
  readonly url: string;
  /** The service process: the launcher's child, or the launcher itself when it started none. */
  readonly servicePid: number;
  /** Resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  stderr(): string;
}

/**
 * Starts `fleetsim serve scenarios/specialists.yaml …args` (`--port 0` unless given) and
 * resolves once it listens and, when it `launches` a service process, that process said so.
 */
function serve(args: readonly string[], launches: boolean, env: Readonly<Record<string, string>> = {}): Promise<Served> {
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const launcher = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', ...port, ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  pids.add(launcher.pid!);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => launcher.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not listen; stderr: ${stderr}`)), 30_000);
    const check = (): void => {
      const url = /listening on (http:\/\/\S+)\n/.exec(stdout)?.[1];
      if (url === undefined) return;
      const child = /the service runs in process (\d+)/.exec(stderr);
      // A launcher's service says so on stderr right after it listens.
      if (launches && child === null) return;
      const pid = child === null ? launcher.pid! : Number(child[1]);
      pids.add(pid);
      clearTimeout(timer);
      resolve({ launcher, url, servicePid: pid, exited, stderr: () => stderr });
    };
    launcher.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); check(); });
    launcher.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); check(); });
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
}

/** A service launched with one V8 helper thread on the fresh data directory `name`. */
async function launched(name: string): Promise<{ readonly data: string; readonly served: Served }> {
  const data = join(dir, name);
  return { data, served: await serve(['--data', data, '--v8-threads', '1'], true) };
}

/** Sends the launcher SIGTERM (or `signal`) and expects the service's graceful exit, code 0. */
async function stopped(served: Served, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  served.launcher.kill(signal);
  expect(await served.exited).toBe(0);
}

function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function metrics(url: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- arbitrary JSON
  return (await fetch(`${url}/v1/metrics`)).json();
}

async function submit(url: string, id: string): Promise<number> {
  const response = await fetch(`${url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, type: 'code', tokens: 10 }) });
  return response.status;
}

/**
 * Opens a request whose body never ends: the service's close waits for requests under way, so
 * its drain lasts until the socket is destroyed (and a SIGKILL finds it still running). Returns
 * once the service has the request under way: it answered the headers' `expect: 100-continue`.
 */
async function holdDrain(served: Served): Promise<Socket> {
  const stalled = connect(Number(new URL(served.url).port), '127.0.0.1');
  let answered = '';
  stalled.setEncoding('utf8').on('data', (chunk: string) => (answered += chunk));
  await new Promise((resolve) => stalled.once('connect', resolve));
  stalled.write('POST /v1/tasks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n{"id":');
  await eventually(() => answered.startsWith('HTTP/1.1 100 Continue'), 10_000, 'the service\'s 100 Continue');
  return stalled;
}

function threadsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

describe('fleetsim serve --v8-threads', () => {
  it('runs the service in a child started with --v8-pool-size=N, as its stderr line, /proc and /v1/metrics show', async () => {
    const one = await serve(['--data', join(dir, 'threads-1'), '--v8-threads', '1'], true);
    const three = await serve(['--data', join(dir, 'threads-3'), '--v8-threads', '3'], true);
    for (const [served, size] of [[one, 1], [three, 3]] as const) {
      expect(served.servicePid).not.toBe(served.launcher.pid);
      expect(served.stderr()).toBe(`fleetsim serve: the service runs in process ${served.servicePid} with --v8-pool-size=${size}, started by process ${served.launcher.pid} (--v8-threads ${size})\n`);
      expect(readFileSync(`/proc/${served.servicePid}/cmdline`, 'utf8').split('\0')).toContain(`--v8-pool-size=${size}`);
      expect(readFileSync(`/proc/${served.servicePid}/status`, 'utf8')).toMatch(new RegExp(`^PPid:\\s+${served.launcher.pid}$`, 'm'));
      expect((await metrics(served.url)).process).toEqual({ pid: served.servicePid, launcherPid: served.launcher.pid, v8PoolSize: size, v8PoolSizeFrom: 'command line', helperNice: 10, uptimeSeconds: expect.any(Number) });
      expect(readFileSync(join(dir, `threads-${size}`, 'lock'), 'utf8')).toBe(`${served.servicePid}\n${served.launcher.pid}\n`);
    }
    // The same service but for V8's helper threads: two more of them.
    expect(threadsOf(three.servicePid) - threadsOf(one.servicePid)).toBe(2);
    for (const served of [one, three]) {
      await stopped(served);
    }
  }, 60_000);

  it('starts no child when the process already has the pool size asked for, or the user set one in NODE_OPTIONS', async () => {
    const asked = await serve(['--data', join(dir, 'threads-4'), '--v8-threads', '4'], false);
    const chosen = await serve(['--data', join(dir, 'node-options')], false, { NODE_OPTIONS: '--v8-pool-size=2' });
    expect((await metrics(asked.url)).process).toEqual({ pid: asked.launcher.pid, launcherPid: null, v8PoolSize: 4, v8PoolSizeFrom: 'default', helperNice: 10, uptimeSeconds: expect.any(Number) });
    expect((await metrics(chosen.url)).process).toEqual({ pid: chosen.launcher.pid, launcherPid: null, v8PoolSize: 2, v8PoolSizeFrom: 'NODE_OPTIONS', helperNice: 10, uptimeSeconds: expect.any(Number) });
    for (const served of [asked, chosen]) {
      expect(served.stderr()).toBe('');
      await stopped(served);
    }
  }, 60_000);

  it(`by default gives the service one helper thread on this host only if it has two cores or fewer (it has ${availableParallelism()})`, async () => {
    const few = availableParallelism() <= 2;
    const served = await serve(['--data', join(dir, 'auto')], few);
    const { process: service } = await metrics(served.url);
    expect(service.v8PoolSize).toBe(few ? 1 : 4);
    expect(service.launcherPid).toBe(few ? served.launcher.pid : null);
    expect(served.stderr()).toMatch(few ? /^fleetsim serve: the service runs in process \d+ with --v8-pool-size=1, started by process \d+ \(--v8-threads auto: \d cores?, / : /^$/);
    await stopped(served);
  }, 60_000);

  it('exits 2 with one line for a bad --v8-threads', () => {
    const result = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', join(dir, 'unused'), '--v8-threads', 'many'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('fleetsim: command line: --v8-threads: expected auto or an integer 1..64, got many\n');
  });
});

/** Each thread's nice value in process `pid`, its main thread's (tid = pid) first. */
function niceValues(pid: number): { readonly main: number; readonly helpers: readonly number[] } {
  const nice = (tid: string): number => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The fields after the command's name, which is in parentheses: state is field 3, nice field 19.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };
  const tids = readdirSync(`/proc/${pid}/task`);
  return { main: nice(String(pid)), helpers: tids.filter((tid) => tid !== String(pid)).map(nice) };
}

describe('fleetsim serve --helper-nice', () => {
  it('keeps every thread of the service but its event loop at nice 10, libuv\'s pool (made at the first fsync) included; 0 leaves them', async () => {
    const own = niceValues(process.pid).main;
    const lowered = await serve(['--data', join(dir, 'nice-default'), '--v8-threads', '1'], true);
    const left = await serve(['--data', join(dir, 'nice-0'), '--v8-threads', '1', '--helper-nice', '0'], true);
    for (const served of [lowered, left]) expect(await submit(served.url, 'fsynced')).toBe(201);
    const helperNice = Math.max(10, own);
    await eventually(() => niceValues(lowered.servicePid).helpers.every((nice) => nice === helperNice), 5_000, `every helper thread of the service at nice ${helperNice}`);
    // V8's helper, libuv's four pool threads and Node's own: more than one thread was lowered.
    expect(niceValues(lowered.servicePid).helpers.length).toBeGreaterThan(4);
    expect(niceValues(lowered.servicePid).main).toBe(own);
    expect((await metrics(lowered.url)).process.helperNice).toBe(10);
    // A fixed hold: no thread may be lowered with --helper-nice 0, and a slower machine only makes that easier.
    await sleep(1_500);
    expect(niceValues(left.servicePid)).toEqual({ main: own, helpers: niceValues(left.servicePid).helpers.map(() => own) });
    expect((await metrics(left.url)).process.helperNice).toBe(null);
    for (const served of [lowered, left]) await stopped(served);
  }, 60_000);

  it('exits 2 with one line for a value outside 0..19', () => {
    const result = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', join(dir, 'unused'), '--helper-nice', '20'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('fleetsim: command line: --helper-nice: expected an integer 0..19, got 20\n');
  });
});

describe('fleetsim serve\'s launcher', () => {
  it('passes SIGTERM on: the service drains and closes its data directory, and the launcher exits with its code, 0', async () => {
    const { data, served } = await launched('sigterm');
    expect(await submit(served.url, 'kept')).toBe(201);
    await stopped(served);
    expect(isRunning(served.servicePid)).toBe(false);
    // A graceful close releases the lock; a killed service would have left it.
    expect(existsSync(join(data, 'lock'))).toBe(false);
    const again = await serve(['--data', data, '--v8-threads', '1'], true);
    expect((await metrics(again.url)).counts.submitted).toBe(1);
    await stopped(again, 'SIGINT');
  }, 60_000);

  it('drains when SIGTERM reaches the service twice, directly and through the launcher (a supervisor signalling the whole group)', async () => {
    const { data, served } = await launched('twice');
    process.kill(served.servicePid, 'SIGTERM');
    served.launcher.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(existsSync(join(data, 'lock'))).toBe(false);
  }, 60_000);

  it('drains on a signal delivered twice at once (Ctrl-C under npx: from the terminal and forwarded by npx)', async () => {
    const { data, served } = await launched('npx-ctrl-c');
    const stalled = await holdDrain(served);
    served.launcher.kill('SIGINT');
    served.launcher.kill('SIGINT');
    // A fixed hold: still draining, not stopped as by a second Ctrl-C; a slower machine only makes that easier.
    await sleep(500);
    expect(isRunning(served.servicePid)).toBe(true);
    stalled.destroy();
    expect(await served.exited).toBe(0);
    expect(existsSync(join(data, 'lock'))).toBe(false);
  }, 60_000);

  it('stops the service at once on a second signal to the launcher (Ctrl-C twice), as a second signal stopped a serve without one', async () => {
    const { data, served } = await launched('ctrl-c-twice');
    const stalled = await holdDrain(served);
    served.launcher.kill('SIGINT');
    await sleep(500);
    // Still draining: the first signal alone does not end it while the request is under way.
    expect(isRunning(served.servicePid)).toBe(true);
    served.launcher.kill('SIGINT');
    expect(await served.exited).toBe('SIGKILL');
    await eventually(() => !isRunning(served.servicePid), LAUNCHER_GONE_WAIT_MS, 'the service gone', 10);
    stalled.destroy();
    // Killed, not drained: the lock stays for the next service to take over.
    expect(existsSync(join(data, 'lock'))).toBe(true);
  }, 60_000);

  it('exits with the service\'s exit code (2 and its one line when the port is taken), and dies of the signal that killed it', async () => {
    const served = await serve(['--data', join(dir, 'codes'), '--v8-threads', '1'], true);
    const port = new URL(served.url).port;
    const taken = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', join(dir, 'codes-2'), '--port', port, '--v8-threads', '1'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(new RegExp(`^fleetsim: command line: --port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE[^\\n]*\\n$`));
    process.kill(served.servicePid, 'SIGKILL');
    expect(await served.exited).toBe('SIGKILL');
  }, 60_000);

  it('killed with SIGKILL: the service ends within the time a restart waits for it, and a restart on the same data directory and port finds its tasks', async () => {
    const { data, served } = await launched('sigkill');
    expect(await submit(served.url, 'acknowledged')).toBe(201);
    served.launcher.kill('SIGKILL');
    expect(await served.exited).toBe('SIGKILL');
    await eventually(() => !isRunning(served.servicePid), LAUNCHER_GONE_WAIT_MS, 'the service gone', 10);
    // Killed, not drained: its lock is left for the next one to take over.
    expect(readFileSync(join(data, 'lock'), 'utf8')).toBe(`${served.servicePid}\n${served.launcher.pid}\n`);
    const again = await serve(['--data', data, '--port', new URL(served.url).port, '--v8-threads', '1'], true);
    expect(again.url).toBe(served.url);
    expect((await metrics(again.url)).counts.submitted).toBe(1);
    await stopped(again);
  }, 60_000);

  it('a restart waits for a service still on its way out after its launcher\'s SIGKILL, then takes the directory', async () => {
    const { data, served } = await launched('exiting');
    // Held up on its way out: it cannot see its launcher die until it runs again.
    process.kill(served.servicePid, 'SIGSTOP');
    served.launcher.kill('SIGKILL');
    expect(await served.exited).toBe('SIGKILL');
    const start = performance.now();
    const resumed = sleep(2_000).then(() => process.kill(served.servicePid, 'SIGCONT'));
    const again = await serve(['--data', data, '--v8-threads', '1'], true);
    // It listened only once the old service had gone, after it was let run again.
    expect(isRunning(served.servicePid)).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(2_000);
    await resumed;
    expect((await metrics(again.url)).process.pid).toBe(again.servicePid);
    await stopped(again);
  }, 60_000);

  it('refuses at once, exit 2 with one line naming both processes, a second service on a held directory', async () => {
    const { data, served: holder } = await launched('held');
    const start = performance.now();
    const second = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'scenarios/specialists.yaml', '--data', data, '--port', '0', '--v8-threads', '1'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const elapsedMs = performance.now() - start;
    expect(second.status).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toBe(`fleetsim: ${data}: the data directory is in use by process ${holder.servicePid} (started by process ${holder.launcher.pid}) (lock file ${join(data, 'lock')}); one process at a time may open it\n`);
    // Refused by the launcher, not after the 5 s a lock of a dead launcher is waited for.
    expect(elapsedMs).toBeLessThan(5_000);
    expect(isRunning(holder.servicePid)).toBe(true);
    await stopped(holder);
  }, 60_000);
});
