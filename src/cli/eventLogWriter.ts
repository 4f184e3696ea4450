/**
 * Writes the event log (`--events FILE.jsonl`): one JSON object a line, each tagged with the
 * strategy and replication it belongs to. Buffered, written synchronously so that the
 * simulation loop stays synchronous.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineEvent } from '../engine/messages.js';
import { eventRecord } from '../engine/eventRecord.js';
import { makeDirectory } from '../makeDirectory.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';

const FLUSH_CHARS = 1 << 20;

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
      throw this.inputError(error);
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
      throw this.inputError(error);
    }
  }

  private inputError(error: unknown): InputError {
    return new InputError(this.file, '--events', `cannot write the events file (${systemErrorReason(error)})`);
  }
}
