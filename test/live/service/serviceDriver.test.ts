/**
 * The service on a data directory: acknowledged submissions are durable, and a restart on the
 * same directory recovers tasks, the fleet and the pending attempt (re-delivered to its agent),
 * which then completes exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceEngineOptions } from '../../../src/live/service/serviceDriver.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { scenarioText, startService, type Running } from './serviceHarness.js';

let dataDir: string;
let running: Running | undefined;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-service-'));
});
afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a service on a data directory', () => {
  it('answers a submission only once its input is durable', async () => {
    running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir });
    const { journal } = running.service.context;
    const before = journal.appendedSeq;
    const answer = await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    expect(answer.status).toBe(201);
    expect(journal.appendedSeq).toBeGreaterThan(before);
    expect(journal.durableSeq).toBeGreaterThanOrEqual(before + 1);
  });

  it('recovers tasks and fleet after a restart, re-delivers the pending attempt, and completes it once', async () => {
    running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir });
    await running.request('POST', '/v1/agents', { id: 'a1' });
    await running.request('POST', '/v1/tasks', { id: 't1', type: 'code' });
    await running.request('POST', '/v1/tasks', { id: 't2', type: 'review' });
    expect((await running.request('POST', '/v1/agents/a1/poll')).body.commands).toMatchObject([{ kind: 'start', task: { id: 't1' }, attempt: 1 }]);
    await running.request('POST', '/v1/agents/a1/attempts/t1/1/started', {});
    await running.close();

    running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir });
    expect(running.service.recovery?.inputsReplayed).toBeGreaterThan(0);
    expect(running.service.recovery?.redelivered.attempts).toBe(1);
    expect((await running.request('GET', '/v1/tasks/t1')).body).toMatchObject({ state: 'running', agent: 'a1', attempts: 1 });
    expect((await running.request('GET', '/v1/tasks/t2')).body.state).toBe('queued');
    // The same agent registers again after the restart: it is already in the fleet.
    expect((await running.request('POST', '/v1/agents', { id: 'a1' })).status).toBe(200);
    expect((await running.request('POST', '/v1/agents/a1/poll')).body.commands).toMatchObject([{ kind: 'start', task: { id: 't1' }, attempt: 1 }]);
    expect((await running.request('POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true })).body).toEqual({ stale: false });
    expect((await running.request('POST', '/v1/agents/a1/attempts/t1/1/finished', { ok: true })).body).toEqual({ stale: true });
    // Resubmitting an acknowledged task after the restart is idempotent.
    expect((await running.request('POST', '/v1/tasks', { id: 't2', type: 'review' })).status).toBe(200);
    const counts = running.service.context.driver.counts();
    expect(counts).toMatchObject({ submitted: 2, completed: 1, inFlight: 1 });
    const metrics = await running.request('GET', '/v1/metrics');
    expect(metrics.body.counts).toMatchObject({ submitted: 2, completed: 1 });
  });

  it('restarts again and again at once without its clock going back behind the log', async () => {
    for (let i = 0; i < 6; i++) {
      running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir, fsync: false });
      expect((await running.request('POST', '/v1/tasks', { id: `t${i}`, type: 'code' })).status).toBe(201);
      await running.close();
      running = undefined;
    }
    running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir, fsync: false });
    expect(running.service.context.driver.counts().submitted).toBe(6);
  });

  it('builds the engine of the scenario\'s live.strategy with streams seeded by generation', () => {
    const scenario = parseScenario(scenarioText('strategy: random').replace('strategies: [least-connections]', 'strategies: [least-connections, random]'), 's.yaml');
    const options = serviceEngineOptions(scenario, 0);
    expect(options.strategy.name).toBe('random');
    const again = serviceEngineOptions(scenario, 0);
    const next = serviceEngineOptions(scenario, 1);
    const first = options.strategyRandom();
    expect(again.strategyRandom()).toBe(first);
    expect(next.strategyRandom()).not.toBe(first);
  });
});
