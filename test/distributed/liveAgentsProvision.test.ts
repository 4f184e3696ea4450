/**
 * Autoscaling over BullMQ end to end, with real processes and a real redis-server: `fleetsim
 * serve --agents bullmq` for a scenario with an autoscaled pool, one `fleetsim agent-worker
 * --provision` process that runs the pool's first agent and starts the new ones it is asked for,
 * and `fleetsim load` with more work than one agent can take. The pool grows, its new agents
 * (named as the simulator names them) run work, every task completes once, and the write-ahead
 * log's ledger equals the events file.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { serviceEngineOptions } from '../../src/live/service/serviceDriver.js';
import { verifyDataDir } from '../../src/live/verifyDataDir.js';
import { loadScenario } from '../../src/scenario/load.js';
import { eventually, fleetsim, getJson, killAll, tempDir } from '../live/clients/processes.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

const TASKS = 20;

// Tasks of 1 s every 0.25 s on a pool that starts with one agent of one slot: it must grow (a new agent 1 s after it is asked for, up to 3).
const SCENARIO = `
name: bullmq-autoscale
seed: 9
engine:
  autoscale:
    - { pool: burst, min: 1, max: 3, scaleUpUtilization: 0.5, scaleDownUtilization: 0.1, cooldown: 1, interval: 0.5, coldStart: 1 }
  retry: { maxRetries: 3, backoff: { base: 0.1, factor: 1, jitter: 0 } }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
  - { pool: burst, count: 1, capacity: 1, speed: 100, skills: { job: 1 } }
workload:
  jobs: [${Array.from({ length: TASKS }, (_, i) => `{ id: j${i}, at: ${i / 4}, type: job, tokens: 100 }`).join(', ')}]
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

describeWithRedis('autoscaled pools over BullMQ', () => {
  let server: RedisServer | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    await killAll();
    await server?.stop();
    dir?.remove();
  });

  it('a provision reaches the pool\'s provisioner, which starts the new agent; the pool grows and its new agents run work', async () => {
    server = await startRedis();
    dir = tempDir({ 'scenario.yaml': SCENARIO });
    const scenarioPath = join(dir.path, 'scenario.yaml');
    const dataDir = join(dir.path, 'data');
    const served = fleetsim('serve', scenarioPath, '--data', dataDir, '--port', '0', '--agents', 'bullmq', '--queue', server.url);
    let url = '';
    await eventually(() => {
      url = /listening on (http:\/\/\S+)/.exec(served.stdout())?.[1] ?? '';
      if (url === '' && served.process.exitCode !== null) throw new Error(`serve exited: ${served.stderr()}`);
      return url !== '';
    }, 20_000, 'serve listening');
    const agents = fleetsim('agent-worker', '--queue', server.url, '--agent', 'burst-0', '--provision', 'burst', '--emulate', scenarioPath);
    await eventually(() => {
      if (agents.process.exitCode !== null) throw new Error(`agent-worker exited: ${agents.stderr()}`);
      return /taking work from/.test(agents.stdout());
    }, 20_000, 'agent-worker listening');
    const load = fleetsim('load', scenarioPath, '--url', url);
    expect(await load.exited).toBe(0);
    await eventually(async () => ((await getJson(`${url}/v1/metrics`)) as { counts?: { completed: number } } | undefined)?.counts?.completed === TASKS, 60_000, `all ${TASKS} tasks completed`);

    expect(agents.stderr()).toMatch(/provisioned burst-1 for pool burst/);
    const ranOn = new Set<string>();
    for (let i = 0; i < TASKS; i++) ranOn.add(((await getJson(`${url}/v1/tasks/j${i}`)) as { agent: string }).agent);
    expect([...ranOn].filter((agent) => agent !== 'burst-0').length).toBeGreaterThan(0);
    expect([...ranOn].every((agent) => /^burst-[0-2]$/.test(agent))).toBe(true);
    expect(served.stderr()).not.toMatch(/cannot provision|provision for pool burst failed/);

    served.process.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    const report = verifyDataDir(dataDir, (generation) => serviceEngineOptions(loadScenario(scenarioPath), generation));
    expect(report.ledger).toMatchObject({ submitted: TASKS, completed: TASKS, inFlight: 0 });
    expect(report.events.completedTwice).toEqual([]);
    expect(report.consistent).toBe(true);
  }, 120_000);
});
