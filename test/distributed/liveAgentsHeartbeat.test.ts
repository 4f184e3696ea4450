/**
 * The heartbeat of agents over BullMQ with real processes and a real redis-server: `fleetsim
 * serve --agents bullmq` and one `fleetsim agent-worker` process per agent. An agent whose worker
 * is killed (SIGKILL) while idle leaves the fleet within the heartbeat and gets no task after;
 * started again it rejoins (as `<id>#n`, its next incarnation) and takes work. A worker stopped (SIGSTOP) in the middle
 * of a task loses the attempt (heartbeat or lock expiry), the task completes on the other agent,
 * and once continued (SIGCONT) the agent rejoins; nothing is lost or completed twice.
 */
import { expect, it } from 'vitest';
import { eventually, getJson } from '../live/clients/processes.js';
import { expectNothingLostOrTwice, queuedDeployments, serveQueued, startShortLockAgentWorker } from '../support/queuedFleet.js';
import { namedAgentsScenarioText } from '../support/liveScenarios.js';
import { describeWithRedis } from '../support/redisServer.js';

const SPEEDUP = 20;
const HEARTBEAT_SECONDS = 1;

// Two agents of one slot; a task of 100 tokens takes 10 s (0.5 s real), one of 2,000 tokens 200 s (10 s real).
const SCENARIO = namedAgentsScenarioText({
  name: 'bullmq-liveness', seed: 4, agentIds: ['a1', 'a2'], capacity: 1, tokensPerSecond: 10,
  jobs: '[{ id: unused, at: 0, type: job, tokens: 100 }]', maxRetries: 5, heartbeatSeconds: HEARTBEAT_SECONDS,
});

interface TaskView {
  readonly state: string;
  readonly agent?: string;
  readonly history: { readonly kind: string; readonly to?: string; readonly reason?: string; readonly agent?: string }[];
}

/** Agents in the fleet, from the service's Prometheus text. */
async function fleetSize(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    return Number(/^fleetsim_agents (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

async function submit(url: string, id: string, tokens: number): Promise<void> {
  const response = await fetch(`${url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, type: 'job', tokens }) });
  expect(response.status).toBeLessThan(300);
}

async function task(url: string, id: string): Promise<TaskView> {
  return (await getJson(`${url}/v1/tasks/${encodeURIComponent(id)}`)) as TaskView;
}

async function allCompleted(url: string, ids: readonly string[]): Promise<boolean> {
  for (const id of ids) if ((await task(url, id))?.state !== 'completed') return false;
  return true;
}

describeWithRedis('the heartbeat of agents over BullMQ', () => {
  const deploy = queuedDeployments();

  it('an agent worker killed (SIGKILL) while idle leaves within the heartbeat and gets no task; started again, it rejoins and takes work', async () => {
    const { server, scenarioPath, dataDir } = await deploy(SCENARIO);
    const served = await serveQueued(scenarioPath, dataDir, server.url);
    await startShortLockAgentWorker(scenarioPath, server.url, 'a1', SPEEDUP);
    const victim = await startShortLockAgentWorker(scenarioPath, server.url, 'a2', SPEEDUP);
    // Both joined when the service started; one whose worker took longer than a heartbeat to start left and rejoined meanwhile.
    await eventually(async () => (await fleetSize(served.url)) === 2, 10_000, 'both agents in the fleet');

    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const killedAt = performance.now();
    await eventually(async () => (await fleetSize(served.url)) === 1, 10_000, 'a2 left');
    // Its key lives one heartbeat after its last refresh, and the service sweeps four times per heartbeat; the rest is a loaded machine's slack.
    expect(performance.now() - killedAt).toBeLessThan(HEARTBEAT_SECONDS * 1000 + 2000);

    const alone = ['k1', 'k2', 'k3', 'k4'];
    for (const id of alone) await submit(served.url, id, 100);
    await eventually(() => allCompleted(served.url, alone), 20_000, 'the tasks submitted while a2 was gone completed');
    // Only a1 (or a later incarnation of it, when its worker too started after a heartbeat) ran them.
    for (const id of alone) {
      const agents = (await task(served.url, id)).history.flatMap((event) => (event.agent === undefined ? [] : [event.agent]));
      expect(agents.length).toBeGreaterThan(0);
      expect(agents.filter((agent) => !/^a1(#\d+)?$/.test(agent))).toEqual([]);
    }

    await startShortLockAgentWorker(scenarioPath, server.url, 'a2', SPEEDUP);
    await eventually(async () => (await fleetSize(served.url)) === 2, 10_000, 'a2 rejoined');
    const together = ['r1', 'r2', 'r3', 'r4'];
    for (const id of together) await submit(served.url, id, 100);
    await eventually(() => allCompleted(served.url, together), 20_000, 'the tasks submitted after a2 rejoined completed');
    // A new incarnation of a2 (a2#2 or later) ran some of them: every a2 before had left.
    const agents = await Promise.all(together.map(async (id) => (await task(served.url, id)).agent));
    expect(agents.some((agent) => agent?.startsWith('a2#') === true)).toBe(true);

    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, alone.length + together.length);
  }, 90_000);

  it('a worker stopped (SIGSTOP) mid-task loses its attempt, the task completes on the other agent once, and the agent rejoins when continued', async () => {
    const { server, scenarioPath, dataDir } = await deploy(SCENARIO);
    const served = await serveQueued(scenarioPath, dataDir, server.url);
    const workers = new Map([['a1', await startShortLockAgentWorker(scenarioPath, server.url, 'a1', SPEEDUP)], ['a2', await startShortLockAgentWorker(scenarioPath, server.url, 'a2', SPEEDUP)]]);

    await submit(served.url, 'long', 2000);
    let holder = '';
    await eventually(async () => {
      const view = await task(served.url, 'long');
      holder = view?.state === 'running' ? view.agent ?? '' : '';
      return holder !== '';
    }, 10_000, 'the long task running');
    const stopped = workers.get(holder.split('#')[0]!)!;
    stopped.process.kill('SIGSTOP');
    try {
      await eventually(async () => (await task(served.url, 'long'))?.state === 'completed', 30_000, 'the long task completed elsewhere');
    } finally {
      stopped.process.kill('SIGCONT');
    }
    const view = await task(served.url, 'long');
    expect(view.agent).not.toBe(holder);
    expect(view.history.some((event) => event.to === 'failed' && event.agent === holder && (event.reason === 'agent-lost' || event.reason === 'agent-error'))).toBe(true);
    await eventually(async () => (await fleetSize(served.url)) === 2, 10_000, `${holder} rejoined`);
    // Its old attempt's late end, if any, changes nothing.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);
    expectNothingLostOrTwice(scenarioPath, dataDir, 1);
  }, 90_000);
});
