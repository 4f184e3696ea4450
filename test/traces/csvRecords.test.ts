/**
 * The CSV reader under every CSV format: a header mistake names the line the header starts on, also
 * when blank lines come before it (it used to say line 1 whatever the line).
 */
import { describe, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

describe('a CSV trace whose header comes after blank lines', () => {
  it.each([
    ['the header\'s line for a missing column', '\n\nat,out\n1,2\n', 'line 3', '"at","out"'],
    ['the line a header quoted over several lines starts on', '\n"at\nms",out\n1,2\n', 'line 2', '"at\\nms","out"'],
  ])('names %s', (_, text, line, got) => {
    const dir = tempDir();
    expectInputError(
      () => statsOf(dir, 't.csv', text, 'csv', { columns: { time: 't', tokens: 'out' } }),
      line,
      `expected a csv (as workload.trace.columns maps it) header with column "t", got ${got}`,
      `${dir}/t.csv`,
    );
  });
});
