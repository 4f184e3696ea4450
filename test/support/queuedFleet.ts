/**
 * A live deployment with agents over BullMQ, as real processes of the built CLI: `fleetsim serve
 * --agents bullmq` and `fleetsim agent-worker`, and the checks every such suite ends with (no
 * task lost or completed twice, the write-ahead log's ledger equal to the events file).
 */
import { afterEach, expect } from 'vitest';
import { serviceEngineOptions } from '../../src/live/service/serviceDriver.js';
import { verifyDataDir } from '../../src/live/verifyDataDir.js';
import { loadScenario } from '../../src/scenario/load.js';
import { eventually, fleetsim, getJson, scenarioDirs, type Child } from '../live/clients/processes.js';
import { startRedis, type RedisServer, type RedisServerOptions } from './redisProcess.js';

/** One test's deployment: its own redis-server, and a directory holding its scenario and data. */
export interface QueuedDeployment {
  /** The test's own redis-server, stopped after the test. */
  readonly server: RedisServer;
  /** The scenario file, written from the text the test gave. */
  readonly scenarioPath: string;
  /** The service's data directory, beside the scenario file. */
  readonly dataDir: string;
}

/**
 * For a suite (call inside `describe`): a function that makes each test's deployment, torn down
 * after the test (every process it started killed, its Redis stopped, its directory removed).
 */
export function queuedDeployments(): (scenarioText: string, redis?: RedisServerOptions) => Promise<QueuedDeployment> {
  let server: RedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  // Registered after the hook above, so its after-hook (kill every process) runs first.
  const scenarioDir = scenarioDirs();
  return async (scenarioText, redis) => {
    server = await startRedis(redis);
    const { scenarioPath, dataDir } = scenarioDir(scenarioText);
    return { server, scenarioPath, dataDir };
  };
}

/** A running `serve --agents bullmq`. */
export interface QueuedService {
  /** The `serve` process. */
  readonly child: Child;
  /** Its base URL, as it printed it when it began listening. */
  readonly url: string;
}

/** `fleetsim serve --agents bullmq` on a free port, once it listens. */
export async function serveQueued(scenarioPath: string, dataDir: string, queue: string): Promise<QueuedService> {
  const child = fleetsim('serve', scenarioPath, '--data', dataDir, '--port', '0', '--agents', 'bullmq', '--queue', queue);
  let url = '';
  await eventually(() => {
    url = /listening on (http:\/\/\S+)/.exec(child.stdout())?.[1] ?? '';
    if (url === '' && child.process.exitCode !== null) throw new Error(`serve exited: ${child.stderr()}`);
    return url !== '';
  }, 20_000, 'serve listening');
  return { child, url };
}

/** `fleetsim agent-worker --queue QUEUE --emulate SCENARIO ...flags`, once it takes work. */
export async function startAgentWorker(scenarioPath: string, queue: string, ...flags: string[]): Promise<Child> {
  const child = fleetsim('agent-worker', '--queue', queue, '--emulate', scenarioPath, ...flags);
  await eventually(() => {
    if (child.process.exitCode !== null) throw new Error(`agent-worker exited: ${child.stderr()}`);
    return /taking work from/.test(child.stdout());
  }, 20_000, `agent-worker ${flags.join(' ')} listening`);
  return child;
}

/**
 * `fleetsim agent-worker` for `agents` (comma-separated ids) at `speedup`, once it takes work, its
 * job locks 1 s long: an attempt of a worker killed or stopped mid-task is seen lost within a second.
 */
export function startShortLockAgentWorker(scenarioPath: string, queue: string, agents: string, speedup: number): Promise<Child> {
  return startAgentWorker(scenarioPath, queue, '--agent', agents, '--speedup', String(speedup), '--lock-seconds', '1');
}

/** Tasks the service has completed (-1 when it does not answer). */
export async function completedTasks(url: string): Promise<number> {
  return ((await getJson(`${url}/v1/metrics`)) as { counts?: { completed: number } } | undefined)?.counts?.completed ?? -1;
}

/** The data directory holds `tasks` tasks, each completed once, and its ledger equals its events. */
export function expectNothingLostOrTwice(scenarioPath: string, dataDir: string, tasks: number): void {
  const report = verifyDataDir(dataDir, (generation) => serviceEngineOptions(loadScenario(scenarioPath), generation));
  expect(report.ledger).toMatchObject({ submitted: tasks, completed: tasks, inFlight: 0 });
  expect(report.events.completedTwice).toEqual([]);
  expect(report.consistent).toBe(true);
}
