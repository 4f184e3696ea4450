/**
 * The bounded reader of whole files: a file up to its kind's limit is read whole, whatever the
 * number of reads it takes; one byte more, or a device that never ends, is refused naming the
 * file, the limit and the kind's advice; a pipe is read like a file. JSON read whole may nest
 * lists and objects 64 deep, no deeper.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BOUNDED_BYTES, parseJsonText, readBoundedText, sizeText, type BoundedFileKind } from '../src/boundedFile.js';
import { MAX_NESTING_DEPTH } from '../src/nestingDepth.js';
import { isInputError } from '../src/scenario/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A kind whose limit spans several of the reader's reads (it starts with 64 KiB). */
const KIND: BoundedFileKind = { name: 'test file', maxBytes: 300_000, tooBigAdvice: 'make it smaller', syntax: 'JSON', cannotRead: 'cannot read the test file', cannotReadAdvice: 'write one first' };

function fileWith(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** The InputError message `read` throws. */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (isInputError(error)) return error.message;
    throw error;
  }
  throw new Error('expected an InputError, got none');
}

describe('readBoundedText', () => {
  it('reads a file of exactly the limit whole, across several reads, and refuses one byte more', () => {
    const text = Array.from({ length: KIND.maxBytes }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    expect(readBoundedText(fileWith('limit.json', text), KIND)).toBe(text);
    const over = fileWith('over.json', `${text}x`);
    expect(refusal(() => readBoundedText(over, KIND))).toBe(`${over}: the file is larger than 300000 bytes, the most a test file may be: make it smaller`);
  });

  it('refuses /dev/zero as too big instead of reading it until memory runs out', () => {
    expect(refusal(() => readBoundedText('/dev/zero', KIND))).toBe('/dev/zero: the file is larger than 300000 bytes, the most a test file may be: make it smaller');
  });

  it('reads a pipe like a file, once its writer has written and closed it', () => {
    const fifo = join(dir, 'fifo.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', `printf '{"piped": true}' > '${fifo}'`]);
    expect(readBoundedText(fifo, KIND)).toBe('{"piped": true}');
    writer.kill();
  });

  it('drops a byte-order mark at the start, and refuses binary data and invalid UTF-8', () => {
    expect(readBoundedText(fileWith('marked.json', '\uFEFF{"a": "\uFEFF"}'), KIND)).toBe('{"a": "\uFEFF"}');
    const binary = fileWith('binary.json', Buffer.from([0x7b, 0x00, 0x7d]));
    expect(refusal(() => readBoundedText(binary, KIND))).toBe(`${binary}: not JSON: the file holds binary data (is it the right file?)`);
    const latin1 = fileWith('latin1.json', Buffer.from([0x22, 0xe9, 0x22]));
    expect(refusal(() => readBoundedText(latin1, KIND))).toBe(`${latin1}: not JSON: the file holds binary data (is it the right file?)`);
  });

  it('says what cannot be read and why, with the kind\'s advice', () => {
    const missing = join(dir, 'missing.json');
    expect(refusal(() => readBoundedText(missing, KIND))).toBe(`${missing}: cannot read the test file (ENOENT: no such file); write one first`);
    expect(refusal(() => readBoundedText(dir, KIND))).toMatch(/: cannot read the test file \(EISDIR/);
  });

  it('takes no limit a V8 string could not hold', () => {
    expect(() => readBoundedText('/dev/zero', { ...KIND, maxBytes: MAX_BOUNDED_BYTES + 1 })).toThrow(/outside/);
    expect(() => readBoundedText('/dev/zero', { ...KIND, maxBytes: 0 })).toThrow(/outside/);
  });
});

describe('sizeText', () => {
  it('says a limit in MiB, KiB or bytes, whichever is whole', () => {
    expect([sizeText(1 << 20), sizeText(128 * (1 << 20)), sizeText(64 * 1024), sizeText(300_000)]).toEqual(['1 MiB', '128 MiB', '64 KiB', '300000 bytes']);
  });
});

describe('parseJsonText', () => {
  const nested = (depth: number, inside = '0'): string => `${'[{"a":'.repeat(depth / 2)}${inside}${'}]'.repeat(depth / 2)}`;

  it(`parses lists and objects nested ${MAX_NESTING_DEPTH} deep, and refuses one level more before parsing`, () => {
    expect(JSON.stringify(parseJsonText(nested(MAX_NESTING_DEPTH), 'f.json'))).toBe(nested(MAX_NESTING_DEPTH));
    expect(refusal(() => parseJsonText(nested(MAX_NESTING_DEPTH, '[0]'), 'f.json'))).toBe('f.json: lists and objects nested more than 64 deep (fleetsim writes at most 10): is it the right file?');
    // Refused by the scan, before JSON.parse could fail on the missing closing brackets.
    expect(refusal(() => parseJsonText('['.repeat(1_000_000), 'f.json'))).toMatch(/nested more than 64 deep/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: `\\"${'['.repeat(100)}`, b: ['{'.repeat(100)] });
    expect(parseJsonText(text, 'f.json')).toEqual(JSON.parse(text));
  });

  it('says what JSON.parse says of text that is not JSON', () => {
    expect(refusal(() => parseJsonText('{"a": }', 'f.json'))).toMatch(/^f\.json: invalid JSON: Unexpected token/);
  });
});
