/**
 * The engine's commands other than `start` over a real redis-server, between the BullMQ
 * connector and agent workers running the simulator's agent model (`emulatedAgentHandlers`):
 * an operator's pause holds a running attempt (its job stays active, its time stops) and its
 * resume lets it finish with the time it had left, and its freed slot takes another attempt; a
 * prewarm loads the context into the agent's model; an offer is answered through the streams and
 * a withdrawn one is not; a start waits for the control entries sent before it (a prewarm is
 * applied before the attempt runs), at most a lock's time; a retire reaches the hook and ends the heartbeat; a command the
 * worker's handler has no hook for is logged once per kind.
 */
import type { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { TaskView } from '../../src/engine/task.js';
import type { StartReport } from '../../src/engine/messages.js';
import { CONTROL_EVENT, controlStreamKey, livenessKey, type ControlMessage } from '../../src/distributed/agentControl.js';
import { ATTEMPT_JOB_NAME, attemptJobId, type AttemptJobData } from '../../src/distributed/agentQueues.js';
import { emulatedAgentHandlers } from '../../src/distributed/agentWorker.js';
import type { CommandOf } from '../../src/live/connector.js';
import { RealClock } from '../../src/live/clock.js';
import { createLiveDriver } from '../../src/live/driver.js';
import { parseScenario } from '../../src/scenario/load.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from '../support/harness.js';
import { agentQueuesFixture } from '../support/agentQueuesFixture.js';
import { describeWithRedis } from '../support/redisServer.js';

// One agent of 100 tokens per second with no noise: a task of 100 tokens takes exactly 1 s.
const SCENARIO = parseScenario(`
name: control
seed: 5
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents:
  - { id: e1, capacity: 1, speed: 100, skills: { job: 1 } }
workload:
  jobs: [{ id: j0, at: 0, type: job, tokens: 100 }]
strategies: [least-connections]
`, 'control.yaml');

function startCommand(spec: { readonly id: string; readonly contextKey?: string; readonly contextTokens?: number }, agentId: string): CommandOf<'start'> {
  const task = { spec: { type: 'job', priority: 2, tokens: 100, contextTokens: 0, ...spec } } as unknown as TaskView;
  return { kind: 'start', task, agent: { spec: { id: agentId } } as unknown as AgentView, attempt: 1 };
}

/** The paused attempt's run (tokens at the agent's 100 tokens per second), the part of it before the pause, and the pause's hold. */
const RUN_MS = 5000;
const BEFORE_PAUSE_MS = 2000;
const PAUSE_HOLD_MS = 4000;

describeWithRedis('engine commands over the control stream', () => {
  const { connector, worker, queue } = agentQueuesFixture({ stalledCheckSeconds: 0.5, lockSeconds: 2 });

  it('through the live driver: an operator pause holds a running attempt on its worker, and the resume finishes it with the time it had left', async () => {
    await worker('e1', emulatedAgentHandlers(SCENARIO.agents[0]!, { seed: SCENARIO.seed, speedup: 1 }));
    const events: { readonly kind: string; readonly atMs: number }[] = [];
    const driver = createLiveDriver({
      engine: { config: engineConfig(), strategy: createStrategy('least-connections'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock: new RealClock(),
      connector: connector(),
      onEvent: (event) => events.push({ kind: event.kind === 'transition' ? `${event.kind}:${event.to}` : event.kind, atMs: performance.now() }),
      onError: (error) => { throw error; },
    });
    driver.agentJoined(agentSpec({ id: 'e1' }));
    driver.submit(taskSpec({ id: 'p1', type: 'job', tokens: RUN_MS / 10 }));
    await expect.poll(() => events.some((event) => event.kind === 'transition:running'), { timeout: 5000 }).toBe(true);
    // Part of the run before the pause, which leaves the pause RUN_MS - BEFORE_PAUSE_MS to reach the worker on a loaded machine.
    await new Promise((resolve) => setTimeout(resolve, BEFORE_PAUSE_MS));
    driver.admin({ op: 'pause', taskId: 'p1' });
    // Held for longer than the attempt has left: without the pause on the worker it would finish meanwhile (a fixed
    // hold, as nothing may happen in it; a slower machine only makes that easier).
    await new Promise((resolve) => setTimeout(resolve, PAUSE_HOLD_MS));
    expect(events.map((event) => event.kind)).not.toContain('transition:completed');
    expect(await queue('e1').getJobState(attemptJobId('p1', 1))).toBe('active');
    driver.admin({ op: 'resume', taskId: 'p1' });
    await expect.poll(() => events.some((event) => event.kind === 'transition:completed'), { timeout: 5000 }).toBe(true);
    await driver.stop({ drain: true });
    const [running, resumed] = events.filter((event) => event.kind === 'transition:running').map((event) => event.atMs);
    const completed = events.find((event) => event.kind === 'transition:completed')!.atMs;
    expect(events.map((event) => event.kind)).toContain('transition:paused');
    // Timers never fire early: the whole run took the attempt's run plus the hold (less the time the pause took to reach
    // the worker beyond the resume's: up to a second on a loaded machine).
    expect(completed - running!).toBeGreaterThan(RUN_MS + PAUSE_HOLD_MS - 1000);
    // After the resume it ran what it had left (at most RUN_MS - BEFORE_PAUSE_MS), not the whole run again, which timers
    // that never fire early make last at least RUN_MS (the bound leaves BEFORE_PAUSE_MS for Redis on a loaded machine).
    expect(completed - resumed!).toBeLessThan(RUN_MS);
    expect(driver.engine.counts()).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
  });

  it('lets a worker whose attempt is paused take another (the engine freed the slot), and takes no extra one after the resume', async () => {
    const ran: string[] = [];
    let releaseFirst: () => void = () => undefined;
    await worker('e4', {
      run: async ({ task }) => {
        ran.push(task.id);
        if (task.id === 'first') await new Promise<void>((resolve) => { releaseFirst = resolve; });
        return { ok: true, quality: 1 };
      },
      pause: () => undefined,
      resume: () => undefined,
    });
    const made = connector();
    const context = { signal: new AbortController().signal, started: () => undefined };
    const first = made.start(startCommand({ id: 'first' }, 'e4'), context);
    await expect.poll(() => ran, { timeout: 5000 }).toEqual(['first']);
    const agent = { spec: { id: 'e4' } } as unknown as AgentView;
    const pausedTask = { spec: { id: 'first' } } as unknown as TaskView;
    made.pause({ kind: 'pause', task: pausedTask, agent, attempt: 1 });
    // One slot, held by the paused attempt: only the pause lets the worker take this one.
    expect(await made.start(startCommand({ id: 'second' }, 'e4'), context)).toEqual({ ok: true, quality: 1 });
    // The connections named for the queue's workers, the paused attempt's extra slot among them.
    const withExtraSlot = await queue('e4').getWorkersCount();
    made.resume({ kind: 'resume', task: pausedTask, agent, attempt: 1 });
    // The resume is carried out when the extra slot, closing, lets its blocking connection go; that
    // has no deadline on a loaded machine (a fixed wait could end first and the extra slot take the third).
    await expect.poll(async () => (await queue('e4').getWorkersCount()) < withExtraSlot, { timeout: 10_000 }).toBe(true);
    // Back to one slot: a third attempt waits for the first to end.
    const third = made.start(startCommand({ id: 'third' }, 'e4'), context);
    // A fixed hold: the third must not run in it, and a slower machine only makes that easier.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ran).toEqual(['first', 'second']);
    releaseFirst();
    expect(await first).toEqual({ ok: true, quality: 1 });
    expect(await third).toEqual({ ok: true, quality: 1 });
    expect(ran).toEqual(['first', 'second', 'third']);
  });

  it('carries a prewarm to the agent\'s model: the next task of that context finds it resident', async () => {
    await worker('e2', emulatedAgentHandlers({ ...SCENARIO.agents[0]!, spec: { ...SCENARIO.agents[0]!.spec, id: 'e2' } }, { seed: SCENARIO.seed, speedup: 100 }));
    const made = connector();
    const reports: StartReport[] = [];
    const context = { signal: new AbortController().signal, started: (report: StartReport) => reports.push(report) };
    // Not prewarmed: its context is loaded at its start.
    await made.start(startCommand({ id: 'cold', contextKey: 'k-cold', contextTokens: 500 }, 'e2'), context);
    made.prewarm({ kind: 'prewarm', agent: { spec: { id: 'e2' } } as unknown as AgentView, contextKey: 'k-warm', contextTokens: 500 });
    await made.start(startCommand({ id: 'warm', contextKey: 'k-warm', contextTokens: 500 }, 'e2'), context);
    expect(reports).toEqual([{ setupTokens: 500, contextHit: false }, { setupTokens: 0, contextHit: true }]);
  });

  it('has a start wait for the control entries sent before it (a prewarm is applied before the attempt runs), at most a lock\'s time', async () => {
    const warm = new Set<string>();
    const ran: (readonly [string, readonly string[]])[] = [];
    const log: string[] = [];
    await worker('e7', {
      run: ({ task }) => {
        ran.push([task.id, [...warm]]);
        return Promise.resolve({ ok: true, quality: 1 });
      },
      prewarm: ({ contextKey }) => { warm.add(contextKey); },
    }, { log });
    const client = await queue('e7').client;
    // An entry id the stream does not have yet: the job must wait for it.
    const ahead = `${Date.now() + 60_000}-0`;
    const data = (id: string, afterControl: string): AttemptJobData => ({ task: taskSpec({ id, type: 'job' }), attempt: 1, agentId: 'e7', afterControl });
    await queue('e7').add(ATTEMPT_JOB_NAME, data('after-prewarm', ahead), { jobId: attemptJobId('after-prewarm', 1) });
    // A fixed hold: the job must not run in it, and a slower machine only makes that easier.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(ran).toEqual([]);
    const prewarm: ControlMessage = { kind: 'prewarm', contextKey: 'k', contextTokens: 10 };
    await client.xadd(controlStreamKey('e7'), ahead, { event: CONTROL_EVENT, message: JSON.stringify(prewarm) });
    await expect.poll(() => ran, { timeout: 5000 }).toEqual([['after-prewarm', ['k']]]);
    // An entry that never comes: the job runs after the lock's time (2 s here), and says so.
    const never = `${Date.now() + 120_000}-0`;
    await queue('e7').add(ATTEMPT_JOB_NAME, data('never', never), { jobId: attemptJobId('never', 1) });
    await expect.poll(() => ran.length, { timeout: 6000 }).toBe(2);
    expect(log).toEqual([`fleetsim agent-worker: e7: job ${attemptJobId('never', 1)} waited 2 s for the control entry ${never} sent before it; it runs without`]);
  });

  it('has the connector tell a start which control entry came before it', async () => {
    // No worker: the jobs wait in the queue with their data.
    const made = connector();
    const context = { signal: new AbortController().signal, started: () => undefined };
    void made.start(startCommand({ id: 'before' }, 'e8'), context);
    made.prewarm({ kind: 'prewarm', agent: { spec: { id: 'e8' } } as unknown as AgentView, contextKey: 'k', contextTokens: 10 });
    void made.start(startCommand({ id: 'after' }, 'e8'), context);
    const jobData = async (id: string): Promise<AttemptJobData | undefined> => (await queue('e8').getJob(attemptJobId(id, 1)))?.data as AttemptJobData | undefined;
    await expect.poll(() => jobData('after'), { timeout: 5000 }).toBeDefined();
    const client = (await queue('e8').client) as unknown as Redis;
    const [[prewarmId]] = await client.xrevrange(controlStreamKey('e8'), '+', '-', 'COUNT', 1) as [[string, string[]]];
    expect((await jobData('after'))?.afterControl).toBe(prewarmId);
    expect((await jobData('before'))?.afterControl).toBeUndefined();
  });

  it('carries an offer to the agent and its answer back; a withdrawn offer\'s hook sees its signal aborted and answers nothing', async () => {
    const withdrawn: unknown[] = [];
    const offered: string[] = [];
    await worker('e5', {
      run: () => Promise.resolve({ ok: true, quality: 1 }),
      offer: async ({ task, signal }) => {
        offered.push(task.id);
        if (task.id === 'taken') return { answer: { accepted: true }, setupTokens: 7 };
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        withdrawn.push(signal.reason);
        return { answer: { accepted: true } };
      },
    });
    const log: string[] = [];
    const made = connector(log);
    const agent = { spec: { id: 'e5' }, active: 1 } as unknown as AgentView;
    const offerOf = (id: string): CommandOf<'offer'> => ({ kind: 'offer', task: { spec: { id, type: 'job' } } as unknown as TaskView, agent, offer: 1 });
    const open = { signal: new AbortController().signal };
    expect(await made.offer(offerOf('taken'), open)).toEqual({ answer: { accepted: true }, setupTokens: 7 });
    let answered = false;
    void made.offer(offerOf('elsewhere'), open).then(() => { answered = true; });
    await expect.poll(() => offered, { timeout: 5000 }).toEqual(['taken', 'elsewhere']);
    made.withdraw({ kind: 'withdraw', taskId: 'elsewhere', agentId: 'e5', offer: 1 });
    await expect.poll(() => withdrawn, { timeout: 5000 }).toEqual(['withdrawn']);
    // A fixed hold: no answer may come in it, and a slower machine only makes that easier.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    expect(log).toEqual([]);
  });

  it('carries a retire to the agent: its hook runs, its liveness key goes, and the worker hears it is retired', async () => {
    let retiredHook = 0;
    const agentWorker = await worker('e6', { run: () => Promise.resolve({ ok: true, quality: 1 }), retire: () => { retiredHook++; } });
    const client = await queue('e6').client;
    expect(await client.get(livenessKey('e6'))).not.toBeNull();
    connector().retire({ kind: 'retire', agentId: 'e6' });
    await agentWorker.retired;
    expect(retiredHook).toBe(1);
    expect(await client.get(livenessKey('e6'))).toBeNull();
  });

  it('logs a command the worker\'s handler has no hook for, once per kind', async () => {
    const log: string[] = [];
    await worker('e3', () => new Promise(() => undefined), { log });
    const made = connector();
    const agent = { spec: { id: 'e3' } } as unknown as AgentView;
    for (let i = 0; i < 3; i++) made.prewarm({ kind: 'prewarm', agent, contextKey: `k${i}`, contextTokens: 10 });
    const task = { spec: { id: 'x' } } as unknown as TaskView;
    made.pause({ kind: 'pause', task, agent, attempt: 1 });
    made.pause({ kind: 'pause', task, agent, attempt: 1 });
    await expect.poll(() => log.length, { timeout: 5000 }).toBe(2);
    // A fixed hold: no third line may come in it, and a slower machine only makes that easier.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log).toEqual([
      'fleetsim agent-worker: e3: the handler has no prewarm hook: prewarm commands are not carried out (logged once)',
      'fleetsim agent-worker: e3: the handler has no pause hook: pause commands are not carried out (logged once)',
    ]);
  });
});
