/**
 * The live driver against scripted connectors on a manual clock: one runtime timer at the
 * engine's earliest deadline, harmless spurious and late wake-ups, connector failures and hangs
 * turned into attempt failures, graceful and abrupt stops, bounded buffers, and (property) the
 * conservation ledger after every step of random sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, Outcome, StartReport } from '../../src/engine/messages.js';
import type { TaskSpec } from '../../src/engine/task.js';
import { ManualClock, type Clock, type TimerHandle } from '../../src/live/clock.js';
import type { AgentConnector, AttemptContext, CommandOf, RunContext } from '../../src/live/connector.js';
import { createLiveDriver, LiveDriverError, type LiveDriver, type LiveDriverLimits } from '../../src/live/driver.js';
import { MemoryJournal } from '../../src/live/journal.js';
import { agentSpec, createStrategy, engineConfig, taskSpec, type ConfigOverrides } from '../support/harness.js';

/** An attempt the scripted connector holds until the test settles it. */
interface HeldAttempt {
  readonly command: CommandOf<'start'>;
  readonly context: AttemptContext;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: Error) => void;
  /** Settled by the test. */
  done: boolean;
}

/** Holds every attempt until told; `behaviour` may throw or answer instead. */
class ScriptedConnector implements AgentConnector {
  readonly held: HeldAttempt[] = [];
  behaviour: ((command: CommandOf<'start'>, context: AttemptContext) => Promise<Outcome> | undefined) | undefined;
  pause?: (command: CommandOf<'pause'>) => void;
  resume?: (command: CommandOf<'resume'>) => void;

  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const scripted = this.behaviour?.(command, context);
    if (scripted !== undefined) return scripted;
    return new Promise((resolve, reject) => {
      const held: HeldAttempt = {
        command, context, done: false,
        resolve: (outcome) => {
          held.done = true;
          resolve(outcome);
        },
        reject: (error) => {
          held.done = true;
          reject(error);
        },
      };
      this.held.push(held);
    });
  }

  /** Attempts neither settled nor aborted. */
  live(): HeldAttempt[] {
    return this.held.filter((attempt) => !attempt.done && !attempt.context.signal.aborted);
  }
}

/** Settles through `run`'s contexts (no promise); `behaviour` may throw or finish at once. */
class RunConnector implements AgentConnector {
  readonly held: { readonly command: CommandOf<'start'>; readonly context: RunContext }[] = [];
  behaviour: ((context: RunContext) => void) | undefined;

  start(): Promise<Outcome> {
    throw new Error('the driver must call run when the connector has it');
  }

  run(command: CommandOf<'start'>, context: RunContext): void {
    this.held.push({ command, context });
    this.behaviour?.(context);
  }
}

const NO_SETUP: StartReport = { setupTokens: 0, contextHit: null };
const OK: Outcome = { ok: true, quality: 1 };

/** Lets every settled promise run its reactions. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Setup<C extends AgentConnector> {
  readonly driver: LiveDriver;
  readonly connector: C;
  readonly events: EngineEvent[];
}

interface SetupOptions {
  clock?: Clock;
  config?: ConfigOverrides;
  limits?: Partial<LiveDriverLimits>;
  agents?: number;
  capacity?: number;
}

function setup(options?: SetupOptions): Setup<ScriptedConnector>;
function setup<C extends AgentConnector>(options: SetupOptions, connector: C): Setup<C>;
function setup(options: SetupOptions = {}, connector: AgentConnector = new ScriptedConnector()): Setup<AgentConnector> {
  const events: EngineEvent[] = [];
  let draws = 0;
  const driver = createLiveDriver({
    engine: {
      config: engineConfig(options.config ?? { retry: { maxRetries: 0 } }),
      strategy: createStrategy('least-connections'),
      strategyRandom: () => ((draws = (draws * 9301 + 49297) % 233280) / 233280),
      engineRandom: () => 0.5,
    },
    clock: options.clock ?? new ManualClock(),
    connector,
    onEvent: (event) => events.push(event),
    limits: options.limits,
  });
  for (let i = 0; i < (options.agents ?? 1); i++) driver.agentJoined(agentSpec({ id: `a${i}`, capacity: options.capacity ?? 1 }));
  return { driver, connector, events };
}

/** The states each task passed through, and why it ended. */
function finals(events: readonly EngineEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const event of events) {
    if (event.kind === 'transition' && ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'].includes(event.to)) {
      out[event.task.spec.id] = event.reason === undefined ? event.to : `${event.to}:${event.reason}`;
    }
  }
  return out;
}

describe('the runtime timer', () => {
  it('is one clock timer, armed at the earliest engine deadline, and moves when that deadline goes', () => {
    const clock = new ManualClock();
    const { driver, events } = setup({ clock, agents: 0 });
    driver.submit(taskSpec({ id: 't30', ttlSeconds: 30 }));
    driver.submit(taskSpec({ id: 't10', ttlSeconds: 10 }));
    driver.submit(taskSpec({ id: 't20', ttlSeconds: 20 }));
    expect(driver.counts().timers).toBe(3);
    expect(clock.pending).toBe(1);
    expect(clock.nextDueTime()).toBe(10);
    driver.cancel('t10');
    expect(clock.pending).toBe(1);
    expect(clock.nextDueTime()).toBe(20);
    clock.next();
    expect(finals(events)).toEqual({ t10: 'cancelled:cancelled-by-request', t20: 'expired:ttl' });
    expect(clock.nextDueTime()).toBe(30);
    driver.cancel('t30');
    expect(clock.pending).toBe(0);
  });

  it('shrugs off a spurious wake-up and feeds every timer due on a late one', () => {
    /** A clock whose timers the test fires by hand, at any reading. */
    class HandClock implements Clock {
      reading = 0;
      readonly armed = new Map<TimerHandle, { at: number; callback: () => void }>();
      private handles = 0;
      now(): number {
        return this.reading;
      }
      setTimer(at: number, callback: () => void): TimerHandle {
        this.armed.set(++this.handles, { at, callback });
        return this.handles;
      }
      clearTimer(handle: TimerHandle): void {
        this.armed.delete(handle);
      }
      ticket(): number {
        return 0;
      }
      pendingBefore(): boolean {
        return false;
      }
      wake(): void {
        const [handle, timer] = [...this.armed][0]!;
        this.armed.delete(handle);
        timer.callback();
      }
    }
    const clock = new HandClock();
    const { driver, events } = setup({ clock, agents: 0 });
    driver.submit(taskSpec({ id: 'x', ttlSeconds: 10 }));
    driver.submit(taskSpec({ id: 'y', ttlSeconds: 12 }));
    clock.reading = 4;
    clock.wake(); // early: nothing is due
    expect(finals(events)).toEqual({});
    expect([...clock.armed.values()].map((t) => t.at)).toEqual([10]);
    clock.reading = 15;
    clock.wake(); // late: both are due
    expect(finals(events)).toEqual({ x: 'expired:ttl', y: 'expired:ttl' });
    expect(events.filter((e) => e.kind === 'transition' && e.to === 'expired').map((e) => e.time)).toEqual([15, 15]);
    expect(clock.armed.size).toBe(0);
  });
});

describe('connector failures', () => {
  it('turns a start that throws, or rejects, into an agent-error failure and keeps running', async () => {
    const { driver, connector, events } = setup();
    let calls = 0;
    connector.behaviour = () => {
      calls++;
      if (calls === 1) throw new Error('socket closed');
      if (calls === 2) return Promise.reject(new Error('HTTP 500'));
      return undefined;
    };
    driver.submit(taskSpec({ id: 'thrown' }));
    driver.submit(taskSpec({ id: 'rejected' }));
    driver.submit(taskSpec({ id: 'fine' }));
    await flush();
    await flush();
    connector.held[0]!.context.started(NO_SETUP);
    connector.held[0]!.resolve(OK);
    await flush();
    expect(finals(events)).toEqual({ thrown: 'dead-lettered:agent-error', rejected: 'dead-lettered:agent-error', fine: 'completed' });
    expect(driver.errors.map((e) => [e.code, e.message.includes('socket closed') || e.message.includes('HTTP 500')])).toEqual([['connector', true], ['connector', true]]);
  });

  it('fails a hung attempt by the task timeout, aborting its signal; a result after that is stale', async () => {
    const clock = new ManualClock();
    const { driver, connector, events } = setup({ clock });
    driver.submit(taskSpec({ id: 'slow', timeoutSeconds: 5 }));
    const [held] = connector.held;
    held!.context.started(NO_SETUP);
    await flush();
    clock.advanceTo(5);
    expect(held!.context.signal.aborted).toBe(true);
    expect(finals(events)).toEqual({ slow: 'dead-lettered:timeout' });
    held!.resolve(OK);
    await flush();
    expect(events.at(-1)).toMatchObject({ kind: 'staleResult', taskId: 'slow', attempt: 1 });
    expect(driver.counts().pendingAttempts).toBe(0);
  });

  it('fails a hung attempt of a task without a timeout by the driver limit', async () => {
    const clock = new ManualClock();
    const { driver, connector, events } = setup({ clock, limits: { attemptTimeoutSeconds: 7 } });
    driver.submit(taskSpec({ id: 'hung' }));
    expect(clock.nextDueTime()).toBe(7);
    clock.advanceTo(7);
    await flush();
    expect(connector.held[0]!.context.signal.aborted).toBe(true);
    expect(finals(events)).toEqual({ hung: 'dead-lettered:timeout' });
    expect(driver.errors.map((e) => e.code)).toEqual(['attempt-timeout']);
  });

  it('reports a start the connector never reported, with no setup, when the attempt settles', async () => {
    const { driver, connector, events } = setup();
    driver.submit(taskSpec({ id: 'quiet' }));
    connector.held[0]!.resolve({ ok: true, quality: 0.8 });
    await flush();
    const kinds = events.filter((e) => e.kind === 'transition' && e.task.spec.id === 'quiet').map((e) => e.kind === 'transition' && `${e.to}:${e.setupTokens ?? ''}`);
    expect(kinds).toEqual(['queued:', 'assigned:', 'running:0', 'completed:']);
  });

  it('lets a start connector destructure its context: started and the signal work detached', async () => {
    let seen: AbortSignal | undefined;
    const destructuring: AgentConnector = {
      start: (_command, { signal, started }) => {
        seen = signal;
        started({ setupTokens: 7, contextHit: null });
        return Promise.resolve(OK);
      },
    };
    const { driver, events } = setup({}, destructuring);
    driver.submit(taskSpec({ id: 'detached' }));
    await flush();
    const kinds = events.filter((e) => e.kind === 'transition' && e.task.spec.id === 'detached').map((e) => e.kind === 'transition' && `${e.to}:${e.setupTokens ?? ''}`);
    expect(kinds).toEqual(['queued:', 'assigned:', 'running:7', 'completed:']);
    expect(seen?.aborted).toBe(false);
    expect(driver.errors).toEqual([]);
  });

  it('counts an outcome that is not one as an agent error', async () => {
    const { driver, connector, events } = setup();
    driver.submit(taskSpec({ id: 'garbled' }));
    connector.held[0]!.resolve({ status: 'done' } as unknown as Outcome);
    await flush();
    expect(finals(events)).toEqual({ garbled: 'dead-lettered:agent-error' });
    expect(driver.errors[0]!.message).toMatch(/resolved with no outcome/);
  });
});

describe('a connector that settles through run', () => {
  it('is called instead of start, with the attempt as context; an outcome is fed before finished returns, a second is ignored', () => {
    const { driver, connector, events } = setup({}, new RunConnector());
    driver.submit(taskSpec({ id: 'pulled' }));
    const [held] = connector.held;
    expect(held!.command).toMatchObject({ kind: 'start', attempt: 1 });
    expect(held!.context.aborted).toBe(false);
    held!.context.started({ setupTokens: 4, contextHit: null });
    held!.context.finished({ ok: true, quality: 0.9 });
    expect(finals(events)).toEqual({ pulled: 'completed' });
    held!.context.finished({ ok: false, reason: 'agent-error' });
    expect(finals(events)).toEqual({ pulled: 'completed' });
    expect(driver.errors).toEqual([]);
    expect(driver.counts()).toMatchObject({ pendingAttempts: 0, timers: 0 });
  });

  it('arms no watchdog for an attempt finished from within run', () => {
    const { driver, connector, events } = setup({ limits: { attemptTimeoutSeconds: 7 } }, new RunConnector());
    connector.behaviour = (context) => context.finished(OK);
    driver.submit(taskSpec({ id: 'at-once' }));
    expect(finals(events)).toEqual({ 'at-once': 'completed' });
    expect(driver.counts()).toMatchObject({ pendingAttempts: 0, timers: 0 });
  });

  it('fails the attempt with agent-error when run throws or finishes with no outcome', async () => {
    const { driver, connector, events } = setup({ agents: 2 }, new RunConnector());
    connector.behaviour = () => {
      throw new Error('socket closed');
    };
    driver.submit(taskSpec({ id: 'thrown' }));
    connector.behaviour = undefined;
    driver.submit(taskSpec({ id: 'garbled' }));
    connector.held[1]!.context.finished({ status: 'done' } as unknown as Outcome);
    await flush();
    expect(finals(events)).toEqual({ thrown: 'dead-lettered:agent-error', garbled: 'dead-lettered:agent-error' });
    expect(driver.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/garbled.*resolved with no outcome/),
      expect.stringMatching(/thrown.*failed: Error: socket closed/),
    ]);
  });

  it('aborts the context when the engine gives up on the attempt', () => {
    const clock = new ManualClock();
    const { driver, connector, events } = setup({ clock }, new RunConnector());
    driver.submit(taskSpec({ id: 'slow', timeoutSeconds: 5 }));
    const [held] = connector.held;
    held!.context.started(NO_SETUP);
    clock.advanceTo(5);
    expect(held!.context.aborted).toBe(true);
    expect(held!.context.signal.aborted).toBe(true);
    expect(finals(events)).toEqual({ slow: 'dead-lettered:timeout' });
  });
});

describe('the other commands', () => {
  it('answers an offer the connector cannot make with a decline, and reports it', async () => {
    const { driver, events } = setup({ config: { retry: { maxRetries: 0 }, delegation: { mode: 'offer', maxOffers: 1 } } });
    driver.submit(taskSpec({ id: 'offered' }));
    await flush();
    expect(events.filter((e) => e.kind === 'offerAnswered').map((e) => e.kind === 'offerAnswered' && e.reason)).toEqual(['declined']);
    expect(finals(events)).toEqual({ offered: 'dead-lettered:rejected' });
    expect(driver.errors[0]!.message).toMatch(/cannot offer/);
  });

  it('starts an offered task once the agent accepts', async () => {
    const clock = new ManualClock();
    const events: EngineEvent[] = [];
    const starts: string[] = [];
    const driver = createLiveDriver({
      engine: { config: engineConfig({ delegation: { mode: 'offer' } }), strategy: createStrategy('round-robin'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock,
      connector: {
        start: (command) => {
          starts.push(`${command.task.spec.id}@${command.agent.spec.id}`);
          return new Promise(() => undefined);
        },
        offer: () => Promise.resolve({ answer: { accepted: true }, setupTokens: 0 }),
      },
      onEvent: (event) => events.push(event),
    });
    driver.agentJoined(agentSpec({ id: 'a0' }));
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    expect(starts).toEqual(['x@a0']);
    expect(driver.counts().pendingOffers).toBe(0);
    expect(events.filter((e) => e.kind === 'offerAnswered').map((e) => e.kind === 'offerAnswered' && e.accepted)).toEqual([true]);
  });

  /**
   * A driver under offer delegation (two offers, no retries) whose connector holds every offer
   * to `a0`, accepts at once on any other agent, and never settles a start.
   */
  function offerSetup(limits?: Partial<LiveDriverLimits>, offerTimeoutSeconds?: number) {
    const clock = new ManualClock();
    const events: EngineEvent[] = [];
    const starts: string[] = [];
    const held: { readonly signal: AbortSignal; readonly answer: (accepted: boolean) => void }[] = [];
    /** Each withdrawal the connector was told of, and whether the offer's signal was aborted by then. */
    const withdrawals: string[] = [];
    const driver = createLiveDriver({
      engine: { config: engineConfig({ delegation: { mode: 'offer', maxOffers: 2, ...(offerTimeoutSeconds === undefined ? {} : { offerTimeoutSeconds }) }, retry: { maxRetries: 0 } }), strategy: createStrategy('round-robin'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock,
      connector: {
        start: (command) => {
          starts.push(`${command.task.spec.id}@${command.agent.spec.id}`);
          return new Promise(() => undefined);
        },
        offer: (command, { signal }) => command.agent.spec.id !== 'a0'
          ? Promise.resolve({ answer: { accepted: true }, setupTokens: 0 })
          : new Promise((resolve) => held.push({ signal, answer: (accepted) => resolve({ answer: accepted ? { accepted: true } : { accepted: false, reason: 'declined' }, setupTokens: 0 }) })),
        withdraw: (command) => void withdrawals.push(`${command.taskId}@${command.agentId}#${command.offer} aborted: ${held.at(-1)?.signal.aborted}`),
      },
      onEvent: (event) => events.push(event),
      ...(limits === undefined ? {} : { limits }),
    });
    driver.agentJoined(agentSpec({ id: 'a0' }));
    driver.agentJoined(agentSpec({ id: 'a1' }));
    const answers = (): string[] => events.flatMap((e) => e.kind === 'offerAnswered' ? [`${e.agent.spec.id}:${e.accepted ? 'accepted' : e.reason}@${e.time}`] : []);
    return { clock, driver, starts, held, withdrawals, answers };
  }

  it('tells the connector of a withdrawal before it aborts the offer\'s signal', async () => {
    const { clock, driver, withdrawals, answers } = offerSetup({ offerTimeoutSeconds: Number.POSITIVE_INFINITY }, 10);
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    clock.advanceTo(10);
    await flush();
    expect(withdrawals).toEqual(['x@a0#1 aborted: false']);
    expect(answers()).toEqual(['a0:offer-timeout@10', 'a1:accepted@10']);
  });

  it('declines an offer left unanswered for limits.offerTimeoutSeconds, tells the connector it is withdrawn, and ignores its late answer', async () => {
    const { clock, driver, starts, held, withdrawals, answers } = offerSetup({ offerTimeoutSeconds: 30 });
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    expect(held).toHaveLength(1);
    expect(clock.nextDueTime()).toBe(30);
    clock.advanceTo(29.5);
    await flush();
    expect(answers()).toEqual([]);
    clock.advanceTo(30);
    await flush();
    expect(held[0]!.signal.aborted).toBe(true);
    expect(withdrawals).toEqual(['x@a0#1 aborted: false']);
    expect(driver.errors.map((e) => [e.code, e.message])).toEqual([['offer-timeout', 'offer 1 of x to a0 unanswered after 30 s (limits.offerTimeoutSeconds): declined']]);
    expect(answers()).toEqual(['a0:declined@30', 'a1:accepted@30']);
    expect(starts).toEqual(['x@a1']);
    held[0]!.answer(true);
    await flush();
    expect(answers()).toHaveLength(2);
    expect(driver.errors).toHaveLength(1);
    expect(driver.counts().pendingOffers).toBe(0);
  });

  it('clears the watchdog of an offer answered in time', async () => {
    const { clock, driver, starts, held, answers } = offerSetup({ offerTimeoutSeconds: 30 });
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    clock.advanceTo(10);
    held[0]!.answer(true);
    await flush();
    expect(answers()).toEqual(['a0:accepted@10']);
    expect(starts).toEqual(['x@a0']);
    expect(driver.counts().timers).toBe(1);
    expect(clock.nextDueTime()).toBe(3_610);
    expect(driver.errors).toEqual([]);
  });

  it('lets an offer wait for ever when limits.offerTimeoutSeconds is Infinity', async () => {
    const { clock, driver, held, answers } = offerSetup({ offerTimeoutSeconds: Number.POSITIVE_INFINITY });
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    expect(driver.counts().timers).toBe(0);
    expect(clock.nextDueTime()).toBe(Number.POSITIVE_INFINITY);
    expect(answers()).toEqual([]);
    expect(held[0]!.signal.aborted).toBe(false);
  });

  it('lets a graceful stop end once an unanswered offer is declined', async () => {
    const { clock, driver, starts, held } = offerSetup({ offerTimeoutSeconds: 30, attemptTimeoutSeconds: 5 });
    driver.submit(taskSpec({ id: 'x' }));
    await flush();
    let stopped = false;
    void driver.stop({ drain: true }).then(() => void (stopped = true));
    clock.advanceTo(20);
    await flush();
    expect(stopped).toBe(false);
    clock.advanceTo(30);
    await flush();
    expect(held[0]!.signal.aborted).toBe(true);
    expect(starts).toEqual(['x@a1']);
    clock.advanceTo(35);
    await flush();
    expect(stopped).toBe(true);
  });

  it('forwards pauses and resumes to the connector, whose attempt stays pending across them', async () => {
    const { driver, connector, events } = setup();
    const told: string[] = [];
    connector.pause = (command): void => void told.push(`pause ${command.task.spec.id}#${command.attempt}`);
    connector.resume = (command): void => void told.push(`resume ${command.task.spec.id}#${command.attempt}`);
    driver.submit(taskSpec({ id: 'long' }));
    connector.held[0]!.context.started(NO_SETUP);
    driver.admin({ op: 'pause', taskId: 'long' });
    driver.admin({ op: 'resume', taskId: 'long' });
    connector.held[0]!.resolve(OK);
    await flush();
    expect(told).toEqual(['pause long#1', 'resume long#1']);
    expect(finals(events)).toEqual({ long: 'completed' });
  });

  it('lifts the watchdog of a paused attempt and sets it again, the whole limit from the resume', async () => {
    const clock = new ManualClock();
    const { driver, connector, events } = setup({ clock, limits: { attemptTimeoutSeconds: 7 } });
    connector.pause = (): void => undefined;
    connector.resume = (): void => undefined;
    driver.submit(taskSpec({ id: 'long' }));
    connector.held[0]!.context.started(NO_SETUP);
    clock.advanceTo(5);
    driver.admin({ op: 'pause', taskId: 'long' });
    expect(driver.counts().timers).toBe(0);
    clock.advanceTo(20);
    driver.admin({ op: 'resume', taskId: 'long' });
    expect(driver.counts().timers).toBe(1);
    expect(clock.nextDueTime()).toBe(27);
    clock.advanceTo(26.5);
    await flush();
    expect(finals(events)).toEqual({});
    clock.advanceTo(27);
    await flush();
    expect(finals(events)).toEqual({ long: 'dead-lettered:timeout' });
    expect(driver.errors.map((e) => e.message)).toEqual(['attempt 1 of long on a0 ran 7 s (limits.attemptTimeoutSeconds): failed as a timeout']);
    expect(driver.counts().timers).toBe(0);
  });

  it('refuses a task id the engine knows, live or settled, before the journal sees it', async () => {
    const journal = new MemoryJournal();
    const connector = new ScriptedConnector();
    const driver = createLiveDriver({
      engine: { config: engineConfig({ retry: { maxRetries: 0 } }), strategy: createStrategy('least-connections'), strategyRandom: () => 0.5, engineRandom: () => 0.5 },
      clock: new ManualClock(), connector, journal,
    });
    driver.agentJoined(agentSpec({ id: 'a0' }));
    driver.submit(taskSpec({ id: 'x' }));
    const logged = journal.appendedSeq;
    const refusal = (): unknown => {
      try {
        driver.submit(taskSpec({ id: 'x' }));
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(refusal()).toMatchObject({ code: 'duplicate', message: expect.stringMatching(/^duplicate task id x: /) });
    expect(refusal()).toBeInstanceOf(LiveDriverError);
    connector.held[0]!.resolve(OK);
    await flush();
    expect(driver.engine.task('x')).toBeUndefined();
    const settledLogged = journal.appendedSeq;
    expect(refusal()).toMatchObject({ code: 'duplicate' });
    expect(journal.appendedSeq).toBe(settledLogged);
    expect(settledLogged - logged).toBe(2);
    // Within one batch too: the second submission of an id finds the first.
    expect(() => driver.batch(() => {
      driver.submit(taskSpec({ id: 'y' }));
      driver.submit(taskSpec({ id: 'y' }));
    })).toThrow(/duplicate task id y/);
    expect(driver.counts().submitted).toBe(2);
  });

  it('feeds a batch of inputs before carrying out their commands once', () => {
    const { driver, connector, events } = setup({ agents: 2 });
    driver.batch(() => {
      driver.submit(taskSpec({ id: 'p' }));
      driver.submit(taskSpec({ id: 'q' }));
      expect(connector.held).toEqual([]);
    });
    expect(connector.held.map((a) => a.command.task.spec.id)).toEqual(['p', 'q']);
    expect(events.filter((e) => e.kind === 'submitted').length).toBe(2);
  });
});

describe('stopping', () => {
  it('with drain: takes nothing new, finishes what it accepted, then stops', async () => {
    const { driver, connector, events } = setup();
    driver.submit(taskSpec({ id: 'running' }));
    driver.submit(taskSpec({ id: 'queued' }));
    let stopped = false;
    const stopping = driver.stop({ drain: true }).then(() => (stopped = true));
    expect(driver.state).toBe('draining');
    expect(() => driver.submit(taskSpec({ id: 'late' }))).toThrow(LiveDriverError);
    connector.held[0]!.resolve(OK);
    await flush();
    expect(stopped).toBe(false);
    expect(connector.held.map((a) => a.command.task.spec.id)).toEqual(['running', 'queued']);
    connector.held[1]!.resolve(OK);
    await stopping;
    expect(driver.state).toBe('stopped');
    expect(finals(events)).toEqual({ running: 'completed', queued: 'completed' });
    expect(driver.counts()).toMatchObject({ submitted: 2, completed: 2, inFlight: 0, pendingAttempts: 0, timers: 0 });
  });

  it('without drain: cancels everything, aborts attempts and ignores what comes after', async () => {
    const clock = new ManualClock();
    const { driver, connector, events } = setup({ clock, limits: { attemptTimeoutSeconds: 60 } });
    driver.submit(taskSpec({ id: 'running' }));
    driver.submit(taskSpec({ id: 'queued' }));
    await driver.stop({ drain: false });
    expect(connector.held[0]!.context.signal.aborted).toBe(true);
    expect(finals(events)).toEqual({ running: 'cancelled:cancelled-by-request', queued: 'cancelled:cancelled-by-request' });
    const before = events.length;
    connector.held[0]!.resolve(OK);
    await flush();
    expect(events.length).toBe(before);
    expect(clock.pending).toBe(0);
    expect(() => driver.cancel('running')).toThrow(/stopped/);
  });
});

describe('bounds', () => {
  it('refuses a submission beyond maxInFlightTasks with a clear error', () => {
    const { driver } = setup({ limits: { maxInFlightTasks: 2 } });
    driver.submit(taskSpec({ id: 'a' }));
    driver.submit(taskSpec({ id: 'b' }));
    let error: unknown;
    try {
      driver.submit(taskSpec({ id: 'c' }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LiveDriverError);
    expect((error as LiveDriverError).code).toBe('overloaded');
    expect((error as LiveDriverError).message).toMatch(/2 tasks in flight \(limits.maxInFlightTasks\): task c was not submitted/);
    expect(driver.counts().submitted).toBe(2);
  });

  it('forgets hung calls the engine gave up on rather than hold more than maxPendingCalls', async () => {
    const clock = new ManualClock();
    const { driver, connector } = setup({ clock, config: { retry: { maxRetries: 10, backoff: { baseSeconds: 1, jitter: 0 } } }, limits: { maxPendingCalls: 3 } });
    driver.submit(taskSpec({ id: 'sticky', timeoutSeconds: 1 }));
    for (let i = 0; i < 20; i++) {
      clock.next();
      await flush();
      expect(driver.counts().pendingAttempts).toBeLessThanOrEqual(3);
    }
    expect(connector.held.length).toBeGreaterThan(5);
    expect(new Set(driver.errors.map((e) => e.code))).toEqual(new Set(['attempt-timeout']));
    expect(driver.errors[0]!.message).toBe('attempt 1 of sticky on a0 ran 1 s without a reported start: failed as a timeout');
  });

  it('rejects limits that are not positive numbers', () => {
    expect(() => setup({ limits: { maxPendingCalls: 0 } })).toThrow(/limits.maxPendingCalls must be a positive number/);
  });
});

describe('conservation (property)', () => {
  type Step =
    | { readonly kind: 'submit'; readonly timeout: boolean; readonly ttl: boolean; readonly tokens: number }
    | { readonly kind: 'cancel'; readonly pick: number }
    | { readonly kind: 'settle'; readonly pick: number; readonly how: 'ok' | 'fail' | 'reject' | 'bad-quality' }
    | { readonly kind: 'advance'; readonly seconds: number }
    | { readonly kind: 'agent'; readonly pick: number };

  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('submit' as const), timeout: fc.boolean(), ttl: fc.boolean(), tokens: fc.integer({ min: 1, max: 1000 }) }),
    fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), how: fc.constantFrom('ok' as const, 'fail' as const, 'reject' as const, 'bad-quality' as const) }),
    fc.record({ kind: fc.constant('advance' as const), seconds: fc.double({ min: 0, max: 10, noNaN: true }) }),
    fc.record({ kind: fc.constant('agent' as const), pick: fc.integer({ min: 0, max: 2 }) }),
  );

  it('keeps submitted = finals + in flight, and one live connector call per assigned or running task, after every step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const clock = new ManualClock();
        const { driver, connector } = setup({
          clock, agents: 0, limits: { attemptTimeoutSeconds: 30 },
          config: { retry: { maxRetries: 2, backoff: { baseSeconds: 1, jitter: 0 }, minQuality: 0.5 } },
        });
        const present = new Map<number, string>();
        let ids = 0;
        let joins = 0;
        for (const s of steps) {
          switch (s.kind) {
            case 'submit': {
              const spec: TaskSpec = taskSpec({ id: `t${ids++}`, tokens: s.tokens, timeoutSeconds: s.timeout ? 5 : undefined, ttlSeconds: s.ttl ? 8 : undefined });
              driver.submit(spec);
              break;
            }
            case 'cancel':
              if (ids > 0) driver.cancel(`t${s.pick % ids}`);
              break;
            case 'settle': {
              const live = connector.live();
              if (live.length === 0) break;
              const attempt = live[s.pick % live.length]!;
              if (s.how === 'reject') attempt.reject(new Error('boom'));
              else attempt.resolve(s.how === 'ok' ? OK : s.how === 'bad-quality' ? { ok: true, quality: 0.1 } : { ok: false, reason: 'agent-error' });
              break;
            }
            case 'advance':
              clock.advanceTo(clock.now() + s.seconds);
              break;
            case 'agent': {
              // Agent slot `pick` leaves if present, else joins; a returning agent comes back
              // under a new id (the engine remembers the ids of agents that left).
              const id = present.get(s.pick);
              if (id !== undefined) {
                driver.agentLeft(id);
                present.delete(s.pick);
              } else {
                const fresh = `a${s.pick}-${joins++}`;
                driver.agentJoined(agentSpec({ id: fresh, capacity: 2 }));
                present.set(s.pick, fresh);
              }
              break;
            }
          }
          await flush();
          const c = driver.counts();
          expect(c.completed + c.deadLettered + c.expired + c.cancelled + c.rejected + c.inFlight).toBe(c.submitted);
          const holding = [...driver.engine.liveTasks()].filter((task) => task.state === 'assigned' || task.state === 'running').length;
          expect(connector.live().length).toBe(holding);
        }
        await driver.stop({ drain: false });
        expect(driver.counts()).toMatchObject({ inFlight: 0, pendingAttempts: 0, pendingOffers: 0, timers: 0 });
        expect(clock.pending).toBe(0);
      }),
      { numRuns: 150, seed: 20261203 },
    );
  });
});
