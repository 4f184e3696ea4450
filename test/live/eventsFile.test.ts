/**
 * The events file's writer: a line is written only once its input is durable, in order, on the
 * loop's turn after the release (off the path from a group commit's return to what it releases),
 * at once by `sync` and `close`; it keeps the CRC-32 of the lines a snapshot counts. Read back,
 * the lines before a snapshot must still have that CRC, and each must be an event record of its
 * kind's form, in time order.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventRecord } from '../../src/engine/eventRecord.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { EventsReconciler, EventsWriter, historyLineParser } from '../../src/live/eventsFile.js';

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

/** CRC-32 of the first `n` lines of the file at `path`, each with its newline. */
function crcOfLines(path: string, n: number): number {
  const text = readFileSync(path, 'utf8').split('\n').slice(0, n).map((line) => `${line}\n`).join('');
  return crc32(text);
}

describe('EventsWriter, the CRC of a snapshot\'s events', () => {
  it('keeps the CRC-32 of the first N lines asked for, whether they were written already, in one write or split across writes', async () => {
    const path = scratchFile();
    const writer = new EventsWriter(path, { fsync: false });
    writer.append('{"e":1}', 1);
    writer.release(1);
    await writer.sync();
    // Asked for once its lines are all written.
    writer.requestCrcThrough(1);
    expect(writer.crcThrough(1)).toBe(crcOfLines(path, 1));
    // Asked for while its lines wait for their inputs' durability; the write that passes it goes further.
    writer.append('{"e":2,"text":"é"}', 2);
    writer.append('{"e":3}', 2);
    writer.requestCrcThrough(3);
    writer.append('{"e":4}', 3);
    writer.release(3);
    await writer.sync();
    expect(writer.crcThrough(3)).toBe(crcOfLines(path, 3));
    expect(writer.crcThrough(3)).not.toBe(crcOfLines(path, 4));
    expect(() => writer.crcThrough(2)).toThrow(/no CRC of its first 2 lines/);
    expect(() => writer.requestCrcThrough(1)).toThrow(/after 4 were written/);
    await writer.close();
  });

  it('counts on from the lines and CRC of the file it resumes', async () => {
    const path = scratchFile();
    writeFileSync(path, '{"e":1}\n{"e":2}\n');
    const writer = new EventsWriter(path, { fsync: false });
    writer.resume(2, crcOfLines(path, 2));
    writer.append('{"e":3}', 1);
    writer.requestCrcThrough(3);
    writer.release(1);
    await writer.sync();
    expect(writer.crcThrough(3)).toBe(crcOfLines(path, 3));
    await writer.close();
  });
});

describe('EventsReconciler, the lines before a snapshot', () => {
  const prefix = ['{"time":0,"kind":"agentJoined","agent":"a1","capacity":1}', '{"time":1,"kind":"agentDraining","agent":"a1"}'];

  it('accepts them when they have the CRC the snapshot recorded, and hands each on with its line number', () => {
    const path = scratchFile();
    writeFileSync(path, `${prefix.join('\n')}\n`);
    const seen: [string, number][] = [];
    const reconciler = new EventsReconciler(path, 'events.jsonl', 2, (line, n) => seen.push([line, n]), crcOfLines(path, 2));
    expect(seen).toEqual([[prefix[0], 1], [prefix[1], 2]]);
    reconciler.finish();
    expect(reconciler.accepted).toEqual({ lines: 2, crc: crcOfLines(path, 2) });
  });

  it('refuses them, naming the file and the lines, when one was changed even into other valid JSON', () => {
    const path = scratchFile();
    writeFileSync(path, `${prefix.join('\n')}\n`);
    const recorded = crcOfLines(path, 2);
    writeFileSync(path, `${prefix[0]!.replace('"a1"', '"a2"')}\n${prefix[1]}\n`);
    expect(() => new EventsReconciler(path, 'events.jsonl', 2, undefined, recorded))
      .toThrow(/^events\.jsonl: lines 1-2: their CRC-32 is \d+, not the \d+ the snapshot recorded: the audit trail before the snapshot was changed or damaged$/);
    // A snapshot written before the CRC was kept records none: the lines are taken as they are.
    expect(() => new EventsReconciler(path, 'events.jsonl', 2, undefined, undefined)).not.toThrow();
  });

  it('refuses a missing file when the snapshot accounts for events', () => {
    expect(() => new EventsReconciler(join(tmpdir(), 'no-such-dir-fleetsim', 'events.jsonl'), 'events.jsonl', 3))
      .toThrow('events.jsonl: missing: the snapshot accounts for its first 3 events');
  });
});

describe('history lines read back', () => {
  const parse = historyLineParser('events.jsonl');

  it('are records of a known kind with a time and the fields of their kind', () => {
    expect(parse('{"time":0,"kind":"submitted","task":"t1","seq":1,"spec":{"id":"t1","type":"code"}}', 1)).toMatchObject({ kind: 'submitted', task: 't1' });
    expect(parse('{"time":1,"kind":"transition","task":"t1","from":"created","to":"queued","attempt":0}', 2)).toMatchObject({ to: 'queued' });
  });

  it.each([
    ['not JSON', '{"time":', /^events\.jsonl: line 7: expected an event as JSON, got malformed JSON/],
    ['not an object', '[1,2]', /^events\.jsonl: line 7: expected an event \(a JSON object\)$/],
    ['an unknown kind', '{"time":1,"kind":"teleported"}', /^events\.jsonl: line 7, field kind: expected a kind of event, got "teleported"$/],
    ['no time', '{"kind":"agentLeft","agent":"a1"}', /^events\.jsonl: line 7, field time: expected a number of seconds, got nothing$/],
    ['a state that is none', '{"time":1,"kind":"transition","task":"t1","from":"created","to":"gone","attempt":0}', /^events\.jsonl: line 7, field to: expected a task state in a transition event, got "gone"$/],
    ['a spec without an id', '{"time":1,"kind":"submitted","task":"t1","seq":1,"spec":{"type":"code"}}', /^events\.jsonl: line 7, field spec: expected a task spec with an id in a submitted event/],
    ['a prototype key as its kind', '{"time":1,"kind":"constructor"}', /field kind: expected a kind of event, got "constructor"$/],
  ])('refuse %s, naming the file, line and field', (_, text, message) => {
    expect(() => historyLineParser('events.jsonl')(text, 7)).toThrow(message);
  });

  it('refuse an event earlier than the line before it', () => {
    const inOrder = historyLineParser('events.jsonl');
    inOrder('{"time":2,"kind":"agentLeft","agent":"a1"}', 1);
    expect(() => inOrder('{"time":1,"kind":"agentLeft","agent":"a2"}', 2)).toThrow('events.jsonl: line 2, field time: expected events in time order, got 1 after 2');
  });
});
