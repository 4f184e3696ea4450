/**
 * The write-ahead log's line format: a line appended straight into a byte buffer
 * (`appendEntry`, what the log writes) is byte for byte the line `formatEntry` makes and a
 * newline, for any input (text of any kind, sets, non-finite numbers), and reads back as the
 * input it came from (one that is written as the same line).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/engine/messages.js';
import { LineBuffer } from '../../src/live/lineBuffer.js';
import { appendEntry, formatEntry, parseEntry } from '../../src/live/walFormat.js';
import { taskSpec } from '../support/harness.js';
import { awkwardText as text, writtenBytes as bytesOf } from '../support/lineBuffers.js';

/** Numbers JSON writes in every form, and the non-finite ones the log writes as `$number`. */
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -0, 1e21, 5e-324));

const agentReport = fc.record({ contextUtilization: number, residentKeys: fc.array(text, { maxLength: 4 }).map((keys) => new Set(keys)) });

const input: fc.Arbitrary<EngineInput> = fc.oneof(
  fc.record({ now: number, id: text, type: text, priority: fc.integer({ min: 0, max: 4 }), tokens: number, contextKey: fc.option(text, { nil: undefined }), tenant: fc.option(text, { nil: undefined }) })
    .map(({ now, id, type, priority, tokens, contextKey, tenant }): EngineInput => ({
      kind: 'submit', now, task: taskSpec({ id, type, priority, tokens, ...(contextKey === undefined ? {} : { contextKey }), ...(tenant === undefined ? {} : { tenant }) }),
    })),
  fc.record({ now: number, taskId: text, attempt: fc.nat(), setupTokens: number, contextHit: fc.constantFrom(true, false, null), agent: fc.option(agentReport, { nil: undefined }) })
    .map(({ now, taskId, attempt, setupTokens, contextHit, agent }): EngineInput => ({
      kind: 'started', now, taskId, attempt, report: { setupTokens, contextHit, ...(agent === undefined ? {} : { agent }) },
    })),
  fc.record({ now: number, taskId: text, attempt: fc.nat(), quality: number, agent: fc.option(agentReport, { nil: undefined }) })
    .map(({ now, taskId, attempt, quality, agent }): EngineInput => ({
      kind: 'finished', now, taskId, attempt, outcome: { ok: true, quality, ...(agent === undefined ? {} : { agent }) },
    })),
  fc.record({ now: number, timerId: fc.nat() }).map(({ now, timerId }): EngineInput => ({ kind: 'timer', now, timerId })),
);

describe('appendEntry', () => {
  it('appends exactly the bytes of formatEntry\'s line and a newline, line after line, and each reads back as its input', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), input), { minLength: 1, maxLength: 8 }), (entries) => {
      const lines = new LineBuffer();
      for (const [seq, entry] of entries) appendEntry(lines, seq, entry);
      const expected = entries.map(([seq, entry]) => `${formatEntry(seq, entry)}\n`).join('');
      expect(bytesOf(lines).equals(Buffer.from(expected))).toBe(true);
      // Read back, each line is the same input (-0 aside, which JSON writes as 0): written again, the same bytes.
      const readBack = bytesOf(lines).toString('utf8').split('\n').slice(0, -1).map(parseEntry);
      expect(readBack.map((entry) => entry.seq)).toEqual(entries.map(([seq]) => seq));
      expect(readBack.map((entry) => `${formatEntry(entry.seq, entry.input)}\n`).join('')).toBe(expected);
    }), { seed: 1, numRuns: 300 });
  });

  it('adds nothing for an input JSON cannot write (it throws before the first byte)', () => {
    const lines = new LineBuffer();
    const unwritable = { kind: 'timer', now: 1, timerId: 1n } as unknown as EngineInput;
    expect(() => appendEntry(lines, 1, unwritable)).toThrow(TypeError);
    expect(lines.length).toBe(0);
  });
});
