/**
 * A live driver whose state survives the process: {@link openDurableDriver} runs it on a data
 * directory holding the write-ahead log of its inputs (`wal.jsonl`, see wal.ts) and the audit
 * trail of its events (`events.jsonl`, see eventsFile.ts).
 *
 * - A fresh directory gets a log with a header (format version, epoch) and a fresh engine.
 * - An existing one is recovered: its newest snapshot is restored and the log after it replayed
 *   (dataDir.ts), which, the engine being deterministic, reaches the state the dead process had
 *   reached with every durable input; the events file is brought in line with the events the
 *   replay regenerates; then the driver resumes, re-delivering the attempts, offers and
 *   provisions the engine still waits for.
 * - Every `snapshotEveryInputs` inputs it compacts: the engine's snapshot is taken and the
 *   engine moves in place to the next generation, continuing exactly as one restored from that
 *   snapshot (so this process and one recovering from it run identical engines); the log moves
 *   on to a new file, the snapshot is written, and the files it covers are deleted.
 *
 * Delivery to agents is at least once (a re-delivered attempt may run twice); completion is
 * exactly once (a result is applied only to the attempt the engine expects; any other is a
 * `staleResult`). See docs/LIVE.md, "Durability".
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../engine/engine.js';
import { eventRecord, type EventRecord } from '../engine/eventRecord.js';
import { EventObjects, TeeSink } from '../engine/eventSink.js';
import type { EngineEvent, EngineInput } from '../engine/messages.js';
import { restoreEngine, type SnapshotCapture } from '../engine/snapshot.js';
import { InputError } from '../scenario/errors.js';
import type { Clock } from './clock.js';
import type { AgentConnector } from './connector.js';
import {
  EVENTS_FILE, formatSnapshotFile, isFresh, listDataDir, readHeader, replayLog, restoreProvisions, snapshotName, WAL_FILE, type SnapshotFile,
} from './dataDir.js';
import { lockDataDir } from './dataDirLock.js';
import { createLiveDriver, type LiveDriver } from './driver.js';
import { LiveDriverError, type LiveDriverLimits } from './driverOptions.js';
import { EpochClock } from './epochClock.js';
import { EventsReconciler, EventsWriter, historyLineParser } from './eventsFile.js';
import type { Journal } from './journal.js';
import type { ProvisionBookState } from './provisionBook.js';
import { snapshotJson } from './snapshotText.js';
import { cutLogFile } from './walPreallocation.js';
import { FileJournal, syncDirectoryAsync, writeFileAtomicallyAsync, type FileJournalOptions, type GroupCommitTiming, type JournalStats } from './wal.js';

export { EVENTS_FILE, WAL_FILE } from './dataDir.js';

/** Inputs between two snapshots, by default. */
export const DEFAULT_SNAPSHOT_EVERY_INPUTS = 100_000;

/** What {@link openDurableDriver} needs. */
export interface DurableDriverOptions {
  /** The data directory (created when absent). */
  readonly dataDir: string;
  /** The pid of the process that started this one to run the driver (`fleetsim serve`'s launcher), recorded in the directory's lock. */
  readonly launcherPid?: number;
  /**
   * Builds the engine's options; `generation` is 0 for a fresh engine, n for the n-th restore
   * from a snapshot, so seeded streams after a restore are the same in-process and on recovery.
   * Its `events` sink, if any, sees every event that engine emits, replays included (an
   * engine restored from a snapshot emits only what happens after it).
   */
  readonly engine: (generation: number) => EngineOptions;
  /** Carries out the engine's commands on the agents. */
  readonly connector: AgentConnector;
  /**
   * Default: wall-clock seconds since the data directory's epoch, monotonic, never below the
   * last logged time ({@link EpochClock}; read it as {@link DurableDriver.clock}). A clock given
   * here must read at least the last logged time, or opening fails.
   */
  readonly clock?: Clock;
  /** Whether the default clock's pending timers let the process exit (Node's `unref`). Default false. */
  readonly unref?: boolean;
  /**
   * Every event of the data directory's history exactly once, in order, across restarts:
   * recovery hands on the events the replay regenerates (those already in events.jsonl), then
   * new ones as they happen. Called inside an engine input: it must not throw or feed the driver.
   */
  readonly onEvent?: (event: EngineEvent) => void;
  /**
   * Recovery from a snapshot: the events from before it, which no engine regenerates, read back
   * from events.jsonl as records, in order, before any `onEvent`. With `onEvent`, every event of
   * the history exactly once.
   */
  readonly onHistory?: (record: EventRecord) => void;
  /** Receives what went wrong without stopping the driver (as the live driver's `onError`). */
  readonly onError?: (error: LiveDriverError) => void;
  /** Bounds on what the driver holds, over the defaults. */
  readonly limits?: Partial<LiveDriverLimits>;
  /** Whether log writes are fsynced before they count as durable. Default true. */
  readonly fsync?: boolean;
  /** Fsyncs of the log under way at once (default 3; see `SYNCS_IN_FLIGHT` in wal.ts). */
  readonly syncsInFlight?: number;
  /** Group-commit pacing of the log, ms (default 0: none; see `FileJournalOptions.commitIntervalMs` in wal.ts). */
  readonly commitIntervalMs?: number;
  /** Bytes of the log zeroed ahead of its writer (default 16 MiB; 0: appends; see `FileJournalOptions.preallocateBytes` in wal.ts). */
  readonly preallocateBytes?: number;
  /** Inputs between two snapshots (compactions of the log); Infinity: never. Default 100,000. */
  readonly snapshotEveryInputs?: number;
  /** Called right before each fsync of the log with the last sequence number it covers (crash tests, tracing). */
  readonly beforeSync?: (seq: number) => void;
  /** Called right before each zero piece of the log's preallocation is written, with its file position (crash tests). */
  readonly beforeZeroing?: (position: number) => void;
  /** Called after each group commit of the log with its timing (tracing). */
  readonly onGroupCommit?: (timing: GroupCommitTiming) => void;
  /**
   * Called after each compaction's synchronous part (the snapshot and the engine's switch to
   * the next generation) with its wall-clock duration and the process's CPU time in it, ms
   * (tracing: on a busy machine the wall clock includes waiting for a core).
   */
  readonly onCompaction?: (blocking: { readonly wallMs: number; readonly cpuMs: number }) => void;
}

/** What recovery found, for logs and tests. */
export interface RecoveryReport {
  /** Whether the directory was new. */
  readonly fresh: boolean;
  /** Inputs replayed from the log. */
  readonly inputsReplayed: number;
  /** The input the snapshot recovery started from includes (0: none, the whole log was replayed). */
  readonly snapshotSeq: number;
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
  /** The live driver, fed through the journal. */
  readonly driver: LiveDriver;
  /** The driver's clock (the default one, or the one given): read the time the engine is given from it. */
  readonly clock: Clock;
  /** The write-ahead log: `appendedSeq`, `durableSeq`, `whenDurable(seq)`, `afterDurable(seq, callback)` (always there: a file journal has it). */
  readonly journal: Required<Journal> & { readonly stats: JournalStats };
  /** What opening the directory found. */
  readonly recovery: RecoveryReport;
  /**
   * Compacts now (between inputs): snapshot, new log file, files it covers deleted. Resolves
   * once the snapshot is durable. Runs by itself every `snapshotEveryInputs` inputs.
   */
  compact(): Promise<void>;
  /**
   * Detaches the driver (nothing is cancelled: the next open resumes the work), waits for a
   * compaction under way, until every input is durable and every event written, fsyncs and
   * closes the files, releases the lock.
   */
  close(): Promise<void>;
}

/**
 * A journal the driver can hold before the log file is open for appending (recovery reads it
 * first); the driver appends only after `resume`.
 */
class JournalSlot implements Journal {
  target: FileJournal | undefined;

  /** @param appended - called after each append. */
  constructor(private readonly appended: () => void) {}

  private get open(): FileJournal {
    if (this.target === undefined) throw new Error('the write-ahead log is not open yet');
    return this.target;
  }

  append(input: EngineInput): number {
    const seq = this.open.append(input);
    this.appended();
    return seq;
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

  afterDurable(seq: number, callback: () => void): void {
    this.open.afterDurable(seq, callback);
  }
}


/** The state of an open data directory: its driver, log, events file and compactions. */
class Session {
  driver!: LiveDriver;
  reconciler: EventsReconciler | undefined;
  readonly writer: EventsWriter;
  readonly slot: JournalSlot;
  /** Events of the history so far (events.jsonl's lines once all are written). */
  events = 0;
  generation = 0;
  private sinceSnapshot = 0;
  private compactionDue = false;
  private compaction: Promise<void> | undefined;
  /** The last input the newest compaction included (-1: none in this process). */
  compactedAt = -1;
  private readonly every: number;
  private readonly objects: EventObjects;

  constructor(readonly options: DurableDriverOptions, private readonly clock: Clock, readonly epochMs: number, eventsPath: string) {
    this.writer = new EventsWriter(eventsPath, { fsync: options.fsync ?? true });
    this.slot = new JournalSlot(() => this.appended());
    this.every = options.snapshotEveryInputs ?? DEFAULT_SNAPSHOT_EVERY_INPUTS;
    if (!(this.every > 0)) throw new Error(`openDurableDriver: snapshotEveryInputs must be positive, got ${this.every}`);
    this.objects = new EventObjects((event) => {
      this.events++;
      if (this.reconciler !== undefined) this.reconciler.accept(JSON.stringify(eventRecord(event)));
      else this.writer.appendEvent(event, this.slot.appendedSeq);
      this.options.onEvent?.(event);
    });
  }

  /** The options of the engine of `generation`, its events going to the events file too. */
  engineOptions(generation: number): EngineOptions {
    const options = this.options.engine(generation);
    return { ...options, events: options.events === undefined ? this.objects : new TeeSink([options.events, this.objects]) };
  }

  /** The driver, recovering, on `engine`. */
  start(engine: Engine): void {
    const { options } = this;
    this.driver = createLiveDriver({
      engine, clock: this.clock, connector: options.connector, journal: this.slot, recovering: true, historyEpochMs: this.epochMs,
      ...(options.onError === undefined ? {} : { onError: options.onError }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
  }

  /**
   * Moves the driver's engine to `generation` in place, between two inputs, and returns the
   * snapshot the compaction writes (the engine's, and the driver's provision book), captured
   * just before: the engine goes on exactly as one
   * restored from that snapshot with `engine(generation)` (`Engine.advanceGeneration`), which
   * is what a process recovering from the snapshot builds. Nothing is serialised here: the
   * capture shares no mutable state with the engine (`Engine.compactionSnapshot`), so its JSON
   * is made later, a slice per turn of the loop.
   */
  advanceGeneration(generation: number): { readonly capture: SnapshotCapture; readonly provisions: ProvisionBookState } {
    const capture = this.driver.engine.compactionSnapshot();
    const provisions = this.driver.provisions();
    this.enterGeneration(generation);
    return { capture, provisions };
  }

  /** The engine moves to `generation` in place (a compaction, or a replay crossing the log file where one happened). */
  enterGeneration(generation: number): void {
    this.driver.advanceGeneration(this.engineOptions(generation));
    this.generation = generation;
    this.sinceSnapshot = 0;
  }

  private appended(): void {
    if (++this.sinceSnapshot < this.every || this.compactionDue || this.compaction !== undefined) return;
    this.compactionDue = true;
    // Between inputs: once the current one (and everything it set off) is done.
    queueMicrotask(() => {
      this.compactionDue = false;
      if (this.driver.state !== 'stopped') this.compact().catch(() => undefined);
    });
  }

  /** See {@link DurableDriver.compact}. */
  compact(): Promise<void> {
    if (this.compaction !== undefined) return this.compaction;
    const journal = this.slot.target!;
    const seq = journal.appendedSeq;
    // Nothing since the last one: another would only start an empty log file.
    if (seq === this.compactedAt) return Promise.resolve();
    this.compactedAt = seq;
    const generation = this.generation + 1;
    const switchStartedAt = performance.now();
    const cpu = process.cpuUsage();
    const { capture, provisions } = this.advanceGeneration(generation);
    if (this.options.onCompaction !== undefined) {
      const used = process.cpuUsage(cpu);
      this.options.onCompaction({ wallMs: performance.now() - switchStartedAt, cpuMs: (used.user + used.system) / 1000 });
    }
    const { dataDir } = this.options;
    const fsync = this.options.fsync ?? true;
    const events = this.events;
    // Every event through `seq` is written or queued now: its CRC is kept as the writer passes it.
    this.writer.requestCrcThrough(events);
    this.compaction = (async () => {
      await journal.rotate(generation);
      // The snapshot counts the events through `seq`, which no replay regenerates: they go first.
      await this.writer.sync();
      const file = formatSnapshotFile(seq, generation, events, this.writer.crcThrough(events), this.epochMs, provisions, await snapshotJson(capture));
      await writeFileAtomicallyAsync(join(dataDir, snapshotName(seq)), file, fsync);
      // The snapshot covers every sealed log file (they end at or before `seq`) and every older snapshot.
      const files = listDataDir(dataDir);
      for (const name of files.sealed) await rm(join(dataDir, name), { force: true });
      for (const older of files.snapshots) if (older.seq < seq) await rm(join(dataDir, older.file), { force: true });
      if (fsync) await syncDirectoryAsync(dataDir);
    })().catch((error: unknown) => {
      const failure = new LiveDriverError('journal', `compaction after input ${seq} failed: ${String(error)}`, { cause: error });
      this.options.onError?.(failure);
      throw failure;
    }).finally(() => {
      this.compaction = undefined;
    });
    return this.compaction;
  }

  /** Waits for a compaction under way (its failure was reported). */
  async settled(): Promise<void> {
    await this.compaction?.catch(() => undefined);
  }
}

/** The directory's epoch, from its first log file (or its newest snapshot when no log file is left). */
function epochOf(dataDir: string): number {
  const files = listDataDir(dataDir);
  const first = files.sealed[0] ?? (files.active ? WAL_FILE : undefined);
  if (first !== undefined) return readHeader(join(dataDir, first)).epochMs;
  throw new InputError(dataDir, '', `a snapshot but no ${WAL_FILE}: not a data directory this build can recover`);
}

/**
 * Opens a data directory (see the module's description): creates or recovers it, and returns
 * the running driver. Throws an {@link InputError} (the CLI exits 2) for a corrupt log line that
 * is not the last, an events file that disagrees with the log, or a directory another live
 * process holds.
 */
export async function openDurableDriver(options: DurableDriverOptions): Promise<DurableDriver> {
  mkdirSync(options.dataDir, { recursive: true });
  const unlock = await lockDataDir(options.dataDir, options.launcherPid);
  try {
    return await Promise.resolve(open(options, unlock));
  } catch (error) {
    unlock();
    throw error;
  }
}

function open(options: DurableDriverOptions, unlock: () => void): DurableDriver {
  const { dataDir } = options;
  const walPath = join(dataDir, WAL_FILE);
  const eventsPath = join(dataDir, EVENTS_FILE);
  const fresh = isFresh(listDataDir(dataDir));
  if (fresh && existsSync(eventsPath) && statSync(eventsPath).size > 0) {
    throw new InputError(eventsPath, '', `events without a write-ahead log (${walPath} is missing): not a data directory this build can recover`);
  }
  const epochMs = fresh ? Date.now() : epochOf(dataDir);
  const epochClock = options.clock === undefined ? new EpochClock(epochMs, { unref: options.unref ?? false }) : undefined;
  const clock = options.clock ?? epochClock!;
  const session = new Session(options, clock, epochMs, eventsPath);
  const journalOptions: FileJournalOptions = {
    fsync: options.fsync ?? true,
    ...(options.syncsInFlight === undefined ? {} : { syncsInFlight: options.syncsInFlight }),
    ...(options.commitIntervalMs === undefined ? {} : { commitIntervalMs: options.commitIntervalMs }),
    ...(options.preallocateBytes === undefined ? {} : { preallocateBytes: options.preallocateBytes }),
    onDurable: (seq) => session.writer.release(seq),
    ...(options.beforeSync === undefined ? {} : { beforeSync: options.beforeSync }),
    ...(options.beforeZeroing === undefined ? {} : { beforeZeroing: options.beforeZeroing }),
    ...(options.onGroupCommit === undefined ? {} : { onGroup: options.onGroupCommit }),
  };
  try {
    let report: Omit<RecoveryReport, 'redelivered'>;
    let lastNow: number | undefined;
    if (fresh) {
      session.start(createEngine(session.engineOptions(0)));
      session.slot.target = FileJournal.create(walPath, { epochMs, firstSeq: 1, generation: 0 }, journalOptions);
      report = { fresh, inputsReplayed: 0, snapshotSeq: 0, eventsAppended: 0, tornEventsLine: false };
    } else {
      const result = replayLog(dataDir, {
        start: (snapshot) => startFrom(session, snapshot, eventsPath, dataDir),
        switchTo: (generation) => session.enterGeneration(generation),
        entry: (entry) => {
          session.driver.replay(entry.input);
          if (session.reconciler?.mismatch !== undefined) throw session.reconciler.mismatch;
        },
      });
      lastNow = result.lastNow;
      if (result.active === undefined) {
        // A compaction died between sealing the log file and creating the next one.
        session.slot.target = FileJournal.create(walPath, { epochMs, firstSeq: result.lastSeq + 1, generation: result.generation }, journalOptions);
      } else {
        // A torn tail and the padding go (fdatasynced): appends resume at the last good line, over nothing stale.
        cutLogFile(walPath, result.activeGoodBytes);
        const { firstSeq, generation } = result.active;
        if (generation > 0 && firstSeq === result.lastSeq + 1) session.compactedAt = result.lastSeq;
        session.slot.target = FileJournal.append(walPath, { epochMs: result.active.epochMs, firstSeq, generation }, result.lastSeq, journalOptions);
      }
      session.reconciler!.finish();
      const { lines, crc } = session.reconciler!.accepted;
      session.writer.resume(lines, crc);
      report = {
        fresh, inputsReplayed: result.replayed, snapshotSeq: result.lastSeq - result.replayed,
        eventsAppended: session.reconciler!.appended, tornEventsLine: session.reconciler!.tornLineDropped,
        ...(result.tornLine === undefined ? {} : { tornWalLine: result.tornLine }),
      };
      session.reconciler = undefined;
    }
    if (lastNow !== undefined) {
      epochClock?.raiseTo(lastNow);
      if (clock.now() < lastNow) {
        throw new InputError(dataDir, '', `the clock reads ${clock.now()} s, before the last input in the log (${lastNow} s): time would go backwards`);
      }
    }
    const { driver } = session;
    const redelivered = driver.resume();
    const journal = session.slot.target;
    let closing: Promise<void> | undefined;
    return {
      driver,
      clock,
      journal,
      recovery: { ...report, redelivered },
      compact: () => session.compact(),
      close: () => {
        closing ??= (async () => {
          try {
            // Detached first: no input, so no compaction, comes after the one under way.
            driver.detach();
            await session.settled();
            await journal.close();
            await session.writer.close();
          } finally {
            unlock();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    session.writer.abandon();
    session.slot.target?.abandon();
    throw error;
  }
}

/** Recovery begins: the engine from the snapshot (or fresh), the events file checked from there. */
function startFrom(session: Session, snapshot: SnapshotFile | undefined, eventsPath: string, dataDir: string): void {
  const { onHistory } = session.options;
  const history = onHistory === undefined ? undefined : historyLineParser(eventsPath);
  const rebuild = history === undefined ? undefined : (line: string, lineNumber: number): void => {
    const record = history(line, lineNumber);
    try {
      onHistory!(record);
    } catch (error) {
      // A line of the right form that contradicts the ones before it (a snapshot written before the CRC was kept checks nothing else).
      throw new InputError(eventsPath, `line ${lineNumber}`, `does not follow from the events before it (${(error as Error).message})`);
    }
  };
  session.reconciler = new EventsReconciler(eventsPath, eventsPath, snapshot?.events ?? 0, rebuild, snapshot?.eventsCrc);
  session.events = snapshot?.events ?? 0;
  if (snapshot === undefined) {
    session.start(createEngine(session.engineOptions(0)));
    return;
  }
  let engine: Engine;
  try {
    engine = restoreEngine(session.engineOptions(snapshot.generation), snapshot.engine);
  } catch (error) {
    throw new InputError(join(dataDir, snapshotName(snapshot.seq)), 'engine', (error as Error).message);
  }
  session.generation = snapshot.generation;
  session.start(engine);
  restoreProvisions(dataDir, snapshot, (provisions) => session.driver.restored(provisions));
}
