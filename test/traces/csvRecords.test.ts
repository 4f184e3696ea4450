/**
 * The CSV reader under every CSV format: a header mistake names the line the header starts on, also
 * when blank lines come before it (it used to say line 1 whatever the line).
 */
import { describe, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

describe('a CSV trace whose header comes after blank lines', () => {
  it('names the header\'s line for a missing column', () => {
    const dir = tempDir();
    expectInputError(
      () => statsOf(dir, 't.csv', '\n\nat,out\n1,2\n', 'csv', { columns: { time: 't', tokens: 'out' } }),
      'line 3',
      'expected a csv (as workload.trace.columns maps it) header with column "t", got "at","out"',
      `${dir}/t.csv`,
    );
  });

  it('names the line a header quoted over several lines starts on', () => {
    const dir = tempDir();
    expectInputError(
      () => statsOf(dir, 't.csv', '\n"at\nms",out\n1,2\n', 'csv', { columns: { time: 't', tokens: 'out' } }),
      'line 2',
      'expected a csv (as workload.trace.columns maps it) header with column "t", got "at\\nms","out"',
      `${dir}/t.csv`,
    );
  });
});
