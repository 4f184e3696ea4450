/**
 * `fleetsim serve <scenario> --data DIR`: the scenario's engine as an HTTP service
 * (src/live/service, docs/LIVE.md "The HTTP service"). Prints one line once it listens, and
 * closes gracefully on SIGTERM or SIGINT (stops taking requests, ends long-polls, closes the
 * driver and its data directory). Where `--v8-threads` asks for a V8 pool size this process
 * does not have (by default: one helper thread on two cores), the flags, scenario and data
 * directory are checked here and the service runs in a child process (./serveLauncher.ts).
 */
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { makeDirectory } from '../makeDirectory.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { loadTokenFile } from '../live/service/auth.js';
import type { ServiceOptions } from '../live/service/app.js';
import { DEFAULT_SNAPSHOT_EVERY_INPUTS } from '../live/durableDriver.js';
import { isCommitIntervalMs, isSyncsInFlight, MAX_COMMIT_INTERVAL_MS, MAX_SYNCS_IN_FLIGHT, SYNCS_IN_FLIGHT } from '../live/wal.js';
import { PREALLOCATE_BYTES } from '../live/walPreallocation.js';
import { refuseHeldDataDir } from '../live/dataDirLock.js';
import { DEFAULT_HELPER_NICE, MAX_NICE } from '../live/helperThreads.js';
import { parseV8Threads, planV8Pool, v8PoolSizeOf } from '../live/v8PoolSize.js';
import type { Scenario } from '../scenario/types.js';
import { packageVersion } from './help.js';
import { attachToLauncher, launchServiceProcess } from './serveLauncher.js';

/** Flags of `serve`. */
export interface ServeArgs {
  /** The scenario whose engine, strategy and agents the service runs. */
  scenario: string;
  /** `--data`: the data directory (write-ahead log, snapshots, events), created if missing. */
  data: string;
  /** `--port`: the port to listen on (0: any free port). */
  port: number;
  /** `--host`: the address to listen on (default 127.0.0.1). */
  host: string;
  /** `--token-file`: a YAML file mapping bearer tokens to roles; without it no request is checked. */
  tokenFile?: string;
  /** `--latency-probe`: time where each task waits before its start reaches an agent, and event-loop stalls (`GET /v1/latency`). */
  latencyProbe?: boolean;
  /** Fsyncs of the write-ahead log under way at once (`--fsyncs-in-flight`, default 3). */
  fsyncsInFlight?: number;
  /** Group-commit pacing of the write-ahead log, ms (`--commit-interval-ms`, default {@link SERVE_COMMIT_INTERVAL_MS}). */
  commitIntervalMs?: number;
  /** MiB of the write-ahead log zeroed ahead of its writer (`--wal-preallocate-mib`, default {@link PREALLOCATE_BYTES} in MiB; 0: appends). */
  walPreallocateMib?: number;
  /** Inputs between two compactions (`--snapshot-every`, default {@link DEFAULT_SNAPSHOT_EVERY_INPUTS}). */
  snapshotEvery?: number;
  /** `http` (agents poll the service) or `bullmq` (agents take work from Redis queues). */
  agents: string;
  /** The Redis of `--agents bullmq`. */
  queue?: string;
  /** V8's helper threads in the service process: `auto` (the default; src/live/v8PoolSize.ts) or a number. */
  v8Threads?: string;
  /** Nice value of the service's threads other than its main one (`--helper-nice`, 0..19, default {@link DEFAULT_HELPER_NICE}; 0: left alone). */
  helperNice?: number;
}

/**
 * `serve`'s group-commit pacing by default, ms: none, as the log's own default. Pacing trades
 * latency for CPU: measured with the live bench at 5,000 submissions/s on a quiet machine
 * (docs/LIVE-RECORD.md, "Pacing and the tail on a quiet machine"), 2 ms cut the service's CPU per task
 * from ~142 to ~108 µs but doubled the median submit-to-start (1.0 → 2.0 ms) and raised its p99.
 */
export const SERVE_COMMIT_INTERVAL_MS = 0;

/** The range of `--snapshot-every`: below it compactions would follow each other; above it a restart could replay for minutes. */
export const SNAPSHOT_EVERY_RANGE = { min: 1_000, max: 100_000_000 } as const;

const MIB = 1 << 20;

/** The most `--wal-preallocate-mib` takes (4 GiB: zeroed once per chunk, a larger chunk only delays the next). */
export const MAX_PREALLOCATE_MIB = 4_096;

/** Hosts that only this machine reaches. */
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Errors of `listen` that say the host is wrong (unknown name, or an address of no interface here), not the port. */
const HOST_ERRORS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EADDRNOTAVAIL']);

/** The flag a failed `listen` names: `--host` when the address is at fault, else `--port`. */
function listenFlagAtFault(error: unknown): '--host' | '--port' {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return HOST_ERRORS.has(code) ? '--host' : '--port';
}

/** `fleetsim serve`: resolves with the exit code once the service has closed after a signal. */
export async function serveCommand(args: ServeArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<number> {
  if (!(Number.isInteger(args.port) && args.port >= 0 && args.port <= 65_535)) {
    throw new InputError('command line', '--port', `expected an integer 0..65535, got ${String(args.port)}`);
  }
  if (args.host.trim() === '') throw new InputError('command line', '--host', 'expected a host name or address');
  const fsyncsInFlight = numberFlag('--fsyncs-in-flight', args.fsyncsInFlight, SYNCS_IN_FLIGHT, isSyncsInFlight, `an integer 1..${MAX_SYNCS_IN_FLIGHT}`);
  const commitIntervalMs = numberFlag('--commit-interval-ms', args.commitIntervalMs, SERVE_COMMIT_INTERVAL_MS, isCommitIntervalMs, `a number 0..${MAX_COMMIT_INTERVAL_MS}`);
  const walPreallocateMib = numberFlag('--wal-preallocate-mib', args.walPreallocateMib, PREALLOCATE_BYTES / MIB, (value) => Number.isInteger(value) && value >= 0 && value <= MAX_PREALLOCATE_MIB, `an integer 0..${MAX_PREALLOCATE_MIB}`);
  const snapshotEvery = numberFlag(
    '--snapshot-every', args.snapshotEvery, DEFAULT_SNAPSHOT_EVERY_INPUTS,
    (value) => Number.isInteger(value) && value >= SNAPSHOT_EVERY_RANGE.min && value <= SNAPSHOT_EVERY_RANGE.max,
    `an integer ${SNAPSHOT_EVERY_RANGE.min}..${SNAPSHOT_EVERY_RANGE.max}`,
  );
  const helperNice = numberFlag('--helper-nice', args.helperNice, DEFAULT_HELPER_NICE, (value) => Number.isInteger(value) && value >= 0 && value <= MAX_NICE, `an integer 0..${MAX_NICE}`);
  const v8Threads = parseV8Threads(args.v8Threads);
  const scenario = loadScenario(args.scenario);
  const tokens = args.tokenFile === undefined ? undefined : loadTokenFile(args.tokenFile);
  prepareDataDirectory(args.data);
  const launcher = attachToLauncher();
  if (launcher === undefined) {
    const plan = planV8Pool(v8Threads, { cores: availableParallelism(), execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS });
    if (plan.relaunch) {
      // A live service on the directory is refused here, before a process is started for nothing.
      refuseHeldDataDir(args.data);
      return (await launchServiceProcess(plan.poolSize, plan.reason)).exitCode;
    }
  }
  const agentQueues = await agentQueuesOf(args, scenario);
  // Loaded on demand: the HTTP stack would add a third of a second to every other command's start.
  const { createService } = await import('../live/service/app.js');
  const service = await createService({
    scenario,
    dataDir: args.data,
    ...(launcher === undefined ? {} : { launcherPid: launcher.pid }),
    ...(tokens === undefined ? {} : { tokens }),
    latencyProbe: args.latencyProbe === true,
    syncsInFlight: fsyncsInFlight,
    commitIntervalMs,
    preallocateBytes: walPreallocateMib * MIB,
    snapshotEveryInputs: snapshotEvery,
    ...(helperNice === 0 ? {} : { helperNice }),
    ...(agentQueues === undefined ? {} : { agentQueues }),
    onError: (error) => process.stderr.write(`fleetsim serve: ${error.name === 'LiveDriverError' ? '' : 'internal error: '}${error.stack ?? error.message}\n`),
  });
  try {
    await service.app.listen({ host: args.host, port: args.port });
  } catch (error) {
    await service.close();
    throw new InputError('command line', listenFlagAtFault(error), `cannot listen on ${args.host}:${args.port} (${systemErrorReason(error)})`);
  }
  // Warned once the service listens: a host it cannot listen on is an error, and one line.
  if (tokens === undefined && !LOOPBACK.has(args.host)) {
    process.stderr.write(`fleetsim serve: warning: listening on ${args.host} without --token-file: anyone who reaches it may submit tasks and act for any agent\n`);
  }
  const address = service.app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // The handlers go in before the lines that say the service listens: a supervisor that waits
  // for them and signals at once must find a drain, not the signal's default.
  const signalled = new Promise<void>((resolve) => {
    const stop = (): void => {
      // A launched service hears a signal twice when a supervisor signals the launcher's whole
      // group (systemd's control-group kill) and the launcher passes it on: the second must not
      // cut the drain short.
      if (launcher === undefined) {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  write(`fleetsim serve listening on http://${host}:${address.port}\n`);
  if (launcher !== undefined) {
    process.stderr.write(`fleetsim serve: the service runs in process ${process.pid} with --v8-pool-size=${v8PoolSizeOf(process.execArgv, undefined).size}, started by process ${launcher.pid} (${launcher.reason})\n`);
  }
  await signalled;
  await service.close();
  // A launched service may hear the same signal again, through its launcher, while Node tears
  // the process down after the loop empties, when its handlers are gone and the signal's default
  // would kill it after a complete drain: it leaves at once instead (it has nothing left to
  // print: its lines went out when it began to listen).
  if (launcher !== undefined) process.exit(0);
  return 0;
}

/** A numeric flag's value (`fallback` when not given), or an InputError naming the flag and what it expects. */
function numberFlag(flag: string, given: number | undefined, fallback: number, valid: (value: number) => boolean, expected: string): number {
  const value = given ?? fallback;
  if (!valid(value)) throw new InputError('command line', flag, `expected ${expected}, got ${String(given)}`);
  return value;
}

/**
 * With `--agents bullmq`: the checked Redis (reachable, its DB, every agent queue stamped with
 * this fleetsim's version), as BullMQ connection options; undefined for HTTP agents.
 */
async function agentQueuesOf(args: ServeArgs, scenario: Scenario): Promise<ServiceOptions['agentQueues']> {
  if (args.agents !== 'bullmq') {
    if (args.queue !== undefined) throw new InputError('command line', '--queue', 'goes with --agents bullmq');
    return undefined;
  }
  if (args.queue === undefined) throw new InputError('command line', '--queue', 'expected redis://HOST:PORT/DB with --agents bullmq');
  const { AGENT_QUEUE_PREFIX, agentQueueName } = await import('../distributed/agentQueues.js');
  const { bullConnectionOptions, checkQueueVersion, connectRedis, parseQueueUrl } = await import('../distributed/connection.js');
  const queue = parseQueueUrl(args.queue);
  for (const config of scenario.agents) {
    if (config.spec.id.includes(':')) throw new InputError(scenario.source, 'agents', `agent id "${config.spec.id}" cannot name a BullMQ queue (it contains ":")`);
  }
  const client = await connectRedis(queue);
  try {
    const version = packageVersion();
    for (const config of scenario.agents) await checkQueueVersion(client, queue, { prefix: AGENT_QUEUE_PREFIX, queueName: agentQueueName(config.spec.id), version });
  } finally {
    client.disconnect();
  }
  return {
    connection: bullConnectionOptions(queue),
    onLog: (line) => process.stderr.write(`fleetsim serve: ${line}\n`),
    // Redis going away and coming back is expected (it reconnects): one line, not a stack.
    onError: (error) => process.stderr.write(`fleetsim serve: bullmq connector: ${error.message.split('\n')[0]!}\n`),
  };
}

/** The data directory exists (created if missing) and is a directory. */
function prepareDataDirectory(dir: string): void {
  if (dir.trim() === '') throw new InputError('command line', '--data', 'expected a directory');
  try {
    makeDirectory(dir);
    if (!statSync(dir).isDirectory()) throw new InputError('command line', '--data', `${dir} is not a directory`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('command line', '--data', `cannot create ${dir} (${systemErrorReason(error)})`);
  }
}
