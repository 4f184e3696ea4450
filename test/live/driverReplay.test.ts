/**
 * Replaying a journal reaches the state of the process that wrote it: every library scenario
 * (its first strategy, shortened as in the conformance suite) and three scenarios of what the
 * library leaves out (operations, broadcast offers with duplicate claims, offer timeouts, all
 * strategies) run through the live driver with emulated agents on a manual clock, their
 * inputs recorded in the write-ahead log's line format; a recovering driver then replays those
 * lines into a fresh engine, which must emit the same events byte for byte and end with the
 * same ledger and live tasks. Recovery rests on this.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventRecord } from '../../src/engine/eventRecord.js';
import { ManualClock } from '../../src/live/clock.js';
import { createLiveDriver } from '../../src/live/driver.js';
import type { Journal } from '../../src/live/journal.js';
import { runLive } from '../../src/live/runLive.js';
import { formatEntry, parseEntry } from '../../src/live/walFormat.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { createRunEngine } from '../../src/sim/runEngine.js';
import type { EngineInput } from '../../src/engine/messages.js';

/** Keeps the log's lines in memory. */
class LineJournal implements Journal {
  readonly lines: string[] = [];
  append(input: EngineInput): number {
    this.lines.push(formatEntry(this.lines.length + 1, input));
    return this.lines.length;
  }
  get appendedSeq(): number {
    return this.lines.length;
  }
  get durableSeq(): number {
    return this.lines.length;
  }
  whenDurable(): Promise<void> {
    return Promise.resolve();
  }
}

const HORIZON_SECONDS: Readonly<Record<string, number>> = { 'identical-high-load': 20, 'mmc-check': 300, 'small-vs-large': 400, 'pause-and-drain': 3_300, 'autoscaled-burst': 2_400 };

function shortened(scenario: Scenario): Scenario {
  if (Number.isFinite(scenario.stop.tasks) && scenario.stop.timeSeconds === Number.POSITIVE_INFINITY) {
    return { ...scenario, stop: { ...scenario.stop, tasks: Math.min(scenario.stop.tasks, 400) } };
  }
  return { ...scenario, stop: { ...scenario.stop, timeSeconds: Math.min(scenario.stop.timeSeconds, HORIZON_SECONDS[scenario.name] ?? 1_200) } };
}

const FEATURE_SCENARIOS: readonly Scenario[] = [
  parseScenario(`
name: replay-operations
seed: 5
stop: { time: 600 }
engine: { preemption: pause-lowest, retry: { maxRetries: 2, backoff: { base: 1, jitter: 0.2 } } }
agentModel: { serviceTimeCv: 0.5 }
agents:
  - { pool: coder, count: 3, capacity: 1, speed: 100, skills: { code: 1, review: 1, urgent: 1, long: 1 }, failureRate: 0.1 }
workload:
  arrivals: { process: poisson, rate: 0.8 }
  tasks:
    - { type: code, weight: 6, tokens: { dist: exponential, mean: 100 }, priority: 3, timeout: 3, ttl: 8 }
    - { type: review, weight: 3, tokens: { dist: exponential, mean: 100 }, priority: 2 }
    - { type: urgent, weight: 1, tokens: { dist: exponential, mean: 30 }, priority: 0 }
  jobs:
    - { id: big, at: 10, type: long, tokens: 20000, priority: 3 }
    - { id: doomed, at: 20, type: code, tokens: 5000, timeout: 1, maxRetries: 0 }
    - { id: after-doomed, at: 20, type: review, tokens: 100, dependsOn: [{ id: doomed, onFailure: cascade-fail }] }
operations:
  - { at: 50, op: pause, task: big }
  - { at: 80, op: resume, task: big }
  - { at: 100, op: pause-type, type: review }
  - { at: 150, op: set-priority, type: review, priority: 1 }
  - { at: 250, op: resume-type, type: review }
  - { at: 300, op: drain, agent: coder-1 }
  - { at: 350, op: remove, agent: coder-2 }
  - { at: 400, op: add, like: coder, count: 2 }
strategies: [least-connections, round-robin]`, 'replay-operations.yaml'),
  parseScenario(`
name: replay-broadcast
seed: 9
stop: { time: 300 }
engine: { delegation: { mode: broadcast, offerTimeout: 2 } }
agentModel: { offerResponseSeconds: 1, rejectBase: 0.2, rejectLoad: 0.3 }
agents:
  - { pool: a, count: 4, capacity: 2, speed: 100, skills: { job: 1 } }
  - { id: slow, capacity: 2, speed: 100, skills: { job: 1 }, model: { offerResponseSeconds: 2 } }
workload:
  arrivals: { process: poisson, rate: 3 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, contextTokens: 500, contextKeys: { count: 5, zipf: 1 } }]
strategies: [least-connections, random]`, 'replay-broadcast.yaml'),
  parseScenario(`
name: replay-offers
seed: 3
stop: { time: 300 }
engine: { delegation: { mode: offer, offerTimeout: 2, maxOffers: 4 } }
agentModel: { offerResponseSeconds: 2, rejectBase: 0.1, rejectLoad: 0.3 }
agents:
  - { pool: a, count: 3, capacity: 2, speed: 100, skills: { job: 1 } }
  - { id: slow, capacity: 2, speed: 100, skills: { job: 1 }, model: { offerResponseSeconds: 3 } }
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [round-robin]`, 'replay-offers.yaml'),
];

const CASES: readonly { readonly scenario: Scenario; readonly strategies: Scenario['strategies'] }[] = [
  ...readdirSync('scenarios').filter((file) => file.endsWith('.yaml')).sort().map((file) => {
    const scenario = shortened(loadScenario(`scenarios/${file}`));
    return { scenario, strategies: scenario.strategies.slice(0, 1) };
  }),
  ...FEATURE_SCENARIOS.map((scenario) => ({ scenario, strategies: scenario.strategies })),
];

const seen = new Set<string>();

describe('a recovering driver replaying the log of a run', () => {
  for (const { scenario, strategies } of CASES) {
    for (const strategy of strategies) {
      it(`${scenario.name} / ${strategy.label}: reaches the same events, ledger and live tasks`, async () => {
        const journal = new LineJournal();
        const original: string[] = [];
        let liveTasks: string[] = [];
        const result = await runLive({
          scenario, strategy, replication: 0,
          onEvent: (event) => original.push(JSON.stringify(eventRecord(event))),
        }, { journal });
        const replayedEvents: string[] = [];
        const { engine } = createRunEngine({ scenario, strategy, replication: 0, onEvent: (event) => replayedEvents.push(JSON.stringify(eventRecord(event))) });
        const driver = createLiveDriver({ engine, clock: new ManualClock(), connector: { start: () => Promise.reject(new Error('replay delivers nothing')) }, recovering: true });
        for (const line of journal.lines) driver.replay(parseEntry(line).input);
        liveTasks = [...engine.liveTasks()].map((task) => `${task.spec.id}:${task.state}:${task.attempt}`);
        expect(replayedEvents.length).toBe(original.length);
        const firstDifference = replayedEvents.findIndex((line, i) => line !== original[i]);
        expect(firstDifference, `event ${firstDifference}: ${original[firstDifference]} replayed as ${replayedEvents[firstDifference]}`).toBe(-1);
        expect({ ...engine.counts() }).toEqual(result.counts);
        expect(liveTasks.length).toBe(result.counts.inFlight);
        for (const line of original) for (const kind of ['duplicateClaim', 'offerAnswered', 'staleResult', '"to":"paused"', 'scaled']) if (line.includes(kind)) seen.add(kind);
      });
    }
  }

  it('covered duplicate claims, offers, stale results, pauses and autoscaling on the way', () => {
    expect([...seen].sort()).toEqual(['"to":"paused"', 'duplicateClaim', 'offerAnswered', 'scaled', 'staleResult']);
  });
});
