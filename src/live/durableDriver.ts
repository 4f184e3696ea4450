/**
 * A live driver whose state survives the process: {@link openDurableDriver} runs it on a data
 * directory holding the write-ahead log of its inputs (`wal.jsonl`, see wal.ts) and the audit
 * trail of its events (`events.jsonl`, see eventsFile.ts).
 *
 * - A fresh directory gets a log with a header (format version, epoch) and a fresh engine.
 * - An existing one is recovered: the log is replayed into a fresh engine, which, being
 *   deterministic, reaches the state the dead process had reached with every durable input;
 *   the events file is brought in line with the events the replay regenerates; then the driver
 *   resumes, re-delivering the attempts and offers the engine still waits for.
 *
 * Delivery to agents is at least once (a re-delivered attempt may run twice); completion is
 * exactly once (a result is applied only to the attempt the engine expects; any other is a
 * `staleResult`). See docs/LIVE.md, "Durability".
 */
import { existsSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type EngineOptions } from '../engine/engine.js';
import { eventRecord } from '../engine/eventRecord.js';
import { EventObjects, TeeSink } from '../engine/eventSink.js';
import type { EngineEvent, EngineInput } from '../engine/messages.js';
import { InputError } from '../scenario/errors.js';
import type { Clock } from './clock.js';
import type { AgentConnector } from './connector.js';
import { lockDataDir } from './dataDirLock.js';
import { createLiveDriver, type LiveDriver } from './driver.js';
import type { LiveDriverError, LiveDriverLimits } from './driverOptions.js';
import { EpochClock } from './epochClock.js';
import { EventsReconciler, EventsWriter } from './eventsFile.js';
import type { Journal } from './journal.js';
import { LineReader } from './lineReader.js';
import { FileJournal, readWalFile, type JournalStats } from './wal.js';
import { parseHeader } from './walFormat.js';

/** The log's file name in a data directory. */
export const WAL_FILE = 'wal.jsonl';
/** The events file's name in a data directory. */
export const EVENTS_FILE = 'events.jsonl';

/** What {@link openDurableDriver} needs. */
export interface DurableDriverOptions {
  /** The data directory (created when absent). */
  readonly dataDir: string;
  /**
   * Builds the engine's options; `generation` is 0 for a fresh engine, n for the n-th restore
   * from a snapshot, so seeded streams after a restore are the same in-process and on recovery.
   * Its `events` sink, if any, sees every event the engine emits, replays included.
   */
  readonly engine: (generation: number) => EngineOptions;
  readonly connector: AgentConnector;
  /** Default: wall-clock seconds since the data directory's epoch, monotonic ({@link EpochClock}). */
  readonly clock?: Clock;
  /**
   * Every event of the data directory's history exactly once, in order, across restarts:
   * recovery hands on the events the replay regenerates (those already in events.jsonl), then
   * new ones as they happen. Called inside an engine input: it must not throw or feed the driver.
   */
  readonly onEvent?: (event: EngineEvent) => void;
  readonly onError?: (error: LiveDriverError) => void;
  readonly limits?: Partial<LiveDriverLimits>;
  /** Whether log writes are fsynced before they count as durable. Default true. */
  readonly fsync?: boolean;
  /** Called right before each fsync of the log with the last sequence number it covers (crash tests, tracing). */
  readonly beforeSync?: (seq: number) => void;
}

/** What recovery found, for logs and tests. */
export interface RecoveryReport {
  /** Whether the directory was new. */
  readonly fresh: boolean;
  /** Inputs replayed from the log. */
  readonly inputsReplayed: number;
  /** The torn last line dropped from the log, if any (1-based). */
  readonly tornWalLine?: number;
  /** Events appended to events.jsonl because it lacked them. */
  readonly eventsAppended: number;
  /** Whether a torn last line was cut off events.jsonl. */
  readonly tornEventsLine: boolean;
  /** Attempts, offers and provisions handed to the connector again on resume. */
  readonly redelivered: { readonly attempts: number; readonly offers: number; readonly provisions: number };
}

/** A live driver on a data directory. */
export interface DurableDriver {
  readonly driver: LiveDriver;
  /** The write-ahead log: `appendedSeq`, `durableSeq`, `whenDurable(seq)`. */
  readonly journal: Journal & { readonly stats: JournalStats };
  /** What opening the directory found. */
  readonly recovery: RecoveryReport;
  /**
   * Detaches the driver (nothing is cancelled: the next open resumes the work), waits until
   * every input is durable and every event written, fsyncs and closes the files, releases the lock.
   */
  close(): Promise<void>;
}

/**
 * A journal the driver can hold before the log file is open for appending (recovery reads it
 * first); the driver appends only after `resume`.
 */
class JournalSlot implements Journal {
  target: FileJournal | undefined;

  private get open(): FileJournal {
    if (this.target === undefined) throw new Error('the write-ahead log is not open yet');
    return this.target;
  }

  append(input: EngineInput): number {
    return this.open.append(input);
  }

  get appendedSeq(): number {
    return this.target?.appendedSeq ?? 0;
  }

  get durableSeq(): number {
    return this.target?.durableSeq ?? 0;
  }

  whenDurable(seq: number): Promise<void> {
    return this.open.whenDurable(seq);
  }
}

/** Reads the epoch from a log's header line. */
function readEpochMs(walPath: string): number {
  const reader = new LineReader(walPath);
  try {
    const first = reader.next();
    if (first === undefined || !first.terminated) throw new InputError(walPath, 'line 1', 'no write-ahead log header (the file is empty or cut short)');
    try {
      return parseHeader(first.text).epochMs;
    } catch (error) {
      throw new InputError(walPath, 'line 1', (error as Error).message);
    }
  } finally {
    reader.close();
  }
}

/**
 * Opens a data directory (see the module's description): creates or recovers it, and returns
 * the running driver. Throws an {@link InputError} (the CLI exits 2) for a corrupt log line that
 * is not the last, an events file that disagrees with the log, or a directory another live
 * process holds.
 */
export async function openDurableDriver(options: DurableDriverOptions): Promise<DurableDriver> {
  mkdirSync(options.dataDir, { recursive: true });
  const unlock = lockDataDir(options.dataDir);
  try {
    return open(options, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

function open(options: DurableDriverOptions, unlock: () => void): DurableDriver {
  const walPath = join(options.dataDir, WAL_FILE);
  const eventsPath = join(options.dataDir, EVENTS_FILE);
  const fresh = !existsSync(walPath);
  if (fresh && existsSync(eventsPath) && statSync(eventsPath).size > 0) {
    throw new InputError(eventsPath, '', `events without a write-ahead log (${walPath} is missing): not a data directory this build can recover`);
  }
  const epochMs = fresh ? Date.now() : readEpochMs(walPath);
  const epochClock = options.clock === undefined ? new EpochClock(epochMs) : undefined;
  const clock = options.clock ?? epochClock!;
  const fsync = options.fsync ?? true;

  const slot = new JournalSlot();
  let reconciler: EventsReconciler | undefined = fresh ? undefined : new EventsReconciler(eventsPath, eventsPath);
  const writer = new EventsWriter(eventsPath, { fsync });
  try {
    const engineOptions = options.engine(0);
    const objects = new EventObjects((event) => {
      const line = JSON.stringify(eventRecord(event));
      if (reconciler !== undefined) reconciler.accept(line);
      else writer.append(line, slot.appendedSeq);
      options.onEvent?.(event);
    });
    const engine = createEngine({ ...engineOptions, events: engineOptions.events === undefined ? objects : new TeeSink([engineOptions.events, objects]) });
    const driver = createLiveDriver({
      engine, clock, connector: options.connector, journal: slot, recovering: true,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });

    const journalOptions = { fsync, onDurable: (seq: number) => writer.release(seq), ...(options.beforeSync === undefined ? {} : { beforeSync: options.beforeSync }) };
    let inputsReplayed = 0;
    let tornWalLine: number | undefined;
    let lastNow: number | undefined;
    if (fresh) {
      slot.target = FileJournal.create(walPath, { epochMs, firstSeq: 1 }, journalOptions);
    } else {
      const contents = readWalFile(walPath, walPath, (entry) => {
        driver.replay(entry.input);
        inputsReplayed++;
        if (reconciler?.mismatch !== undefined) throw reconciler.mismatch;
      });
      lastNow = contents.lastNow;
      if (contents.tornLine !== undefined) {
        truncateSync(walPath, contents.goodBytes);
        tornWalLine = contents.tornLine.number;
      }
      slot.target = FileJournal.append(walPath, contents.lastSeq, journalOptions);
    }
    reconciler?.finish();
    const eventsAppended = reconciler?.appended ?? 0;
    const tornEventsLine = reconciler?.tornLineDropped ?? false;
    reconciler = undefined;

    if (lastNow !== undefined) {
      epochClock?.raiseTo(lastNow);
      if (clock.now() < lastNow) {
        throw new InputError(options.dataDir, '', `the clock reads ${clock.now()} s, before the last input in the log (${lastNow} s): time would go backwards`);
      }
    }
    const redelivered = driver.resume();
    const journal = slot.target;
    let closing: Promise<void> | undefined;
    return {
      driver,
      journal,
      recovery: {
        fresh, inputsReplayed, eventsAppended, tornEventsLine, redelivered,
        ...(tornWalLine === undefined ? {} : { tornWalLine }),
      },
      close: () => {
        closing ??= (async () => {
          driver.detach();
          try {
            await journal.close();
            await writer.close();
          } finally {
            unlock();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    writer.abandon();
    slot.target?.abandon();
    throw error;
  }
}
