/**
 * `fleetsim agents` as the provisioner of an autoscaled pool (AgentsClient in this process, its
 * PoolProvisioner long-polling a real service). The pool's listed agent is not run, so the pool
 * is below its minimum and the autoscaler asks for an agent once the service has an input. The agent started for the
 * request is the one the simulator provisions (`burst-1`, the pool's first agent's spec, speed ×
 * K), joins the pool's cold start ÷ K after the request was handed out, and runs a job; a name
 * in use makes it take the pool's next; a request handed out again while its first agent starts
 * brings a second agent that is refused (410) and stopped, so the pool gets one agent; a restart
 * of the service while the agent starts changes nothing (the request keeps its id, the polls keep
 * its lease under the provisioner's name: one cold start, one agent); two autoscaled pools are
 * provisioned at once, each pool's polls renewing its own requests only. Its default name is
 * `<host>-<pid>`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentsClient } from '../../../src/live/clients/agentsClient.js';
import { defaultProvisionerName } from '../../../src/live/clients/poolProvisioner.js';
import { createService, type Service } from '../../../src/live/service/app.js';
import type { Role } from '../../../src/live/service/auth.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { eventually, sleep, startService, type Running } from '../service/serviceHarness.js';

/** Pool `burst` (min 1, one request a minute at most), cold start 30 s: 0.3 s real at K = 100. */
const SCENARIO = `
name: provisioner-test
seed: 3
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
  - { pool: burst, count: 1, capacity: 2, speed: 40, skills: { job: 1 }, contextWindow: 8000 }
engine:
  autoscale: [{ pool: burst, min: 1, max: 3, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: 60, interval: 0.1, coldStart: 30 }]
workload: { jobs: [{ id: unused, at: 0, type: job, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;
const SPEEDUP = 100;

let running: Running | undefined;
let client: AgentsClient | undefined;
afterEach(async () => {
  client?.stop();
  client = undefined;
  await running?.close();
  running = undefined;
});

/** What a test started: the service, `fleetsim agents` running none of the listed agents, its run, and when the service handed out its first request and took its first answer. */
interface Started {
  readonly service: Running;
  readonly agents: AgentsClient;
  readonly done: Promise<unknown>;
  readonly times: { handedOutMs?: number; answeredMs?: number };
}

/** Starts the service (checking `tokens`, when given), runs `before` on it, then the agents (with `token`). */
async function start(leaseSeconds?: number, before?: (service: Running) => Promise<void>, tokens?: { readonly file: Record<string, Role>; readonly token: string }): Promise<Started> {
  running = await startService(SCENARIO, {
    ...(leaseSeconds === undefined ? {} : { provisionLeaseSeconds: leaseSeconds }),
    ...(tokens === undefined ? {} : { tokens: tokens.file }),
  });
  const times: Started['times'] = {};
  const { agents } = running.service.context;
  const { provisions } = agents;
  const poll = provisions.poll.bind(provisions);
  provisions.poll = async (...args) => {
    const answer = await poll(...args);
    if (answer.requests.length > 0) times.handedOutMs ??= performance.now();
    return answer;
  };
  const answer = agents.answerProvision.bind(agents);
  agents.answerProvision = (...args) => {
    times.answeredMs ??= performance.now();
    answer(...args);
  };
  await before?.(running);
  client = new AgentsClient({
    scenario: running.service.context.scenario, url: running.url, speedup: SPEEDUP, only: [], pollSeconds: 1,
    ...(tokens === undefined ? {} : { token: tokens.token }),
  });
  return { service: running, agents: client, done: client.run(), times };
}

/** Submits a job (the service's first input: the autoscaler looks at the pool from then on). */
async function submitJob(service: Running, id: string): Promise<void> {
  expect((await service.request('POST', '/v1/tasks', { id, type: 'job', tokens: 100 })).status).toBe(201);
}

async function jobCompleted(service: Running, id: string): Promise<void> {
  await eventually(async () => (await service.request('GET', `/v1/tasks/${id}`)).body.state === 'completed', 10_000, `${id} completed`);
}

/** The engine's agents of pool `burst`. */
function burstAgents(service: Running): { id: string; tokensPerSecond: number; capacity: number; contextWindowTokens?: number }[] {
  return service.service.context.driver.engine.agents.filter((agent) => agent.spec.pool === 'burst').map((agent) => ({ ...agent.spec }));
}

describe('fleetsim agents provisioning an autoscaled pool', () => {
  it('starts the agent the simulator provisions, after the cold start ÷ K, and it runs a job', async () => {
    const { service, agents, done, times } = await start();
    await submitJob(service, 'job-1');
    await eventually(() => burstAgents(service).length === 1, 5000, 'a burst agent');
    expect(burstAgents(service)).toEqual([expect.objectContaining({ id: 'burst-1', tokensPerSecond: 40 * SPEEDUP, capacity: 2, contextWindowTokens: 8000 })]);
    // The cold start, 30 s ÷ 100, lies between the request handed out and its answer.
    expect(times.answeredMs! - times.handedOutMs!).toBeGreaterThanOrEqual(300);
    await jobCompleted(service, 'job-1');
    expect((await service.request('GET', '/v1/tasks/job-1')).body.agent).toBe('burst-1');
    expect(agents.summary).toMatchObject({ agents: 1, provisioned: 1, provisionsRefused: 0, completed: 1, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('needs only a provisioner:<pool> token: the agent it provisions polls and reports with it', async () => {
    const token = 'provisioner-burst-0123456789';
    const { service, agents, done } = await start(undefined, undefined, { file: { [token]: 'provisioner:burst', 'submitter-token-0123456789': 'submitter' }, token });
    expect((await service.request('POST', '/v1/tasks', { id: 'job-1', type: 'job', tokens: 100 }, 'submitter-token-0123456789')).status).toBe(201);
    await eventually(async () => (await service.request('GET', '/v1/tasks/job-1', undefined, 'submitter-token-0123456789')).body.state === 'completed', 10_000, 'job-1 completed');
    expect(agents.summary).toMatchObject({ provisioned: 1, completed: 1, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('takes the pool\'s next name when the first is in the fleet already (409)', async () => {
    // Not of the pool, but named as its first provisioned agent would be.
    const { service, agents, done } = await start(undefined, async (service) => {
      expect((await service.request('POST', '/v1/agents', { id: 'burst-1', tokensPerSecond: 10, skills: { job: 1 } })).status).toBe(201);
    });
    await eventually(() => burstAgents(service).length === 1, 5000, 'a burst agent');
    expect(burstAgents(service).map((agent) => agent.id)).toEqual(['burst-2']);
    // The client counts the agent once it read the service's answer.
    await eventually(() => agents.summary.provisioned === 1, 5000, 'the agent counted');
    expect(agents.summary).toMatchObject({ provisioned: 1, provisionsRefused: 0, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('keeps the lease of a request while its agent starts, however short the lease: no second agent is started', async () => {
    // A lease of 0.1 s, shorter than the 0.3 s cold start: the polls listing the request hold it.
    const { service, agents, done } = await start(0.1);
    await submitJob(service, 'job-1');
    await jobCompleted(service, 'job-1');
    expect(service.service.context.agents.provisions.stats()).toMatchObject({ pending: 0, redelivered: 0, refusedAnswers: 0 });
    expect(agents.summary).toMatchObject({ provisioned: 1, provisionsRefused: 0, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('stops the agent it starts for a request handed out again once another provisioner answered it: the pool gets one', async () => {
    // Another provisioner takes the request and goes silent; after its lease (0.2 s) the request comes to fleetsim agents.
    let provisionId = '';
    const { service, agents, done } = await start(0.2, async (service) => {
      await submitJob(service, 'job-1');
      provisionId = (await service.request('POST', '/v1/pools/burst/poll?wait=5')).body.requests[0].provisionId;
    });
    await eventually(() => service.service.context.agents.provisions.stats().redelivered === 1, 5000, 'the request handed out again');
    // The other provisioner answers first (fleetsim agents' agent is still in its 0.3 s cold start).
    expect((await service.request('POST', '/v1/agents', { id: 'burst-9', tokensPerSecond: 4000, provisionId })).status).toBe(201);
    await eventually(() => agents.summary.provisionsRefused === 1, 5000, 'its agent stopped');
    expect(burstAgents(service).map((agent) => agent.id)).toEqual(['burst-9']);
    expect(agents.summary).toMatchObject({ provisioned: 0, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('keeps starting its agent across a restart of the service: the request keeps its id and its lease, one cold start, one agent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-provisioner-'));
    const scenario = parseScenario(SCENARIO, 'provisioner-test.yaml');
    // K = 10: a cold start of 3 s real, long enough to restart the service in.
    const listen = async (port: number): Promise<{ service: Service; port: number }> => {
      const service = await createService({ scenario, dataDir });
      const address = await service.app.listen({ host: '127.0.0.1', port });
      return { service, port: Number(new URL(address).port) };
    };
    let served = await listen(0);
    const url = `http://127.0.0.1:${served.port}`;
    const agents = new AgentsClient({ scenario, url, speedup: 10, only: [], pollSeconds: 1, provisionerName: 'host-a' });
    client = agents;
    const done = agents.run();
    await fetch(`${url}/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'job-1', type: 'job', tokens: 100 }) });
    await eventually(() => served.service.context.agents.provisions.stats().pending === 1, 5000, 'a request');
    // Handed out to the agents' first poll, then a second of its 3 s cold start passes.
    await sleep(1000);
    await served.service.close();
    served = await listen(served.port);
    try {
      expect(served.service.recovery?.redelivered).toMatchObject({ provisions: 1 });
      await eventually(() => served.service.context.driver.engine.agents.some((agent) => agent.spec.pool === 'burst'), 10_000, 'a burst agent');
      expect(served.service.context.driver.engine.agents.map((agent) => agent.spec.id)).toEqual(['burst-1']);
      await eventually(async () => ((await (await fetch(`${url}/v1/tasks/job-1`)).json()) as { state: string }).state === 'completed', 10_000, 'job-1 completed');
      expect(served.service.context.agents.provisions.stats()).toEqual({ pending: 0, redelivered: 0, refusedAnswers: 0 });
      expect(agents.summary).toMatchObject({ provisioned: 1, provisionsRefused: 0, gaveUp: 0 });
      agents.stop();
      await done;
    } finally {
      await served.service.close();
    }
  }, 30_000);

  it('provisions two autoscaled pools at once, each pool\'s polls renewing only its own requests', async () => {
    // Two pools below their minimum: both ask at the first input; each agent starts for 0.3 s while both pools' polls go on.
    running = await startService(SCENARIO.replace(
      'agents:\n',
      'agents:\n  - { pool: gpu, count: 1, capacity: 1, speed: 40, skills: { job: 1 } }\n',
    ).replace(
      'autoscale: [{ pool: burst,',
      'autoscale: [{ pool: gpu, min: 1, max: 1, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: 60, interval: 0.1, coldStart: 30 }, { pool: burst,',
    ));
    const agents = new AgentsClient({ scenario: running.service.context.scenario, url: running.url, speedup: SPEEDUP, only: [], pollSeconds: 1 });
    client = agents;
    const done = agents.run();
    await submitJob(running, 'job-1');
    const service = running;
    await eventually(() => agents.summary.provisioned === 2, 5000, 'an agent of each pool');
    expect(service.service.context.driver.engine.agents.map((agent) => agent.spec.pool).sort()).toEqual(['burst', 'gpu']);
    expect(agents.summary).toMatchObject({ provisionsRefused: 0, gaveUp: 0 });
    agents.stop();
    await done;
  });

  it('names itself <host>-<pid> by default, in visible ASCII, at most 128 characters', () => {
    expect(defaultProvisionerName('node-7', 4242)).toBe('node-7-4242');
    expect(defaultProvisionerName('hôte 1', 12)).toBe('h_te_1-12');
    expect(defaultProvisionerName('h'.repeat(200), 99)).toBe(`${'h'.repeat(125)}-99`);
  });
});
