/**
 * An autoscaled pool live, with real processes: `fleetsim serve`, `fleetsim agents` (which also
 * provisions the pool's agents at the service's request) and `fleetsim load`, 10 times faster.
 * The workload (an M/M/c queue's, at four times what one agent takes) needs more than the
 * pool's one agent, so the autoscaler grows the pool: `fleetsim agents` starts the agents it
 * asks for, named as the simulator names them (`server-1`, `server-2`, …), and they take work. Every acknowledged task ends final, and
 * once the load is over the pool shrinks back to its minimum, each agent drained being retired
 * in its process.
 *
 * The scenario's autoscaler acts in the service's seconds (real ones): it looks every 0.5 s and
 * acts at most once a second; a provisioned agent joins its cold start ÷ K (1 s) after the request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mmcScenarioText } from '../../support/liveScenarios.js';
import { eventually, fleetsim, getJson, scenarioDirs, serve, agentsJoined } from './processes.js';

/** Pool `server`: one agent, autoscaled up to five; 80 tasks of 10 s (1 s real) at 0.4/s. */
const SCENARIO = mmcScenarioText({
  name: 'autoscaled-live', seed: 5, tasks: 80, servers: 1, tokensPerSecond: 10, arrivalsPerSecond: 0.4, meanTokens: 100, heartbeatSeconds: 2,
  engine: 'autoscale: [{ pool: server, min: 1, max: 5, scaleUpUtilization: 0.8, scaleDownUtilization: 0.3, cooldown: 1, interval: 0.5, coldStart: 10 }]',
});
const SPEEDUP = 10;
const FINAL = new Set(['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected']);

const scenarioDir = scenarioDirs();

/** The agents in the fleet, from the service's Prometheus text. */
async function fleetSize(url: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const match = /^fleetsim_agents (\d+)/m.exec(text);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

describe('serve + agents + load of an autoscaled pool, real processes', () => {
  it('grows the pool with provisioned agents that take work, ends every acknowledged task, and shrinks it again', async () => {
    const { path, scenarioPath, dataDir } = scenarioDir(SCENARIO);
    const served = await serve(scenarioPath, dataDir);
    const agents = fleetsim('agents', scenarioPath, '--url', served.url, '--speedup', String(SPEEDUP));
    await agentsJoined(served.url, 1);
    expect(agents.stdout()).toMatch(/^fleetsim agents: 1 agents polling \S+ \(speedup 10\), provisioning pool server$/m);
    const ackedPath = join(path, 'acked.txt');
    const load = fleetsim('load', scenarioPath, '--url', served.url, '--speedup', String(SPEEDUP), '--acked', ackedPath);
    let largest = 0;
    while (load.process.exitCode === null) {
      largest = Math.max(largest, (await fleetSize(served.url)) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await load.exited).toBe(0);
    expect(load.stdout()).toMatch(/^fleetsim load: 80 submitted, 80 acknowledged, 0 retried, 0 refused/);
    // The pool grew past its one agent.
    expect(largest).toBeGreaterThanOrEqual(3);

    await eventually(async () => (await getJson(`${served.url}/v1/metrics`))?.counts.inFlight === 0, 20_000, 'drained');
    for (const id of readFileSync(ackedPath, 'utf8').trim().split('\n')) {
      const task = await getJson(`${served.url}/v1/tasks/${encodeURIComponent(id)}`);
      expect({ id, final: FINAL.has(task.state) }).toEqual({ id, final: true });
    }
    const live = await getJson(`${served.url}/v1/metrics`);
    expect(live.counts).toMatchObject({ submitted: 80, completed: 80, inFlight: 0 });
    expect(live.metrics.fleet.scaleUps).toBeGreaterThanOrEqual(2);
    // Idle, the pool is drained back to its minimum.
    await eventually(async () => (await fleetSize(served.url)) === 1, 20_000, 'the pool back at one agent');

    agents.process.kill('SIGINT');
    expect(await agents.exited).toBe(0);
    const summary = /fleetsim agents: (\d+) agents, (\d+) attempts started, (\d+) completed, .* (\d+) retired, 0 gave up, (\d+) provisioned \(0 refused\)$/m.exec(agents.stdout());
    expect(summary, agents.stdout()).not.toBeNull();
    const [, agentCount, , completed, retired, provisioned] = summary!.map(Number);
    expect(provisioned).toBe(live.metrics.fleet.scaleUps);
    expect(agentCount).toBe(1 + provisioned!);
    expect(completed).toBe(80);
    // Every agent drained was retired in its process: all but the one left in the fleet.
    expect(retired).toBe(provisioned);

    // Provisioned agents (server-1, server-2, …: the simulator's names) took work.
    const assigned = new Map<string, number>();
    for (const line of readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as { kind: string; to?: string; agent?: string };
      if (event.kind === 'transition' && event.to === 'assigned') assigned.set(event.agent!, (assigned.get(event.agent!) ?? 0) + 1);
    }
    const provisionedIds = [...assigned.keys()].filter((id) => /^server-[1-9]\d*$/.test(id));
    expect(provisionedIds.length).toBeGreaterThanOrEqual(2);
    expect([...assigned.keys()].every((id) => /^server-\d+$/.test(id))).toBe(true);
  }, 90_000);
});
