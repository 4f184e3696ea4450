/**
 * The line reader's limit on a line's length: a line of the limit is read, a longer one refused
 * with its number whether it ends within one read or runs past many, and the file is closed then.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineReader, type LineLimit } from '../../src/live/lineReader.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-line-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A limit of `bytes` whose error says the line. */
function limit(bytes: number): LineLimit {
  return { bytes, error: (line) => new Error(`line ${line} too long`) };
}

/** The texts of every line, or the message of the error that stopped the reading. */
function readAll(reader: LineReader): string[] | string {
  const texts: string[] = [];
  try {
    for (let line = reader.next(); line !== undefined; line = reader.next()) texts.push(line.text);
  } catch (error) {
    return (error as Error).message;
  }
  return texts;
}

describe('LineReader with maxLine', () => {
  it('reads lines of the limit, the last one with or without its newline', () => {
    expect(readAll(new LineReader(fileWith('fits.txt', 'abcde\nab\nabcde'), { maxLine: limit(5) }))).toEqual(['abcde', 'ab', 'abcde']);
  });

  it('refuses a longer line by its number, found within one read', () => {
    expect(readAll(new LineReader(fileWith('short-read.txt', 'abc\nabcdef\nab\n'), { maxLine: limit(5) }))).toBe('line 2 too long');
    expect(readAll(new LineReader(fileWith('last.txt', 'abc\nabcdef'), { maxLine: limit(5) }))).toBe('line 2 too long');
  });

  it('refuses a line running past many reads (a file without a newline) once it passes the limit, and closes the file', () => {
    const open = readdirSync('/proc/self/fd').length;
    const reader = new LineReader('/dev/zero', { maxLine: limit(200_000) });
    expect(readAll(reader)).toBe('line 1 too long');
    expect(readdirSync('/proc/self/fd').length).toBe(open);
  });

  it('takes lines of any length without one', () => {
    const long = 'x'.repeat(300_000);
    expect(readAll(new LineReader(fileWith('unbounded.txt', `${long}\nb\n`)))).toEqual([long, 'b']);
  });
});
