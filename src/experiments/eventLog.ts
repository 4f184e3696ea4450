/**
 * The event log (`--events FILE.jsonl`): one JSON object a line, each tagged with the strategy
 * and replication it belongs to. Each job of an experiment writes its own part file (in a worker
 * thread or in-process alike), and the parts are joined in job order, so the log is the same
 * whatever the number of workers and whichever finished first. Writes are buffered and
 * synchronous, so that the simulation loop stays synchronous.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EngineEvent } from '../engine/messages.js';
import { eventRecord } from '../engine/eventRecord.js';
import { makeDirectory } from '../makeDirectory.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';

const FLUSH_CHARS = 1 << 20;
/** Bytes copied at a time when joining part files. */
const COPY_BYTES = 1 << 20;

/**
 * An open event log file. Every file system failure (no such directory, a full disk, a file
 * that refuses writes such as /proc/version) is an {@link InputError} naming the file and
 * `--events`: the user chose the file.
 */
export class EventLogWriter {
  private readonly file: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  /** Set after a failed write: nothing more is written, and close() only releases the file. */
  private failed = false;

  /**
   * Opens (truncates) `file`, creating its directory.
   * @throws InputError naming `--events` when it cannot
   */
  constructor(file: string) {
    this.file = file;
    try {
      makeDirectory(dirname(file));
      this.fd = openSync(file, 'w');
    } catch (error) {
      throw eventsFileError(file, error);
    }
  }

  /** Appends one event. */
  write(strategy: string, replication: number, event: EngineEvent): void {
    const line = JSON.stringify({ strategy, replication, ...eventRecord(event) });
    this.buffer.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= FLUSH_CHARS) this.flush();
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  private flush(): void {
    if (this.failed || this.buffer.length === 0) return;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.bufferedChars = 0;
    try {
      writeSync(this.fd, text);
    } catch (error) {
      this.failed = true;
      throw eventsFileError(this.file, error);
    }
  }
}

/**
 * Fails before any run when the events file cannot be written (its directory is created).
 * @throws InputError naming `--events`
 */
export function checkEventsFile(file: string): void {
  writing(file, () => {
    makeDirectory(dirname(file));
    closeSync(openSync(file, 'w'));
  });
}

/** Runs a write to the events file, turning the file system's refusal into an input error. */
function writing<T>(file: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw eventsFileError(file, error);
  }
}

/** The one-line error for an events file the file system refuses. */
function eventsFileError(file: string, error: unknown): InputError {
  return new InputError(file, '--events', `cannot write the events file (${systemErrorReason(error)})`);
}

/**
 * A fresh directory for the part files of the log `file`, beside it (same file system, and
 * where the user chose to put the log's bytes). The caller removes it with
 * {@link removeEventParts}.
 */
export function makeEventPartsDir(file: string): string {
  try {
    makeDirectory(dirname(file));
    return mkdtempSync(join(dirname(file), `.${basename(file)}.parts-`));
  } catch (error) {
    throw eventsFileError(file, error);
  }
}

/** The part file of job `index` in `partsDir`. */
export function eventPartFile(partsDir: string, index: number): string {
  return join(partsDir, `${index}.jsonl`);
}

/** Writes the part files of jobs 0 … `count` − 1, in that order, into `file` (truncated). */
export function joinEventParts(partsDir: string, count: number, file: string): void {
  const out = writing(file, () => openSync(file, 'w'));
  const buffer = Buffer.allocUnsafe(COPY_BYTES);
  try {
    for (let index = 0; index < count; index++) {
      const part = openSync(eventPartFile(partsDir, index), 'r');
      try {
        for (let read = readSync(part, buffer); read > 0; read = readSync(part, buffer)) writing(file, () => writeSync(out, buffer, 0, read));
      } finally {
        closeSync(part);
      }
    }
  } finally {
    closeSync(out);
  }
}

/** Removes a directory made by {@link makeEventPartsDir} and everything in it. */
export function removeEventParts(partsDir: string): void {
  rmSync(partsDir, { recursive: true, force: true });
}
