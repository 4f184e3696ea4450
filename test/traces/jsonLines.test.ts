/**
 * A JSON lines trace's syntax errors name the column where the line goes wrong, also for the
 * errors V8 reports without a position ("Unexpected token"), which used to be given the line's end.
 */
import { describe, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

describe('invalid JSON in a trace line', () => {
  it.each([
    ['NaN, which JSON has not', '{"timestamp": NaN, "input_length": 5, "output_length": 1, "hash_ids": [1]}', 15],
    ['a misspelled literal', '{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1], "x": tru}', 82],
    ['a trailing comma', '{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1,]}', 72],
    ['text that is not JSON', 'not json', 2],
    ['text after the object (a position V8 gives)', '{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1]}}', 73],
  ])('%s: the column of the first character no JSON could have there', (_what, line, column) => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 'm.jsonl', `${line}\n`, 'mooncake'), `line 1, column ${column}`, 'invalid JSON', `${dir}/m.jsonl`);
  });
});
