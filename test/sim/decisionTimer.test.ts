/**
 * The decision timer: one routing decision in N is timed between the engine's `begin` and `end`,
 * and what it times is everything the engine does to route the task, the engine's follow-up
 * (stealing under early binding) as well as the strategy's pick.
 */
import { describe, expect, it } from 'vitest';
import { defaultEngineConfig } from '../../src/engine/config.js';
import { createEngine, type Engine, type RouteProbe } from '../../src/engine/engine.js';
import type { Binding, Strategy } from '../../src/engine/strategy.js';
import { DecisionTimer, decisionTiming } from '../../src/sim/decisionTimer.js';
import { agentSpec, taskSpec } from '../support/harness.js';

/** Busy-waits `ms` milliseconds of wall clock (work that is known to be slow). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // wait
  }
}

/** Brackets `count` decisions, each spinning `ms(i)` milliseconds. */
function decide(timer: DecisionTimer, count: number, ms: (i: number) => number = () => 0): void {
  for (let i = 0; i < count; i++) {
    const timed = timer.begin();
    if (ms(i) > 0) spin(ms(i));
    if (timed) timer.end();
  }
}

/** Picks the first agent with a free slot. */
const firstFree: Strategy = { name: 'first-free', pickAgent: (_task, ctx) => ctx.fleet.agents.find((a) => a.active < a.spec.capacity) };

function engineWith(strategy: Strategy, binding: Binding, timer: DecisionTimer, agents: number): Engine {
  const engine = createEngine({
    config: { ...defaultEngineConfig(), binding }, strategy, routeProbe: timer,
    strategyRandom: () => 0, engineRandom: () => 0.5,
  });
  for (let i = 0; i < agents; i++) engine.agentJoined(0, agentSpec({ id: `a${i}` }));
  return engine;
}

describe('DecisionTimer', () => {
  it('samples one decision in N: decisions 0, N, 2N, …', () => {
    for (const [every, calls, sampled] of [[1, 5, 5], [4, 10, 3], [4, 12, 3], [4, 13, 4], [64, 63, 1]] as const) {
      const timer = new DecisionTimer(every);
      decide(timer, calls);
      const summary = timer.summary();
      expect([summary.decisions, summary.sampled]).toEqual([calls, sampled]);
    }
  });

  it('begin says which decisions are timed: 0, N, 2N, … and no other', () => {
    const timer = new DecisionTimer(4);
    const timed = Array.from({ length: 10 }, () => {
      const sampled = timer.begin();
      if (sampled) timer.end();
      return sampled;
    });
    expect(timed).toEqual([true, false, false, false, true, false, false, false, true, false]);
    expect(timer.decisionCount).toBe(10);
  });

  for (const binding of ['late', 'early'] as const) {
    it(`${binding} binding: the engine ends only the decisions whose begin said they are timed`, () => {
      const calls: string[] = [];
      let begun = 0;
      const probe: RouteProbe = {
        begin: () => {
          calls.push('begin');
          return begun++ % 2 === 0;
        },
        end: () => void calls.push('end'),
      };
      const engine = createEngine({
        config: { ...defaultEngineConfig(), binding }, strategy: firstFree, routeProbe: probe,
        strategyRandom: () => 0, engineRandom: () => 0.5,
      });
      for (let i = 0; i < 4; i++) engine.agentJoined(0, agentSpec({ id: `a${i}` }));
      for (let i = 0; i < 4; i++) engine.submit(0, taskSpec({ id: `t${i}` }));
      expect(calls).toEqual(['begin', 'end', 'begin', 'begin', 'end', 'begin']);
    });
  }

  it('times exactly the sampled decisions, in microseconds', () => {
    // Only decisions 0, 3, 6 and 9 are slow (≥ 0.5 ms); with sampleEvery 3 every sample must be ≥ 500 µs.
    const timer = new DecisionTimer(3);
    decide(timer, 10, (i) => (i % 3 === 0 ? 0.5 : 0));
    const summary = timer.summary();
    expect(summary.sampled).toBe(4);
    expect(summary.p50Us!).toBeGreaterThanOrEqual(500);
  });

  it('reports p50 ≤ p95 ≤ p99 ≤ p99.9, the tail from the slowest samples', () => {
    const samples = Array.from({ length: 2000 }, (_, i) => (i === 1999 ? 1000 : i === 1998 ? 500 : 1 + (i % 10)));
    const timing = decisionTiming(5000, samples);
    expect(timing).toMatchObject({ decisions: 5000, sampled: 2000 });
    expect(timing.p50Us!).toBeLessThanOrEqual(timing.p95Us!);
    expect(timing.p95Us!).toBeLessThanOrEqual(timing.p99Us!);
    expect(timing.p99Us!).toBeLessThanOrEqual(timing.p999Us!);
    expect(timing.p99Us!).toBeLessThanOrEqual(10);
    expect(timing.p999Us!).toBeGreaterThan(10); // two samples in 2,000 reach past the 99.9th percentile
  });

  it('quantiles are null before any sample', () => {
    const timer = new DecisionTimer(5);
    expect(timer.summary()).toEqual({ decisions: 0, sampled: 0, p50Us: null, p95Us: null, p99Us: null, p999Us: null });
  });

  it('keeps every sample beyond its initial 1024 slots', () => {
    const timer = new DecisionTimer(1);
    decide(timer, 3000);
    expect(timer.summary()).toMatchObject({ decisions: 3000, sampled: 3000 });
  });

  it('rejects a sampling interval that is not an integer of at least 1', () => {
    for (const every of [0, -1, 1.5, Number.NaN]) expect(() => new DecisionTimer(every)).toThrow(/sampleEvery/);
  });

  it('late binding: the engine brackets each pick, and the pick is what costs', () => {
    const timer = new DecisionTimer(1);
    const slowPick: Strategy = { name: 'slow-pick', pickAgent: (_task, ctx) => (spin(0.5), ctx.fleet.agents.find((a) => a.active < a.spec.capacity)) };
    const engine = engineWith(slowPick, 'late', timer, 3);
    for (let i = 0; i < 3; i++) engine.submit(0, taskSpec({ id: `t${i}` }));
    const summary = timer.summary();
    expect(summary.decisions).toBe(3);
    expect(summary.p50Us!).toBeGreaterThanOrEqual(500);
  });

  it('early binding: a routed task is charged the stealing it sets off, not only the pick', () => {
    // The pick is instant and always the first agent; stealing spins 1 ms. With agent a1 idle
    // and hungry, the second task left waiting on a0 wakes it: that decision costs ≥ 1 ms.
    const timer = new DecisionTimer(1);
    let steals = 0;
    const slowThief: Strategy = {
      name: 'slow-thief',
      pickAgent: (_task, ctx) => ctx.fleet.agents[0],
      steal: (thief, ctx) => {
        spin(1);
        const loot = ctx.fleet.agents.filter((a) => a !== thief).map((a) => ctx.fleet.lastQueued!(a)).find((t) => t !== undefined);
        if (loot !== undefined) steals++;
        return loot;
      },
    };
    const engine = engineWith(slowThief, 'early', timer, 2);
    const before = timer.decisionCount;
    engine.submit(0, taskSpec({ id: 't0' })); // starts on a0 at once
    engine.submit(0, taskSpec({ id: 't1' })); // waits on a0: a1 steals it
    expect(steals).toBe(1);
    expect(timer.decisionCount - before).toBe(2);
    const costs = timer.samplesUs().slice(-1);
    expect(costs[0]!).toBeGreaterThanOrEqual(1000);
  });
});
