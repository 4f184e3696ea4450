/**
 * A real `redis-server` process (Debian package `redis-server`) on a free 127.0.0.1 port, in a
 * temporary directory of its own: what the Redis test suites (through
 * `test/support/redisServer.ts`) and the Redis benches (`bench/distributed.ts`,
 * `bench/liveBullmq.ts`) start. No test framework here, so the benches can import it.
 *
 * Plain runs keep nothing on disk (`--save '' --appendonly no`); durability tests ask for the
 * append-only file (`appendOnly: true`, fsync on every write) and restart the server on the same
 * port and directory with {@link RedisServer.restart}.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './localPorts.js';

/** A running `redis-server` started by {@link startRedis}. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0`. */
  readonly url: string;
  /** The TCP port it listens on (kept across restarts). */
  readonly port: number;
  /** Its working directory (the append-only file lives here). */
  readonly dir: string;
  /** The server process's id, for tests that signal it themselves. */
  pid(): number;
  /**
   * Stops the server and starts it again on the same port and directory.
   * @param signal - `SIGTERM` (default: Redis shuts down cleanly) or `SIGKILL` (a crash: only what
   * the append-only file holds survives).
   */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Options of {@link startRedis}. */
export interface RedisServerOptions {
  /** Keep an append-only file, fsynced on every write (durability tests). @defaultValue false */
  readonly appendOnly?: boolean;
}

const READY_TIMEOUT_MS = 10_000;

/** Starts a `redis-server` on a free local port and resolves once it answers PING. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--maxmemory-policy', 'noeviction',
    ...(options.appendOnly === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
  ];
  let child = await launch(args, port);
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    pid: () => child.pid ?? -1,
    async restart(signal = 'SIGTERM') {
      await terminate(child, signal);
      child = await launch(args, port);
    },
    async stop() {
      await terminate(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(args: readonly string[], port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Sends an inline PING and waits for `+PONG` (loading an AOF answers `-LOADING`: not ready). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Whether `redis-server` is on this machine's PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}
