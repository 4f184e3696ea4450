/**
 * Writes the event log (`--events FILE.jsonl`): one JSON object a line, each tagged with the
 * strategy and replication it belongs to. Buffered, written synchronously so that the
 * simulation loop stays synchronous.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EngineEvent } from '../engine/messages.js';
import { eventRecord } from '../engine/eventRecord.js';

const FLUSH_CHARS = 1 << 20;

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
