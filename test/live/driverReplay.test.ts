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
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { createRunEngine } from '../../src/sim/runEngine.js';
import type { EngineInput } from '../../src/engine/messages.js';
import { featureScenarios } from '../support/featureScenarios.js';

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

const FEATURE = featureScenarios({ prefix: 'replay', drain: false });
const FEATURE_SCENARIOS: readonly Scenario[] = [FEATURE.operations, FEATURE.broadcast, FEATURE.offers];

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
