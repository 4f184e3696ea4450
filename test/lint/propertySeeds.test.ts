/**
 * The lint rule that gives every property test its seed: a fast-check run without one checks
 * different cases on every run, so a CI failure could not be replayed from the test alone.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/runCli.js';

const eslint = new ESLint({ cwd: ROOT });
const RULE_MESSAGE = /Give fast-check its seed/;

async function seedFindings(code: string, filePath = 'test/example.test.ts'): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => RULE_MESSAGE.test(m.message)).length;
}

const PROPERTY = 'fc.property(fc.nat(), (n) => n >= 0)';

describe('property seeds lint', () => {
  for (const call of ['assert', 'check', 'sample', 'statistics']) {
    it(`flags fc.${call} without parameters or without a seed among them`, async () => {
      expect(await seedFindings(`fc.${call}(${PROPERTY});`)).toBe(1);
      expect(await seedFindings(`fc.${call}(${PROPERTY}, { numRuns: 10 });`)).toBe(1);
    });
  }

  it('accepts a seed given in the parameters, or parameters named by a constant', async () => {
    expect(await seedFindings(`fc.assert(${PROPERTY}, { seed: 7, numRuns: 10 });`)).toBe(0);
    expect(await seedFindings(`const RUNS = { seed: 7 };\nfc.assert(${PROPERTY}, RUNS);`)).toBe(0);
  });

  it('applies to the benchmarks as to the tests, and not to the sources', async () => {
    expect(await seedFindings(`fc.assert(${PROPERTY});`, 'bench/example.ts')).toBe(1);
    expect(await seedFindings(`fc.assert(${PROPERTY});`, 'src/sim/example.ts')).toBe(0);
  });
});
