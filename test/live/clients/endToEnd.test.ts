/**
 * A live deployment end to end, with real processes: `fleetsim serve` on a fresh data directory,
 * `fleetsim agents` (the scenario's four agents, 20 times faster) and `fleetsim load` (its
 * workload, 20 times faster). Every acknowledged task must end in a final state, and the live
 * metrics (`GET /v1/metrics`, real seconds × K) must fall within the simulation's 95% prediction
 * interval for one replication (20 simulated replications).
 *
 * The scenario is an M/M/4 queue at load 0.7 with a mean service of 10 s (0.5 s real): long
 * enough against what fleetsim itself adds per task (a few fsyncs and HTTP round trips, about
 * 15 ms, i.e. 0.3 scenario seconds at K = 20) for the comparison to be meaningful.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunMetrics } from '../../../src/metrics/types.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { mmcScenarioText } from '../../support/liveScenarios.js';
import { TIME_METRICS, expectWithinPredictionInterval, simulatedMetrics } from '../../support/predictionInterval.js';
import { agentsJoined, eventually, fleetsim, getJson, scenarioDirs, serve } from './processes.js';

const SCENARIO = mmcScenarioText({
  name: 'mm4-live', seed: 23, tasks: 160, servers: 4, tokensPerSecond: 10, arrivalsPerSecond: 0.28, meanTokens: 100, heartbeatSeconds: 2,
});
const SPEEDUP = 20;
const REPLICATIONS = 20;
const FINAL = new Set(['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected']);

const scenarioDir = scenarioDirs();

describe('serve + agents + load, real processes', () => {
  it('ends every acknowledged task and agrees with the simulation within its 95% interval', async () => {
    const { path, scenarioPath, dataDir } = scenarioDir(SCENARIO);
    const served = await serve(scenarioPath, dataDir);
    const agents = fleetsim('agents', scenarioPath, '--url', served.url, '--speedup', String(SPEEDUP));
    await agentsJoined(served.url, 4);
    const ackedPath = join(path, 'acked.txt');
    const load = fleetsim('load', scenarioPath, '--url', served.url, '--speedup', String(SPEEDUP), '--acked', ackedPath);
    expect(await load.exited).toBe(0);
    expect(load.stdout()).toMatch(/^fleetsim load: 160 submitted, 160 acknowledged, 0 retried, 0 refused/);
    const acked = readFileSync(ackedPath, 'utf8').trim().split('\n');
    expect(new Set(acked).size).toBe(160);

    await eventually(async () => (await getJson(`${served.url}/v1/metrics`))?.counts.inFlight === 0, 20_000, 'drained');
    for (const id of acked) {
      const task = await getJson(`${served.url}/v1/tasks/${encodeURIComponent(id)}`);
      expect({ id, final: FINAL.has(task.state) }).toEqual({ id, final: true });
    }
    const live = await getJson(`${served.url}/v1/metrics`);
    expect(live.counts).toMatchObject({ submitted: 160, completed: 160, inFlight: 0 });

    agents.process.kill('SIGINT');
    expect(await agents.exited).toBe(0);
    expect(agents.stdout()).toMatch(/fleetsim agents: 4 agents, 160 attempts started, 160 completed, 0 failed/);

    const scenario = loadScenario(scenarioPath);
    const simulated = simulatedMetrics(scenario, REPLICATIONS);
    // Live times are real seconds: × K to compare them with the scenario's.
    expectWithinPredictionInterval(simulated, live.metrics as RunMetrics, TIME_METRICS, SPEEDUP);
  }, 90_000);
});
