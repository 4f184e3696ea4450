/**
 * The event log (`--events FILE.jsonl`): one JSON object a line, each tagged with the strategy
 * and replication it belongs to. Each job of an experiment writes its own part file (in a worker
 * thread or in-process alike), and the parts are joined in job order, so the log is the same
 * whatever the number of workers and whichever finished first. Writes are buffered and
 * synchronous, so that the simulation loop stays synchronous.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EngineEvent } from '../engine/messages.js';
import { eventRecord } from '../engine/eventRecord.js';

const FLUSH_CHARS = 1 << 20;
/** Bytes copied at a time when joining part files. */
const COPY_BYTES = 1 << 20;

/** An open event log file. */
export class EventLogWriter {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;

  /** Opens (truncates) `file`, creating its directory; throws the file system's error if it cannot. */
  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'w');
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
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.bufferedChars = 0;
  }
}

/**
 * A fresh directory for the part files of the log `file`, beside it (same file system, and
 * where the user chose to put the log's bytes). The caller removes it with
 * {@link removeEventParts}.
 */
export function makeEventPartsDir(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  return mkdtempSync(join(dirname(file), `.${basename(file)}.parts-`));
}

/** The part file of job `index` in `partsDir`. */
export function eventPartFile(partsDir: string, index: number): string {
  return join(partsDir, `${index}.jsonl`);
}

/** Writes the part files of jobs 0 … `count` − 1, in that order, into `file` (truncated). */
export function joinEventParts(partsDir: string, count: number, file: string): void {
  const out = openSync(file, 'w');
  const buffer = Buffer.allocUnsafe(COPY_BYTES);
  try {
    for (let index = 0; index < count; index++) {
      const part = openSync(eventPartFile(partsDir, index), 'r');
      try {
        for (let read = readSync(part, buffer); read > 0; read = readSync(part, buffer)) writeSync(out, buffer, 0, read);
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
