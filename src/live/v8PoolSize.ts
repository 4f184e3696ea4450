/**
 * The size of V8's pool of helper threads (Node's `--v8-pool-size`): what a process runs with,
 * and what `fleetsim serve` gives its service. Node starts four helper threads whatever the
 * cores; on two cores they preempt the service's event loop for milliseconds at a time (their
 * concurrent marking and scavenging tasks), and one keeps the p99 of submit-to-start near half
 * (docs/LIVE.md, "The HTTP service"). V8 makes its threads before any JavaScript runs, so a
 * process cannot change its own pool: the service runs in a child process given the flag.
 */
import { InputError } from '../scenario/errors.js';

/** Node's `--v8-pool-size` when none is given. */
export const NODE_DEFAULT_V8_POOL_SIZE = 4;

/** Hosts with at most this many cores give the service {@link FEW_CORES_V8_POOL_SIZE} helper threads under `--v8-threads auto`. */
export const FEW_CORES = 2;

/** The pool size of the service on a host of {@link FEW_CORES} or fewer. */
export const FEW_CORES_V8_POOL_SIZE = 1;

/** The largest pool `--v8-threads` takes. */
export const MAX_V8_POOL_SIZE = 64;

/** `--v8-threads`: `auto`, or a pool size. */
export type V8ThreadsChoice = 'auto' | number;

/** Where a process's pool size comes from. */
export type V8PoolSizeSource = 'command line' | 'NODE_OPTIONS' | 'default';

/** The pool size a process runs with, and where it was set. */
export interface V8PoolSize {
  /** V8 platform worker threads. */
  readonly size: number;
  /** Where the size was set. */
  readonly from: V8PoolSizeSource;
}

/** What `serve` does about the pool: the size the service runs with, whether that needs a child process, and why. */
export interface V8PoolPlan {
  /** The pool size the service runs with. */
  readonly poolSize: number;
  /** Whether the service must run in a child process started with `--v8-pool-size=poolSize`. */
  readonly relaunch: boolean;
  /** Why, in a sentence for the log. */
  readonly reason: string;
}

/** What the plan depends on: the host's cores and the Node flags this process was given. */
export interface V8PoolHost {
  /** `os.availableParallelism()`. */
  readonly cores: number;
  /** `process.execArgv`. */
  readonly execArgv: readonly string[];
  /** `process.env.NODE_OPTIONS`. */
  readonly nodeOptions: string | undefined;
}

/** Node takes dashes and underscores alike in an option's name. */
const POOL_SIZE_FLAG = /^--v8[-_]pool[-_]size(?:=(.*))?$/;

/** `--v8-threads`'s value: `auto` or an integer 1..{@link MAX_V8_POOL_SIZE}; an InputError otherwise. */
export function parseV8Threads(value: string | undefined): V8ThreadsChoice {
  if (value === undefined || value === 'auto') return 'auto';
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= MAX_V8_POOL_SIZE)) throw new InputError('command line', '--v8-threads', `expected auto or an integer 1..${MAX_V8_POOL_SIZE}, got ${value}`);
  return size;
}

/** The pool size the last `--v8-pool-size` of `flags` sets (`=N` or a separate `N`), or undefined. */
export function v8PoolSizeIn(flags: readonly string[]): number | undefined {
  let size: number | undefined;
  for (let i = 0; i < flags.length; i++) {
    const match = POOL_SIZE_FLAG.exec(flags[i]!);
    if (match !== null) size = Number(match[1] ?? flags[++i]);
  }
  return size;
}

/** `flags` without their `--v8-pool-size` (and its separate value), then `--v8-pool-size=size`. */
export function withV8PoolSize(flags: readonly string[], size: number): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const match = POOL_SIZE_FLAG.exec(flags[i]!);
    if (match === null) kept.push(flags[i]!);
    else if (match[1] === undefined) i++;
  }
  return [...kept, `--v8-pool-size=${size}`];
}

/** The pool size of a process started with these flags: its command line's wins over NODE_OPTIONS (as in Node). */
export function v8PoolSizeOf(execArgv: readonly string[], nodeOptions: string | undefined): V8PoolSize {
  const fromCommandLine = v8PoolSizeIn(execArgv);
  if (fromCommandLine !== undefined) return { size: fromCommandLine, from: 'command line' };
  const fromEnvironment = v8PoolSizeIn(nodeOptions?.trim().split(/\s+/) ?? []);
  if (fromEnvironment !== undefined) return { size: fromEnvironment, from: 'NODE_OPTIONS' };
  return { size: NODE_DEFAULT_V8_POOL_SIZE, from: 'default' };
}

/**
 * What `serve` does about the pool. `auto`: a size the user set (command line or NODE_OPTIONS)
 * is kept; else {@link FEW_CORES_V8_POOL_SIZE} on {@link FEW_CORES} cores or fewer, Node's
 * default above. A number: that size, in a child process unless this one already has it.
 */
export function planV8Pool(choice: V8ThreadsChoice, host: V8PoolHost): V8PoolPlan {
  const current = v8PoolSizeOf(host.execArgv, host.nodeOptions);
  const has = (reason: string): V8PoolPlan => ({ poolSize: current.size, relaunch: false, reason });
  if (choice !== 'auto') {
    return choice === current.size
      ? has(`--v8-threads ${choice}: this process has it (${current.from})`)
      : { poolSize: choice, relaunch: true, reason: `--v8-threads ${choice}` };
  }
  if (current.from !== 'default') return has(`--v8-threads auto: set by ${current.from}`);
  if (host.cores <= FEW_CORES) {
    return {
      poolSize: FEW_CORES_V8_POOL_SIZE,
      relaunch: true,
      reason: `--v8-threads auto: ${host.cores} cores, where V8's ${NODE_DEFAULT_V8_POOL_SIZE} default helper threads preempt the event loop`,
    };
  }
  return has(`--v8-threads auto: ${host.cores} cores, Node's default`);
}
