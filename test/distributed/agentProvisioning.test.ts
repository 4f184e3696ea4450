/**
 * Provisioning over BullMQ against a real redis-server: the driver's side (`PoolProvisioning`)
 * adds a job under the provision's id, and a provisioner (`runProvisioner`) answers it with the
 * new agent's spec. A provision asked again under the same id (a restarted driver, which gives
 * its pending provisions the ids they had) adds no second job: it waits for the job queued or
 * running, or takes the result of the one that completed, so the provisioner starts one agent;
 * only a failed job is asked again. Provisions without an id get a job each.
 */
import { expect, it } from 'vitest';
import { PoolProvisioning, runProvisioner, type Provisioner } from '../../src/distributed/agentProvisioning.js';
import type { AgentSpec } from '../../src/engine/agent.js';
import { provisionId } from '../../src/live/provisionBook.js';
import { agentQueuesFixture } from '../support/agentQueuesFixture.js';
import { describeWithRedis } from '../support/redisServer.js';

const agent = (id: string): AgentSpec => ({ id, capacity: 1, tokensPerSecond: 100, skills: { job: 1 }, weight: 1, tags: [], pool: 'burst' });

describeWithRedis('provisioning over BullMQ', () => {
  // The suite's server and the closing of what each test makes; no agent queue is used here.
  const { url, connection, closeAfter } = agentQueuesFixture({ stalledCheckSeconds: 1, lockSeconds: 1 });

  /** A driver's side, as a (re)started driver has it: a fresh connection of its own. */
  const driverSide = (): PoolProvisioning => {
    const provisioning = new PoolProvisioning(connection(), (error) => { throw error; });
    closeAfter(provisioning);
    return provisioning;
  };

  /** A provisioner of pool `burst` that names its agents `burst-1`, `burst-2`, … and fails the requests `fail` lists. */
  const provisioner = async (fail: Set<string> = new Set()): Promise<{ provisioner: Provisioner; requests: string[] }> => {
    const requests: string[] = [];
    const running = await runProvisioner(url(), 'burst', async ({ requestId }) => {
      requests.push(requestId);
      if (fail.has(requestId)) {
        fail.delete(requestId);
        throw new Error('no room for another agent');
      }
      return agent(`burst-${requests.length}`);
    });
    closeAfter(running);
    return { provisioner: running, requests };
  };

  it('names the job by the provision id, so a driver asking again after a restart gets the agent of the job that completed, and no second one is started', async () => {
    const { requests } = await provisioner();
    const id = provisionId(Date.UTC(2026, 11, 7), 1);
    expect(await driverSide().provision('burst', Promise.resolve(), undefined, id)).toEqual(agent('burst-1'));
    // The restarted driver: a new connection, the same id.
    expect(await driverSide().provision('burst', Promise.resolve(), undefined, id)).toEqual(agent('burst-1'));
    expect(requests).toEqual([id]);
  });

  it('waits for the job of a provision still running when the restarted driver asks again: one agent for both', async () => {
    let release!: () => void;
    const started = new Promise<void>((resolve) => { release = resolve; });
    const requests: string[] = [];
    closeAfter(await runProvisioner(url(), 'burst', async ({ requestId }) => {
      requests.push(requestId);
      await started;
      return agent('burst-7');
    }));
    const id = provisionId(Date.UTC(2026, 11, 7), 2);
    const before = driverSide().provision('burst', Promise.resolve(), undefined, id);
    await expect.poll(() => requests.length, { timeout: 5000 }).toBe(1);
    const after = driverSide().provision('burst', Promise.resolve(), undefined, id);
    release();
    expect(await before).toEqual(agent('burst-7'));
    expect(await after).toEqual(agent('burst-7'));
    expect(requests).toEqual([id]);
  });

  it('asks again, under the same id, for a provision whose job failed', async () => {
    const id = provisionId(Date.UTC(2026, 11, 7), 3);
    const { requests } = await provisioner(new Set([id]));
    await expect(driverSide().provision('burst', Promise.resolve(), undefined, id)).rejects.toThrow('no room for another agent');
    expect(await driverSide().provision('burst', Promise.resolve(), undefined, id)).toEqual(agent('burst-2'));
    expect(requests).toEqual([id, id]);
  });

  it('gives provisions without an id a job each', async () => {
    const { requests } = await provisioner();
    const provisioning = driverSide();
    expect(await provisioning.provision('burst', Promise.resolve())).toEqual(agent('burst-1'));
    expect(await provisioning.provision('burst', Promise.resolve())).toEqual(agent('burst-2'));
    expect(new Set(requests).size).toBe(2);
  });
});
