/**
 * The engine a service runs, built from a scenario (its engine settings, the strategy named by
 * `live.strategy`, its seeded streams; its workload is ignored: tasks come over HTTP), and the
 * live driver around it with its journal: on a data directory ({@link openDurableDriver}: a
 * write-ahead log, recovery, re-delivery), or, without one, on a journal that keeps nothing.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineOptions } from '../../engine/engine.js';
import type { EngineEvent } from '../../engine/messages.js';
import type { Scenario } from '../../scenario/types.js';
import { stream } from '../../sim/random.js';
import { findStrategy } from '../../strategies/index.js';
import { RealClock } from '../clock.js';
import type { AgentConnector } from '../connector.js';
import { createLiveDriver, type LiveDriver } from '../driver.js';
import type { LiveDriverError } from '../driverOptions.js';
import { openDurableDriver, WAL_FILE } from '../durableDriver.js';
import { EpochClock } from '../epochClock.js';
import { MemoryJournal, type Journal } from '../journal.js';
import { LineReader } from '../lineReader.js';
import { parseEntry, parseHeader } from '../walFormat.js';

/** What {@link openServiceDriver} needs. */
export interface ServiceDriverOptions {
  readonly scenario: Scenario;
  readonly connector: AgentConnector;
  /** Every engine event, in order. */
  readonly onEvent: (event: EngineEvent) => void;
  readonly onError: (error: LiveDriverError) => void;
  /** The data directory; absent: nothing persists (tests, embedding). */
  readonly dataDir?: string;
  /** Whether log writes are fsynced (default true). */
  readonly fsync?: boolean;
}

/** A running driver, its journal, and how to close both. */
export interface ServiceDriver {
  readonly driver: LiveDriver;
  readonly journal: Journal;
  /** Seconds on the driver's clock now. */
  now(): number;
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
  const limits = { maxInFlightTasks: scenario.live.maxInFlightTasks, attemptTimeoutSeconds: scenario.live.attemptTimeoutSeconds };
  if (dataDir === undefined) return memoryDriver(options, limits);
  const clock = dataDirClock(dataDir);
  const durable = await openDurableDriver({
    dataDir,
    engine: (generation) => serviceEngineOptions(scenario, generation),
    connector: options.connector,
    clock,
    onEvent: options.onEvent,
    onError: options.onError,
    limits,
    ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
  });
  return { driver: durable.driver, journal: durable.journal, now: () => clock.now(), close: () => durable.close(), recovery: durable.recovery };
}

/**
 * The data directory's clock: seconds since its epoch (in its log's header; now for a new
 * directory), read from the monotonic clock, and never below the last input in the log (a
 * restart within the wall clock's granularity, or after the wall clock was set back, must not
 * make time go backwards). The service keeps it to read the time the driver reads (relative
 * deadlines, metrics). What cannot be read here is left to the durable driver to report.
 */
function dataDirClock(dataDir: string): EpochClock {
  const walPath = join(dataDir, WAL_FILE);
  if (!existsSync(walPath)) return new EpochClock(Date.now(), { unref: true });
  let epochMs = Date.now();
  let reader: LineReader | undefined;
  try {
    reader = new LineReader(walPath);
    const first = reader.next();
    if (first !== undefined && first.terminated) epochMs = parseHeader(first.text).epochMs;
  } catch {
    epochMs = Date.now();
  } finally {
    reader?.close();
  }
  const clock = new EpochClock(epochMs, { unref: true });
  clock.raiseTo(lastLoggedNow(walPath));
  return clock;
}

/** Bytes read from the end of a log to find its last input. */
const TAIL_BYTES = 1 << 20;

/**
 * The `now` of the last whole input in the log (inputs are logged in time order), read from its
 * tail; 0 when none is found there.
 */
export function lastLoggedNow(walPath: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(walPath, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    // The piece after the last newline is a torn line (or empty); the first may be cut by the window.
    for (let i = lines.length - 2; i >= (length < size ? 1 : 0); i--) {
      try {
        return parseEntry(lines[i]!).input.now;
      } catch {
        // Not an input (the header, or a corrupt line the durable driver will report).
      }
    }
    return 0;
  } catch {
    return 0;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A driver on the real clock whose journal keeps nothing. */
function memoryDriver(options: ServiceDriverOptions, limits: { maxInFlightTasks: number; attemptTimeoutSeconds: number }): Promise<ServiceDriver> {
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
