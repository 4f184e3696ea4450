/**
 * Autoscaling: the pure decision of one pool's scaler ({@link PoolAutoscaler.decide}), its
 * configuration check, and the scaler at work inside the engine (provisioning under load,
 * draining down to the minimum when idle, going to sleep once nothing is left to do). Also the
 * two small helpers the new engine features rest on: {@link FailureMemory} and
 * {@link TokenBucket}.
 */
import { describe, expect, it } from 'vitest';
import { PoolAutoscaler, assertAutoscalerConfig, type PoolState } from '../../src/engine/autoscaler.js';
import type { AutoscalerConfig } from '../../src/engine/config.js';
import { FailureMemory } from '../../src/engine/failureMemory.js';
import { TokenBucket } from '../../src/engine/tokenBucket.js';
import type { AgentId } from '../../src/engine/task.js';
import { Harness } from '../support/harness.js';

const CONFIG: AutoscalerConfig = {
  pool: 'w', minAgents: 1, maxAgents: 3, scaleUpUtilization: 0.8, scaleDownUtilization: 0.2, cooldownSeconds: 30, intervalSeconds: 10,
};

/** A pool state: `accepting` agents of 10 slots each, `busy` of them held. */
function pool(partial: Partial<PoolState> & { readonly accepting: number; readonly busy?: number }): PoolState {
  const totalSlots = partial.totalSlots ?? partial.accepting * 10;
  return {
    provisioning: 0, draining: 0, queuedTasks: 0, ...partial,
    totalSlots, busySlots: partial.busySlots ?? partial.busy ?? 0,
  };
}

// ------------------------------------------------------------------ the decision

describe('PoolAutoscaler.decide', () => {
  it('scales up at or above the up threshold while work is queued', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    expect(scaler.decide(0, pool({ accepting: 2, busy: 16, queuedTasks: 1 }))).toBe('up'); // exactly 0.8
    expect(scaler.decide(0, pool({ accepting: 2, busy: 19, queuedTasks: 5 }))).toBe('up');
    expect(scaler.decide(0, pool({ accepting: 2, busy: 15, queuedTasks: 5 }))).toBe('hold'); // 0.75
  });

  it('scales up at the threshold with nothing queued only when every slot is taken', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    expect(scaler.decide(0, pool({ accepting: 2, busy: 18 }))).toBe('hold');
    expect(scaler.decide(0, pool({ accepting: 2, busy: 20 }))).toBe('up');
  });

  it('never scales above maxAgents, counting agents still being provisioned', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    expect(scaler.decide(0, pool({ accepting: 3, busy: 30, queuedTasks: 9 }))).toBe('hold');
    expect(scaler.decide(0, pool({ accepting: 2, provisioning: 1, busy: 20, queuedTasks: 9 }))).toBe('hold');
    expect(scaler.decide(0, pool({ accepting: 1, provisioning: 1, busy: 10, queuedTasks: 9 }))).toBe('up');
  });

  it('scales down at or below the down threshold with nothing queued', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    expect(scaler.decide(0, pool({ accepting: 3, busy: 6 }))).toBe('down'); // exactly 0.2
    expect(scaler.decide(0, pool({ accepting: 3, busy: 0 }))).toBe('down');
    expect(scaler.decide(0, pool({ accepting: 3, busy: 7 }))).toBe('hold');
    expect(scaler.decide(0, pool({ accepting: 3, busy: 0, queuedTasks: 1 }))).toBe('hold');
  });

  it('never scales below minAgents (nor drains the last agent), and not while an agent is being provisioned', () => {
    expect(new PoolAutoscaler(CONFIG).decide(0, pool({ accepting: 1 }))).toBe('hold');
    expect(new PoolAutoscaler({ ...CONFIG, minAgents: 2 }).decide(0, pool({ accepting: 2 }))).toBe('hold');
    expect(new PoolAutoscaler({ ...CONFIG, minAgents: 0 }).decide(0, pool({ accepting: 1 }))).toBe('hold');
    expect(new PoolAutoscaler(CONFIG).decide(0, pool({ accepting: 2, provisioning: 1 }))).toBe('hold');
  });

  it('does not count draining agents towards the pool size', () => {
    const scaler = new PoolAutoscaler({ ...CONFIG, minAgents: 2 });
    expect(scaler.decide(0, pool({ accepting: 1, draining: 1 }))).toBe('up');
  });

  it('holds during the cooldown after an action, and acts again once it has passed', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    const loaded = pool({ accepting: 1, busy: 10, queuedTasks: 3 });
    expect(scaler.decide(100, loaded)).toBe('up');
    scaler.acted(100);
    expect(scaler.decide(110, loaded)).toBe('hold');
    expect(scaler.decide(129.999, loaded)).toBe('hold');
    expect(scaler.decide(130, loaded)).toBe('up');
    scaler.acted(130);
    const idle = pool({ accepting: 3 });
    expect(scaler.decide(150, idle)).toBe('hold');
    expect(scaler.decide(160, idle)).toBe('down');
  });

  it('acts below the minimum and above the maximum whatever the cooldown', () => {
    const scaler = new PoolAutoscaler(CONFIG);
    scaler.acted(100);
    expect(scaler.decide(101, pool({ accepting: 0 }))).toBe('up');
    expect(scaler.decide(101, pool({ accepting: 4, busy: 40, queuedTasks: 9 }))).toBe('down');
    expect(scaler.decide(101, pool({ accepting: 2, busy: 20, queuedTasks: 9 }))).toBe('hold');
  });

  it('treats a pool with no slots and queued work as fully busy', () => {
    const scaler = new PoolAutoscaler({ ...CONFIG, minAgents: 0 });
    expect(scaler.decide(0, pool({ accepting: 0, queuedTasks: 2 }))).toBe('up');
    expect(scaler.decide(0, pool({ accepting: 0 }))).toBe('hold');
  });
});

describe('assertAutoscalerConfig', () => {
  it('accepts a coherent configuration', () => {
    expect(() => assertAutoscalerConfig(CONFIG)).not.toThrow();
    expect(() => assertAutoscalerConfig({ ...CONFIG, minAgents: 0, maxAgents: 1, cooldownSeconds: 0 })).not.toThrow();
  });

  const bad: [string, Partial<AutoscalerConfig>, RegExp][] = [
    ['a negative minimum', { minAgents: -1 }, /minAgents/],
    ['a fractional minimum', { minAgents: 1.5 }, /minAgents/],
    ['a maximum below the minimum', { minAgents: 4, maxAgents: 3 }, /maxAgents/],
    ['a maximum of 0', { minAgents: 0, maxAgents: 0 }, /maxAgents/],
    ['a fractional maximum', { maxAgents: 2.5 }, /maxAgents/],
    ['a down threshold at the up threshold', { scaleDownUtilization: 0.8 }, /scaleDownUtilization/],
    ['an up threshold above 1', { scaleUpUtilization: 1.2 }, /scaleUpUtilization/],
    ['a negative down threshold', { scaleDownUtilization: -0.1 }, /scaleDownUtilization/],
    ['a negative cooldown', { cooldownSeconds: -1 }, /cooldownSeconds/],
    ['a zero interval', { intervalSeconds: 0 }, /intervalSeconds/],
    ['a NaN interval', { intervalSeconds: Number.NaN }, /intervalSeconds/],
  ];
  for (const [what, change, message] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => assertAutoscalerConfig({ ...CONFIG, ...change })).toThrow(message);
      expect(() => new PoolAutoscaler({ ...CONFIG, ...change })).toThrow(message);
    });
  }

  it('the engine refuses to start with a bad autoscaler', () => {
    expect(() => new Harness({ config: { autoscale: [{ ...CONFIG, maxAgents: 0 }] } })).toThrow(/maxAgents/);
  });
});

// ------------------------------------------------------------------ the scaler inside the engine

describe('autoscaling through the engine', () => {
  /** Seconds a provisioned agent takes to join. */
  const BOOT = 15;
  /** Seconds every task runs. */
  const WORK = 25;

  interface Run {
    readonly h: Harness;
    /** Joined pool agents that have not left, plus provisions not yet answered, at every second. */
    readonly sizes: number[];
  }

  /**
   * One pool agent at first; `tasks` tasks arrive at time 0, each running WORK seconds. The
   * driver answers each `provision` after BOOT seconds with a new pool agent, answers starts at
   * once, and steps the clock a second at a time until `until`.
   */
  function run(tasks: number, until: number): Run {
    const h = new Harness({ config: { autoscale: [CONFIG] }, agents: [{ id: 'w-0', pool: 'w' }] });
    for (let i = 0; i < tasks; i++) h.submit({ id: `t${i}` });
    let joined = 0;
    const sizes: number[] = [];
    for (let t = 0; t <= until; t++) {
      h.advanceTo(t);
      const provisions = h.commandsOf('provision');
      while (joined < provisions.length && provisions[joined]!.time + BOOT <= t) h.join({ id: `w-${++joined}`, pool: 'w' });
      h.drive();
      for (const attempt of h.liveAttempts()) {
        const task = h.engine.task(attempt.taskId)!;
        if (attempt.phase === 'started' && task.startedAt + WORK <= t) h.finish(attempt.taskId);
      }
      h.drive();
      const live = h.engine.agents.filter((a) => a.spec.pool === 'w' && a.accepting).length;
      sizes.push(live + provisions.length - joined);
    }
    return { h, sizes };
  }

  it('under load it provisions agents (provision commands and scaled events), never beyond maxAgents, at least a cooldown apart', () => {
    const { h, sizes } = run(12, 120);
    const ups = h.eventsOf('scaled').filter((e) => e.direction === 'up');
    expect(ups.length).toBeGreaterThan(0);
    expect(h.commandsOf('provision')).toHaveLength(ups.length);
    expect(h.commandsOf('provision').every((c) => c.pool === 'w')).toBe(true);
    expect(Math.max(...sizes)).toBe(CONFIG.maxAgents);
    expect(sizes.every((size) => size >= CONFIG.minAgents && size <= CONFIG.maxAgents)).toBe(true);
    const times = h.eventsOf('scaled').map((e) => e.time);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(CONFIG.cooldownSeconds);
    // Evaluations happen on the interval: every scaling action falls on a multiple of it.
    for (const time of times) expect(time % CONFIG.intervalSeconds).toBe(0);
    h.assertAll();
  });

  it('when idle it drains down to minAgents: the drained agents leave and are retired, and nothing is lost', () => {
    const { h, sizes } = run(12, 400);
    const downs = h.eventsOf('scaled').filter((e) => e.direction === 'down');
    expect(downs.length).toBe(CONFIG.maxAgents - CONFIG.minAgents);
    for (const down of downs) {
      const id: AgentId = down.agentId!;
      expect(h.eventsOf('agentDraining').map((e) => e.agentId)).toContain(id);
      expect(h.eventsOf('agentLeft').map((e) => e.agentId)).toContain(id);
      expect(h.commandsOf('retire').map((c) => c.agentId)).toContain(id);
    }
    expect(sizes.at(-1)).toBe(CONFIG.minAgents);
    expect(h.engine.agents.filter((a) => a.spec.pool === 'w' && a.accepting)).toHaveLength(CONFIG.minAgents);
    const times = h.eventsOf('scaled').map((e) => e.time);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(CONFIG.cooldownSeconds);
    expect(h.engine.counts()).toMatchObject({ submitted: 12, completed: 12, inFlight: 0 });
    h.assertAll();
  });

  it('once nothing is live and the pool is at its minimum, the evaluation timer stops; a new submission wakes it', () => {
    const { h } = run(12, 400);
    expect(h.timers.size).toBe(0);
    const before = h.commandsOf('setTimer').length;
    h.advance(1_000);
    h.submit({ id: 'wake' });
    const timers = h.commandsOf('setTimer').slice(before);
    expect(timers).toEqual([{ kind: 'setTimer', time: h.now, timerId: timers[0]!.timerId, at: h.now + CONFIG.intervalSeconds }]);
    h.runUntilQuiet();
    expect(h.state('wake')).toBe('completed');
    expect(h.timers.size).toBe(0);
    h.assertAll();
  });

  it('a pool agent joining wakes a sleeping scaler too', () => {
    const h = new Harness({ config: { autoscale: [CONFIG] }, agents: [{ id: 'w-0', pool: 'w' }] });
    h.runUntilQuiet();
    expect(h.timers.size).toBe(0);
    h.advance(50);
    h.join({ id: 'w-extra', pool: 'w' });
    expect(h.timers.size).toBe(1);
    h.runUntilQuiet(); // scales the extra agent away, then sleeps
    expect(h.eventsOf('scaled')).toMatchObject([{ direction: 'down' }]);
    expect(h.timers.size).toBe(0);
    h.assertAll();
  });

  it('a pool agent leaving wakes a sleeping scaler, which provisions back up to the minimum', () => {
    const h = new Harness({ config: { autoscale: [{ ...CONFIG, minAgents: 1 }] }, agents: [{ id: 'w-0', pool: 'w' }] });
    h.runUntilQuiet();
    expect(h.timers.size).toBe(0);
    h.advance(50);
    const leftAt = h.now;
    h.leave('w-0');
    expect(h.timers.size).toBe(1);
    h.advance(CONFIG.intervalSeconds);
    expect(h.commandsOf('provision').map((c) => c.time)).toEqual([leftAt + CONFIG.intervalSeconds]);
    h.assertAll();
  });

  it('provisions up to minAgents for an empty pool without waiting for the cooldown, then scales on load', () => {
    const h = new Harness({ config: { autoscale: [{ ...CONFIG, minAgents: 2 }] } });
    h.submit({ id: 't' });
    h.advance(CONFIG.intervalSeconds);
    expect(h.commandsOf('provision').map((c) => c.time)).toEqual([10]);
    h.advance(CONFIG.intervalSeconds); // still below the minimum (provisioning ones count): no cooldown
    expect(h.commandsOf('provision').map((c) => c.time)).toEqual([10, 20]);
    // At the minimum, with work queued and no slot yet: one more, but only after the cooldown.
    h.advanceTo(20 + CONFIG.cooldownSeconds - 1);
    expect(h.commandsOf('provision')).toHaveLength(2);
    h.advanceTo(20 + CONFIG.cooldownSeconds);
    expect(h.commandsOf('provision').map((c) => c.time)).toEqual([10, 20, 50]);
    h.advance(10 * CONFIG.intervalSeconds);
    expect(h.commandsOf('provision')).toHaveLength(CONFIG.maxAgents); // provisioning ones count against the maximum
    h.join({ id: 'w-1', pool: 'w' });
    expect(h.agentOf('t')).toBe('w-1');
    h.join({ id: 'w-2', pool: 'w' });
    h.join({ id: 'w-3', pool: 'w' });
    h.runUntilQuiet();
    expect(h.engine.agents.filter((a) => a.accepting)).toHaveLength(2);
    expect(h.timers.size).toBe(0);
    h.assertAll();
  });

  it('with minAgents 0, an idle pool keeps its last agent and the scaler still goes to sleep', () => {
    const h = new Harness({ config: { autoscale: [{ ...CONFIG, minAgents: 0 }] }, agents: [{ id: 'w-0', pool: 'w' }] });
    h.submit({ id: 't' });
    h.runUntilQuiet();
    expect(h.state('t')).toBe('completed');
    expect(h.timers.size).toBe(0);
    expect(h.agent('w-0').accepting).toBe(true);
    h.assertAll();
  });
});

// ------------------------------------------------------------------ failure memory

describe('FailureMemory', () => {
  it('remembers a failure of a type on an agent until it expires, and nothing else', () => {
    const memory = new FailureMemory(5, 100);
    expect(memory.enabled).toBe(true);
    memory.recordFailure(0, 'code', 10);
    expect(memory.avoids(0, 'code', 10)).toBe(true);
    expect(memory.avoids(0, 'code', 14.999)).toBe(true);
    expect(memory.avoids(0, 'code', 15)).toBe(false);
    expect(memory.avoids(1, 'code', 11)).toBe(false);
    expect(memory.avoids(0, 'review', 11)).toBe(false);
  });

  it('a new failure of the same pair extends the memory', () => {
    const memory = new FailureMemory(5, 100);
    memory.recordFailure(0, 'code', 0);
    memory.recordFailure(0, 'code', 4);
    expect(memory.size).toBe(1);
    expect(memory.avoids(0, 'code', 8)).toBe(true);
    expect(memory.avoids(0, 'code', 9)).toBe(false);
  });

  it('with seconds 0 it is disabled and remembers nothing', () => {
    const memory = new FailureMemory(0, 100);
    expect(memory.enabled).toBe(false);
    memory.recordFailure(0, 'code', 0);
    expect(memory.size).toBe(0);
    expect(memory.avoids(0, 'code', 0)).toBe(false);
  });

  it('holds at most maxEntries pairs, forgetting the one that expires first', () => {
    const memory = new FailureMemory(100, 2);
    memory.recordFailure(0, 'code', 0);
    memory.recordFailure(1, 'code', 1);
    memory.recordFailure(0, 'code', 2); // refreshed: now expires last
    memory.recordFailure(2, 'code', 3); // full: agent 1's entry expires first and goes
    expect(memory.size).toBe(2);
    expect(memory.avoids(1, 'code', 4)).toBe(false);
    expect(memory.avoids(0, 'code', 4)).toBe(true);
    expect(memory.avoids(2, 'code', 4)).toBe(true);
  });

  it('sweeps expired pairs before evicting a live one', () => {
    const memory = new FailureMemory(5, 3);
    memory.recordFailure(0, 'code', 0);
    memory.recordFailure(1, 'code', 1);
    memory.recordFailure(2, 'code', 10);
    memory.recordFailure(3, 'code', 11); // full: the two expired pairs are swept, none live is evicted
    expect(memory.size).toBe(2);
    expect(memory.avoids(2, 'code', 12)).toBe(true);
    expect(memory.avoids(3, 'code', 12)).toBe(true);
  });

  it('stays within its bound under many failures', () => {
    const memory = new FailureMemory(1_000, 16);
    for (let i = 0; i < 500; i++) {
      memory.recordFailure(i % 37, `type${i % 5}`, i);
      expect(memory.size).toBeLessThanOrEqual(16);
    }
    expect(memory.avoids(499 % 37, `type${499 % 5}`, 499)).toBe(true);
  });

  it('rejects negative seconds and a bound below 1', () => {
    expect(() => new FailureMemory(-1, 10)).toThrow(/seconds/);
    expect(() => new FailureMemory(Number.NaN, 10)).toThrow(/seconds/);
    expect(() => new FailureMemory(5, 0)).toThrow(/maxEntries/);
    expect(() => new FailureMemory(5, 1.5)).toThrow(/maxEntries/);
  });
});

// ------------------------------------------------------------------ token bucket

describe('TokenBucket', () => {
  it('starts full: a burst is admitted at once, then nothing until it refills', () => {
    const bucket = new TokenBucket(1, 3);
    expect([0, 1, 2, 3].map(() => bucket.tryTake(0))).toEqual([true, true, true, false]);
  });

  it('refills at ratePerSecond, fractions included', () => {
    const bucket = new TokenBucket(2, 1);
    expect(bucket.tryTake(0)).toBe(true);
    expect(bucket.tryTake(0.25)).toBe(false); // half a token
    expect(bucket.tryTake(0.5)).toBe(true); // the refused take kept the half
    expect(bucket.tryTake(0.5)).toBe(false);
  });

  it('never holds more than the burst, however long it waited', () => {
    const bucket = new TokenBucket(10, 2);
    bucket.tryTake(0);
    const taken = [0, 1, 2].map(() => bucket.tryTake(1_000));
    expect(taken).toEqual([true, true, false]);
  });

  it('never refuses when the rate is infinite', () => {
    const bucket = new TokenBucket(Number.POSITIVE_INFINITY, 1);
    expect(bucket.unlimited).toBe(true);
    for (let i = 0; i < 100; i++) expect(bucket.tryTake(0)).toBe(true);
  });

  it('rejects a rate that is not positive and a burst below 1 or infinite', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket(-1, 1)).toThrow(/ratePerSecond/);
    expect(() => new TokenBucket(1, 0.5)).toThrow(/burst/);
    expect(() => new TokenBucket(1, Number.POSITIVE_INFINITY)).toThrow(/burst/);
  });
});
