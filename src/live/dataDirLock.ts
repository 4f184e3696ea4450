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
 *
 * A stale lock is removed only under a second lock, {@link TAKEOVER_FILE}, after a fresh look
 * that finds it still there and still stale: two processes starting at once on a stale lock
 * would otherwise both see it stale, and the slower one would remove the lock the faster one had
 * just taken and take it too. Under that guard nothing can replace a stale file between the
 * look and the removal (a lock file is only ever removed by its holder or under the guard, and
 * a link cannot replace a file), so exactly one process holds the lock afterwards; but a link
 * can fill an empty place at any moment, so a look that finds no file removes nothing. A guard
 * left by a process killed while holding it (its writer is dead) is moved aside and removed only
 * if it is still the very file that was looked at. (What is left: a guard whose taker was killed
 * inside it, met by two processes starting at the same moment.)
 */
import { closeSync, fstatSync, linkSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../scenario/errors.js';

/** The lock file's name in a data directory. */
export const LOCK_FILE = 'lock';

/** The guard under which a stale lock is taken over, beside the lock (it holds the pid of the process taking over). */
export const TAKEOVER_FILE = 'lock.takeover';

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
  const text = readLockText(path);
  return text === undefined ? undefined : holderIn(text);
}

/**
 * The lock file's text; undefined when there is none (released meanwhile), '' when it exists
 * but cannot be read (it then holds no pid: a lock unreadable as one).
 */
function readLockText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

/** The pids a lock file's text holds; undefined when it holds no valid writer's pid. */
function holderIn(text: string): LockHolder | undefined {
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
  writeFileSync(temporary, launcherPid === undefined ? `${process.pid}\n` : `${process.pid}\n${launcherPid}\n`);
  const waitUntil = Date.now() + LAUNCHER_GONE_WAIT_MS;
  try {
    for (let takeovers = 0; takeovers < MAX_TAKEOVERS;) {
      if (tryLink(temporary, path)) {
        held.add(key);
        return () => {
          held.delete(key);
          rmSync(path, { force: true });
        };
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
      if (!removeStaleLock(dataDir, key)) await sleep(POLL_MS);
      takeovers++;
    }
    throw new InputError(dataDir, '', `could not take the lock file ${path}: other processes keep taking it`);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Stale locks removed (or another's takeover waited for) before giving up: each is a process that took the lock and died meanwhile. */
const MAX_TAKEOVERS = 50;

/** Links `from` as `to`; false when `to` exists. */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/**
 * Removes the lock of `dataDir` if, looked at again under the {@link TAKEOVER_FILE} guard, it is
 * still there and still stale. False when another process holds the guard (it is taking the
 * lock over), or held it and was killed (its guard is removed here): try again.
 * @param afterLook - called between the look under the guard and the removal (tests: another
 *   process's move at that moment)
 */
export function removeStaleLock(dataDir: string, key: string, afterLook?: () => void): boolean {
  const guard = join(dataDir, TAKEOVER_FILE);
  const temporary = join(dataDir, `${TAKEOVER_FILE}.${process.pid}.tmp`);
  writeFileSync(temporary, `${process.pid}\n`);
  try {
    if (!tryLink(temporary, guard)) {
      removeDeadGuard(guard, temporary);
      return false;
    }
    try {
      const path = join(dataDir, LOCK_FILE);
      const text = readLockText(path);
      afterLook?.();
      // No lock file: nothing to remove. Removing "it" anyway would remove a lock that a process
      // linked after this look (links need no guard): that process and this one would both hold it.
      if (text !== undefined && stateOf(holderIn(text), key) === 'stale') rmSync(path, { force: true });
      return true;
    } finally {
      rmSync(guard, { force: true });
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Removes the guard at `guard` if the process that took it is dead, and only if the file moved
 * aside (to `aside`) is the one looked at; a live guard taken meanwhile is put back.
 */
function removeDeadGuard(guard: string, aside: string): void {
  let looked: { ino: number; holder: LockHolder | undefined } | undefined;
  try {
    // The pid and the inode from one open file: looked up by name twice, they could be two guards'.
    const fd = openSync(guard, 'r');
    try {
      looked = { ino: fstatSync(fd).ino, holder: holderIn(readFileSync(fd, 'utf8')) };
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // gone meanwhile: its taker is done
  }
  // An unreadable pid is a guard being written (link makes it whole at once, so not ours): wait.
  if (looked.holder === undefined || isAlive(looked.holder.writer)) return;
  rmSync(aside, { force: true });
  try {
    renameSync(guard, aside);
  } catch {
    return; // removed meanwhile
  }
  if (statSync(aside).ino !== looked.ino) tryLink(aside, guard);
}
