/**
 * `GET /v1/metrics` (the simulator's metrics document over the live run so far, beside the tasks
 * in flight by state and the process's uptime), `GET /metrics` (Prometheus text) and `GET
 * /healthz`, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/sim/simulation.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { quantile } from 'simple-statistics';
import { expectQuantile } from '../../support/sketchAccuracy.js';
import { TRANSITIONS } from '../../../src/engine/lifecycle.js';
import { TASK_STATES } from '../../../src/live/service/bodies.js';
import { IN_FLIGHT_STATES } from '../../../src/live/service/metricsRoutes.js';
import { scenarioText, sleep, startService, type Running } from './serviceHarness.js';

let running: Running;
beforeAll(async () => {
  // The scenario's warm-up (a simulation setting) would exclude every task here: the service ignores it.
  running = await startService(`${scenarioText('heartbeatSeconds: 5')}warmup: { time: 600, tasks: 100 }\n`);
  await running.request('POST', '/v1/agents', { id: 'a1' });
  for (const id of ['m1', 'm2', 'm3']) await running.request('POST', '/v1/tasks', { id, type: 'code' });
  await running.request('DELETE', '/v1/tasks/m3');
  for (const id of ['m1', 'm2']) {
    await running.request('POST', '/v1/agents/a1/poll');
    await running.request('POST', `/v1/agents/a1/attempts/${id}/1/started`, {});
    await running.request('POST', `/v1/agents/a1/attempts/${id}/1/finished`, { ok: true, quality: 0.8 });
  }
});
afterAll(async () => {
  await running.close();
});

describe('GET /v1/metrics', () => {
  it('is the metrics document of a simulated run, over the run so far, every task counted from the first', async () => {
    const answer = await running.request('GET', '/v1/metrics');
    expect(answer.status).toBe(200);
    const simulated = runSimulation({ scenario: parseScenario(scenarioText(), 's.yaml'), strategy: { name: 'least-connections', label: 'least-connections', params: {} }, replication: 0 });
    expect(Object.keys(answer.body.metrics).sort()).toEqual(Object.keys(simulated.metrics).sort());
    expect(answer.body.counts).toMatchObject({ submitted: 3, completed: 2, cancelled: 1, inFlight: 0 });
    expect(answer.body.metrics.tasks).toMatchObject({ submitted: 3, completed: 2, cancelled: 1 });
    expect(answer.body.metrics.quality.mean).toBeCloseTo(0.8, 10);
    expect(answer.body.metrics.latency.mean).toBeGreaterThan(0);
  });
});

describe('GET /v1/metrics beside the metrics', () => {
  it('counts the tasks in flight now by state, every state a task in flight can be in, and gives the process its uptime', async () => {
    const service = await startService();
    try {
      await service.request('POST', '/v1/agents', { id: 'a1', capacity: 1 });
      for (const id of ['f1', 'f2', 'f3']) await service.request('POST', '/v1/tasks', { id, type: 'code' });
      const { commands } = (await service.request('POST', '/v1/agents/a1/poll?wait=1')).body;
      await service.request('POST', `/v1/agents/a1/attempts/${commands[0].task.id}/1/started`, {});
      const before = process.uptime();
      const { body } = await service.request('GET', '/v1/metrics');
      const after = process.uptime();
      expect(Object.keys(body.inFlight)).toEqual([...IN_FLIGHT_STATES]);
      expect(body.inFlight).toEqual({ created: 0, blocked: 0, queued: 2, offered: 0, assigned: 0, running: 1, paused: 0, failed: 0, retrying: 0 });
      expect(Object.values(body.inFlight as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(body.counts.inFlight);
      // The service runs in this test's process: its uptime is this process's.
      expect(body.process.uptimeSeconds).toBeGreaterThanOrEqual(before);
      expect(body.process.uptimeSeconds).toBeLessThanOrEqual(after);
      const windowed = (await service.request('GET', '/v1/metrics?window=60')).body;
      expect(windowed.inFlight).toEqual(body.inFlight);
    } finally {
      await service.close();
    }
  });

  it('names as in flight exactly the states that are not final', () => {
    const final = ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'];
    expect([...IN_FLIGHT_STATES, ...final].sort()).toEqual([...TASK_STATES].sort());
    expect(IN_FLIGHT_STATES.filter((state) => TRANSITIONS[state].length === 0)).toEqual([]);
    expect(final.filter((state) => TRANSITIONS[state as keyof typeof TRANSITIONS].length > 0)).toEqual([]);
  });
});

describe('GET /v1/metrics of workflows', () => {
  it('keeps workflows.* over the tasks submitted with a workflowId, as a simulated run folds them', async () => {
    const service = await startService();
    try {
      await service.request('POST', '/v1/agents', { id: 'a1' });
      // w1 completes by its deadline; then w2 fails: its root is cancelled and its child follows by its edge's policy.
      await service.request('POST', '/v1/tasks/batch', {
        tasks: [
          { id: 'w1/p', type: 'code', deadline: 600, workflowId: 'w1' },
          { id: 'w1/c', type: 'code', deadline: 600, dependsOn: ['w1/p'], dependencyPolicy: { 'w1/p': 'cascade-fail' }, parentId: 'w1/p', workflowId: 'w1' },
        ],
      });
      for (const id of ['w1/p', 'w1/c']) {
        await service.request('POST', '/v1/agents/a1/poll');
        await service.request('POST', `/v1/agents/a1/attempts/${encodeURIComponent(id)}/1/started`, {});
        await service.request('POST', `/v1/agents/a1/attempts/${encodeURIComponent(id)}/1/finished`, { ok: true });
      }
      await service.request('POST', '/v1/tasks/batch', {
        tasks: [
          { id: 'w2/p', type: 'code', deadline: 600, workflowId: 'w2' },
          { id: 'w2/c', type: 'code', deadline: 600, dependsOn: ['w2/p'], dependencyPolicy: { 'w2/p': 'cascade-fail' }, parentId: 'w2/p', workflowId: 'w2' },
          { id: 'alone', type: 'code' },
        ],
      });
      await service.request('DELETE', `/v1/tasks/${encodeURIComponent('w2/p')}`);
      const { counts, metrics } = (await service.request('GET', '/v1/metrics')).body;
      expect(counts).toMatchObject({ completed: 2, cancelled: 1, deadLettered: 1, inFlight: 1 });
      expect(metrics.workflows).toMatchObject({ completed: 1, failed: 1, deadlineSuccess: 0.5 });
      expect(metrics.workflows.latency.mean).toBeGreaterThan(0);
    } finally {
      await service.close();
    }
  });
});

describe('GET /v1/metrics?window=W', () => {
  /** Runs task `id` on agent a1 from submission to completion. */
  async function complete(service: Running, id: string, tenant?: string): Promise<void> {
    expect((await service.request('POST', '/v1/tasks', { id, type: 'code', ...(tenant === undefined ? {} : { tenant }) })).status).toBe(201);
    expect((await service.request('POST', '/v1/agents/a1/poll')).body.commands).toMatchObject([{ kind: 'start', task: { id } }]);
    await service.request('POST', `/v1/agents/a1/attempts/${id}/1/started`, {});
    expect((await service.request('POST', `/v1/agents/a1/attempts/${id}/1/finished`, { ok: true })).status).toBe(200);
  }

  /** Submission and completion times of a task, from its history. */
  async function timesOf(service: Running, id: string): Promise<{ submittedAt: number; completedAt: number }> {
    const task = (await service.request('GET', `/v1/tasks/${id}`)).body as { submittedAt: number; history: { time: number; to?: string }[] };
    return { submittedAt: task.submittedAt, completedAt: task.history.find((event) => event.to === 'completed')!.time };
  }

  it('counts the tasks completed in the window, and no earlier one, with latency quantiles within the sketch accuracy', async () => {
    const service = await startService(scenarioText('heartbeatSeconds: 5, metricsIntervalSeconds: 0.1, metricsWindowSeconds: 60'));
    try {
      await service.request('POST', '/v1/agents', { id: 'a1' });
      const old = ['old-1', 'old-2', 'old-3'];
      for (const id of old) await complete(service, id);
      // Well past the window asked for below (1 s, at most 1.1 s once rounded to intervals).
      await sleep(2500);
      const recent = ['new-1', 'new-2', 'new-3', 'new-4'];
      for (const id of recent) await complete(service, id, id === 'new-4' ? 'acme' : undefined);
      await service.request('POST', '/v1/tasks', { id: 'waiting', type: 'code' });

      const answer = await service.request('GET', '/v1/metrics?window=1');

      expect(answer.status).toBe(200);
      expect(Object.keys(answer.body)).toEqual(['timeSeconds', 'window', 'counts', 'inFlight', 'metrics', 'process']);
      const { window, metrics } = answer.body;
      expect(window).toMatchObject({ requestedSeconds: 1, intervalSeconds: 0.1, endSeconds: answer.body.timeSeconds, wholeHistory: false });
      expect(window.startSeconds).toBeLessThanOrEqual(window.endSeconds - 1);
      expect(window.startSeconds).toBeGreaterThan(window.endSeconds - 1.1);
      const times = new Map(await Promise.all([...old, ...recent].map(async (id) => [id, await timesOf(service, id)] as const)));
      const inWindow = [...times.values()].filter(({ completedAt }) => completedAt >= window.startSeconds && completedAt <= window.endSeconds);
      expect(metrics.tasks.completed).toBe(inWindow.length);
      // The old tasks completed before the window, the new ones in it.
      expect(old.every((id) => times.get(id)!.completedAt < window.startSeconds)).toBe(true);
      expect(inWindow.length).toBe(recent.length);
      expect(metrics.tasks).toMatchObject({ submitted: recent.length + 1, completed: recent.length, cancelled: 0, inFlight: 1 });
      const latencies = inWindow.map(({ submittedAt, completedAt }) => completedAt - submittedAt);
      expect(metrics.latency.mean).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 9);
      for (const [key, q] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) expectQuantile(metrics.latency[key], quantile(latencies, q));
      expect(metrics.throughput).toBeCloseTo(recent.length / (window.endSeconds - window.startSeconds), 9);
      expect(metrics.perAgent).toMatchObject([{ id: 'a1', completed: recent.length }]);
      // The class tables over the window: the one type with the window's tasks, and the two
      // tenants of the window's tasks (the old tasks' tenant too, since the waiting task is its).
      expect(Object.keys(metrics.byType)).toEqual(['code']);
      expect(metrics.byType.code.tasks).toEqual(metrics.tasks);
      expect(metrics.byType.code.latency).toEqual(metrics.latency);
      expect(Object.keys(metrics.byTenant)).toEqual(['acme', 'default']);
      expect(metrics.byTenant.acme.tasks).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
      expect(metrics.byTenant.default.tasks).toMatchObject({ submitted: recent.length, completed: recent.length - 1, inFlight: 1 });
      const acmeLatency = times.get('new-4')!.completedAt - times.get('new-4')!.submittedAt;
      expect(metrics.byTenant.acme.latency.mean).toBeCloseTo(acmeLatency, 9);
      expect(metrics.tenantFairness.worstSlowdown).toBeGreaterThanOrEqual(1);
      // The whole history, without the parameter: every task.
      expect((await service.request('GET', '/v1/metrics')).body.metrics.tasks.completed).toBe(old.length + recent.length);
    } finally {
      await service.close();
    }
  });

  it('a window longer than the history covers it from the first task and says so', async () => {
    const service = await startService(scenarioText('heartbeatSeconds: 5, metricsIntervalSeconds: 0.1, metricsWindowSeconds: 3600'));
    try {
      await service.request('POST', '/v1/agents', { id: 'a1' });
      for (const id of ['h1', 'h2']) await complete(service, id);
      const { body } = await service.request('GET', '/v1/metrics?window=3600');
      expect(body.window).toMatchObject({ requestedSeconds: 3600, startSeconds: (await timesOf(service, 'h1')).submittedAt, endSeconds: body.timeSeconds, wholeHistory: true });
      const whole = service.service.context.collector.finish(body.timeSeconds);
      expect(body.metrics.tasks).toEqual(whole.tasks);
      expect(body.metrics.latency.p95).toBe(whole.latency.p95);
      expect(body.metrics.throughput).toBeCloseTo(whole.throughput!, 12);
    } finally {
      await service.close();
    }
  });

  it('without the parameter answers the whole-history document as before, whether windows are kept or not', async () => {
    for (const live of ['heartbeatSeconds: 5', 'heartbeatSeconds: 5, metricsWindowSeconds: 0']) {
      const service = await startService(scenarioText(live));
      try {
        await service.request('POST', '/v1/agents', { id: 'a1' });
        await complete(service, 'w1');
        // The service's clock held still, so that the document can be made again at the same time.
        const { context } = service.service;
        const heldAt = context.now();
        (context as { now: () => number }).now = () => heldAt;
        const answer = await service.request('GET', '/v1/metrics');
        expect(Object.keys(answer.body), live).toEqual(['timeSeconds', 'counts', 'inFlight', 'metrics', 'process']);
        // The collector's whole-history document, byte for byte.
        expect(answer.text, live).toContain(`"metrics":${JSON.stringify(context.collector.finish(heldAt))},"process"`);
        expect(answer.body.metrics.tasks.completed, live).toBe(1);
        expect(service.service.context.recent === undefined, live).toBe(live.includes('metricsWindowSeconds: 0'));
      } finally {
        await service.close();
      }
    }
  });

  it('refuses a window that is not a positive number within live.metricsWindowSeconds, and any other parameter', async () => {
    const service = await startService(scenarioText('heartbeatSeconds: 5, metricsWindowSeconds: 30'));
    const off = await startService(scenarioText('heartbeatSeconds: 5, metricsWindowSeconds: 0'));
    try {
      for (const query of ['window=0', 'window=-1', 'window=abc', 'window=', 'window=31', 'window=Infinity', 'window=1&window=2']) {
        const answer = await service.request('GET', `/v1/metrics?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error, query).toMatch(/^query\.window: expected /);
        expect(answer.body.error, query).not.toContain('\n');
      }
      expect((await service.request('GET', '/v1/metrics?window=31')).body.error).toBe('query.window: expected a number <= 30, got "31"');
      expect((await service.request('GET', '/v1/metrics?window=30')).status).toBe(200);
      expect((await service.request('GET', '/v1/metrics?wait=5')).body.error).toMatch(/^query\.wait: /);
      expect((await service.request('GET', '/v1/metrics?window=5&wait=5')).status).toBe(400);
      expect(await off.request('GET', '/v1/metrics?window=5')).toMatchObject({ status: 400, body: { error: 'query.window: the service keeps no windows (live.metricsWindowSeconds is 0)' } });
      expect((await off.request('GET', '/v1/metrics?wait=5')).body.error).toMatch(/^query\.wait: /);
    } finally {
      await service.close();
      await off.close();
    }
  });
});

describe('GET /metrics', () => {
  it('shows queue depth, tasks by state, final states, the latency histogram and decisions in Prometheus text', async () => {
    // a1 has one slot: the first task takes it, the second waits.
    await running.request('POST', '/v1/tasks', { id: 'q1', type: 'code' });
    await running.request('POST', '/v1/tasks', { id: 'q2', type: 'code' });
    const answer = await running.request('GET', '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = prometheusSamples(answer.text);
    expect(samples.get('fleetsim_queue_depth')).toBe(1);
    expect(samples.get('fleetsim_tasks_in_flight{state="queued"}')).toBe(1);
    expect(samples.get('fleetsim_tasks_in_flight{state="assigned"}')).toBe(1);
    expect(samples.get('fleetsim_tasks_submitted_total')).toBe(5);
    expect(samples.get('fleetsim_tasks_final_total{state="completed"}')).toBe(2);
    expect(samples.get('fleetsim_tasks_final_total{state="cancelled"}')).toBe(1);
    expect(samples.get('fleetsim_task_latency_seconds_count')).toBe(2);
    expect(samples.get('fleetsim_task_latency_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(samples.get('fleetsim_decisions_total')).toBe(3);
    expect(samples.get('fleetsim_agents')).toBe(1);
    // Every state with a task in flight, sorted, and none without: the lines a count per state gave before it was kept by code.
    expect(answer.text).toContain([
      '# HELP fleetsim_tasks_in_flight Tasks submitted and not final, by state.', '# TYPE fleetsim_tasks_in_flight gauge',
      'fleetsim_tasks_in_flight{state="assigned"} 1', 'fleetsim_tasks_in_flight{state="queued"} 1', '# HELP fleetsim_tasks_submitted_total',
    ].join('\n'));
    // Buckets are cumulative.
    const buckets = [...samples].filter(([name]) => name.startsWith('fleetsim_task_latency_seconds_bucket')).map(([, value]) => value);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });
});

describe('GET /metrics: reports answered stale', () => {
  it('counts, by kind, the reports the service answers stale without feeding them to the engine, and not the refused ones', async () => {
    const service = await startService();
    try {
      const stale = async (): Promise<Map<string, number>> => {
        const samples = prometheusSamples((await service.request('GET', '/metrics')).text);
        return new Map([...samples].filter(([name]) => name.startsWith('fleetsim_stale_')));
      };
      expect(await stale()).toEqual(new Map([
        ['fleetsim_stale_results_total', 0],
        ['fleetsim_stale_reports_total{report="started"}', 0],
        ['fleetsim_stale_reports_total{report="finished"}', 0],
        ['fleetsim_stale_reports_total{report="offer-answer"}', 0],
      ]));
      await service.request('POST', '/v1/agents', { id: 'a1' });
      await service.request('POST', '/v1/agents', { id: 'a2' });
      await service.request('POST', '/v1/tasks', { id: 's1', type: 'code', assignee: 'a1' });
      expect((await service.request('POST', '/v1/agents/a1/poll')).body.commands).toMatchObject([{ kind: 'start', task: { id: 's1' }, attempt: 1 }]);
      expect((await service.request('POST', '/v1/agents/a1/attempts/s1/1/started', {})).body).toEqual({ stale: false });
      // A duplicate start, here and in a batch; another agent's report is refused, not stale.
      expect((await service.request('POST', '/v1/agents/a1/attempts/s1/1/started', {})).body).toEqual({ stale: true });
      expect((await service.request('POST', '/v1/agents/a1/reports', { reports: [{ task: 's1', attempt: 1, started: {} }] })).body)
        .toEqual({ results: [{ started: { stale: true } }] });
      expect((await service.request('POST', '/v1/agents/a2/attempts/s1/1/finished', { ok: true })).status).toBe(403);
      // Cancelled while it runs: the engine gives up on the attempt, so its result is stale at the service.
      expect((await service.request('DELETE', '/v1/tasks/s1')).status).toBe(200);
      expect((await service.request('POST', '/v1/agents/a1/attempts/s1/1/finished', { ok: true })).body).toEqual({ stale: true });
      expect((await service.request('POST', '/v1/agents/a1/attempts/s1/9/finished', { ok: false, reason: 'agent-error' })).body).toEqual({ stale: true });
      expect((await service.request('POST', '/v1/agents/a1/offers/o999', { accept: true })).body).toEqual({ stale: true });
      expect(await stale()).toEqual(new Map([
        ['fleetsim_stale_results_total', 0],
        ['fleetsim_stale_reports_total{report="started"}', 2],
        ['fleetsim_stale_reports_total{report="finished"}', 2],
        ['fleetsim_stale_reports_total{report="offer-answer"}', 1],
      ]));
      // None of them reached the engine: the task's history ends with its cancellation.
      const { history } = (await service.request('GET', '/v1/tasks/s1')).body as { history: { kind: string; to?: string }[] };
      expect(history.at(-1)).toMatchObject({ kind: 'transition', to: 'cancelled' });
      expect(history.some((event) => event.kind === 'staleResult')).toBe(false);
    } finally {
      await service.close();
    }
  });
});

describe('GET /healthz', () => {
  it('is 200 while the journal is durable and the driver runs', async () => {
    const answer = await running.request('GET', '/healthz');
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok', driver: 'running', journal: 'durable' } });
  });
});

/** The samples of a Prometheus text exposition, by name with labels. */
function prometheusSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [name, value] = line.split(' ');
    samples.set(name!, Number(value));
  }
  return samples;
}
