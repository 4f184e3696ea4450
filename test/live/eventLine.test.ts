/**
 * An engine event's line of the events file: exactly the UTF-8 of
 * `JSON.stringify(eventRecord(event))`, for every event a simulated run emits and for
 * transitions of any values (text that JSON escapes, non-finite numbers, fields left out).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventRecord } from '../../src/engine/eventRecord.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { appendEventLine } from '../../src/live/eventLine.js';
import { LineBuffer } from '../../src/live/lineBuffer.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { libraryScenarios } from '../support/recordedRun.js';
import { awkwardText as text } from '../support/lineBuffers.js';

function lineOf(event: EngineEvent): Buffer {
  const lines = new LineBuffer();
  lines.text('before,');
  appendEventLine(lines, event);
  return lines.view('before,'.length);
}

describe('appendEventLine', () => {
  it('writes every event of the library\'s runs as JSON.stringify writes its record', () => {
    const kinds = new Set<string>();
    for (const scenario of libraryScenarios()) {
      const lines = new LineBuffer();
      const expected: string[] = [];
      runSimulation({
        scenario, strategy: scenario.strategies[0]!, replication: 0, onEvent: (event) => {
          kinds.add(event.kind);
          appendEventLine(lines, event);
          lines.newline();
          expected.push(`${JSON.stringify(eventRecord(event))}\n`);
        },
      });
      expect(lines.view(0).toString()).toBe(expected.join(''));
    }
    expect(kinds).toContain('transition');
    expect(kinds).toContain('submitted');
  });

  it('writes a transition of any values as JSON.stringify writes its record, byte for byte', () => {
    const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e21, Number.NaN, Number.POSITIVE_INFINITY));
    const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined });
    const transition = fc.record({
      time: number, task: text, from: text, to: text, attempt: number, agent: optional(text), reason: optional(text),
      priorityRespected: optional(fc.boolean()), setupTokens: optional(number), contextHit: optional(fc.constantFrom(true, false, null)),
      contextBlocksHit: optional(number), quality: optional(number),
    });
    fc.assert(fc.property(transition, (fields) => {
      const event = {
        ...fields, kind: 'transition', task: { spec: { id: fields.task } }, agent: fields.agent === undefined ? undefined : { spec: { id: fields.agent } },
      } as unknown as EngineEvent;
      expect(lineOf(event).equals(Buffer.from(JSON.stringify(eventRecord(event))))).toBe(true);
    }), { seed: 1, numRuns: 500 });
  });
});
