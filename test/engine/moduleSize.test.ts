import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENGINE_DIR = fileURLToPath(new URL('../../src/engine', import.meta.url));
/** A module a reader can hold in their head (docs/ARCHITECTURE.md, "The engine's modules"). */
const MAX_LINES = 400;

describe('src/engine modules', () => {
  const files = readdirSync(ENGINE_DIR).filter((name) => name.endsWith('.ts'));

  it('are found', () => {
    expect(files).toContain('engine.ts');
  });

  it.each(files)('%s has at most 400 lines', (name) => {
    const text = readFileSync(join(ENGINE_DIR, name), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    expect(lines).toBeLessThanOrEqual(MAX_LINES);
  });
});
