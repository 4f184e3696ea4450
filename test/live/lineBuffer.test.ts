/**
 * The byte queue the write-ahead log and the events file write from: what it holds is exactly
 * the UTF-8 of what was appended, across growth, ranges written, bytes dropped at the front and
 * clears.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineBuffer } from '../../src/live/lineBuffer.js';
import { writtenBytes as written } from '../support/lineBuffers.js';

describe('LineBuffer', () => {
  it('holds the UTF-8 of text of every width (one- to four-byte characters, an unpaired surrogate), digits, ASCII constants and newlines', () => {
    const lines = new LineBuffer();
    const text = 'plain "quoted" é € 𝄞 \ud800 end';
    lines.text(text);
    lines.ascii(Buffer.from(',"crc":'));
    lines.digits(4_294_967_295);
    lines.newline();
    const expected = Buffer.from(`${text},"crc":4294967295\n`);
    expect(lines.length).toBe(expected.length);
    expect(written(lines).equals(expected)).toBe(true);
  });

  it('writes the digits of any non-negative safe integer as String() does', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (value) => {
      const lines = new LineBuffer();
      lines.digits(value);
      expect(written(lines).toString('latin1')).toBe(String(value));
    }), { seed: 1, numRuns: 200 });
  });

  it('grows past its first allocation without losing a byte, writes a range, drops a front and starts over when cleared', () => {
    const lines = new LineBuffer();
    const parts: string[] = [];
    // Six megabytes: it doubles several times, past what a clear keeps.
    for (let i = 0; i < 60_000; i++) {
      const line = `{"line":${i},"pad":"${'é'.repeat(i % 50)}${'x'.repeat(i % 17)}"}`;
      parts.push(line);
      lines.text(line);
      lines.newline();
    }
    const all = Buffer.from(`${parts.join('\n')}\n`);
    expect(lines.length).toBe(all.length);
    expect(written(lines).equals(all)).toBe(true);
    const firstLineEnd = Buffer.byteLength(parts[0]!) + 1;
    expect(written(lines, firstLineEnd, firstLineEnd + Buffer.byteLength(parts[1]!) + 1).toString()).toBe(`${parts[1]}\n`);
    lines.dropBefore(firstLineEnd);
    expect(written(lines).equals(all.subarray(firstLineEnd))).toBe(true);
    lines.clear();
    expect(lines.length).toBe(0);
    lines.text('again');
    expect(written(lines).toString()).toBe('again');
  });

  it('fills a gap with digits and closes what they leave of it; views, truncates; refuses digits wider than the gap', () => {
    const lines = new LineBuffer();
    lines.text('{"crc":');
    const at = lines.length;
    lines.gap(10);
    lines.text(',"text":"é"}');
    expect(lines.view(at + 10).toString()).toBe(',"text":"é"}');
    lines.digitsAt(at, 10, 4_321);
    expect(written(lines).toString()).toBe('{"crc":4321,"text":"é"}');
    const end = lines.length;
    lines.text('more');
    lines.truncate(end);
    expect(written(lines).toString()).toBe('{"crc":4321,"text":"é"}');
    lines.gap(2);
    expect(() => lines.digitsAt(end, 2, 100)).toThrow(RangeError);
    lines.digitsAt(end, 2, 7);
    expect(written(lines).toString()).toBe('{"crc":4321,"text":"é"}7');
  });

  it('writes negative integers and refuses to treat non-ASCII, quotes, backslashes and controls as plain ASCII, quoted or not', () => {
    const lines = new LineBuffer();
    lines.digits(-9_007_199_254_740_991);
    expect(lines.plainAscii('ok ~!')).toBe(true);
    expect(lines.quotedPlainAscii('key')).toBe(true);
    expect(lines.quotedPlainAscii('')).toBe(true);
    for (const text of ['é', '"', '\\', '\n', '\u007f']) {
      const before = lines.length;
      expect(lines.plainAscii(`a${text}`)).toBe(false);
      expect(lines.quotedPlainAscii(`a${text}`)).toBe(false);
      expect(lines.length).toBe(before);
    }
    expect(written(lines).toString()).toBe('-9007199254740991ok ~!"key"""');
  });
});
