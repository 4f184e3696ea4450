/**
 * The azure-llm format's datetimes: a date or time of day out of range is refused, where the
 * calendar arithmetic used to roll it into the next field (February 30 read as March 1).
 */
import { describe, expect, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
const FIRST = '2023-11-16 18:15:46.6805900,374,44\n';

describe('azure-llm datetimes', () => {
  it.each([
    ['a day the month does not have', '2023-02-30 10:00:00.0'],
    ['a 13th month', '2023-13-01 10:00:00.0'],
    ['day 0', '2023-12-00 10:00:00.0'],
    ['hour 24', '2023-11-16 24:00:00.0'],
    ['minute 60', '2023-11-16 18:60:00.0'],
    ['second 60', '2023-11-16 18:17:60.5'],
  ])('refuse %s, naming the row', (_what, datetime) => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 'a.csv', `${HEADER}${FIRST}${datetime},10,1\n`, 'azure-llm'), 'line 3, column TIMESTAMP', `expected a datetime like 2023-11-16 18:17:03.9799600, got "${datetime}"`, `${dir}/a.csv`);
  });

  it('read the edges of the ranges: a leap day, the last second of a year', () => {
    const dir = tempDir();
    const stats = statsOf(dir, 'a.csv', `${HEADER}2023-12-31 23:59:59.5,1,1\n2024-02-29 00:00:00,1,1\n`, 'azure-llm');
    expect(stats.durationSeconds).toBeCloseTo(59 * 86_400 + 0.5, 6);
  });
});
