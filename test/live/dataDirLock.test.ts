/**
 * The data directory's lock with real processes: it records the writer's pid and its
 * launcher's; a live holder is refused at once; a holder whose launcher is gone is waited for
 * until it ends (as a service process does once its launcher was killed), and only up to
 * LAUNCHER_GONE_WAIT_MS; a dead holder's lock is taken over, under a guard, by exactly one of
 * the processes starting on it at once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCHER_GONE_WAIT_MS, LOCK_FILE, TAKEOVER_FILE, lockDataDir, refuseHeldDataDir, removeStaleLock } from '../../src/live/dataDirLock.js';
import { InputError } from '../../src/scenario/errors.js';
import { eventually, sleep } from '../support/eventually.js';

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
    await eventually(() => state() === 'Z', 5_000, `process ${zombie} a zombie`, 10);
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

describe('taking over a stale lock', () => {
  it('removes a lock whose writer is dead, under the guard, and leaves no guard behind', () => {
    const dir = scratch();
    writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
    expect(removeStaleLock(dir, realpathSync(dir))).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
  });

  it('leaves the lock a live process took after the stale one was seen: it looks again under the guard', () => {
    const dir = scratch();
    const fresh = `${liveWriter().pid}\n`;
    writeFileSync(join(dir, LOCK_FILE), fresh);
    expect(removeStaleLock(dir, realpathSync(dir))).toBe(true);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(fresh);
  });

  it('removes nothing when the look finds no lock: a process may link its lock right after that look', () => {
    // The interleaving of the six-process race that gave two holders: the stale lock already
    // removed by one taker, this one looks and finds no file, the first links its lock, and
    // this one must not remove it.
    const dir = scratch();
    const linked = `${liveWriter().pid}\n`;
    expect(removeStaleLock(dir, realpathSync(dir), () => writeFileSync(join(dir, LOCK_FILE), linked))).toBe(true);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(linked);
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
  });

  it('waits while a live process holds the guard, and removes the guard of one killed while holding it', () => {
    const dir = scratch();
    const stale = `${deadPid()}\n`;
    writeFileSync(join(dir, LOCK_FILE), stale);
    const taker = `${liveWriter().pid}\n`;
    writeFileSync(join(dir, TAKEOVER_FILE), taker);
    expect(removeStaleLock(dir, realpathSync(dir))).toBe(false);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(stale);
    expect(readFileSync(join(dir, TAKEOVER_FILE), 'utf8')).toBe(taker);

    writeFileSync(join(dir, TAKEOVER_FILE), `${deadPid()}\n`);
    expect(removeStaleLock(dir, realpathSync(dir))).toBe(false);
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
    expect(removeStaleLock(dir, realpathSync(dir))).toBe(true);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('gives a stale lock to exactly one of six processes started at the same moment, every time', async () => {
    const built = fileURLToPath(new URL('../../dist/src/live/dataDirLock.js', import.meta.url));
    expect(existsSync(built), 'run `npm run build` first: the racing processes run the built module').toBe(true);
    // Each process says it is ready, spins until the file `go` appears, tries the lock and says
    // whether it holds it; a holder keeps it until killed, so a second holder is a double lock.
    const racer = `const [module, dir] = process.argv.slice(1);
const { existsSync } = await import('node:fs');
const { lockDataDir } = await import(module);
console.log('ready');
while (!existsSync(dir + '/go'));
try { await lockDataDir(dir); console.log('held'); setInterval(() => undefined, 60_000); }
catch (error) { console.log(error.name === 'InputError' ? 'refused' : String(error)); }`;
    for (let trial = 0; trial < 8; trial++) {
      const dir = scratch();
      writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
      let ready = 0;
      const answers = await Promise.all(Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', racer, built, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
        started.push(child);
        child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          for (const line of chunk.split('\n').filter(Boolean)) {
            if (line !== 'ready') resolve(line);
            else if (++ready === 6) writeFileSync(join(dir, 'go'), '');
          }
        });
      })));
      expect(answers.sort()).toEqual(['held', 'refused', 'refused', 'refused', 'refused', 'refused']);
      for (const child of started.splice(0)) child.kill('SIGKILL');
    }
  }, 60_000);
});
