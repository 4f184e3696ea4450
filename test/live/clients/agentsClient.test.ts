/**
 * AgentsClient against a scripted stand-in for the service (a plain node:http server): what an
 * emulated agent reports for each command, and how it survives the service's restarts and
 * refusals. Service times: 100 tokens at 10 tokens/s is 10 s, 0.1 s real at K = 100.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentsClient, UnknownAgentError, selectAgents } from '../../../src/live/clients/agentsClient.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { eventually, sleep } from './processes.js';

const scenario = parseScenario(`
name: stand-in
seed: 1
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents: [{ id: a1, capacity: 2, speed: 10, skills: { job: 1 } }, { id: a2, capacity: 1, speed: 10, skills: { job: 1 } }]
workload: { jobs: [{ id: j, at: 0, type: job, tokens: 1 }] }
strategies: [least-connections]
live: { heartbeatSeconds: 0.2 }`, 'stand-in.yaml');

const task = (id: string, tokens = 100): object => ({ id, type: 'job', priority: 2, tokens, contextTokens: 0 });

/** A service stand-in of the multi-agent poll route: queues commands for a1, records every request and report. */
class StandIn {
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  readonly commands: object[] = [];
  /** The answer to a1's next polls: 200 with the queued commands, or this status. */
  pollStatus = 200;
  /** When set, the answer to a1's next poll only. */
  nextPollStatus: number | undefined;
  registrationJoined = true;
  private server: Server | undefined;
  url = '';

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      void this.answer(request).then(([status, body]) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  /** The offer answers the polls carried, as they came. */
  offers(): unknown[] {
    return this.requests.flatMap((r) => (r.body as { offers?: unknown[] } | undefined)?.offers ?? []);
  }

  /** The attempt reports received, as `task/attempt body`, of one kind. */
  reports(kind: 'started' | 'finished'): string[] {
    return this.requests.flatMap((r) => ((r.body as { reports?: Record<string, unknown>[] } | undefined)?.reports ?? [])
      .filter((report) => report[kind] !== undefined)
      .map((report) => `${String(report.task)}/${String(report.attempt)} ${JSON.stringify(report[kind])}`));
  }

  private async answer(request: IncomingMessage): Promise<[number, unknown]> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const path = request.url!;
    this.requests.push({ method: request.method!, path, body: text === '' ? undefined : JSON.parse(text) });
    if (path === '/v1/agents') return [201, { id: 'x', engineId: 'x', joined: this.registrationJoined }];
    if (path.startsWith('/v1/agents/poll')) {
      const body = JSON.parse(text) as { agents: string[]; reports?: unknown[]; offers?: unknown[] };
      expect(body.agents).toEqual(['a1']);
      const status = this.nextPollStatus ?? this.pollStatus;
      this.nextPollStatus = undefined;
      if (status !== 200) return [status, { error: 'body.agents[0]: agent a1 is not in the fleet' }];
      if (this.commands.length === 0 && path.endsWith('wait=0') === false) await sleep(30);
      const commands = this.commands.splice(0);
      return [200, {
        commands: commands.length === 0 ? [] : [{ agent: 'a1', commands }],
        ...(body.reports === undefined ? {} : { results: body.reports.map(() => ({ finished: { stale: false } })) }),
        ...(body.offers === undefined ? {} : { offerResults: body.offers.map(() => ({ stale: false })) }),
      }];
    }
    return [200, { stale: false }];
  }
}

let standIn: StandIn | undefined;
let client: AgentsClient | undefined;
afterEach(async () => {
  client?.stop();
  await standIn?.stop();
});

async function running(): Promise<{ standIn: StandIn; client: AgentsClient; done: Promise<unknown> }> {
  standIn = new StandIn();
  await standIn.start();
  client = new AgentsClient({ scenario, url: standIn.url, speedup: 100, only: ['a1'], backoff: { baseMs: 20, capMs: 100, minMs: 5 } });
  const done = client.run();
  await eventually(() => standIn!.requests.some((r) => r.path.includes('/poll')), 5000, 'first poll');
  return { standIn, client, done };
}

describe('AgentsClient', () => {
  it('registers with its speed multiplied by K, reports started then finished, and ignores a re-delivered start', async () => {
    const { standIn, client } = await running();
    expect(standIn.requests[0]).toEqual({ method: 'POST', path: '/v1/agents', body: { id: 'a1', tokensPerSecond: 1000 } });
    standIn.commands.push({ kind: 'start', task: task('t1'), attempt: 1 }, { kind: 'start', task: task('t1'), attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 'finished');
    expect(standIn.reports('started')).toEqual(['t1/1 {"setupTokens":0}']);
    expect(standIn.reports('finished')).toEqual(['t1/1 {"ok":true,"quality":1}']);
    expect(client.summary).toMatchObject({ started: 1, completed: 1, duplicateStarts: 1 });
    // Once finished, a start handed out again has its result sent again, not run again.
    standIn.commands.push({ kind: 'start', task: task('t1'), attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 2, 5000, 'result re-sent');
    expect(client.summary).toMatchObject({ started: 1, resentResults: 1 });
  });

  it('reports the blocks of a prompt prefix found resident, and fails every attempt of a request its trace recorded as failed', async () => {
    const { standIn, client } = await running();
    const prefixed = (id: string, blocks: number[]): object => ({ ...task(id, 10), contextTokens: blocks.length * 50, contextBlocks: blocks, contextBlockTokens: 50 });
    standIn.commands.push({ kind: 'start', task: prefixed('r0', [0, 1, 2]), attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 'r0 finished');
    // r1 shares r0's first two blocks (then its own): a leading run of two is resident on a1.
    standIn.commands.push({ kind: 'start', task: prefixed('r1', [0, 1, 7]), attempt: 1 }, { kind: 'start', task: { ...prefixed('r2', [9]), traceFailed: true, maxRetries: 0 }, attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 3, 5000, 'r1 and r2 finished');
    expect(standIn.reports('started').map((report) => report.replace(/"setupTokens":[\d.]+,?/, ''))).toEqual(
      ['r0/1 {"contextHit":false,"contextBlocksHit":0}', 'r1/1 {"contextHit":true,"contextBlocksHit":2}', 'r2/1 {"contextHit":false,"contextBlocksHit":0}'],
    );
    expect(standIn.reports('finished').sort()).toEqual(['r0/1 {"ok":true,"quality":1}', 'r1/1 {"ok":true,"quality":1}', 'r2/1 {"ok":false,"reason":"agent-error"}']);
    expect(client.summary).toMatchObject({ started: 3, completed: 2, failed: 1 });
  });

  it('takes the planned time ÷ K, stops an aborted attempt without a report, and holds a paused one', async () => {
    const { standIn, client } = await running();
    const begun = performance.now();
    standIn.commands.push({ kind: 'start', task: task('long', 300), attempt: 1 }, { kind: 'start', task: task('gone', 300), attempt: 1 },
      { kind: 'abort', taskId: 'gone', attempt: 1, reason: 'cancelled' }, { kind: 'pause', taskId: 'long', attempt: 1 });
    // A fixed hold: nothing may finish while paused, and a slower machine only makes that easier.
    await sleep(500);
    expect(standIn.reports('finished')).toEqual([]);
    standIn.commands.push({ kind: 'resume', taskId: 'long', attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 'long finished');
    // 300 tokens at 10 tokens/s is 30 s, 0.3 s real, plus the 0.5 s it was paused.
    expect(performance.now() - begun).toBeGreaterThanOrEqual(780);
    expect(standIn.reports('finished')).toEqual(['long/1 {"ok":true,"quality":1}']);
    expect(client.summary).toMatchObject({ started: 2, completed: 1, aborted: 1 });
  });

  it('cancels a pause against the resume that overtook it (two polls open: answers may be read out of order)', async () => {
    const { standIn, client } = await running();
    const begun = performance.now();
    standIn.commands.push({ kind: 'start', task: task('t1', 300), attempt: 1 }, { kind: 'resume', taskId: 't1', attempt: 1 },
      { kind: 'pause', taskId: 't1', attempt: 1 }, { kind: 'abort', taskId: 't2', attempt: 1, reason: 'cancelled' },
      { kind: 'start', task: task('t2'), attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 't1 finished');
    // 0.3 s real, never paused; t2's start, read after its abort, is not run.
    expect(performance.now() - begun).toBeLessThan(2000);
    expect(standIn.reports('finished')).toEqual(['t1/1 {"ok":true,"quality":1}']);
    expect(client.summary).toMatchObject({ started: 1, duplicateStarts: 1 });
  });

  it('holds an attempt whose pause overtook its start, and runs one whose resume overtook both', async () => {
    const { standIn, client } = await running();
    const begun = performance.now();
    standIn.commands.push({ kind: 'pause', taskId: 'held', attempt: 1 }, { kind: 'start', task: task('held', 300), attempt: 1 },
      { kind: 'resume', taskId: 'free', attempt: 1 }, { kind: 'start', task: task('free', 300), attempt: 1 }, { kind: 'pause', taskId: 'free', attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 'free finished');
    expect(standIn.reports('finished')).toEqual(['free/1 {"ok":true,"quality":1}']);
    expect(standIn.reports('started')).toEqual(['held/1 {"setupTokens":0}', 'free/1 {"setupTokens":0}']);
    // A fixed hold: the paused attempt may not finish, and a slower machine only makes that easier.
    await sleep(500);
    expect(standIn.reports('finished')).toHaveLength(1);
    standIn.commands.push({ kind: 'resume', taskId: 'held', attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 2, 5000, 'held finished');
    // 300 tokens at 10 tokens/s is 0.3 s real, all of it after the resume.
    expect(performance.now() - begun).toBeGreaterThanOrEqual(780);
    expect(client.summary).toMatchObject({ started: 2, completed: 2 });
  });

  it('registers again when a poll says it left the fleet, dropping what its previous membership ran', async () => {
    const { standIn, client } = await running();
    standIn.commands.push({ kind: 'start', task: task('t1', 10_000), attempt: 1 });
    await eventually(() => standIn.reports('started').length === 1, 5000, 'started');
    standIn.nextPollStatus = 404;
    await eventually(() => standIn.requests.filter((r) => r.path === '/v1/agents').length === 2, 5000, 're-registration');
    // The counts follow the service's answer to the registration, which the stand-in saw first.
    await eventually(() => client.summary.reregistrations >= 1 && client.summary.dropped >= 1, 5000, 'reregistration and drop counted');
    expect(client.summary).toMatchObject({ reregistrations: 1, dropped: 1 });
  });

  it('rides through the service going away and coming back on the same port', async () => {
    const { standIn, client } = await running();
    const port = Number(new URL(standIn.url).port);
    await standIn.stop();
    await eventually(() => client.summary.retries > 0, 5000, 'a retry while the service is away');
    await standIn.start(port);
    standIn.commands.push({ kind: 'start', task: task('t2'), attempt: 1 });
    await eventually(() => standIn.reports('finished').length === 1, 5000, 'finished after the restart');
  });

  it('gives up (and says so) on a refusal it cannot act on', async () => {
    const { standIn, client, done } = await running();
    standIn.pollStatus = 403;
    await done;
    expect(client.summary.gaveUp).toBe(1);
  });

  it('answers an offer after offerResponseSeconds ÷ K on the multi-agent poll, and not a withdrawn one', async () => {
    const { standIn, client } = await running();
    standIn.commands.push({ kind: 'offer', offerId: 'o1', task: task('t1') }, { kind: 'offer', offerId: 'o2', task: task('t2') }, { kind: 'withdraw', offerId: 'o2' });
    await eventually(() => standIn.offers().length > 0, 5000, 'answer');
    // A fixed hold: o2 (withdrawn) would have been answered as soon as o1; a slower machine can only hide it, never fail it.
    await sleep(100);
    expect(standIn.offers()).toEqual([{ agent: 'a1', offerId: 'o1', accept: true, setupTokens: 0 }]);
    // Carried by a poll: no request of its own.
    expect(standIn.requests.filter((r) => !r.path.startsWith('/v1/agents/poll') && r.path !== '/v1/agents')).toEqual([]);
    expect(client.summary).toMatchObject({ offersAnswered: 1, offersWithdrawn: 1 });
  });
});

describe('selectAgents', () => {
  it('chooses the agents named, in the order named, and names an unknown one', () => {
    expect(selectAgents(scenario, ['a2', 'a1']).map((config) => config.spec.id)).toEqual(['a2', 'a1']);
    expect(selectAgents(scenario, undefined)).toHaveLength(2);
    expect(() => selectAgents(scenario, ['a3'])).toThrow(UnknownAgentError);
  });
});
