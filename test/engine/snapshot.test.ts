/**
 * Engine snapshots: a snapshot taken mid-run, written as JSON and read back, restores an engine
 * in the same state (its own snapshot is the same, to the byte), which goes on as the original
 * would: exactly so under strategies that learn nothing from history, and always without losing
 * or completing twice any task.
 *
 * The runs are the library's scenarios (shortened) and a few that exercise what the library
 * leaves out, recorded as the input log a live service writes (test/support/recordedRun.ts),
 * cut at several points: the original engine is fed the whole log, the restored one the tail.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { EngineSnapshot } from '../../src/engine/snapshot.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import type { Scenario, StrategyChoice } from '../../src/scenario/types.js';
import { FedEngine, recordRun, type RecordedRun } from '../support/recordedRun.js';

const LIBRARY = 'scenarios';
/** Stop times that keep each recorded run to a few thousand inputs (as the conformance tests). */
const HORIZON_SECONDS: Readonly<Record<string, number>> = {
  'identical-high-load': 20, 'mmc-check': 300, 'small-vs-large': 400, 'pause-and-drain': 3_300, 'autoscaled-burst': 2_400,
};
const DEFAULT_HORIZON_SECONDS = 600;
const MAX_TASKS = 400;

/**
 * Strategies whose decisions depend only on the fleet's and the task's current state (and the
 * strategy's generator): a restored engine under them continues exactly as the original. The
 * others restart what they learned (restoreEngine's TSDoc lists it).
 */
const EXACT = new Set([
  'least-connections', 'least-work-left', 'join-shortest-queue', 'skill-weighted', 'capability-match', 'deadline-aware',
  'least-loaded-tokens', 'work-stealing', 'consistent-hash',
]);

function shortened(scenario: Scenario): Scenario {
  if (Number.isFinite(scenario.stop.tasks) && scenario.stop.timeSeconds === Number.POSITIVE_INFINITY) {
    return { ...scenario, stop: { ...scenario.stop, tasks: Math.min(scenario.stop.tasks, MAX_TASKS) } };
  }
  const horizon = HORIZON_SECONDS[scenario.name] ?? DEFAULT_HORIZON_SECONDS;
  return { ...scenario, stop: { ...scenario.stop, timeSeconds: Math.min(scenario.stop.timeSeconds, horizon) } };
}

/** Operations, pauses, preemption, timeouts, TTLs, retries and a dependency cascade; broadcast offers. */
const FEATURE_SCENARIOS: readonly Scenario[] = [
  parseScenario(`
name: snapshot-operations
seed: 5
stop: { time: 600, drain: true }
engine: { preemption: pause-lowest, retry: { maxRetries: 2, backoff: { base: 1, jitter: 0.2 } }, failureMemory: { seconds: 30 }, ingress: { rate: 2, burst: 3 } }
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
strategies: [least-connections, round-robin]`, 'snapshot-operations.yaml'),
  parseScenario(`
name: snapshot-broadcast
seed: 9
stop: { time: 300, drain: true }
engine: { delegation: { mode: broadcast, offerTimeout: 2 } }
agentModel: { offerResponseSeconds: 1, rejectBase: 0.2, rejectLoad: 0.3 }
agents:
  - { pool: a, count: 4, capacity: 2, speed: 100, skills: { job: 1 } }
  - { id: slow, capacity: 2, speed: 100, skills: { job: 1 }, model: { offerResponseSeconds: 2 } }
workload:
  arrivals: { process: poisson, rate: 3 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, contextTokens: 500, contextKeys: { count: 5, zipf: 1 } }]
strategies: [least-connections, random]`, 'snapshot-broadcast.yaml'),
];

/** What a driver reads of a live task, by id, in submission order. */
function views(engine: Engine): unknown[] {
  return [...engine.liveTasks()].sort((a, b) => a.seq - b.seq).map((t) => ({
    id: t.spec.id, state: t.state, seq: t.seq, submittedAt: t.submittedAt, attempt: t.attempt, agentIndex: t.agentIndex,
    startedAt: t.startedAt, failureReason: t.failureReason, priority: t.priority, offers: t.offers, rejectionReason: t.rejectionReason,
  }));
}

/** The attempts and offers an engine waits on, by id. */
function waitingOn(engine: Engine): unknown {
  return {
    attempts: engine.openAttempts().map((a) => `${a.task.spec.id}#${a.attempt}@${a.agent.spec.id}:${a.task.state}`),
    offers: engine.openOffers().map((o) => `${o.task.spec.id}#${o.offer}@${o.agent.spec.id}`),
    timers: engine.pendingTimers(),
  };
}

/** Final transitions per task over event lines: none may have two. */
function finalsPerTask(lines: readonly string[]): Map<string, number> {
  const finals = new Map<string, number>();
  for (const line of lines) {
    const event = JSON.parse(line) as { kind: string; task?: string; to?: string };
    if (event.kind === 'transition' && ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'].includes(event.to!)) {
      finals.set(event.task!, (finals.get(event.task!) ?? 0) + 1);
    }
  }
  return finals;
}

/** Cuts the run at input `cut`, restores from a JSON copy of the snapshot there, and feeds both engines the tail. */
function cutAndResume(scenario: Scenario, strategy: StrategyChoice, run: RecordedRun, cut: number): { original: FedEngine; restored: FedEngine; prefixLines: number; prefixCommands: number } {
  const original = new FedEngine(scenario, strategy);
  original.feed(run.inputs.slice(0, cut));
  const text = JSON.stringify(original.engine.snapshot());
  const snapshot = JSON.parse(text) as EngineSnapshot;
  const streams = { strategy: original.streams.strategy.copy(), engine: original.streams.engine.copy() };
  const restored = new FedEngine(scenario, strategy, streams, snapshot);
  // Idempotent: the restored engine's snapshot is the original's, to the byte.
  expect(JSON.stringify(restored.engine.snapshot())).toBe(text);
  expect(restored.engine.counts()).toStrictEqual(original.engine.counts());
  expect(views(restored.engine)).toStrictEqual(views(original.engine));
  expect(waitingOn(restored.engine)).toStrictEqual(waitingOn(original.engine));
  const prefixLines = original.lines.length;
  const prefixCommands = original.commands.length;
  const tail = run.inputs.slice(cut);
  original.feed(tail);
  restored.feed(tail);
  return { original, restored, prefixLines, prefixCommands };
}

const files = readdirSync(LIBRARY).filter((file) => file.endsWith('.yaml')).sort();

describe('a snapshot taken mid-run', () => {
  const scenarios = [...files.map((file) => shortened(loadScenario(`${LIBRARY}/${file}`))), ...FEATURE_SCENARIOS];
  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      for (const strategy of scenario.strategies) {
        it(`${strategy.label}: restores the same state, which goes on ${EXACT.has(strategy.name) ? 'exactly as the original' : 'losing nothing'}`, () => {
          const run = recordRun(scenario, strategy);
          expect(run.inputs.length).toBeGreaterThan(50);
          for (const share of [0.25, 0.5, 0.8]) {
            const cut = Math.floor(run.inputs.length * share);
            const { original, restored, prefixLines, prefixCommands } = cutAndResume(scenario, strategy, run, cut);
            // The log replayed into a fresh engine is the simulated run, event for event. (Not under
            // broadcast: the simulator names a task by its view, and a late claim of a task that
            // settled is then a duplicateClaim; named by id, as in a log, it is a staleResult.)
            if (scenario.engine.delegation.mode !== 'broadcast') expect(original.lines).toStrictEqual(run.lines);
            const counts = restored.engine.counts();
            expect(counts.submitted).toBe(counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight);
            expect(counts.submitted).toBe(original.engine.counts().submitted);
            const finals = finalsPerTask([...original.lines.slice(0, prefixLines), ...restored.lines]);
            expect([...finals].filter(([, n]) => n > 1)).toStrictEqual([]);
            expect(finals.size).toBe(counts.submitted - counts.inFlight);
            if (EXACT.has(strategy.name)) {
              expect(restored.lines).toStrictEqual(original.lines.slice(prefixLines));
              expect(restored.commands).toStrictEqual(original.commands.slice(prefixCommands));
              expect(JSON.stringify(restored.engine.snapshot())).toBe(JSON.stringify(original.engine.snapshot()));
            }
          }
        });
      }
    });
  }
});
