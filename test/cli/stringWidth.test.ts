/**
 * What the CLI bundle (scripts/bundleCli.mjs) assumes of string-width, which yargs, cliui and
 * wrap-ansi measure help text with: every installed copy gives printable ASCII one column a
 * character, so the bundle answers that case without loading string-width. And help text that
 * is not ASCII is still measured by string-width itself: its columns line up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './runCli.js';

/** The copies of string-width the command line's help depends on. */
const COPIES = ['node_modules/string-width', 'node_modules/cliui/node_modules/string-width', 'node_modules/wrap-ansi/node_modules/string-width'];

const PRINTABLE_ASCII = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('string-width on printable ASCII', () => {
  for (const copy of COPIES) {
    const { version } = JSON.parse(readFileSync(join(ROOT, copy, 'package.json'), 'utf8')) as { version: string };
    it(`${copy} (${version}) gives every character one column, and a string its length`, async () => {
      const { default: stringWidth } = await import(pathToFileURL(join(ROOT, copy, 'index.js')).href) as { default: (text: string) => number };
      for (const character of PRINTABLE_ASCII) expect(stringWidth(character), JSON.stringify(character)).toBe(1);
      const line = `${PRINTABLE_ASCII.join('')}  --strategy  comma-separated strategies: name or name{key=value}`;
      expect(stringWidth(line)).toBe(line.length);
      expect(stringWidth('')).toBe(0);
    });
  }
});

describe('help text that is not ASCII', () => {
  it('is measured by string-width itself: laid out within the 80 columns of a pipe, type tags right-aligned', () => {
    for (const command of ['run', 'compare', 'sweep']) {
      const help = runCli(command, '--help');
      expect(help.status, help.stderr).toBe(0);
      const lines = help.stdout.trimEnd().split('\n');
      expect(lines.some((line) => /[^\x20-\x7e]/.test(line)), command).toBe(true);
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
      const tagged = lines.filter((line) => /\[(string|number|boolean)\]$/.test(line));
      expect(tagged.length, command).toBeGreaterThan(3);
      for (const line of tagged) expect([...line].length, line).toBe(80);
    }
  });
});
