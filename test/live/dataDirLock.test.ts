/**
 * The data directory's lock with real processes: it records the writer's pid and its
 * launcher's; a live holder is refused at once; a holder whose launcher is gone is waited for
 * until it ends (as a service process does once its launcher was killed), and only up to
 * LAUNCHER_GONE_WAIT_MS; a dead holder's lock is taken over.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCHER_GONE_WAIT_MS, LOCK_FILE, lockDataDir, refuseHeldDataDir } from '../../src/live/dataDirLock.js';
import { InputError } from '../../src/scenario/errors.js';

const started: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-lock-'));
  dirs.push(dir);
  return dir;
}

/** A live process standing for a writer that holds the lock. */
function liveWriter(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  started.push(child);
  return child;
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync('true').pid;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('the data directory lock', () => {
  it('records this process\'s pid and its launcher\'s, and removes the file on release', async () => {
    const dir = scratch();
    const release = await lockDataDir(dir, 4242);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n4242\n`);
    release();
    const again = await lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    again();
  });

  it('refuses at once a directory whose writer lives, with or without a live launcher', async () => {
    const dir = scratch();
    const writer = liveWriter();
    for (const text of [`${writer.pid}\n`, `${writer.pid}\n${process.pid}\n`]) {
      writeFileSync(join(dir, LOCK_FILE), text);
      const start = performance.now();
      await expect(lockDataDir(dir)).rejects.toThrow(`the data directory is in use by process ${writer.pid}`);
      expect(performance.now() - start).toBeLessThan(LAUNCHER_GONE_WAIT_MS / 5);
      expect(() => refuseHeldDataDir(dir)).toThrow(InputError);
    }
  });

  it('takes over the lock of a dead writer, and of a dead writer whose launcher is dead too', async () => {
    const dir = scratch();
    for (const text of [`${deadPid()}\n`, `${deadPid()}\n${deadPid()}\n`, 'not a pid\n']) {
      writeFileSync(join(dir, LOCK_FILE), text);
      expect(() => refuseHeldDataDir(dir)).not.toThrow();
      (await lockDataDir(dir))();
    }
  });

  it('takes over the lock of a writer that was killed and not yet reaped (a zombie), and waits for no zombie launcher', async () => {
    const dir = scratch();
    // `sh` starts `sleep 0` and becomes `sleep 60`, which never reaps it: a zombie for a minute.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(parent);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    const state = (): string => { const stat = readFileSync(`/proc/${zombie}/stat`, 'latin1'); return stat.charAt(stat.lastIndexOf(')') + 2); };
    const deadline = performance.now() + 5_000;
    while (state() !== 'Z' && performance.now() < deadline) await sleep(10);
    expect(state()).toBe('Z');
    writeFileSync(join(dir, LOCK_FILE), `${zombie}\n`);
    expect(() => refuseHeldDataDir(dir)).not.toThrow();
    (await lockDataDir(dir))();
    // A live writer whose launcher is a zombie: the launcher is gone, so the writer is waited for, not refused.
    writeFileSync(join(dir, LOCK_FILE), `${liveWriter().pid}\n${zombie}\n`);
    expect(() => refuseHeldDataDir(dir)).not.toThrow();
  });

  it('waits for a writer whose launcher is gone to end, then takes the lock', async () => {
    const dir = scratch();
    const writer = liveWriter();
    writeFileSync(join(dir, LOCK_FILE), `${writer.pid}\n${deadPid()}\n`);
    // Not refused before a service process is started: that process will wait.
    expect(() => refuseHeldDataDir(dir)).not.toThrow();
    const start = performance.now();
    const ended = sleep(500).then(() => {
      writer.kill('SIGKILL');
      return exited(writer);
    });
    const release = await lockDataDir(dir, 7);
    const waitedMs = performance.now() - start;
    await ended;
    expect(waitedMs).toBeGreaterThanOrEqual(450);
    expect(waitedMs).toBeLessThan(LAUNCHER_GONE_WAIT_MS);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n7\n`);
    release();
  });

  it(`gives up on a writer whose launcher is gone after ${LAUNCHER_GONE_WAIT_MS} ms, naming both, and leaves its lock`, async () => {
    const dir = scratch();
    const writer = liveWriter();
    const launcher = deadPid();
    writeFileSync(join(dir, LOCK_FILE), `${writer.pid}\n${launcher}\n`);
    const start = performance.now();
    await expect(lockDataDir(dir)).rejects.toThrow(new RegExp(`process ${writer.pid} still holds the data directory .* its launcher, process ${launcher}, is gone: waited 5 s`));
    expect(performance.now() - start).toBeGreaterThanOrEqual(LAUNCHER_GONE_WAIT_MS - 50);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${writer.pid}\n${launcher}\n`);
  }, 20_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
