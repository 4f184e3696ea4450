/**
 * A provision outlives a crash, under its id: `fleetsim serve` (a real process) asks for an agent
 * of its autoscaled pool, a provisioner takes the request, and the service is killed with SIGKILL
 * before the answer. Restarted on the same data directory, it asks again under the same
 * `provisionId` (handed out afresh: no lease survives); the answer of the provisioner that took
 * it before the crash brings the agent in, once: repeated, it changes nothing, an answer by
 * another provisioner's agent is refused (410, no agent added), and the job that waited runs on
 * that agent. Killed again, the service recovers the agent from its log: the answer repeated once
 * more (a provisioner retrying across the crash) is confirmed, and nothing is asked again.
 */
import { describe, expect, it } from 'vitest';
import { getJson, scenarioDirs, serve, type Served } from '../clients/processes.js';

/** Pool `burst` autoscaled (min 1), no agent registered: a job waits, and the autoscaler asks for an agent within 0.1 s (then not for a minute). */
const SCENARIO = `
name: provision-kill
seed: 3
agents: [{ pool: burst, count: 1, capacity: 1, speed: 40, skills: { job: 1 } }]
engine:
  autoscale: [{ pool: burst, min: 1, max: 2, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: 60, interval: 0.1, coldStart: 30 }]
workload: { jobs: [{ id: unused, at: 0, type: job, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;

const scenarioDir = scenarioDirs();

async function post(url: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  const response = await fetch(url, {
    method: 'POST', signal: AbortSignal.timeout(15_000),
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** The one request a poll of pool `burst` by `provisioner` hands out. */
async function theRequest(served: Served, provisioner: string): Promise<{ provisionId: string; delivery: number }> {
  const { status, body } = await post(`${served.url}/v1/pools/burst/poll?wait=10`, { provisioner });
  expect(status).toBe(200);
  expect(body.requests).toHaveLength(1);
  return body.requests[0];
}

describe('fleetsim serve killed with a provision pending', () => {
  it('asks again after the restart under the same id, takes the answer from before it, and adds the agent once', async () => {
    const { scenarioPath, dataDir } = scenarioDir(SCENARIO);
    let served = await serve(scenarioPath, dataDir);
    expect((await post(`${served.url}/v1/tasks`, { id: 'job-1', type: 'job', tokens: 100 })).status).toBe(201);
    const before = await theRequest(served, 'host-a');

    served.child.process.kill('SIGKILL');
    expect(await served.child.exited).toBe('SIGKILL');
    served = await serve(scenarioPath, dataDir, served.port);

    const after = await theRequest(served, 'host-b');
    expect(after).toEqual({ ...before, delivery: 1 });
    // host-a's agent, started before the crash, comes first: it is the answer (no second cold start).
    const answer = { id: 'burst-1', tokensPerSecond: 40, provisionId: before.provisionId };
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 201, body: { engineId: 'burst-1', joined: true } });
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 200, body: { joined: false } });
    const late = await post(`${served.url}/v1/agents`, { id: 'burst-2', tokensPerSecond: 40, provisionId: after.provisionId });
    expect(late.status).toBe(410);
    const poll = await post(`${served.url}/v1/agents/burst-1/poll?wait=5`);
    expect(poll.body.commands).toEqual([expect.objectContaining({ kind: 'start', task: expect.objectContaining({ id: 'job-1' }) })]);
    // One agent joined: burst-2 was never added.
    expect((await post(`${served.url}/v1/agents/burst-2/poll?wait=0`)).status).toBe(404);
    expect((await getJson(`${served.url}/v1/metrics`)).metrics.fleet.scaleUps).toBe(1);

    served.child.process.kill('SIGKILL');
    expect(await served.child.exited).toBe('SIGKILL');
    served = await serve(scenarioPath, dataDir, served.port);
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 200, body: { engineId: 'burst-1', joined: false } });
    expect((await post(`${served.url}/v1/pools/burst/poll?wait=0.5`)).body).toEqual({ requests: [], gone: [] });
  }, 60_000);
});
