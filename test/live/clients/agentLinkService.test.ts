/**
 * AgentLink against a real service (`createService` on 127.0.0.1, real HTTP both ways): under
 * work, the reports a poll answer's starts cause ride on the re-poll that follows it (no report
 * request of their own) and every task completes; an attempt's `started` and `finished` queued
 * together go as one item; with nothing to hand out, a report is flushed on its own after the
 * short hold and answered while both long polls are still open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentLink, CARRYING_POLL_SECONDS, type ReportResult } from '../../../src/live/clients/agentLink.js';
import { ServiceClient } from '../../../src/live/clients/serviceClient.js';
import type { WireCommand } from '../../../src/live/service/remoteAgents.js';
import { eventually, scenarioText, startService, type Running } from '../service/serviceHarness.js';

const AGENTS = ['a1', 'a2', 'r1'];

/** One request the link sent, and whether its answer has come. */
interface Recorded {
  readonly path: string;
  readonly reports: number;
  /** Its reports that carry both of an attempt's. */
  readonly merged: number;
  answered: boolean;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A service with the scenario's agents registered, and a link speaking for them whose requests are recorded. */
async function linkedService(pollSeconds: number, onStart: (link: AgentLink, agent: string, command: Extract<WireCommand, { kind: 'start' }>) => void) {
  const running: Running = await startService(scenarioText('heartbeatSeconds: 30'));
  cleanup.push(() => running.close());
  for (const id of AGENTS) expect((await running.request('POST', '/v1/agents', { id })).status).toBe(201);
  const client = new ServiceClient({ url: running.url });
  const sent: Recorded[] = [];
  const controller = new AbortController();
  const link: AgentLink = new AgentLink({
    client: {
      request: async (method, path, body, timeoutMs, signal) => {
        const reports = (body as { reports?: { started?: unknown; finished?: unknown }[] }).reports ?? [];
        const recorded: Recorded = { path, reports: reports.length, merged: reports.filter((report) => report.started !== undefined && report.finished !== undefined).length, answered: false };
        sent.push(recorded);
        const answer = await client.request(method, path, body, timeoutMs, signal);
        recorded.answered = true;
        return answer;
      },
    },
    agentIds: AGENTS, pollSeconds, backoff: { baseMs: 5, capMs: 20, minMs: 1 }, signal: controller.signal,
    onCommands: (agent, commands) => {
      for (const command of commands) if (command.kind === 'start') onStart(link, agent, command);
    },
    onRefused: (agent, reason) => expect.fail(`${agent} refused: ${reason}`),
    rejoin: () => Promise.resolve(false),
    log: () => undefined,
  });
  const polling = link.run();
  cleanup.push(async () => {
    controller.abort();
    await polling;
  });
  return { running, link, sent };
}

describe('AgentLink against a real service', () => {
  it('sends the reports of a poll answer\'s starts in the re-poll after it: no report request of their own, every task completed', async () => {
    const results: Promise<ReportResult | undefined>[] = [];
    const { running, sent } = await linkedService(10, (link, agent, command) => {
      results.push(link.report({ agent, task: command.task.id, attempt: command.attempt, started: { setupTokens: 0 }, finished: { ok: true, quality: 1 } }));
    });
    for (let i = 0; i < 12; i++) expect((await running.request('POST', '/v1/tasks', { id: `t${i}`, type: 'code' })).status).toBe(201);
    await eventually(async () => (await running.request('GET', '/v1/metrics')).body.counts.completed === 12, 5000, 'twelve tasks completed');
    expect(await Promise.all(results)).toEqual(Array.from({ length: 12 }, () => ({ stale: false })));
    const carrying = sent.filter((request) => request.reports > 0);
    expect(carrying.reduce((sum, request) => sum + request.reports, 0)).toBe(12);
    expect(carrying.every((request) => request.path === `/v1/agents/poll?wait=${CARRYING_POLL_SECONDS}`)).toBe(true);
    expect(sent.filter((request) => request.path.endsWith('wait=0'))).toEqual([]);
  });

  it('sends an attempt\'s finished queued while its started waits in the queue in the same item: one item per task, each report answered', async () => {
    const results: Promise<ReportResult | undefined>[] = [];
    const { running, sent } = await linkedService(10, (link, agent, command) => {
      const attempt = { agent, task: command.task.id, attempt: command.attempt };
      results.push(link.report({ ...attempt, started: { setupTokens: 0 } }), link.report({ ...attempt, finished: { ok: true, quality: 1 } }));
    });
    for (let i = 0; i < 12; i++) expect((await running.request('POST', '/v1/tasks', { id: `t${i}`, type: 'code' })).status).toBe(201);
    await eventually(async () => (await running.request('GET', '/v1/metrics')).body.counts.completed === 12, 5000, 'twelve tasks completed');
    expect(await Promise.all(results)).toEqual(Array.from({ length: 24 }, () => ({ stale: false })));
    const carrying = sent.filter((request) => request.reports > 0);
    expect(carrying.reduce((sum, request) => sum + request.reports, 0)).toBe(12);
    expect(carrying.reduce((sum, request) => sum + request.merged, 0)).toBe(12);
  });

  it('flushes a report on its own when no poll answer comes, and has its answer while both long polls are still open', async () => {
    const { running, link, sent } = await linkedService(10, () => undefined);
    await eventually(() => sent.length === 2, 5000, 'both long polls sent');
    const result = await link.report({ agent: 'a1', task: 'never-submitted', attempt: 1, finished: { ok: true, quality: 1 } });
    // The service's own answer (not undefined, which a link gives a report it never sent): no such attempt, so stale.
    expect(result).toEqual({ stale: true });
    const flushes = sent.filter((request) => request.reports > 0);
    expect(flushes.map((request) => request.path)).toEqual(['/v1/agents/poll?wait=0']);
    expect(sent.filter((request) => request.reports === 0).map((request) => request.answered)).toEqual([false, false]);
    expect((await running.request('GET', '/v1/metrics')).body.counts.completed).toBe(0);
  });
});
