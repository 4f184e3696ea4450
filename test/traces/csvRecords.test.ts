/**
 * The CSV reader under every CSV format: a header mistake names the line the header starts on, also
 * when blank lines come before it (it used to say line 1 whatever the line); a record quoted over
 * several lines is one record, up to the 1 MiB a trace line may be.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../../src/boundedFile.js';
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

describe('a CSV record whose quoted field spans lines', () => {
  const columns = { time: 'at', tokens: 'out', type: 'kind' };
  /** Rows enough to pass the line limit many times over (about 2.3 MiB). */
  const manyRows = Array.from({ length: 200_000 }, (_, i) => `${i + 10},2,x`).join('\n');

  it('is one record, read with the quotes paired', () => {
    const dir = tempDir();
    expect(statsOf(dir, 't.csv', 'at,out,kind\n1,2,"one\n""two""\nthree"\n3,4,x\n', 'csv', { columns }).rows).toBe(2);
  });

  it('is refused naming the line the field opens on when no quote closes it within 1 MiB, without reading the rest', () => {
    const dir = tempDir();
    const text = `at,out,kind\n1,2,x\n3,4,"open\n${manyRows}\n`;
    expectInputError(() => statsOf(dir, 't.csv', text, 'csv', { columns }), 'line 3, column 1', `a quoted field opened on this line is still open after ${MAX_LINE_BYTES / (1 << 20)} MiB, the most a trace row may be: is a closing quote missing?`, `${dir}/t.csv`);
  }, 10_000); // parsed again at every line, the record took minutes

  it('is refused with the parser\'s reason when its quote is misplaced rather than left open', () => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 't.csv', `at,out,kind\n3,4,a"b\n${manyRows}\n`, 'csv', { columns }), 'line 2, column 1', /^invalid CSV: Invalid Opening Quote/, `${dir}/t.csv`);
    expectInputError(() => statsOf(dir, 't.csv', 'at,out,kind\n3,4,"a\n5,6,x\n', 'csv', { columns }), 'line 2, column 1', /^invalid CSV: Quote Not Closed/, `${dir}/t.csv`);
  });
});
