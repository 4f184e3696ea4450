/**
 * A provision outlives a crash: `fleetsim serve` (a real process) asks for an agent of its
 * autoscaled pool, a provisioner takes the request, and the service is killed with SIGKILL before
 * the answer. Restarted on the same data directory, it asks again under a new `provisionId`; the
 * answer to the request from before the crash is refused (410, no agent added), the answer to
 * the new one brings the agent in, once: repeated, it changes nothing, and the job that waited
 * runs on that agent. Killed again, the service recovers the agent from its log: the answer
 * repeated once more (a provisioner retrying across the crash) is confirmed, and nothing is
 * asked again.
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

/** The one request a poll of pool `burst` hands out. */
async function theRequest(served: Served): Promise<{ provisionId: string; delivery: number }> {
  const { status, body } = await post(`${served.url}/v1/pools/burst/poll?wait=10`);
  expect(status).toBe(200);
  expect(body.requests).toHaveLength(1);
  return body.requests[0];
}

describe('fleetsim serve killed with a provision pending', () => {
  it('asks again after the restart, refuses the answer from before it, and adds the agent once', async () => {
    const { scenarioPath, dataDir } = scenarioDir(SCENARIO);
    let served = await serve(scenarioPath, dataDir);
    expect((await post(`${served.url}/v1/tasks`, { id: 'job-1', type: 'job', tokens: 100 })).status).toBe(201);
    const before = await theRequest(served);

    served.child.process.kill('SIGKILL');
    expect(await served.child.exited).toBe('SIGKILL');
    served = await serve(scenarioPath, dataDir, served.port);

    const after = await theRequest(served);
    expect(after.provisionId).not.toBe(before.provisionId);
    expect(after.delivery).toBe(1);
    const stale = await post(`${served.url}/v1/agents`, { id: 'burst-1', tokensPerSecond: 40, provisionId: before.provisionId });
    expect(stale.status).toBe(410);
    const answer = { id: 'burst-2', tokensPerSecond: 40, provisionId: after.provisionId };
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 201, body: { engineId: 'burst-2', joined: true } });
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 200, body: { joined: false } });
    const poll = await post(`${served.url}/v1/agents/burst-2/poll?wait=5`);
    expect(poll.body.commands).toEqual([expect.objectContaining({ kind: 'start', task: expect.objectContaining({ id: 'job-1' }) })]);
    // One agent joined: burst-1 was never added.
    expect((await post(`${served.url}/v1/agents/burst-1/poll?wait=0`)).status).toBe(404);
    expect((await getJson(`${served.url}/v1/metrics`)).metrics.fleet.scaleUps).toBe(1);

    served.child.process.kill('SIGKILL');
    expect(await served.child.exited).toBe('SIGKILL');
    served = await serve(scenarioPath, dataDir, served.port);
    expect(await post(`${served.url}/v1/agents`, answer)).toMatchObject({ status: 200, body: { engineId: 'burst-2', joined: false } });
    expect((await post(`${served.url}/v1/pools/burst/poll?wait=0.5`)).body).toEqual({ requests: [], gone: [] });
  }, 60_000);
});
