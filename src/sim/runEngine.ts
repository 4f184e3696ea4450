/**
 * What every driver of a scenario run builds the same way: the engine with its strategy and
 * seeded streams, the metrics collector folding its events, and the checks at the end. Shared
 * by the simulator and the live driver's conformance runs, so both measure alike.
 */
import { createEngine, type Engine, type TaskCounts } from '../engine/engine.js';
import { EventObjects, TeeSink, type EventSink } from '../engine/eventSink.js';
import type { EngineEvent } from '../engine/messages.js';
import { MetricsCollector } from '../metrics/collector.js';
import type { Scenario, StrategyChoice } from '../scenario/types.js';
import { findStrategy } from '../strategies/index.js';
import type { DecisionTimer } from './decisionTimer.js';
import { stream } from './random.js';

/** What a run's engine is built from (a subset of `RunOptions`). */
export interface RunEngineOptions {
  /** The scenario run. */
  readonly scenario: Scenario;
  /** The strategy it routes with. */
  readonly strategy: StrategyChoice;
  /** Replication number (selects the random streams with the seed). */
  readonly replication: number;
  /** Called with every engine event as an object, beside the collector. */
  readonly onEvent?: (event: EngineEvent) => void;
  /** Times routing decisions, when given. */
  readonly decisionTimer?: DecisionTimer;
  /** A further sink fed every event beside the collector, when given. */
  readonly sink?: EventSink;
}

/** The engine of one run and the collector its events feed. */
export interface RunEngine {
  /** The engine. */
  readonly engine: Engine;
  /** The metrics collector its events feed. */
  readonly collector: MetricsCollector;
}

/** Builds the engine and metrics collector of one replication of one strategy on a scenario. */
export function createRunEngine(options: RunEngineOptions): RunEngine {
  const { scenario, replication } = options;
  const definition = findStrategy(options.strategy.name);
  if (definition === undefined) throw new Error(`unknown strategy ${options.strategy.name}`);
  const strategy = definition.create(options.strategy.params);
  const collector = new MetricsCollector({
    warmupTimeSeconds: scenario.warmup.timeSeconds,
    warmupTasks: scenario.warmup.tasks,
  });
  // Metrics fold the events as they happen; objects are built only when someone logs them.
  const sinks: EventSink[] = [collector];
  if (options.sink !== undefined) sinks.push(options.sink);
  if (options.onEvent !== undefined) sinks.push(new EventObjects(options.onEvent));
  const engine = createEngine({
    config: scenario.engine,
    strategy,
    routeProbe: options.decisionTimer,
    strategyRandom: stream(scenario.seed, replication, 'strategy'),
    engineRandom: stream(scenario.seed, replication, 'engine'),
    events: sinks.length === 1 ? collector : new TeeSink(sinks),
  });
  return { engine, collector };
}

/**
 * When a run's metrics end: the last event's time when the run drains (or has no stop time),
 * else the stop time.
 */
export function runEndTime(scenario: Scenario, lastEventSeconds: number): number {
  const { timeSeconds: stopTime, drain } = scenario.stop;
  return drain || stopTime === Number.POSITIVE_INFINITY ? lastEventSeconds : stopTime;
}

/** No task is ever lost: every submitted task is final or still in flight. */
export function assertConservation(counts: Readonly<TaskCounts>, scenario: Scenario, strategy: string, replication: number): void {
  const accounted = counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight;
  if (accounted !== counts.submitted) {
    throw new Error(
      `task conservation broken in ${scenario.source} (seed ${scenario.seed}, replication ${replication}, strategy ${strategy}): ` +
        `submitted ${counts.submitted}, accounted ${accounted} ${JSON.stringify(counts)}`,
    );
  }
}
