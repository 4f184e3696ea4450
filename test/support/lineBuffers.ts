/**
 * Helpers for tests of what goes into a {@link LineBuffer}: the bytes it writes to a file, and
 * text that exercises encoding and JSON escaping.
 */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { LineBuffer } from '../../src/live/lineBuffer.js';

/** Bytes `start`..`end` of `lines` (default: all), as `writeTo` writes them to a new file and read back from it. */
export function writtenBytes(lines: LineBuffer, start?: number, end?: number): Buffer {
  const path = join(mkdtempSync(join(tmpdir(), 'fleetsim-lines-')), 'out');
  const fd = openSync(path, 'a');
  try {
    lines.writeTo(fd, start, end);
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}

/** Short text with what JSON escapes or UTF-8 encodes on several bytes: quotes, backslashes, controls, accents, astral characters, unpaired surrogates. */
export const awkwardText = fc.string({
  unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '€', '𝄞', '\ud800', '\udfff'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  maxLength: 24,
});
