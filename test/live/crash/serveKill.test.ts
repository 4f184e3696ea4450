/**
 * Crash recovery with real processes: `fleetsim serve` under load from `fleetsim load` and
 * `fleetsim agents` (100 times faster), killed with SIGKILL at random moments (22 times, 0.2 to
 * 1.2 s after each start, so kills land mid-request, mid-append and mid-fsync alike) and
 * restarted on the same data directory and port each time. On two cores the process killed is
 * the launcher, whose service process then kills itself, as a supervisor's SIGKILL does. The clients ride through the
 * restarts (connection refused or reset: capped backoff, retries with the same client ids). At
 * the end, drained:
 *
 * - every acknowledged submission exists (it is in events.jsonl, submitted once);
 * - every submitted task ends in exactly one final state, and none completes twice;
 * - the WAL's conservation ledger matches the events file (`verifyDataDir`).
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceEngineOptions } from '../../../src/live/service/serviceDriver.js';
import { verifyDataDir } from '../../../src/live/verifyDataDir.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { stream } from '../../../src/sim/random.js';
import { agentsJoined, eventually, fleetsim, getJson, scenarioDirs, serve, sleep, type Served } from '../clients/processes.js';

// Six agents with two slots each, a mean service of 10 s (0.1 s real), 5% failed attempts
// (retried), 1,200 tasks arriving at 0.4/s (40/s real, about 30 s).
const SCENARIO = `
name: serve-kill
seed: 31
stop: { tasks: 1200, drain: true }
engine: { retry: { maxRetries: 3 } }
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents: [{ pool: worker, count: 6, capacity: 2, speed: 10, failureRate: 0.05, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 0.4 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections]
live: { heartbeatSeconds: 5 }
`;
const SPEEDUP = 100;
const KILLS = 22;
const FINAL = new Set(['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected']);

const scenarioDir = scenarioDirs();

describe('fleetsim serve killed with SIGKILL under load', () => {
  it(`loses no acknowledged task, settles each once, and its ledger matches its events after ${KILLS} kills`, async () => {
    const { path, scenarioPath, dataDir } = scenarioDir(SCENARIO);
    const ackedPath = join(path, 'acked.txt');
    let served: Served = await serve(scenarioPath, dataDir);
    const { port, url } = served;
    // The pid killed is the one a supervisor started: on two cores, the launcher of the service process (src/cli/serveLauncher.ts).
    expect((await getJson(`${url}/v1/metrics`))?.process.launcherPid).toBe(availableParallelism() <= 2 ? served.child.process.pid : null);
    const agents = fleetsim('agents', scenarioPath, '--url', url, '--speedup', String(SPEEDUP));
    await agentsJoined(url, 6);
    const load = fleetsim('load', scenarioPath, '--url', url, '--speedup', String(SPEEDUP), '--acked', ackedPath);

    const random = stream(2026, 0, 'arrivals');
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(200 + 1000 * random());
      served.child.process.kill('SIGKILL');
      expect(await served.child.exited).toBe('SIGKILL');
      served = await serve(scenarioPath, dataDir, port);
    }

    expect(await load.exited).toBe(0);
    expect(load.stdout()).toMatch(/^fleetsim load: 1200 submitted, 1200 acknowledged, \d+ retried, 0 refused/);
    await eventually(async () => (await getJson(`${url}/v1/metrics`))?.counts.inFlight === 0, 30_000, 'drained');
    agents.process.kill('SIGTERM');
    expect(await agents.exited).toBe(0);
    served.child.process.kill('SIGTERM');
    expect(await served.child.exited).toBe(0);

    const acked = readFileSync(ackedPath, 'utf8').trim().split('\n');
    expect(new Set(acked).size).toBe(1200);
    const submitted = new Map<string, number>();
    const finals = new Map<string, string[]>();
    for (const line of readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as { kind: string; task?: string; to?: string };
      if (event.kind === 'submitted') submitted.set(event.task!, (submitted.get(event.task!) ?? 0) + 1);
      if (event.kind === 'transition' && FINAL.has(event.to!)) finals.set(event.task!, [...(finals.get(event.task!) ?? []), event.to!]);
    }
    const lost = acked.filter((id) => submitted.get(id) !== 1);
    const unsettled = [...submitted.keys()].filter((id) => finals.get(id)?.length !== 1);
    expect({ lost, unsettled, submitted: submitted.size }).toEqual({ lost: [], unsettled: [], submitted: 1200 });

    const scenario = loadScenario(scenarioPath);
    const report = verifyDataDir(dataDir, (generation) => serviceEngineOptions(scenario, generation));
    expect(report.events.settledTwice).toEqual([]);
    expect(report.events.completedTwice).toEqual([]);
    expect(report.ledger).toMatchObject({ submitted: 1200, inFlight: 0 });
    expect(report.consistent).toBe(true);
    // The clients did ride through restarts.
    expect(Number(/(\d+) retried/.exec(load.stdout())![1])).toBeGreaterThan(0);
    expect(agents.stdout()).toMatch(/[1-9]\d* retries/);
  }, 120_000);
});
