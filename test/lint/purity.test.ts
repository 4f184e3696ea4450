/**
 * The lint rules that keep src/engine and src/strategies pure fire on
 * every banned construct, and only in those folders.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/runCli.js';

const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

const BANNED: Record<string, string> = {
  'the wall clock': 'export const now = Date.now();',
  'global randomness': 'export const draw = Math.random();',
  'timers': 'setTimeout(() => undefined, 1);',
  'promises': 'export const p = Promise.resolve(1);',
  'async functions': 'export async function f(): Promise<void> {}',
  'Node built-ins': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;",
  'performance timers': 'export const t = performance.now();',
};

describe('purity lint', () => {
  for (const folder of ['src/engine', 'src/strategies']) {
    for (const [what, code] of Object.entries(BANNED)) {
      it(`bans ${what} in ${folder}`, async () => {
        const ids = await ruleIds(code, `${folder}/example.ts`);
        expect(ids.some((id) => id.startsWith('no-restricted'))).toBe(true);
      });
    }
  }

  it('allows the same code in the simulator driver', async () => {
    const ids = await ruleIds(BANNED['the wall clock']!, 'src/sim/example.ts');
    expect(ids.filter((id) => id.startsWith('no-restricted'))).toEqual([]);
  });
});
