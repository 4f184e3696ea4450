/**
 * Real processes for end-to-end tests of the live deployment: `fleetsim serve`, `fleetsim agents`
 * and `fleetsim load`, run from the built CLI (`dist/`), each tracked so that a test's
 * `afterEach` kills whatever is still running ({@link killAll}).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ROOT } from '../../cli/runCli.js';
import { eventually, sleep } from '../../support/eventually.js';

/** A child process with its output so far and its exit. */
export interface Child {
  /** The process, to signal it or read its exit code. */
  readonly process: ChildProcess;
  /** Everything it wrote on stdout so far. */
  readonly stdout: () => string;
  /** Everything it wrote on stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

const running = new Set<ChildProcess>();

/** Starts `fleetsim ...args` from the repository root. */
export function fleetsim(...args: string[]): Child {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** Kills (SIGKILL) every process started here that still runs, a stopped one included, and waits for them. */
export async function killAll(): Promise<void> {
  const children = [...running];
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

/**
 * Whether a client has its own stop signal handler: `fleetsim agents` and `load` add theirs, for
 * SIGINT and SIGTERM together, and then announce themselves (agents on standard output, load on
 * standard error); a stop signal sent earlier kills them instead. The announcement is the sign:
 * the signal masks in /proc/PID/status are not, since Node catches SIGINT and SIGTERM from its
 * start (to restore the terminal before it dies of them).
 */
function handlesStopSignals(child: Child): boolean {
  return /^fleetsim agents: \d+ agents polling /m.test(child.stdout()) || /^fleetsim load: submitting /m.test(child.stderr());
}

/** How long a client runs, once it handles stop signals, before {@link runningAWhile} returns. */
const RUNNING_HOLD_MS = 500;

/**
 * Waits until `child` (`fleetsim agents` or `load`) handles stop signals, then lets it run
 * {@link RUNNING_HOLD_MS} more. The hold is fixed because what a test then checks (retries of
 * refused requests: each refused within milliseconds, retried every 10-50 ms) is counted inside
 * the process and printed only on exit.
 */
export async function runningAWhile(child: Child): Promise<void> {
  await eventually(() => handlesStopSignals(child), 20_000, 'its announcement, made once its stop signal handler is installed');
  await sleep(RUNNING_HOLD_MS);
}

/** A `fleetsim serve` and its URL. */
export interface Served {
  /** The `serve` process. */
  readonly child: Child;
  /** Its base URL, `http://host:port`, as it printed it. */
  readonly url: string;
  /** The port it listens on (the one the system chose, for port 0). */
  readonly port: number;
}

/** Starts `fleetsim serve` (port 0 unless given) and resolves once it prints that it listens. */
export async function serve(scenarioPath: string, dataDir: string, port = 0, timeoutMs = 20_000): Promise<Served> {
  const child = fleetsim('serve', scenarioPath, '--data', dataDir, '--port', String(port));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /listening on (http:\/\/[^:\s]+:(\d+))/.exec(child.stdout());
    if (match !== null) return { child, url: match[1]!, port: Number(match[2]) };
    if (child.process.exitCode !== null || child.process.signalCode !== null) throw new Error(`serve exited before listening: ${child.stderr()}`);
    if (Date.now() > deadline) throw new Error(`serve did not listen within ${timeoutMs} ms: ${child.stderr()}`);
    await sleep(20);
  }
}

/** A GET of the service's JSON (undefined when it does not answer). */
export async function getJson(url: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return await response.json();
  } catch {
    return undefined;
  }
}

/** Resolves once the service's Prometheus text shows at least `agents` agents in the fleet. */
export async function agentsJoined(url: string, agents: number, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => {
    try {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
      const match = /^fleetsim_agents (\d+)/m.exec(text);
      return match !== null && Number(match[1]) >= agents;
    } catch {
      return false;
    }
  }, timeoutMs);
}

/** A fresh temporary directory holding `files`; `remove()` deletes it. */
export function tempDir(files: Readonly<Record<string, string>> = {}): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'fleetsim-clients-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A test's directory: its scenario (`scenario.yaml`), and the data directory a service of it uses. */
export interface ScenarioDir {
  /** The directory, removed after the test. */
  readonly path: string;
  /** `scenario.yaml` in it, holding the test's scenario text. */
  readonly scenarioPath: string;
  /** `data` in it: the data directory a service of the scenario uses. */
  readonly dataDir: string;
}

/**
 * For a suite (call at its top level or inside `describe`): a function that writes a test's
 * scenario into a fresh {@link tempDir}; after the test every process started here is killed
 * ({@link killAll}) and the directory removed.
 */
export function scenarioDirs(): (scenarioText: string) => ScenarioDir {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    await killAll();
    dir?.remove();
    dir = undefined;
  });
  return (scenarioText) => {
    dir = tempDir({ 'scenario.yaml': scenarioText });
    return { path: dir.path, scenarioPath: join(dir.path, 'scenario.yaml'), dataDir: join(dir.path, 'data') };
  };
}

export { eventually, sleep };
export { freePort } from '../../support/localPorts.js';
