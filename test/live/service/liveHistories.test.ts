/**
 * The live tasks' histories keep each open slot's events exactly, in order, the oldest dropped
 * beyond what a history may keep (events whose strings hold braces, quotes and escapes too), and
 * the arena holds a bounded multiple of the open histories' bytes however many events came and went.
 */
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../../src/live/lineBuffer.js';
import { LiveHistories } from '../../../src/live/service/liveHistories.js';

function lineOf(value: unknown): LineBuffer {
  const lines = new LineBuffer();
  lines.text(JSON.stringify(value));
  return lines;
}

const ODD = ['}', '"}{"', '\\}', 'é\u{1F600}}', 'plain'];

function eventOf(slot: number, n: number): { time: number; kind: string; agent: string } {
  return { time: n / 3, kind: 'offerMade', agent: `${ODD[(slot + n) % ODD.length]!}${'x'.repeat((slot * 7 + n) % 90)}` };
}

describe('LiveHistories', () => {
  it('answers every open slot its events and submission time, dropping the oldest beyond keep, through compactions', () => {
    const histories = new LiveHistories();
    const keep = 5;
    const expected = new Map<number, { submittedAt: number; events: unknown[]; dropped: number }>();
    for (let task = 0; task < 3000; task++) {
      const first = eventOf(task, 0);
      const slot = histories.open(task + 0.5, lineOf(first), 1);
      expect(expected.has(slot)).toBe(false);
      expected.set(slot, { submittedAt: task + 0.5, events: [first], dropped: 0 });
      // Events to the open slots in turn; every third task's slot closes, to be reused.
      for (const [open, model] of [...expected].slice(-40)) {
        const event = eventOf(open, model.events.length + model.dropped);
        const dropped = histories.append(open, lineOf(event), keep);
        model.events.push(event);
        expect(dropped).toBe(model.events.length > keep);
        if (dropped) {
          model.events.shift();
          model.dropped++;
        }
      }
      if (task % 3 === 0) {
        const [oldest] = expected.keys();
        histories.close(oldest!);
        expected.delete(oldest!);
      }
    }
    let openBytes = 0;
    for (const [slot, model] of expected) {
      expect(JSON.parse(histories.json(slot))).toEqual(model.events);
      const lines = new LineBuffer();
      histories.appendJson(slot, lines);
      expect(lines.view(0).toString('utf8')).toBe(JSON.stringify(model.events));
      expect(histories.submittedAt(slot)).toBe(model.submittedAt);
      openBytes += Buffer.byteLength(histories.json(slot)) - 2;
    }
    expect(histories.size).toBe(expected.size);
    expect(histories.arenaBytes).toBeLessThanOrEqual(Math.max(1 << 16, 8 * openBytes + (1 << 12)));
  });

  it('reuses the slots of closed histories after the arena shrank below where their bytes were', () => {
    const histories = new LiveHistories();
    const eventOf = (n: number): { time: number; kind: string; agent: string } => ({ time: n, kind: 'offerMade', agent: `${n}-${'x'.repeat(1000)}` });
    const big = Array.from({ length: 400 }, (_, n) => histories.open(n, lineOf(eventOf(n)), 1));
    for (const slot of big) histories.close(slot);
    // One history, its event replaced until the arena is compacted into a small one.
    const one = histories.open(0, lineOf(eventOf(0)), 1);
    for (let n = 1; n < 1000; n++) histories.append(one, lineOf(eventOf(n)), 1);
    expect(histories.arenaBytes).toBeLessThan(big.length * 1000);
    // The closed slots again, opened until the small arena is compacted in turn.
    const open = new Map<number, unknown>([[one, eventOf(999)]]);
    for (let n = 0; n < 300; n++) {
      const event = eventOf(n);
      open.set(histories.open(n, lineOf(event), 1), event);
    }
    for (const [slot, event] of open) expect(JSON.parse(histories.json(slot))).toEqual([event]);
  });

  it('keeps a history of one event when keep is 1, the newest replacing it', () => {
    const histories = new LiveHistories();
    const slot = histories.open(1, lineOf({ time: 1, kind: 'submitted', to: 'queued' }), 1);
    expect(histories.append(slot, lineOf({ time: 2, kind: 'staleResult', attempt: 1 }), 1)).toBe(true);
    expect(histories.json(slot)).toBe('[{"time":2,"kind":"staleResult","attempt":1}]');
  });
});
