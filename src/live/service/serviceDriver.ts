/**
 * The engine a service runs, built from a scenario (its engine settings, the strategy named by
 * `live.strategy`, its seeded streams; its workload is ignored: tasks come over HTTP), and the
 * live driver around it with its journal: on a data directory ({@link openDurableDriver}: a
 * write-ahead log, recovery, re-delivery), or, without one, on a journal that keeps nothing.
 */
import type { EngineOptions } from '../../engine/engine.js';
import type { EngineEvent } from '../../engine/messages.js';
import type { Scenario } from '../../scenario/types.js';
import { stream } from '../../sim/random.js';
import { findStrategy } from '../../strategies/index.js';
import { RealClock } from '../clock.js';
import type { AgentConnector } from '../connector.js';
import { createLiveDriver, type LiveDriver } from '../driver.js';
import type { LiveDriverError, LiveDriverLimits } from '../driverOptions.js';
import { openDurableDriver } from '../durableDriver.js';
import { HistoryEvents } from '../historyEvents.js';
import { MemoryJournal, type Journal } from '../journal.js';
import type { LatencyProbe } from './latencyProbe.js';

/** What {@link openServiceDriver} needs. */
export interface ServiceDriverOptions {
  /** The scenario the service runs. */
  readonly scenario: Scenario;
  /** Carries out the engine's commands on the agents. */
  readonly connector: AgentConnector;
  /**
   * Every engine event, in order: after a restart from a snapshot, first the events from before
   * it, rebuilt from their records ({@link HistoryEvents}), then the engine's own.
   */
  readonly onEvent: (event: EngineEvent) => void;
  /** Receives what went wrong without stopping the driver. */
  readonly onError: (error: LiveDriverError) => void;
  /** The data directory; absent: nothing persists (tests, embedding). */
  readonly dataDir?: string;
  /** The pid of the process that started this one (`fleetsim serve`'s launcher), recorded in the data directory's lock. */
  readonly launcherPid?: number;
  /** Whether log writes are fsynced (default true). */
  readonly fsync?: boolean;
  /** Fsyncs of the log under way at once (default 3). */
  readonly syncsInFlight?: number;
  /** Group-commit pacing of the log, ms (default 0: none). */
  readonly commitIntervalMs?: number;
  /** Bytes of the log zeroed ahead of its writer (default 16 MiB; 0: appends). */
  readonly preallocateBytes?: number;
  /** Inputs between compactions of the data directory (default the durable driver's). */
  readonly snapshotEveryInputs?: number;
  /** Told of every group commit and compaction (`--latency-probe`). */
  readonly probe?: LatencyProbe;
}

/** A running driver, its journal, and how to close both. */
export interface ServiceDriver {
  /** The live driver. */
  readonly driver: LiveDriver;
  /** Its input log. */
  readonly journal: Journal;
  /** Seconds on the driver's clock now. */
  now(): number;
  /** Stops the driver without draining its work; on a data directory as `DurableDriver.close`, so the next open resumes the work. */
  close(): Promise<void>;
  /** What recovery found (inputs replayed, attempts and offers re-delivered); absent without a data directory. */
  readonly recovery?: { readonly inputsReplayed: number; readonly redelivered: { readonly attempts: number; readonly offers: number } };
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

/** Opens the driver of a service: durable on `dataDir`, else on a journal that keeps nothing. */
export async function openServiceDriver(options: ServiceDriverOptions): Promise<ServiceDriver> {
  const { scenario, dataDir } = options;
  const { maxInFlightTasks, attemptTimeoutSeconds, offerTimeoutSeconds } = scenario.live;
  const limits = { maxInFlightTasks, attemptTimeoutSeconds, offerTimeoutSeconds };
  if (dataDir === undefined) return memoryDriver(options, limits);
  const history = new HistoryEvents();
  const durable = await openDurableDriver({
    dataDir,
    ...(options.launcherPid === undefined ? {} : { launcherPid: options.launcherPid }),
    engine: (generation) => serviceEngineOptions(scenario, generation),
    connector: options.connector,
    // The data directory's clock, never below the last logged input; its timers let the process exit.
    unref: true,
    onEvent: options.onEvent,
    onHistory: (record) => {
      const event = history.rebuild(record);
      if (event !== undefined) options.onEvent(event);
    },
    onError: options.onError,
    limits,
    ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
    ...(options.syncsInFlight === undefined ? {} : { syncsInFlight: options.syncsInFlight }),
    ...(options.commitIntervalMs === undefined ? {} : { commitIntervalMs: options.commitIntervalMs }),
    ...(options.preallocateBytes === undefined ? {} : { preallocateBytes: options.preallocateBytes }),
    ...(options.snapshotEveryInputs === undefined ? {} : { snapshotEveryInputs: options.snapshotEveryInputs }),
    ...(options.probe === undefined ? {} : { onGroupCommit: (timing) => options.probe!.groupCommitted(timing), onCompaction: (blocking) => options.probe!.compacted(blocking) }),
  });
  const { clock } = durable;
  return { driver: durable.driver, journal: durable.journal, now: () => clock.now(), close: () => durable.close(), recovery: durable.recovery };
}

/** A driver on the real clock whose journal keeps nothing. */
function memoryDriver(options: ServiceDriverOptions, limits: Partial<LiveDriverLimits>): Promise<ServiceDriver> {
  const { scenario } = options;
  const clock = new RealClock({ unref: true });
  // It keeps nothing, but numbers the inputs: the service's rules stay the same.
  const journal = new MemoryJournal();
  const driver = createLiveDriver({
    engine: serviceEngineOptions(scenario, 0),
    clock,
    journal,
    connector: options.connector,
    onEvent: options.onEvent,
    onError: options.onError,
    limits,
  });
  return Promise.resolve({
    driver,
    journal,
    now: () => clock.now(),
    // Nothing persists: stopping without a drain just clears the timers and forgets pending calls.
    close: () => driver.stop({ drain: false }),
  });
}
