/**
 * One process per data directory: a `lock` file holding the owner's pid, created atomically
 * (written under a temporary name, then hard-linked into place, which fails if it exists). A
 * lock whose process is gone (it was killed) is stale and taken over, and so is one bearing
 * this process's pid that this process does not hold (left by an earlier process that had the
 * same pid, as a container's first process always has).
 */
import { closeSync, linkSync, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/errors.js';

/** The lock file's name in a data directory. */
export const LOCK_FILE = 'lock';

/** Directories this process holds: a lock with our own pid that is not here was left by an earlier process with the same pid (a container's pid 1, say). */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of `dataDir` for this process; returns the function that releases it. Throws
 * an {@link InputError} when a live process holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  const key = realpathSync(dataDir);
  const temporary = join(dataDir, `${LOCK_FILE}.${process.pid}.tmp`);
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
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
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // Released meanwhile: try again.
      }
      const ours = owner === process.pid && !held.has(key);
      if (Number.isInteger(owner) && owner > 0 && !ours && isAlive(owner)) {
        throw new InputError(dataDir, '', `the data directory is in use by process ${owner} (lock file ${path}); one process at a time may open it`);
      }
      // Its process is gone (killed): the lock is stale.
      rmSync(path, { force: true });
    }
    throw new InputError(dataDir, '', `could not take the lock file ${path}: other processes keep taking it`);
  } finally {
    rmSync(temporary, { force: true });
  }
}
