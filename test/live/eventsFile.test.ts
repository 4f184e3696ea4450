/**
 * The events file's writer: a line is written only once its input is durable, in order, on the
 * loop's turn after the release (off the path from a group commit's return to what it releases),
 * at once by `sync` and `close`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventRecord } from '../../src/engine/eventRecord.js';
import type { EngineEvent } from '../../src/engine/messages.js';
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

  it('writes each line\'s exact UTF-8 bytes (a record\'s as JSON.stringify writes it), multi-byte characters and all, across the queue\'s growth and compactions', async () => {
    const path = scratchFile();
    const writer = new EventsWriter(path, { fsync: false });
    const expected: string[] = [];
    // Lines of varying byte lengths, half as text and half as engine events; durability trails by
    // 4,500 inputs, so the queue grows past its first arrays and its written front is dropped many times.
    for (let seq = 1; seq <= 9_000; seq++) {
      const text = `${'é€𝄞'.slice(0, seq % 4)}${'x'.repeat(seq % 13)}`;
      if (seq % 2 === 0) {
        // Transitions (written field by field) with and without optional fields, and another kind (through its record).
        const agent = { spec: { id: text, capacity: 2 } };
        const event = (seq % 6 === 0
          ? { kind: 'agentLeft', time: seq / 7, agent }
          : { kind: 'transition', time: seq / 7, task: { spec: { id: `t${seq}` } }, from: 'queued', to: 'assigned', attempt: 1, agent: seq % 3 === 0 ? undefined : agent, contextHit: seq % 4 === 0 ? null : undefined, quality: seq / 3 }) as unknown as EngineEvent;
        writer.appendEvent(event, seq);
        expected.push(JSON.stringify(eventRecord(event)));
      } else {
        const line = `{"seq":${seq},"text":"${text}"}`;
        writer.append(line, seq);
        expected.push(line);
      }
      if (seq % 100 === 0) {
        writer.release(seq - 4_500);
        await turn();
      }
    }
    writer.release(9_000);
    await writer.close();
    expect(readFileSync(path).equals(Buffer.from(`${expected.join('\n')}\n`))).toBe(true);
    expect(writer.linesWritten).toBe(9_000);
  });
});
