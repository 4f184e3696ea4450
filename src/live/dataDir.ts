/**
 * The files of a data directory and how its log is replayed: the newest snapshot
 * (`snapshot-<seq>.json`, the engine's state after input `seq`), then every logged input after
 * it, file after file: sealed log files (`wal-<firstSeq>.jsonl`, left by compactions until the
 * snapshot that covers them is durable) and the active one (`wal.jsonl`).
 *
 * A log file whose header names a newer engine generation starts where its writer swapped its
 * engine for one restored from a snapshot of itself; a replay crossing into it does the same
 * (even when that snapshot's file was never written), so a recovering process runs the very
 * engine the writer ran.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EngineSnapshot } from '../engine/snapshotFormat.js';
import { InputError } from '../scenario/errors.js';
import { LineReader } from './lineReader.js';
import { parseProvisionBookState, type ProvisionBookState } from './provisionBook.js';
import { readWalFile } from './wal.js';
import { parseHeader, type WalEntry, type WalHeader } from './walFormat.js';

/** The active log file's name. */
export const WAL_FILE = 'wal.jsonl';
/** The events file's name. */
export const EVENTS_FILE = 'events.jsonl';

const SEALED = /^wal-(\d{12})\.jsonl$/;
const SNAPSHOT = /^snapshot-(\d{12})\.json$/;

/** A snapshot file's name. */
export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.json`;
}

/** What a snapshot file holds. */
export interface SnapshotFile {
  /** Marks the file as a fleetsim snapshot. */
  readonly fleetsim: 'snapshot';
  /** Snapshot file format version. */
  readonly version: 1;
  /** The last input the snapshot includes. */
  readonly seq: number;
  /** The engine generation restored from it (`engine(generation)` builds its options). */
  readonly generation: number;
  /** Events the engine had emitted through input `seq` (the first lines of events.jsonl). */
  readonly events: number;
  /**
   * CRC-32 of those first `events` lines of events.jsonl, each with its newline: no replay
   * regenerates them, so this is what shows them unchanged. Absent from snapshots written before it was kept.
   */
  readonly eventsCrc?: number;
  /** CRC-32 of the `engine` field's JSON text exactly as written. Absent from snapshots written before it was kept. */
  readonly crc?: number;
  /** The data directory's epoch (as in its log headers). */
  readonly epochMs: number;
  /**
   * The live driver's provision book after input `seq`: the provisions the engine waits for,
   * numbered (./provisionBook.ts). Absent from snapshots written before it was kept.
   */
  readonly provisions?: ProvisionBookState;
  /** The engine's state after input `seq`. */
  readonly engine: EngineSnapshot;
}

/** Where the engine's JSON text begins in a snapshot file: after every other field. */
const ENGINE_FIELD = '"engine":';

/**
 * The text of a snapshot file (the engine's snapshot already as JSON text): its fields, the
 * CRC-32 of `engineJson`, and `engineJson` last, so that a reader finds its exact text.
 */
export function formatSnapshotFile(seq: number, generation: number, events: number, eventsCrc: number, epochMs: number, provisions: ProvisionBookState, engineJson: string): string {
  return `{"fleetsim":"snapshot","version":1,"seq":${seq},"generation":${generation},"events":${events},"eventsCrc":${eventsCrc},`
    + `"epochMs":${epochMs},"provisions":${JSON.stringify(provisions)},"crc":${crc32(engineJson)},${ENGINE_FIELD}${engineJson}}\n`;
}

/** What a data directory holds. */
export interface DataDirFiles {
  /** Sealed log files, by first input. */
  readonly sealed: readonly string[];
  /** Whether the active log file exists. */
  readonly active: boolean;
  /** Snapshot files, oldest first. */
  readonly snapshots: readonly { readonly file: string; readonly seq: number }[];
}

/** Lists a data directory's log and snapshot files (temporary files are ignored). */
export function listDataDir(dataDir: string): DataDirFiles {
  const names = existsSync(dataDir) ? readdirSync(dataDir) : [];
  return {
    sealed: names.filter((name) => SEALED.test(name)).sort(),
    active: names.includes(WAL_FILE),
    snapshots: names.flatMap((name) => {
      const match = SNAPSHOT.exec(name);
      return match === null ? [] : [{ file: name, seq: Number(match[1]) }];
    }).sort((a, b) => a.seq - b.seq),
  };
}

/** Whether the directory holds no log and no snapshot (a new data directory). */
export function isFresh(files: DataDirFiles): boolean {
  return !files.active && files.sealed.length === 0 && files.snapshots.length === 0;
}

function readSnapshotFile(path: string): SnapshotFile {
  let value: unknown;
  const text = readFileSync(path, 'utf8');
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(path, '', `not a snapshot (${(error as Error).message})`);
  }
  const file = value as Partial<SnapshotFile> | null;
  if (file === null || typeof file !== 'object' || file.fleetsim !== 'snapshot' || file.version !== 1) throw new InputError(path, '', 'not a snapshot of this format version');
  for (const field of ['seq', 'generation', 'events', 'epochMs'] as const) {
    if (!Number.isInteger(file[field]) || file[field]! < 0) throw new InputError(path, field, 'must be an integer >= 0');
  }
  for (const field of ['eventsCrc', 'crc'] as const) {
    const value = file[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new InputError(path, field, 'must be a CRC-32 (an integer 0..4294967295)');
  }
  if (file.provisions !== undefined) {
    try {
      parseProvisionBookState(file.provisions);
    } catch (error) {
      throw fieldError(path, error);
    }
  }
  if (typeof file.engine !== 'object' || file.engine === null) throw new InputError(path, 'engine', 'missing');
  if (file.crc !== undefined) {
    // The engine's text as written: from its field's name (after every other field) to the closing brace.
    const engineText = text.slice(text.indexOf(ENGINE_FIELD) + ENGINE_FIELD.length, text.lastIndexOf('}'));
    const actual = crc32(engineText);
    if (actual !== file.crc) throw new InputError(path, 'engine', `its CRC-32 is ${actual}, not the ${file.crc} written with it: the snapshot was changed or damaged`);
  }
  return file as SnapshotFile;
}

/** An InputError in `file` from an Error whose message is `<field>: <what was wrong>`. */
function fieldError(file: string, error: unknown): InputError {
  const message = (error as Error).message;
  const at = message.indexOf(': ');
  return new InputError(file, message.slice(0, at), message.slice(at + 2));
}

/**
 * Hands a driver restored from `snapshot` the snapshot's provision book (`restored`, the
 * driver's own); throws an InputError naming the snapshot file and `provisions` when the book
 * does not match the engine's counts.
 */
export function restoreProvisions(dataDir: string, snapshot: SnapshotFile, restored: (provisions: ProvisionBookState | undefined) => void): void {
  try {
    restored(snapshot.provisions);
  } catch (error) {
    throw fieldError(join(dataDir, snapshotName(snapshot.seq)), error);
  }
}

/** The header (first line) of a log file. */
export function readHeader(path: string): WalHeader {
  const reader = new LineReader(path);
  try {
    const first = reader.next();
    if (first === undefined || !first.terminated) throw new InputError(path, 'line 1', 'no write-ahead log header (the file is empty or cut short)');
    try {
      return parseHeader(first.text);
    } catch (error) {
      throw new InputError(path, 'line 1', (error as Error).message);
    }
  } finally {
    reader.close();
  }
}

/** What a replay calls, in order: `start` once, then `switchTo` and `entry` as the log goes. */
export interface LogReplayHooks {
  /** The replay begins: from a snapshot, or (undefined) from a fresh engine of generation 0. */
  start(snapshot: SnapshotFile | undefined): void;
  /** The writer swapped its engine after the last input replayed: do the same, for `generation`. */
  switchTo(generation: number): void;
  /** One logged input after the snapshot. */
  entry(entry: WalEntry): void;
}

/** Where a replay ended. */
export interface LogReplayResult {
  /** The data directory's epoch (Unix ms). */
  readonly epochMs: number;
  /** The last input replayed (or that the snapshot includes). */
  readonly lastSeq: number;
  /** Its `now` (undefined when the log is empty). */
  readonly lastNow: number | undefined;
  /** The engine generation reached. */
  readonly generation: number;
  /** The active log file's header, when it exists. */
  readonly active: WalHeader | undefined;
  /** Bytes of the active log file up to its last good line (where appends resume). */
  readonly activeGoodBytes: number;
  /** The torn last line of the active log file, if any (1-based). */
  readonly tornLine?: number;
  /** Inputs replayed (after the snapshot). */
  readonly replayed: number;
}

/**
 * Replays a data directory's log (see the module's description) into `hooks`, in bounded
 * memory. Throws an {@link InputError} naming the file (and line) for a corrupt line that is
 * not the active file's last, a sealed file cut short, an unreadable snapshot, or inputs missing
 * between files. Changes nothing on disk.
 */
export function replayLog(dataDir: string, hooks: LogReplayHooks): LogReplayResult {
  const files = listDataDir(dataDir);
  const newest = files.snapshots.at(-1);
  const snapshot = newest === undefined ? undefined : readSnapshotFile(join(dataDir, newest.file));
  const paths = [...files.sealed, ...(files.active ? [WAL_FILE] : [])].map((name) => join(dataDir, name));
  const headers = paths.map(readHeader);
  let lastSeq = snapshot?.seq ?? 0;
  let generation = snapshot?.generation ?? 0;
  let lastNow: number | undefined = snapshot === undefined ? undefined : Number(snapshot.engine.lastNow);
  if (lastNow === Number.NEGATIVE_INFINITY) lastNow = undefined;
  const epochMs = headers[0]?.epochMs ?? snapshot?.epochMs ?? Date.now();
  hooks.start(snapshot);
  // The first file to read: the last one starting at or before the first input after the snapshot.
  let first = 0;
  headers.forEach((header, i) => {
    if (header.firstSeq <= lastSeq + 1) first = i;
  });
  let replayed = 0;
  let activeGoodBytes = 0;
  let tornLine: number | undefined;
  for (let i = first; i < paths.length; i++) {
    const path = paths[i]!;
    const header = headers[i]!;
    if (header.firstSeq > lastSeq + 1) throw new InputError(path, 'line 1', `starts at input ${header.firstSeq}, but the inputs before it end at ${lastSeq}: inputs are missing`);
    if (header.generation > generation) {
      if (header.firstSeq !== lastSeq + 1 || header.generation !== generation + 1) {
        throw new InputError(path, 'line 1', `engine generation ${header.generation} at input ${header.firstSeq} does not follow generation ${generation} at input ${lastSeq}`);
      }
      hooks.switchTo(header.generation);
      generation = header.generation;
    }
    const contents = readWalFile(path, path, (entry) => {
      if (entry.seq <= lastSeq) return;
      hooks.entry(entry);
      lastSeq = entry.seq;
      lastNow = entry.input.now;
      replayed++;
    });
    const isActive = files.active && i === paths.length - 1;
    if (contents.tornLine !== undefined) {
      if (!isActive) throw new InputError(path, `line ${contents.tornLine.number}`, `${contents.tornLine.reason}: a sealed log file must be whole`);
      tornLine = contents.tornLine.number;
    }
    if (isActive) activeGoodBytes = contents.goodBytes;
  }
  const active = files.active ? headers.at(-1) : undefined;
  return {
    epochMs,
    lastSeq, lastNow, generation, active, activeGoodBytes, replayed,
    ...(tornLine === undefined ? {} : { tornLine }),
  };
}
