/**
 * JSON written straight into a byte buffer: for any value at all, exactly the UTF-8 of
 * `JSON.stringify(value)`; plain data (what engine inputs and event records are) without calling
 * the general path; anything else through it, whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendJson } from '../../src/live/jsonBytes.js';
import { LineBuffer } from '../../src/live/lineBuffer.js';
import { awkwardText as text, writtenBytes as bytesOf } from '../support/lineBuffers.js';

/** Plain data: what the direct path writes. */
const plain = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(-0, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, true, false, null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, fc.option(tie('value'), { nil: undefined }), { maxKeys: 5 }),
  ),
})).value;

describe('appendJson', () => {
  it('writes plain data as JSON.stringify does, byte for byte, without the general path', () => {
    fc.assert(fc.property(plain, (value) => {
      const lines = new LineBuffer();
      lines.text('before,');
      let general = 0;
      appendJson(lines, value, (v) => {
        general++;
        return JSON.stringify(v);
      });
      expect(bytesOf(lines).equals(Buffer.from(`before,${JSON.stringify(value)}`))).toBe(true);
      expect(general).toBe(0);
    }), { seed: 1, numRuns: 500 });
  });

  it('writes any value JSON.stringify writes (sets, maps, dates, NaN, class instances, holes…) as it does', () => {
    fc.assert(fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true, withObjectString: true }), (value) => {
      const expected = JSON.stringify(value) as string | undefined;
      fc.pre(expected !== undefined);
      const lines = new LineBuffer();
      appendJson(lines, value);
      expect(bytesOf(lines).equals(Buffer.from(expected!))).toBe(true);
    }), { seed: 2, numRuns: 500 });
  });

  it('hands a value that is not plain data to the general path whole, and adds nothing when that throws', () => {
    const lines = new LineBuffer();
    const seen: unknown[] = [];
    const value = { kind: 'started', report: { agent: { residentKeys: new Set(['k']) } } };
    appendJson(lines, value, (v) => {
      seen.push(v);
      return '"general"';
    });
    expect(seen).toEqual([value]);
    expect(bytesOf(lines).toString()).toBe('"general"');
    lines.truncate(0);
    expect(() => appendJson(lines, { big: 1n })).toThrow(TypeError);
    expect(lines.length).toBe(0);
  });
});
