/**
 * The BullMQ connector and the agent worker helper against a real redis-server: a start becomes
 * a job on the agent's queue with the attempt in its id, its result settles the start, a
 * throwing handler is an agent error, abort removes a waiting job and tells the worker of a
 * running one (its handler's signal aborts with the engine's reason, even when the abort overtook
 * the job; a result that still comes is recorded as stale: shown through the live driver too), a job that
 * finished while no driver listened is applied when the start is re-delivered (its start report, sent as
 * progress, read from the job), and
 * reconciliation removes (and logs) the jobs the engine no longer expects.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { Outcome, StartReport } from '../../src/engine/messages.js';
import type { TaskView } from '../../src/engine/task.js';
import { AGENT_CONTROL_PREFIX, controlStreamKey } from '../../src/distributed/agentControl.js';
import { AGENT_QUEUE_PREFIX, agentQueueName, attemptJobId, parseAttemptJobId } from '../../src/distributed/agentQueues.js';
import type { AttemptContext, CommandOf } from '../../src/live/connector.js';
import { createLiveDriver } from '../../src/live/driver.js';
import { RealClock } from '../../src/live/clock.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from '../support/harness.js';
import { agentQueuesFixture } from '../support/agentQueuesFixture.js';
import { describeWithRedis } from '../support/redisServer.js';

function startCommand(taskId: string, attempt: number, agentId: string): CommandOf<'start'> {
  const task = { spec: { id: taskId, type: 'job', priority: 2, tokens: 100, contextTokens: 0 } } as unknown as TaskView;
  return { kind: 'start', task, agent: { spec: { id: agentId } } as unknown as AgentView, attempt };
}

interface Context extends AttemptContext {
  readonly reports: StartReport[];
  readonly controller: AbortController;
}

function attemptContext(): Context {
  const controller = new AbortController();
  const reports: StartReport[] = [];
  return { signal: controller.signal, started: (report) => reports.push(report), reports, controller };
}

describe('attempt job ids', () => {
  it('parse back to the task and attempt, whatever the task id holds', () => {
    for (const taskId of ['t1', 'a:b:c', 'x@y@3', '12', 'é/%']) {
      const id = attemptJobId(taskId, 7);
      expect(id).not.toContain(':');
      expect(parseAttemptJobId(id)).toEqual({ taskId, attempt: 7 });
    }
    expect(parseAttemptJobId('no-attempt')).toBeUndefined();
  });
});

/**
 * Whether the agent's worker has read every entry its control stream holds now: its reading
 * connection (BullMQ names it `<prefix>:<queue name in base64>:qe`) is blocked in a new read.
 * Redis answers a blocked read in the turn of the command that added the entry, so a connection
 * seen blocked after the entry was seen in the stream has taken it and asked for the next.
 */
async function readsControlPastNow(redis: Redis, agentId: string): Promise<boolean> {
  const name = `${AGENT_CONTROL_PREFIX}:${Buffer.from(agentQueueName(agentId)).toString('base64')}:qe`;
  const clients = (await redis.client('LIST')) as string;
  return clients.split('\n').some((line) => line.includes(` name=${name} `) && /\bflags=\w*b/.test(line) && /\bcmd=xread\b/.test(line));
}

describeWithRedis('the BullMQ agent connector', () => {
  const { connection, connector, worker, queue, closeAfter, url } = agentQueuesFixture({ stalledCheckSeconds: 0.2, lockSeconds: 1 });

  it('runs a start as a job on the agent\'s queue and settles it with the worker\'s outcome and start report', async () => {
    const seen: string[] = [];
    await worker('a1', async ({ task, attempt, agentId, started }) => {
      seen.push(`${task.id}/${attempt}/${agentId}`);
      await started({ setupTokens: 12, contextHit: null });
      return { ok: true, quality: 0.75 };
    });
    const context = attemptContext();
    const outcome = await connector().start(startCommand('task:1', 2, 'a1'), context);
    expect(outcome).toEqual({ ok: true, quality: 0.75 });
    expect(seen).toEqual(['task:1/2/a1']);
    expect(context.reports[0]).toEqual({ setupTokens: 12, contextHit: null });
  });

  it('carries a whole start report (block hits, the agent\'s context) and an attempt\'s virtual duration (ranFor) to the driver\'s context', async () => {
    await worker('a10', async ({ started, ranFor }) => {
      await started({ setupTokens: 30, contextHit: true, contextBlocksHit: 2, agent: { contextUtilization: 0.25, residentKeys: new Set(['k1', 'k2']) } });
      ranFor(12.345678901234567);
      return { ok: true, quality: 0.5 };
    });
    const durations: number[] = [];
    const context = { ...attemptContext(), ranFor: (seconds: number) => durations.push(seconds) };
    const outcome = await connector().start(startCommand('t10', 1, 'a10'), context);
    expect(outcome).toEqual({ ok: true, quality: 0.5 });
    expect(durations).toEqual([12.345678901234567]);
    expect(context.reports).toEqual([{ setupTokens: 30, contextHit: true, contextBlocksHit: 2, agent: { contextUtilization: 0.25, residentKeys: new Set(['k1', 'k2']) } }]);
  });

  it('turns a handler that throws into an agent-error outcome, and logs why', async () => {
    await worker('a2', () => Promise.reject(new Error('model crashed')));
    const log: string[] = [];
    const outcome = await connector(log).start(startCommand('t2', 1, 'a2'), attemptContext());
    expect(outcome).toEqual({ ok: false, reason: 'agent-error' });
    expect(log.join('\n')).toMatch(/t2 attempt 1 failed on agent a2: model crashed/);
  });

  it('removes a waiting job when the engine aborts its attempt', async () => {
    const made = connector();
    void made.start(startCommand('t3', 1, 'a3'), attemptContext());
    const jobs = queue('a3');
    await expect.poll(() => jobs.getJob(attemptJobId('t3', 1)).then((job) => job?.id), { timeout: 5000 }).toBe(attemptJobId('t3', 1));
    made.abort({ kind: 'abort', taskId: 't3', agentId: 'a3', attempt: 1, reason: 'timeout' });
    await expect.poll(() => jobs.getJob(attemptJobId('t3', 1)), { timeout: 5000 }).toBeUndefined();
    expect(made.pendingAttempts).toBe(0);
  });

  it('tells the worker of a job already running that its attempt was aborted: the handler\'s signal aborts with the reason, and a result that still comes is fed', async () => {
    let running = false;
    let heard: unknown;
    await worker('a7', async ({ started, signal }) => {
      running = true;
      await started({ setupTokens: 0, contextHit: null });
      // Hears the abort, but finishes its work anyway (as a handler that ignores it would).
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      heard = signal.reason;
      return { ok: true, quality: 1 };
    });
    const made = connector();
    const outcome = made.start(startCommand('t7', 1, 'a7'), attemptContext());
    await expect.poll(() => running, { timeout: 5000 }).toBe(true);
    made.abort({ kind: 'abort', taskId: 't7', agentId: 'a7', attempt: 1, reason: 'timeout' });
    expect(await outcome).toEqual({ ok: true, quality: 1 });
    expect(heard).toBe('timeout');
  });

  it('tells an abort that overtook the job\'s start to the worker that takes the job', async () => {
    const made = connector();
    const outcome = made.start(startCommand('t9', 1, 'a9'), attemptContext());
    const jobs = queue('a9');
    await expect.poll(() => jobs.getJob(attemptJobId('t9', 1)).then((job) => job?.id), { timeout: 5000 }).toBe(attemptJobId('t9', 1));
    // The job is taken by a worker that has not run it yet: the abort's removal fails, so the abort goes to the worker.
    const { Worker } = await import('bullmq');
    const taker = new Worker('a9', undefined, { connection: connection(), prefix: AGENT_QUEUE_PREFIX, autorun: false });
    closeAfter({ close: () => taker.close(true) });
    const job = await taker.getNextJob('taken-elsewhere');
    expect(job?.id).toBe(attemptJobId('t9', 1));
    const reasons: unknown[] = [];
    await worker('a9', ({ signal }) => {
      reasons.push(signal.aborted ? signal.reason : 'not aborted');
      return Promise.resolve({ ok: false, reason: 'agent-error' } satisfies Outcome);
    });
    made.abort({ kind: 'abort', taskId: 't9', agentId: 'a9', attempt: 1, reason: 'agent-lost' });
    const redis = new Redis(url());
    closeAfter({ close: async () => { redis.disconnect(); } });
    await expect.poll(() => redis.xlen(controlStreamKey('a9')), { timeout: 5000 }).toBe(1);
    await expect.poll(() => readsControlPastNow(redis, 'a9'), { timeout: 5000 }).toBe(true);
    // The first taker "dies" and gives the job back: the real worker takes it and hears the abort at once.
    expect(await job!.moveToWait('taken-elsewhere')).toBeGreaterThanOrEqual(0);
    await expect.poll(() => reasons.length, { timeout: 5000 }).toBe(1);
    expect(reasons[0]).toBe('agent-lost');
    expect(await outcome).toEqual({ ok: false, reason: 'agent-error' });
  });

  it('through the live driver: a job still running when the engine times its attempt out comes back as the engine\'s staleResult, and the retry completes', async () => {
    let runs = 0;
    // The first attempt takes 3 s against a 0.2 s timeout (the timeout must fire while it runs, with the start report
    // crossing Redis on a loaded machine); the retry answers at once (the worker has a second slot for it).
    await worker('a8', async ({ started }) => {
      runs++;
      await started({ setupTokens: 0, contextHit: null });
      if (runs === 1) await new Promise((resolve) => setTimeout(resolve, 3000));
      return { ok: true, quality: 1 };
    }, { concurrency: 2 });
    const events: string[] = [];
    const driver = createLiveDriver({
      engine: { config: engineConfig({ retry: { maxRetries: 1, backoff: { baseSeconds: 0, jitter: 0 } } }), strategy: createStrategy('least-connections'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock: new RealClock(),
      connector: connector(),
      onEvent: (event) => events.push(event.kind === 'transition' ? `${event.kind}:${event.to}` : event.kind),
    });
    driver.agentJoined(agentSpec({ id: 'a8' }));
    driver.submit(taskSpec({ id: 't8', timeoutSeconds: 0.2 }));
    // A stopped driver ignores settlements: wait for the late result first.
    await expect.poll(() => events.includes('staleResult'), { timeout: 10_000 }).toBe(true);
    await driver.stop({ drain: true });
    expect(driver.engine.counts()).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
    expect(events.join(' ')).toBe('agentJoined submitted transition:queued transition:assigned transition:running transition:failed transition:retrying '
      + 'transition:queued transition:assigned transition:running transition:completed staleResult');
    expect(runs).toBe(2);
  });

  it('through the live driver: an attempt timed out while its job runs is aborted on the worker at once, its job ends, and the ledger holds', async () => {
    let abortedAfterMs = Number.NaN;
    let startedAt = 0;
    await worker('a11', async ({ started, signal }) => {
      // Taken before the start report is sent: the driver's timeout timer starts when it reads the
      // report, which under load can be before this worker's `await started` resumes.
      startedAt = performance.now();
      await started({ setupTokens: 0, contextHit: null });
      // Runs for a minute unless told to stop.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 60_000);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          abortedAfterMs = performance.now() - startedAt;
          reject(new Error(`aborted: ${String(signal.reason)}`));
        }, { once: true });
      });
      return { ok: true, quality: 1 };
    });
    const events: string[] = [];
    const driver = createLiveDriver({
      engine: { config: engineConfig({ retry: { maxRetries: 0, backoff: { baseSeconds: 0, jitter: 0 } } }), strategy: createStrategy('least-connections'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock: new RealClock(),
      connector: connector(),
      onEvent: (event) => events.push(event.kind === 'transition' ? `${event.kind}:${event.to}` : event.kind),
    });
    driver.agentJoined(agentSpec({ id: 'a11' }));
    driver.submit(taskSpec({ id: 't11', timeoutSeconds: 0.3 }));
    await expect.poll(() => events.includes('staleResult'), { timeout: 10_000 }).toBe(true);
    await driver.stop({ drain: true });
    // The engine's timeout is 0.3 s from the start report; the abort crosses Redis twice (a shared machine: generous bound).
    expect(abortedAfterMs).toBeGreaterThanOrEqual(300);
    expect(abortedAfterMs).toBeLessThan(3000);
    expect(await queue('a11').getJobCounts('active', 'wait')).toEqual({ active: 0, wait: 0 });
    expect(driver.engine.counts()).toMatchObject({ submitted: 1, completed: 0, inFlight: 0 });
    expect(events.filter((kind) => kind === 'transition:failed')).toHaveLength(1);
  });

  it('applies a job that finished while no driver listened when its start is re-delivered, once', async () => {
    const first = connector();
    void first.start(startCommand('t4', 1, 'a4'), attemptContext());
    const jobs = queue('a4');
    await expect.poll(() => jobs.getJob(attemptJobId('t4', 1)).then((job) => job?.id), { timeout: 5000 }).toBe(attemptJobId('t4', 1));
    await first.close();
    let runs = 0;
    await worker('a4', async ({ started, ranFor }) => {
      runs++;
      await started({ setupTokens: 7, contextHit: false });
      ranFor(3.5);
      return { ok: false, reason: 'quality' } satisfies Outcome;
    });
    await expect.poll(async () => (await jobs.getJob(attemptJobId('t4', 1)))?.finishedOn, { timeout: 5000 }).toBeGreaterThan(0);
    const order: string[] = [];
    const context = { ...attemptContext(), ranFor: (seconds: number) => order.push(`ranFor ${seconds}`) };
    const started = context.started;
    const outcome = await connector().start(startCommand('t4', 1, 'a4'), { ...context, started: (report) => { order.push('started'); started(report); } });
    expect(outcome).toEqual({ ok: false, reason: 'quality' });
    expect(runs).toBe(1);
    // The start report travelled as progress, which no event stream delivered: it is read from the job, before the result.
    expect(context.reports).toEqual([{ setupTokens: 7, contextHit: false }]);
    expect(order).toEqual(['started', 'ranFor 3.5']);
  });

  it('fails a job whose worker stopped renewing its lock (stalled) as an agent error', async () => {
    // A worker that never renews its lock: to the stalled-job check it is a dead agent.
    const { Worker } = await import('bullmq');
    const silent = new Worker('a5', () => new Promise(() => undefined), {
      connection: connection(), prefix: AGENT_QUEUE_PREFIX, lockDuration: 300, skipLockRenewal: true, skipStalledCheck: true,
    });
    closeAfter({ close: () => silent.close(true) });
    const log: string[] = [];
    const outcome = await connector(log).start(startCommand('t5', 1, 'a5'), attemptContext());
    expect(outcome).toEqual({ ok: false, reason: 'agent-error' });
    expect(log.join('\n')).toMatch(/t5 attempt 1 stalled on agent a5 \(its worker's lock expired\)/);
  });

  it('reconciles: jobs of attempts the engine no longer expects are removed and logged, expected ones kept', async () => {
    const jobs = queue('a6');
    await jobs.add('attempt', {}, { jobId: attemptJobId('gone', 1) });
    const log: string[] = [];
    const made = connector(log);
    void made.start(startCommand('kept', 1, 'a6'), attemptContext());
    await expect.poll(() => jobs.getJob(attemptJobId('kept', 1)).then((job) => job?.id), { timeout: 5000 }).toBe(attemptJobId('kept', 1));
    expect(await made.reconcile(['a6'])).toBe(1);
    expect(await jobs.getJob(attemptJobId('gone', 1))).toBeUndefined();
    expect(await jobs.getJob(attemptJobId('kept', 1))).toBeDefined();
    expect(log).toEqual(['bullmq connector: ignored gone attempt 1 on agent a6\'s queue (waiting): the engine no longer expects it']);
  });
});
