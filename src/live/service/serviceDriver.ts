/**
 * The engine a service runs, built from a scenario (its engine settings, the strategy named by
 * `live.strategy`, its seeded streams; its workload is ignored: tasks come over HTTP), and the
 * live driver around it with its journal.
 */
import type { EngineOptions } from '../../engine/engine.js';
import type { EngineEvent } from '../../engine/messages.js';
import type { Scenario } from '../../scenario/types.js';
import { stream } from '../../sim/random.js';
import { findStrategy } from '../../strategies/index.js';
import { RealClock } from '../clock.js';
import type { AgentConnector } from '../connector.js';
import { createLiveDriver, type LiveDriver, type LiveDriverError } from '../driver.js';
import { MemoryJournal, type Journal } from '../journal.js';

/** What {@link openServiceDriver} needs. */
export interface ServiceDriverOptions {
  readonly scenario: Scenario;
  readonly connector: AgentConnector;
  /** Every engine event, in order. */
  readonly onEvent: (event: EngineEvent) => void;
  readonly onError: (error: LiveDriverError) => void;
}

/** A running driver, its journal, and how to close both. */
export interface ServiceDriver {
  readonly driver: LiveDriver;
  readonly journal: Journal;
  /** Seconds on the driver's clock now. */
  now(): number;
  close(): Promise<void>;
}

/**
 * The engine's options for a scenario's service: `generation` picks the seeded streams (0 for a
 * fresh engine), as a replication does in a simulated run.
 */
export function serviceEngineOptions(scenario: Scenario, generation: number): EngineOptions {
  const choice = scenario.strategies.find((strategy) => strategy.label === scenario.live.strategy) ?? scenario.strategies[0]!;
  const definition = findStrategy(choice.name);
  if (definition === undefined) throw new Error(`unknown strategy ${choice.name}`);
  return {
    config: scenario.engine,
    strategy: definition.create(choice.params),
    strategyRandom: stream(scenario.seed, generation, 'strategy'),
    engineRandom: stream(scenario.seed, generation, 'engine'),
  };
}

/** A driver on the real clock whose journal keeps nothing (no data directory). */
export function openServiceDriver(options: ServiceDriverOptions): Promise<ServiceDriver> {
  const { scenario } = options;
  const clock = new RealClock({ unref: true });
  const driver = createLiveDriver({
    engine: serviceEngineOptions(scenario, 0),
    clock,
    connector: options.connector,
    onEvent: options.onEvent,
    onError: options.onError,
    limits: { maxInFlightTasks: scenario.live.maxInFlightTasks, attemptTimeoutSeconds: scenario.live.attemptTimeoutSeconds },
  });
  return Promise.resolve({
    driver,
    journal: new MemoryJournal(),
    now: () => clock.now(),
    // Nothing persists: stopping without a drain just clears the timers and forgets pending calls.
    close: () => driver.stop({ drain: false }),
  });
}
