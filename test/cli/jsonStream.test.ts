/**
 * JSON written in chunks: the same text as JSON.stringify(value, null, 2) plus a newline, in
 * pieces of bounded size, so no string the size of the whole document is ever built.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/cli/jsonStream.js';
import { oneRun } from '../experiments/runs.js';

function chunksOf(value: unknown): string[] {
  return [...jsonChunks(value)].flat();
}

describe('jsonChunks', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes, for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }), { seed: 1, numRuns: 300 });
  });

  it('leaves out undefined fields and writes null for undefined array slots, as JSON.stringify does', () => {
    const value = { a: undefined, b: [undefined, 1, { c: undefined }], d: { e: 'x\ny' }, f: [], g: {} };
    expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('hands a run result with many agents over in chunks of about a mebibyte, never as one string', () => {
    // 20 replications of a 2,000-agent fleet (shared objects, so the input is small): ~7.5 MB of JSON.
    const run = oneRun();
    const agents = Array.from({ length: 2000 }, (_, i) => ({ ...run.perAgent[0]!, id: `agent-${i}` }));
    const replication = { ...run, perAgent: agents };
    const result = { scenario: 'big', seed: 1, replications: 20, results: [{ strategy: 'x', perReplication: Array.from({ length: 20 }, () => replication) }] };
    const chunks = chunksOf(result);
    const whole = `${JSON.stringify(result, null, 2)}\n`;
    expect(whole.length).toBeGreaterThan(7_000_000);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(1.1 * 2 ** 20);
    expect(chunks.join('')).toBe(whole);
  });
});

describe('jsonChunks on documents larger than one JSON.stringify call', () => {
  /** A value whose text is about `chars` characters: a string, so the size is known. */
  const sized = (chars: number, tag: number): unknown => ({ tag, text: 'x'.repeat(chars) });

  it('writes a large array of small, batch-sized and oversized elements (nested ones too) as JSON.stringify does', () => {
    const rows: unknown[] = [];
    for (let i = 0; i < 3000; i++) rows.push(i % 997 === 0 ? sized(100_000, i) : i % 501 === 0 ? [sized(40_000, i), sized(40_000, -i)] : { i, name: `r${i}`, deep: { list: [i, null, true] } });
    const value = { before: 1, rows, after: { nested: { rows, empty: [], none: {} } } };
    expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('keeps holes, undefined, functions and toJSON inside large arrays as JSON.stringify does', () => {
    const rows: unknown[] = new Array(5000);
    for (let i = 0; i < rows.length; i += 3) rows[i] = i % 2 === 0 ? { at: new Date(i), skipped: undefined, f: () => i } : [undefined, () => i, Symbol('s'), i];
    rows[4000] = sized(70_000, 1);
    expect(chunksOf({ rows }).join('')).toBe(`${JSON.stringify({ rows }, null, 2)}\n`);
  });

  it('writes any large document of JSON values, at any depth, as JSON.stringify does', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 200, max: 3000 }), (values, depth, length) => {
      let value: unknown = Array.from({ length }, (_, i) => values[i % values.length]);
      for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { key: value, other: values[0] } : [values[0], value];
      expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }), { seed: 2, numRuns: 40 });
  });
});

describe('jsonChunks on a large array met more than once', () => {
  // With one replication a run's per-agent rows are one array, in the summary and in the replication,
  // one level deeper: the second time it is cut as the first, and must still read as JSON.stringify writes it.
  it('writes the same large array at other nestings (holes, toJSON and oversized elements included) as JSON.stringify does', () => {
    const rows: unknown[] = new Array(4000);
    for (let i = 0; i < rows.length; i += 2) rows[i] = i % 1000 === 0 ? { text: 'y'.repeat(90_000), i } : i % 7 === 0 ? { at: new Date(i) } : { id: `a-${i}`, completed: i, tokens: i / 3 };
    const value = { metrics: { perAgent: rows }, perReplication: [{ perAgent: rows }, [[rows]]], again: rows };
    expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes any document holding one large array at two depths as JSON.stringify does', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 2000, max: 4000 }), (values, first, second, length) => {
      // Padded, so the array is larger than one batch whatever the values.
      const shared = Array.from({ length }, (_, i) => ({ value: values[i % values.length], pad: 'p'.repeat(30) }));
      const nestedIn = (depth: number): unknown => {
        let value: unknown = shared;
        for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { key: value } : [value];
        return value;
      };
      const value = { first: nestedIn(first), between: values[0], second: nestedIn(second) };
      expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    }), { seed: 3, numRuns: 40 });
  });
});

describe('jsonChunks on the values JSON.stringify rewrites', () => {
  it('writes null for non-finite numbers, 0 for -0, and uses toJSON, as JSON.stringify does', () => {
    const value = {
      nan: Number.NaN, inf: Number.POSITIVE_INFINITY, negative: -Number.MAX_VALUE, minusZero: -0, tiny: 5e-324, big: 1e21,
      list: [Number.NaN, -0, true, false, null, () => 1, Symbol('s')],
      nested: { when: new Date(0), text: 'tab\tquote"back\\slash\u2028', deeper: { empty: [], none: {} } },
      fn: () => 1,
      holes: [1, , 3], // a hole: JSON.stringify writes null
    };
    expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes keys that need escaping, and integer-like keys in the order JSON.stringify does', () => {
    const value = { 'b"q': 1, 10: 'ten', 2: 'two', 'line\nbreak': { 'ü': [{ 1: 1, a: 2 }] } };
    expect(chunksOf(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});
