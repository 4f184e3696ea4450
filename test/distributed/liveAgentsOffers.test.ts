/**
 * Offers over BullMQ end to end, with real processes and a real redis-server: `fleetsim serve
 * --agents bullmq` for a scenario whose delegation is `offer` (then `broadcast`), its agents in
 * one `fleetsim agent-worker` process answering from the simulator's agent model (a third of the
 * offers turned down), and `fleetsim load`. Offers are answered both ways, accepted ones run,
 * every task completes once, and the write-ahead log's ledger equals the events file.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { serviceEngineOptions } from '../../src/live/service/serviceDriver.js';
import { verifyDataDir } from '../../src/live/verifyDataDir.js';
import { loadScenario } from '../../src/scenario/load.js';
import { eventually, fleetsim, getJson, killAll, tempDir } from '../live/clients/processes.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

const SPEEDUP = 20;
const TASKS = 16;

// Jobs of 10 s (0.5 s real) every 2 s on three agents of one slot; offers answered after 1 s (0.05 s real), a third of them turned down.
const scenario = (mode: string): string => `
name: bullmq-offers
seed: 8
engine:
  delegation: { mode: ${mode}, offerTimeout: 20 }
  retry: { maxRetries: 3, backoff: { base: 0.1, factor: 1, jitter: 0 } }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0, offerResponseSeconds: 1, rejectBase: 0.33 }
agents:
  - { id: o1, capacity: 1, speed: 10, skills: { job: 1 } }
  - { id: o2, capacity: 1, speed: 10, skills: { job: 1 } }
  - { id: o3, capacity: 1, speed: 10, skills: { job: 1 } }
workload:
  jobs: [${Array.from({ length: TASKS }, (_, i) => `{ id: j${i}, at: ${2 * i}, type: job, tokens: 100 }`).join(', ')}]
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

interface TaskView {
  readonly state: string;
  readonly history: { readonly kind: string; readonly accepted?: boolean }[];
}

describeWithRedis('offers to agents over BullMQ', () => {
  let server: RedisServer | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    await killAll();
    await server?.stop();
    dir?.remove();
  });

  it.each(['offer', 'broadcast'])('delegation %s: offers are answered by the agents, accepted ones run, every task completes once', async (mode) => {
    server = await startRedis();
    dir = tempDir({ 'scenario.yaml': scenario(mode) });
    const scenarioPath = join(dir.path, 'scenario.yaml');
    const dataDir = join(dir.path, 'data');
    const served = fleetsim('serve', scenarioPath, '--data', dataDir, '--port', '0', '--agents', 'bullmq', '--queue', server.url);
    let url = '';
    await eventually(() => {
      url = /listening on (http:\/\/\S+)/.exec(served.stdout())?.[1] ?? '';
      if (url === '' && served.process.exitCode !== null) throw new Error(`serve exited: ${served.stderr()}`);
      return url !== '';
    }, 20_000, 'serve listening');
    const agents = fleetsim('agent-worker', '--queue', server.url, '--agent', 'o1,o2,o3', '--emulate', scenarioPath, '--speedup', String(SPEEDUP));
    await eventually(() => {
      if (agents.process.exitCode !== null) throw new Error(`agent-worker exited: ${agents.stderr()}`);
      return /taking work from/.test(agents.stdout());
    }, 20_000, 'agent-worker listening');
    const load = fleetsim('load', scenarioPath, '--url', url, '--speedup', String(SPEEDUP));
    expect(await load.exited).toBe(0);
    await eventually(async () => ((await getJson(`${url}/v1/metrics`)) as { counts?: { completed: number } } | undefined)?.counts?.completed === TASKS, 40_000, `all ${TASKS} tasks completed`);

    const answers = { accepted: 0, declined: 0 };
    for (let i = 0; i < TASKS; i++) {
      const view = (await getJson(`${url}/v1/tasks/j${i}`)) as TaskView;
      expect(view.state).toBe('completed');
      for (const event of view.history) if (event.kind === 'offerAnswered') answers[event.accepted === true ? 'accepted' : 'declined']++;
    }
    // Every task ran on an accepted offer; the model turned some down (a third of them on average).
    expect(answers.accepted).toBeGreaterThanOrEqual(TASKS);
    expect(answers.declined).toBeGreaterThan(0);
    expect(served.stderr()).not.toMatch(/cannot offer|no offer hook/);
    expect(agents.stderr()).not.toMatch(/no offer hook/);

    served.process.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    const report = verifyDataDir(dataDir, (generation) => serviceEngineOptions(loadScenario(scenarioPath), generation));
    expect(report.ledger).toMatchObject({ submitted: TASKS, completed: TASKS, inFlight: 0 });
    expect(report.events.completedTwice).toEqual([]);
    expect(report.consistent).toBe(true);
  }, 90_000);
});
