/**
 * Live agents over BullMQ with real processes and a real redis-server (append-only file, fsync on
 * every write): `fleetsim serve --agents bullmq`, `fleetsim agent-worker` processes, `fleetsim
 * load`. Faults: an agent worker killed (SIGKILL) mid-task and started again, Redis killed and
 * restarted, the service itself killed while its agents finish their jobs. Each run must lose no
 * task and complete none twice: every submitted task ends completed once (the events file), and
 * the write-ahead log's conservation ledger equals the events file.
 */
import type { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { eventually, fleetsim, getJson, sleep } from '../live/clients/processes.js';
import { agentQueueAt } from '../support/agentQueuesFixture.js';
import { completedTasks as completed, expectNothingLostOrTwice, queuedDeployments, serveQueued, startShortLockAgentWorker } from '../support/queuedFleet.js';
import { listedJobs, namedAgentsScenarioText } from '../support/liveScenarios.js';
import { describeWithRedis } from '../support/redisServer.js';

const SPEEDUP = 20;
const TASKS = 24;

// Jobs of 10 s (0.5 s real) every 2 s (0.1 s real) on two agents of two slots; a stalled job is seen within the 1 s heartbeat.
const SCENARIO = namedAgentsScenarioText({
  name: 'bullmq-faults', seed: 3, agentIds: ['a1', 'a2'], capacity: 2, tokensPerSecond: 10,
  jobs: listedJobs(TASKS, 2, 100), maxRetries: 5, heartbeatSeconds: 1,
});

/** Whether an attempt job on one of `queues` finished at `sinceMs` or later (workers stamp finish times with this machine's clock). */
async function finishedSince(queues: readonly Queue[], sinceMs: number): Promise<boolean> {
  for (const queue of queues) if ((await queue.getCompleted()).some((job) => (job.finishedOn ?? 0) >= sinceMs)) return true;
  return false;
}

describeWithRedis('live agents over BullMQ under faults', () => {
  const deploy = queuedDeployments();

  it('an agent worker killed mid-task (SIGKILL) and a Redis crash (AOF on) lose no task and complete none twice', async () => {
    const { server, scenarioPath, dataDir } = await deploy(SCENARIO, { appendOnly: true });
    const served = await serveQueued(scenarioPath, dataDir, server.url);
    const victim = await startShortLockAgentWorker(scenarioPath, server.url, 'a1', SPEEDUP);
    await startShortLockAgentWorker(scenarioPath, server.url, 'a2', SPEEDUP);
    const load = fleetsim('load', scenarioPath, '--url', served.url, '--speedup', String(SPEEDUP));

    let lostTask = '';
    await eventually(async () => {
      const page = (await getJson(`${served.url}/v1/tasks?state=running`)) as { tasks?: { id: string; agent?: string }[] } | undefined;
      // a1, or its next incarnation when its worker started more than a heartbeat after the service.
      lostTask = page?.tasks?.find((task) => /^a1(#\d+)?$/.test(task.agent ?? ''))?.id ?? '';
      return lostTask !== '';
    }, 10_000, 'a1 running a task');
    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    // Its attempt fails once its lock expires (1 s) and the stalled-job check sees it, or once its liveness key expires (1 s); a1 comes back as a new process.
    await sleep(200);
    await startShortLockAgentWorker(scenarioPath, server.url, 'a1', SPEEDUP);
    expect(await load.exited).toBe(0);
    await server.restart('SIGKILL');

    await eventually(async () => (await completed(served.url)) === TASKS, 40_000, `all ${TASKS} tasks completed`);
    const lost = (await getJson(`${served.url}/v1/tasks/${lostTask}`)) as { state: string; attempts: number; history: { kind: string; to?: string; reason?: string }[] };
    expect(lost.state).toBe('completed');
    expect(lost.attempts).toBeGreaterThanOrEqual(2);
    // Its agent's heartbeat lapses about when its job's lock does: whichever the service sees first fails the attempt.
    expect(lost.history.some((event) => event.to === 'failed' && (event.reason === 'agent-error' || event.reason === 'agent-lost'))).toBe(true);
    expect(served.child.stderr()).toMatch(new RegExp(`${lostTask} attempt 1 stalled on agent a1|agent liveness: a1(#\\d+)? left the fleet \\(its worker's liveness key expired\\)`));

    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, TASKS);
  }, 90_000);

  it('a service killed (SIGKILL) while its agents run applies, after the restart, each job that finished meanwhile once', async () => {
    const { server, scenarioPath, dataDir } = await deploy(SCENARIO, { appendOnly: true });
    const first = await serveQueued(scenarioPath, dataDir, server.url);
    await startShortLockAgentWorker(scenarioPath, server.url, 'a1,a2', SPEEDUP);
    const load = fleetsim('load', scenarioPath, '--url', first.url, '--speedup', String(SPEEDUP));
    expect(await load.exited).toBe(0);
    await eventually(async () => (await completed(first.url)) >= 4, 20_000, 'four tasks completed');
    first.child.process.kill('SIGKILL');
    expect(await first.child.exited).toBe('SIGKILL');
    const killedAtMs = Date.now();
    // The agents finish what they hold while no driver listens.
    const queues = ['a1', 'a2'].map((id) => agentQueueAt(server.url, id));
    try {
      await eventually(() => finishedSince(queues, killedAtMs), 10_000, 'a job finished after the service was killed');
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
    }

    const second = await serveQueued(scenarioPath, dataDir, server.url);
    await eventually(async () => (await completed(second.url)) === TASKS, 40_000, `all ${TASKS} tasks completed after the restart`);
    expect(second.child.stderr()).toMatch(/attempt \d+ was completed on agent a\d before the connector saw it end \(a re-delivery after a restart, or an agent quicker than the event stream\): applied/);
    second.child.process.kill('SIGTERM');
    expect(await second.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, TASKS);
  }, 90_000);
});
