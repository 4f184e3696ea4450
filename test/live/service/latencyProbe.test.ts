/**
 * `fleetsim serve --latency-probe`: the stages a task waits through between its submission and
 * its start reaching an agent, the group commits and the event loop's stalls, over real HTTP
 * and a data directory with fsync on (`GET /v1/latency`, `DELETE /v1/latency`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyProbe } from '../../../src/live/service/latencyProbe.js';
import { eventually, pollsOpened, scenarioText, startService, type Running } from './serviceHarness.js';

let dir: string;
let running: Running;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-probe-'));
  running = await startService(scenarioText('heartbeatSeconds: 5'), { dataDir: join(dir, 'data'), latencyProbe: true });
});
afterAll(async () => {
  await running.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/latency', () => {
  it('times each started task through accept, commit and handout, and the group commits, loop delay and submission work beside them', async () => {
    for (const id of ['a1', 'a2']) expect((await running.request('POST', '/v1/agents', { id })).status).toBe(201);
    expect((await running.request('DELETE', '/v1/latency')).status).toBe(204);
    const opened = pollsOpened(running.service);
    const polls = ['a1', 'a2'].map((id) => running.request('POST', `/v1/agents/${id}/poll?wait=30`));
    // Both polls are open before the submissions: each start is handed out the moment it is durable.
    await eventually(() => opened() === 2, 5000, 'both long-polls open');
    const submitted = await running.request('POST', '/v1/tasks/batch', { tasks: [{ id: 't1', type: 'code' }, { id: 't2', type: 'code' }, { id: 't3', type: 'code' }] });
    expect(submitted.status).toBe(200);
    const starts = (await Promise.all(polls)).flatMap((answer) => answer.body.commands as { kind: string }[]);
    expect(starts.map((command) => command.kind)).toEqual(['start', 'start']);
    const report = (await running.request('GET', '/v1/latency')).body;
    // Two tasks started (a1 and a2 have one slot each); the third waits in the queue, unstaged.
    for (const stage of ['accept', 'commit', 'handout']) expect(report.stages[stage].count).toBe(2);
    expect(report.stages.commit.p50Ms).toBeGreaterThan(0);
    expect(report.stages.commit.maxMs).toBeGreaterThanOrEqual(report.stages.commit.p50Ms);
    expect(report.groupCommit.fsync.count).toBeGreaterThanOrEqual(1);
    expect(report.groupCommit.inputsPerGroup).toBeGreaterThanOrEqual(1);
    // Every group's wait for a free fsync slot is part of its group wait.
    expect(report.groupCommit.slotWait.count).toBe(report.groupCommit.groupWait.count);
    expect(report.groupCommit.slotWait.maxMs).toBeLessThanOrEqual(report.groupCommit.groupWait.maxMs);
    expect(report.loop.delay.count).toBeGreaterThan(0);
    expect(report.loop.utilization).toBeGreaterThan(0);
    expect(report.loop.utilization).toBeLessThanOrEqual(1);
    expect(report.loop.cpuCores).toBeGreaterThan(0);
    expect(report.busyMicrosPerTask.submit).toBeGreaterThan(0);
  });

  it('tells the scavenges apart among the GC pauses, beside the young generation\'s size', async () => {
    expect((await running.request('DELETE', '/v1/latency')).status).toBe(204);
    // Short-lived garbage well beyond any young generation: scavenges, and no old-generation work to speak of.
    const recent: number[][] = [];
    for (let i = 0; i < 2_000_000; i++) {
      recent.push([i]);
      if (recent.length === 1_000) recent.length = 0;
    }
    // GC entries reach observers asynchronously.
    let loop: { scavenge: { count: number }; gc: { count: number }; youngGenerationBytes: number } | undefined;
    await eventually(async () => {
      loop = (await running.request('GET', '/v1/latency')).body.loop;
      return loop!.scavenge.count > 0;
    }, 5000, 'a scavenge observed');
    expect(loop!.scavenge.count).toBeLessThanOrEqual(loop!.gc.count);
    expect(loop!.youngGenerationBytes).toBeGreaterThan(0);
  });

  it('starts afresh after DELETE /v1/latency', async () => {
    expect((await running.request('DELETE', '/v1/latency')).status).toBe(204);
    const report = (await running.request('GET', '/v1/latency')).body;
    for (const stage of ['accept', 'commit', 'handout']) expect(report.stages[stage]).toMatchObject({ count: 0, p99Ms: null });
    expect(report.busyMicrosPerTask.submit).toBeNull();
  });

  it('is a 404 on a service started without the probe', async () => {
    const plain = await startService();
    try {
      const answer = await plain.request('GET', '/v1/latency');
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe('path: the service runs without --latency-probe');
    } finally {
      await plain.close();
    }
  });
});

describe('LatencyProbe', () => {
  it('gives a start queued outside a submission handler no accept stage (it waited for an agent, not for fleetsim)', () => {
    const probe = new LatencyProbe();
    try {
      const queuedAt = probe.startQueued();
      probe.startTaken(probe.startDurable(queuedAt));
      probe.submitting(1, () => probe.startQueued());
      const { stages } = probe.report();
      expect([stages.accept.count, stages.commit.count, stages.handout.count]).toEqual([1, 1, 1]);
    } finally {
      probe.close();
    }
  });
});
