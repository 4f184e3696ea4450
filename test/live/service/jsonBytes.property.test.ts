/**
 * Property: JsonBytesWriter writes exactly the UTF-8 bytes of JSON.stringify, for any JSON value
 * (any strings: controls, quotes, non-ASCII, astral and lone surrogates; numbers including -0
 * and non-finite ones; `undefined` fields), record after record, across slab boundaries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytesWriter } from '../../../src/live/service/jsonBytes.js';

const text = fc.oneof(
  fc.string({ unit: 'grapheme-ascii' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'binary-ascii' }),
  fc.constantFrom('"', '\\', '\u2028', '\ud800', 'a\udfffb', '\u{1F600}', '\u007f', '\u0000'),
);
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, Number.NaN, Infinity, -Infinity, 1e21, 1e-7, Number.MAX_SAFE_INTEGER));
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text, number, fc.boolean(), fc.constant(null),
    fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 5 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('0', '10', '2', '__proto__')), fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 5 }),
  ),
})).value;

describe('JsonBytesWriter', () => {
  it('writes the UTF-8 bytes of JSON.stringify, record after record', () => {
    const writer = new JsonBytesWriter();
    fc.assert(fc.property(fc.array(value, { minLength: 1, maxLength: 20 }), (values) => {
      const records = values.map((each) => {
        writer.value(each);
        return writer.finish();
      });
      records.forEach((record, i) => expect(record.toString('utf8')).toBe(JSON.stringify(values[i])));
      records.forEach((record, i) => expect(record.equals(Buffer.from(JSON.stringify(values[i]) ?? '', 'utf8'))).toBe(true));
    }), { seed: 7, numRuns: 1000 });
  });

  it('moves a record begun in a full slab to the next one whole', () => {
    const writer = new JsonBytesWriter();
    const long = 'x'.repeat(40_000);
    const records = [long, ['é', long], { [long]: long }].map((each) => {
      writer.raw('[');
      writer.value(each);
      writer.raw(']');
      return [each, writer.finish()] as const;
    });
    for (const [each, record] of records) expect(record.toString('utf8')).toBe(`[${JSON.stringify(each)}]`);
  });
});
