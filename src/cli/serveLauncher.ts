/**
 * `fleetsim serve`'s launcher: runs the service in a child Node process started with another
 * V8 pool size (src/live/v8PoolSize.ts), as if it were this process. The child inherits stdio;
 * SIGINT, SIGTERM and SIGHUP are forwarded to it (it drains gracefully as `serve` always has),
 * and a second one at least 0.2 s later kills it (SIGKILL: what a second signal did to a `serve`
 * without a launcher; sooner, it is the first delivered twice, as under npx);
 * this process ends with the child's exit code, or dies of the signal that killed it.
 *
 * The child lives in a session and process group of its own (`detached`), so that a terminal's
 * Ctrl-C reaches it once, through the launcher, rather than twice (a supervisor that signals
 * every process still reaches it twice: the service ignores the second signal while it drains).
 * Should the launcher die without forwarding (SIGKILL),
 * the IPC channel between them closes, and the child kills itself with SIGKILL at once: a crash,
 * not a drain (what it acknowledged is already in its fsynced log), so that a restart can take
 * the data directory; its lock names the launcher, so the restart waits for the child's end
 * rather than refusing it (src/live/dataDirLock.ts). No npm package covered this: the
 * well-kept `foreground-child` forwards signals and exit codes, but its watchdog kills the
 * child on the launcher's SIGHUP, which a SIGKILL of the launcher never sends.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { withV8PoolSize } from '../live/v8PoolSize.js';

/** How the launcher tells its child that it is the service process: the launcher's pid and why it started it, as JSON. */
const LAUNCHER_ENV = 'FLEETSIM_SERVE_LAUNCHER';

/** Within this time of the first signal, another one is the same request delivered twice (see `forward`). */
const SAME_SIGNAL_MS = 200;

/** Signals the launcher passes on to the service process. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The launcher of a service process, as the service process knows it. */
export interface Launcher {
  /** The launcher's process id. */
  readonly pid: number;
  /** Why it started a service process (the V8 pool plan's reason), for the service's start-up line. */
  readonly reason: string;
}

/**
 * In a service process a launcher started: arranges that this process dies (SIGKILL) as soon
 * as the launcher's channel closes, and returns the launcher. Undefined in any other process
 * (`serve` run directly, or given the variable without the channel).
 */
export function attachToLauncher(): Launcher | undefined {
  const value = process.env[LAUNCHER_ENV];
  // Not for the processes this one starts.
  delete process.env[LAUNCHER_ENV];
  const channel = process.channel;
  if (value === undefined || channel === undefined) return undefined;
  const launcher = JSON.parse(value) as Launcher;
  const crash = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  process.once('disconnect', crash);
  // Gone already, before this process was listening for it.
  if (!process.connected || process.ppid !== launcher.pid) crash();
  // The channel only watches the launcher: it must not keep the process alive after a drain.
  channel.unref();
  return launcher;
}

/** The service process a launcher started. */
export interface ServiceProcessRun {
  /** The service process's id. */
  readonly pid: number;
  /** Resolves with the service process's exit code; if a signal killed it, this process dies of the same signal instead. */
  readonly exitCode: Promise<number>;
}

/**
 * Runs this command line again (`process.argv`) in a child Node process under this process's
 * Node flags with `--v8-pool-size=poolSize`, as described above; `reason` is for the child's
 * start-up line.
 */
export function launchServiceProcess(poolSize: number, reason: string): Promise<ServiceProcessRun> {
  const launcher: Launcher = { pid: process.pid, reason };
  const child = spawn(process.execPath, [...withV8PoolSize(process.execArgv, poolSize), ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [LAUNCHER_ENV]: JSON.stringify(launcher) },
    detached: true,
  });
  let firstHeardAt: number | undefined;
  const forward = (signal: NodeJS.Signals): void => {
    const now = performance.now();
    firstHeardAt ??= now;
    // A signal heard again later (Ctrl-C twice) stops the service at once, as a second signal
    // stopped a `serve` without a launcher (the service ignores a repeated signal while it
    // drains). One heard again within SAME_SIGNAL_MS is the same request arriving twice, from the
    // terminal to the process group and from a wrapper that forwards it (npx does): passed on.
    child.kill(now === firstHeardAt || now - firstHeardAt < SAME_SIGNAL_MS ? signal : 'SIGKILL');
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const stopForwarding = (): void => {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  };
  const exitCode = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      stopForwarding();
      if (signal !== null) process.kill(process.pid, signal);
      else resolve(code ?? 1);
    });
  });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve({ pid: child.pid!, exitCode }));
    child.once('error', (error) => {
      stopForwarding();
      reject(error);
    });
  });
}
