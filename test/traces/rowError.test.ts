/**
 * What every trace format refuses in a row or a file, whatever its columns: a number that is not
 * decimal, a time past 2^53 s. Each is one line naming the file, the line and the column; each
 * used to be read as something else, or to crash a run. A byte-order mark at the start is dropped:
 * the file reads as it does without one.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir, traceScenario, writeFixture } from './traceFixtures.js';

const BURSTGPT_HEADER = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n';
const burstRow = (time: string): string => `${time},ChatGPT,10,5,15,Conversation log\n`;

describe('a byte-order mark at the start of a trace', () => {
  it('is dropped: a CSV trace (where it would hide in the first header name) and a JSON lines one read as they do without it', () => {
    const dir = tempDir();
    const csv = `\uFEFF${BURSTGPT_HEADER}${burstRow('5')}`;
    const jsonl = '\uFEFF{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1]}\n';
    // The same statistics as the file without it (all but the file's name).
    const sameAs = (name: string, text: string, format: 'burstgpt' | 'mooncake'): void => {
      expect({ ...statsOf(dir, name, text, format), file: name }).toEqual({ ...statsOf(dir, `plain-${name}`, text.slice(1), format), file: name });
    };
    sameAs('b.csv', csv, 'burstgpt');
    sameAs('m.jsonl', jsonl, 'mooncake');
    expect(statsOf(dir, 'b.csv', csv, 'burstgpt').rows).toBe(1);
  });
});

describe('a number in a trace is decimal', () => {
  it('refuses hex, binary and octal text, which Number() would read (0x10 as 16)', () => {
    const dir = tempDir();
    for (const time of ['0x10', '0b1', '0o7']) {
      expectInputError(() => statsOf(dir, 'b.csv', `${BURSTGPT_HEADER}${burstRow(time)}`, 'burstgpt'), 'line 2, column Timestamp', `expected a time in seconds (a number >= 0), got "${time}"`, `${dir}/b.csv`);
    }
  });

  it('reads integers, fractions and exponents, padded or not', () => {
    const dir = tempDir();
    const stats = statsOf(dir, 'b.csv', BURSTGPT_HEADER + ['0', '0.5', ' 2 ', '1.5e1', '.5e2', '60.'].map(burstRow).join(''), 'burstgpt');
    expect(stats.durationSeconds).toBe(60);
  });
});

describe('a trace time past 2^53 s', () => {
  it('is refused naming the row (1e308 used to crash the run\'s summary: an infinite agent-seconds)', () => {
    const dir = tempDir();
    const text = `${BURSTGPT_HEADER}${burstRow('5')}${burstRow('1e308')}`;
    expectInputError(() => statsOf(dir, 'b.csv', text, 'burstgpt'), 'line 3, column Timestamp', 'expected a time in seconds of at most 2^53 s (9007199254740991), got "1e308"', `${dir}/b.csv`);
    writeFixture(dir, 'b.csv', text);
    expectInputError(() => loadScenario(traceScenario(dir, '{ file: b.csv, format: burstgpt }')), 'line 3, column Timestamp', 'of at most 2^53 s', `${dir}/b.csv`);
  });

  it('is measured in seconds, whatever the file\'s unit: 2^53 ms is read, 1e19 ms is not', () => {
    const dir = tempDir();
    const row = (ms: string): string => `{"timestamp": ${ms}, "input_length": 5, "output_length": 1, "hash_ids": [1]}\n`;
    expect(statsOf(dir, 'm.jsonl', row('0') + row('9007199254740991'), 'mooncake').durationSeconds).toBeCloseTo(9007199254740.991, 3);
    expectInputError(() => statsOf(dir, 'm.jsonl', row('0') + row('1e19'), 'mooncake'), 'line 2, column timestamp', 'expected a time in milliseconds of at most 2^53 s', `${dir}/m.jsonl`);
  });
});
