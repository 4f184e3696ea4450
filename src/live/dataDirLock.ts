/**
 * One process per data directory: a `lock` file, created atomically (written under a temporary
 * name, then hard-linked into place, which fails if it exists), holding the pid of the process
 * that writes the directory and, on a second line, that of its launcher when it has one
 * (`fleetsim serve` runs its service in a child process: src/cli/serveLauncher.ts).
 *
 * A lock whose writer is gone (it was killed) is stale and taken over, and so is one bearing
 * this process's pid that this process does not hold (left by an earlier process that had the
 * same pid, as a container's first process always has). A lock whose writer lives but whose
 * launcher is gone belongs to a service that is dying with its launcher (it ends itself when
 * the launcher's channel closes): it is waited for, at most {@link LAUNCHER_GONE_WAIT_MS}, so
 * that a restart right after the launcher was killed succeeds and two writers never overlap.
 */
import { closeSync, linkSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../scenario/errors.js';

/** The lock file's name in a data directory. */
export const LOCK_FILE = 'lock';

/** How long a lock whose launcher is gone is waited for before its writer counts as alive. */
export const LAUNCHER_GONE_WAIT_MS = 5_000;

/** Between two looks at a lock being released. */
const POLL_MS = 20;

/** Directories this process holds: a lock with our own pid that is not here was left by an earlier process with the same pid (a container's pid 1, say). */
const held = new Set<string>();

/** The pids a lock file holds. */
interface LockHolder {
  readonly writer: number;
  readonly launcher?: number;
}

/** What to make of a lock that exists. */
type LockState = 'stale' | 'held' | 'launcher-gone';

/**
 * Whether `pid` names a running process. A zombie (killed, not yet reaped by its parent) answers
 * the signal test but holds nothing and will write nothing: on Linux its state in `/proc` says
 * so, and it counts as gone, so that a supervisor slow to reap does not block a restart.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    // No /proc (not Linux), or gone meanwhile: the signal test's answer stands.
    return true;
  }
  // `pid (comm) S …`: the state follows the last ')', since a command name may hold one.
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

function isPid(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

/** The lock's pids; undefined when it is gone (released meanwhile) or unreadable as a lock. */
function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const [writer, launcher] = text.trim().split('\n').map(Number);
  if (writer === undefined || !isPid(writer)) return undefined;
  return launcher !== undefined && isPid(launcher) ? { writer, launcher } : { writer };
}

function stateOf(holder: LockHolder | undefined, key: string): LockState {
  if (holder === undefined) return 'stale';
  const ours = holder.writer === process.pid && !held.has(key);
  if (ours || !isAlive(holder.writer)) return 'stale';
  return holder.launcher !== undefined && !isAlive(holder.launcher) ? 'launcher-gone' : 'held';
}

function inUse(dataDir: string, path: string, holder: LockHolder): InputError {
  const launcher = holder.launcher === undefined ? '' : ` (started by process ${holder.launcher})`;
  return new InputError(dataDir, '', `the data directory is in use by process ${holder.writer}${launcher} (lock file ${path}); one process at a time may open it`);
}

/**
 * Throws the {@link lockDataDir}'s InputError at once when a live process holds `dataDir`'s
 * lock; otherwise (free, stale, or held by a service whose launcher is gone) returns. A check
 * before starting a service process, not a lock: only {@link lockDataDir} takes it.
 */
export function refuseHeldDataDir(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE);
  const holder = readHolder(path);
  if (holder !== undefined && stateOf(holder, realpathSync(dataDir)) === 'held') throw inUse(dataDir, path, holder);
}

/**
 * Takes the lock of `dataDir` for this process, recording `launcherPid` beside its own when a
 * launcher started it; resolves to the function that releases it. Rejects with an
 * {@link InputError} when a live process holds it, or when the writer of a lock whose launcher
 * is gone is still alive after {@link LAUNCHER_GONE_WAIT_MS}.
 */
export async function lockDataDir(dataDir: string, launcherPid?: number): Promise<() => void> {
  const path = join(dataDir, LOCK_FILE);
  const key = realpathSync(dataDir);
  const temporary = join(dataDir, `${LOCK_FILE}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, launcherPid === undefined ? `${process.pid}\n` : `${process.pid}\n${launcherPid}\n`);
  } finally {
    closeSync(fd);
  }
  const waitUntil = Date.now() + LAUNCHER_GONE_WAIT_MS;
  try {
    for (let takeovers = 0; takeovers < 3;) {
      try {
        linkSync(temporary, path);
        held.add(key);
        return () => {
          held.delete(key);
          rmSync(path, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(path);
      const state = stateOf(holder, key);
      if (state === 'held') throw inUse(dataDir, path, holder!);
      if (state === 'launcher-gone') {
        if (Date.now() > waitUntil) {
          throw new InputError(dataDir, '', `process ${holder!.writer} still holds the data directory (lock file ${path}) though its launcher, process ${holder!.launcher}, is gone: waited ${LAUNCHER_GONE_WAIT_MS / 1000} s for it to end; end it before restarting`);
        }
        await sleep(POLL_MS);
        continue;
      }
      // Its writer is gone (killed): the lock is stale.
      rmSync(path, { force: true });
      takeovers++;
    }
    throw new InputError(dataDir, '', `could not take the lock file ${path}: other processes keep taking it`);
  } finally {
    rmSync(temporary, { force: true });
  }
}
