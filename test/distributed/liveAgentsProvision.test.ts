/**
 * Autoscaling over BullMQ end to end, with real processes and a real redis-server: `fleetsim
 * serve --agents bullmq` for a scenario with an autoscaled pool, one `fleetsim agent-worker
 * --provision` process that runs the pool's first agent and starts the new ones it is asked for,
 * and `fleetsim load` with more work than one agent can take. The pool grows, its new agents
 * (named as the simulator names them) run work, every task completes once, and the write-ahead
 * log's ledger equals the events file.
 */
import { expect, it } from 'vitest';
import { eventually, fleetsim, getJson } from '../live/clients/processes.js';
import { completedTasks, expectNothingLostOrTwice, queuedDeployments, serveQueued, startAgentWorker } from '../support/queuedFleet.js';
import { listedJobs } from '../support/liveScenarios.js';
import { describeWithRedis } from '../support/redisServer.js';

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
  jobs: ${listedJobs(TASKS, 0.25, 100)}
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

describeWithRedis('autoscaled pools over BullMQ', () => {
  const deploy = queuedDeployments();

  it('a provision reaches the pool\'s provisioner, which starts the new agent; the pool grows and its new agents run work', async () => {
    const { server, scenarioPath, dataDir } = await deploy(SCENARIO);
    const served = await serveQueued(scenarioPath, dataDir, server.url);
    const { url } = served;
    const agents = await startAgentWorker(scenarioPath, server.url, '--agent', 'burst-0', '--provision', 'burst');
    const load = fleetsim('load', scenarioPath, '--url', url);
    expect(await load.exited).toBe(0);
    await eventually(async () => (await completedTasks(url)) === TASKS, 60_000, `all ${TASKS} tasks completed`);

    expect(agents.stderr()).toMatch(/provisioned burst-1 for pool burst/);
    const ranOn = new Set<string>();
    for (let i = 0; i < TASKS; i++) ranOn.add(((await getJson(`${url}/v1/tasks/j${i}`)) as { agent: string }).agent);
    expect([...ranOn].filter((agent) => agent !== 'burst-0').length).toBeGreaterThan(0);
    expect([...ranOn].every((agent) => /^burst-[0-2]$/.test(agent))).toBe(true);
    expect(served.child.stderr()).not.toMatch(/cannot provision|provision for pool burst failed/);

    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, TASKS);
  }, 120_000);
});
