/**
 * `Engine.advanceGeneration` (src/engine/generation.ts), what a compaction does to the running
 * engine, is specified by the restore it replaces: after it, the engine must behave exactly as
 * `restoreEngine(options, snapshot)` from a JSON copy of its snapshot at that point, which is
 * what a process recovering from the snapshot file builds. Two engines, one moved in place and
 * one restored, are fed the same inputs and must emit the same events and commands and take
 * the same snapshots, byte for byte: on every library scenario and strategy (cut at three
 * points), and, TigerBeetle-style, on random input sequences of the engine property swarm
 * (submissions with dependencies, TTLs and timeouts, starts, finishes, failures, offers and
 * late answers, timers, operators' actions, agents joining, leaving and provisioned) with new
 * generations at random points. The snapshot a compaction writes is taken before the switch and
 * serialised later: it must not change while the engine goes on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../../src/engine/engine.js';
import type { EngineInput } from '../../src/engine/messages.js';
import type { EngineSnapshot } from '../../src/engine/snapshotFormat.js';
import { snapshotJson } from '../../src/live/snapshotText.js';
import type { Scenario } from '../../src/scenario/types.js';
import { findStrategy, STRATEGIES } from '../../src/strategies/index.js';
import { featureScenarios } from '../support/featureScenarios.js';
import { CountedStream, FedEngine, libraryScenarios, recordRun } from '../support/recordedRun.js';
import { Run, scenarioArb, type Scenario as SwarmScenario } from '../support/swarm.js';

/** Operations, pauses, preemption, timeouts, TTLs, retries and a dependency cascade; broadcast offers. */
const FEATURE = featureScenarios({ prefix: 'generation', drain: true, operationsEngine: 'failureMemory: { seconds: 30 }, ingress: { rate: 2, burst: 3 }' });

/** The next generation's generators, seeded otherwise than the first's. */
function nextStreams(scenario: Scenario): { strategy: CountedStream; engine: CountedStream } {
  return { strategy: new CountedStream(scenario.seed + 1, 'strategy'), engine: new CountedStream(scenario.seed + 1, 'engine') };
}

/**
 * Feeds `inputs[0, cut)` to an engine, then moves it to the next generation in place and
 * restores another from the JSON of its snapshot there; feeds both the rest. Returns them with
 * the snapshot's JSON.
 */
function splitAt(scenario: Scenario, inputs: readonly EngineInput[], cut: number, strategy = scenario.strategies[0]!): { inPlace: FedEngine; restored: FedEngine; text: string } {
  const original = new FedEngine(scenario, strategy);
  original.feed(inputs.slice(0, cut));
  const text = JSON.stringify(original.engine.snapshot());
  const restored = new FedEngine(scenario, strategy, nextStreams(scenario), JSON.parse(text) as EngineSnapshot);
  const inPlace = new FedEngine(scenario, strategy, nextStreams(scenario), (options: EngineOptions) => {
    original.engine.advanceGeneration(options);
    return original.engine;
  });
  // The same state to the byte: the lists a snapshot leaves settled tasks out of are canonical.
  expect(JSON.stringify(inPlace.engine.snapshot())).toBe(text);
  restored.feed(inputs.slice(cut));
  inPlace.feed(inputs.slice(cut));
  return { inPlace, restored, text };
}

describe('an engine moved to the next generation in place', () => {
  const scenarios = [...libraryScenarios(), FEATURE.operations, FEATURE.broadcast];
  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      for (const strategy of scenario.strategies) {
        it(`${strategy.label}: goes on exactly as one restored from its snapshot's JSON`, () => {
          const run = recordRun(scenario, strategy);
          let tailEvents = 0;
          for (const share of [0.25, 0.5, 0.8]) {
            const { inPlace, restored } = splitAt(scenario, run.inputs, Math.floor(run.inputs.length * share), strategy);
            expect(inPlace.lines).toStrictEqual(restored.lines);
            expect(inPlace.commands).toStrictEqual(restored.commands);
            expect(JSON.stringify(inPlace.engine.snapshot())).toBe(JSON.stringify(restored.engine.snapshot()));
            tailEvents += inPlace.lines.length;
          }
          // A comparison of nothing proves nothing.
          expect(tailEvents).toBeGreaterThan(10);
        });
      }
    });
  }
});

describe('a compaction\'s snapshot (Engine.compactionSnapshot)', () => {
  // A settled memory of 7 ids wraps many times over the run.
  const base = FEATURE.operations;
  const scenario: Scenario = { ...base, engine: { ...base.engine, settledMemory: 7 } };

  it('is the whole snapshot, and serialised after the engine went on it is still the state it was taken in', async () => {
    const run = recordRun(scenario, scenario.strategies[0]!);
    const cut = Math.floor(run.inputs.length / 2);
    const fed = new FedEngine(scenario, scenario.strategies[0]!);
    fed.feed(run.inputs.slice(0, cut));
    const whole = JSON.stringify(fed.engine.snapshot());
    const capture = fed.engine.compactionSnapshot();
    expect(capture.head.tasks).toStrictEqual([]);
    expect(capture.head.settled).toStrictEqual([]);
    expect(capture.tasks.length).toBeGreaterThan(1);
    expect(capture.settled.ids.length).toBe(7);
    // As a compaction does: the switch, then the rest of the run, then the JSON.
    const next = new FedEngine(scenario, scenario.strategies[0]!, nextStreams(scenario), (options) => {
      fed.engine.advanceGeneration(options);
      return fed.engine;
    });
    next.feed(run.inputs.slice(cut));
    expect(JSON.stringify(next.engine.snapshot())).not.toBe(whole);
    // Written a few tasks and settled entries per turn.
    expect(JSON.parse(await snapshotJson(capture, { tasksPerTurn: 2, settledPerTurn: 3 }))).toStrictEqual(JSON.parse(whole));
  });

  it('refuses a generation with other settings, or with commands not polled', () => {
    const fed = new FedEngine(scenario, scenario.strategies[0]!);
    const options = (config = scenario.engine): EngineOptions => ({
      config, strategy: findStrategy(scenario.strategies[0]!.name)!.create({}), strategyRandom: () => 0.5, engineRandom: () => 0.5,
    });
    expect(() => fed.engine.advanceGeneration(options({ ...scenario.engine, settledMemory: 8 }))).toThrow('config differs');
    expect(() => fed.engine.advanceGeneration(options({ ...scenario.engine, settledMemory: Number.POSITIVE_INFINITY }))).toThrow('config differs');
    fed.engine.agentJoined(0, { id: 'a', capacity: 1, skills: {}, tags: [] } as never);
    fed.engine.submit(0, { id: 't', type: 'code', priority: 2, tokens: 1, contextTokens: 0 });
    expect(() => fed.engine.advanceGeneration(options())).toThrow('waiting to be polled');
  });
});

/** Fixed so CI is deterministic. */
const PROPERTY_SEED = 1111;
const PROPERTY_RUNS = 25;

/** Drives `scenario`'s inputs, calling `switchAt` before each input whose index is in `points` and at the end; what was emitted, and the snapshot after every input. */
function drive(scenario: SwarmScenario, points: readonly number[], switchAt: (run: Run, seed: string) => void): { trace: string[]; events: string; commands: string } {
  const run = new Run(scenario);
  const trace: string[] = [];
  scenario.ops.forEach((op, i) => {
    if (points.includes(i)) switchAt(run, `${scenario.seed}/${i}`);
    run.apply(op);
    trace.push(JSON.stringify(run.h.engine.snapshot()));
  });
  switchAt(run, `${scenario.seed}/end`);
  run.checkLiveness();
  trace.push(JSON.stringify(run.h.engine.snapshot()));
  return { trace, events: JSON.stringify(run.h.events), commands: JSON.stringify(run.h.commands) };
}

describe('new generations at random points of random runs (the engine property swarm)', () => {
  describe.each(STRATEGIES.map((d) => d.name))('with %s', (name) => {
    it('in place and restored from JSON, emit the same events and commands and take the same snapshots', () => {
      const arb = fc.tuple(scenarioArb(name), fc.array(fc.nat(80), { minLength: 1, maxLength: 3 }));
      fc.assert(fc.property(arb, ([scenario, points]) => {
        const restored = drive(scenario, points, (run, seed) => void run.h.restart(seed));
        const inPlace = drive(scenario, points, (run, seed) => run.h.advanceGeneration(seed));
        expect(inPlace.trace).toStrictEqual(restored.trace);
        expect(inPlace.events).toBe(restored.events);
        expect(inPlace.commands).toBe(restored.commands);
      }), { seed: PROPERTY_SEED, numRuns: PROPERTY_RUNS });
    });
  });
});
