/**
 * `GET /v1/metrics` (the simulator's metrics document over the live run so far), `GET /metrics`
 * (Prometheus text) and `GET /healthz`, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../../src/sim/simulation.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { scenarioText, startService, type Running } from './serviceHarness.js';

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
