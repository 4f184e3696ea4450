/**
 * The events file's writer: a line is written only once its input is durable, in order, on the
 * loop's turn after the release (off the path from a group commit's return to what it releases),
 * at once by `sync` and `close`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventsWriter } from '../../src/live/eventsFile.js';

function scratchFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'fleetsim-events-')), 'events.jsonl');
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('EventsWriter', () => {
  it('writes the lines of durable inputs on the next turn, never those of inputs not durable yet', async () => {
    const path = scratchFile();
    const writer = new EventsWriter(path, { fsync: false });
    writer.append('{"e":1}', 1);
    writer.append('{"e":2}', 1);
    writer.append('{"e":3}', 2);
    writer.release(1);
    expect(lines(path)).toEqual([]);
    await turn();
    expect(lines(path)).toEqual(['{"e":1}', '{"e":2}']);
    expect(writer.linesWritten).toBe(2);
    writer.append('{"e":4}', 3);
    writer.release(2);
    await turn();
    expect(lines(path)).toEqual(['{"e":1}', '{"e":2}', '{"e":3}']);
    await writer.close();
    expect(lines(path)).toEqual(['{"e":1}', '{"e":2}', '{"e":3}']);
  });

  it('sync writes what is released at once', async () => {
    const path = scratchFile();
    const writer = new EventsWriter(path);
    writer.append('{"e":1}', 1);
    writer.release(1);
    await writer.sync();
    expect(lines(path)).toEqual(['{"e":1}']);
    await writer.close();
  });

  it('keeps order over many releases, each behind the inputs still in flight', async () => {
    const path = scratchFile();
    const writer = new EventsWriter(path, { fsync: false });
    const expected: string[] = [];
    // Inputs 1..5,000 with two events each; durability trails the appends by 300 inputs.
    for (let seq = 1; seq <= 5_000; seq++) {
      for (const part of ['a', 'b']) writer.append(`{"seq":${seq},"part":"${part}"}`, seq);
      if (seq % 50 === 0) {
        writer.release(seq - 300);
        await turn();
      }
    }
    writer.release(5_000);
    await writer.close();
    for (let seq = 1; seq <= 5_000; seq++) for (const part of ['a', 'b']) expected.push(`{"seq":${seq},"part":"${part}"}`);
    expect(lines(path)).toEqual(expected);
    expect(writer.linesWritten).toBe(10_000);
  });
});
