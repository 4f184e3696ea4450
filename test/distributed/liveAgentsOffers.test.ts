/**
 * Offers over BullMQ end to end, with real processes and a real redis-server: `fleetsim serve
 * --agents bullmq` for a scenario whose delegation is `offer` (then `broadcast`), its agents in
 * one `fleetsim agent-worker` process answering from the simulator's agent model (a third of the
 * offers turned down), and `fleetsim load`. Offers are answered both ways, accepted ones run,
 * every task completes once, and the write-ahead log's ledger equals the events file.
 */
import { expect, it } from 'vitest';
import { eventually, fleetsim, getJson } from '../live/clients/processes.js';
import { completedTasks, expectNothingLostOrTwice, queuedDeployments, serveQueued, startAgentWorker } from '../support/queuedFleet.js';
import { listedJobs } from '../support/liveScenarios.js';
import { describeWithRedis } from '../support/redisServer.js';

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
  jobs: ${listedJobs(TASKS, 2, 100)}
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

interface TaskView {
  readonly state: string;
  readonly history: { readonly kind: string; readonly accepted?: boolean }[];
}

describeWithRedis('offers to agents over BullMQ', () => {
  const deploy = queuedDeployments();

  it.each(['offer', 'broadcast'])('delegation %s: offers are answered by the agents, accepted ones run, every task completes once', async (mode) => {
    const { server, scenarioPath, dataDir } = await deploy(scenario(mode));
    const served = await serveQueued(scenarioPath, dataDir, server.url);
    const { url } = served;
    const agents = await startAgentWorker(scenarioPath, server.url, '--agent', 'o1,o2,o3', '--speedup', String(SPEEDUP));
    const load = fleetsim('load', scenarioPath, '--url', url, '--speedup', String(SPEEDUP));
    expect(await load.exited).toBe(0);
    await eventually(async () => (await completedTasks(url)) === TASKS, 40_000, `all ${TASKS} tasks completed`);

    const answers = { accepted: 0, declined: 0 };
    for (let i = 0; i < TASKS; i++) {
      const view = (await getJson(`${url}/v1/tasks/j${i}`)) as TaskView;
      expect(view.state).toBe('completed');
      for (const event of view.history) if (event.kind === 'offerAnswered') answers[event.accepted === true ? 'accepted' : 'declined']++;
    }
    // Every task ran on an accepted offer; the model turned some down (a third of them on average).
    expect(answers.accepted).toBeGreaterThanOrEqual(TASKS);
    expect(answers.declined).toBeGreaterThan(0);
    expect(served.child.stderr()).not.toMatch(/cannot offer|no offer hook/);
    expect(agents.stderr()).not.toMatch(/no offer hook/);

    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, TASKS);
  }, 90_000);
});
