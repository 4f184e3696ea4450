/**
 * How a trace row becomes a task: the `work` mapping of its token counts (split, sum, output),
 * `tokenScale`, and for Mooncake rows the prefix blocks as context, only under `split`.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/engine/task.js';
import { loadScenario } from '../../src/scenario/load.js';
import { MAX_TASK_TOKENS } from '../../src/scenario/schema.js';
import { TraceReplay } from '../../src/traces/traceReplay.js';
import { expectInputError } from '../scenario/helpers.js';
import { tempDir, traceScenario, writeFixture } from './traceFixtures.js';

/** The tasks of a replay of two Mooncake rows, with the extra trace options `options`. */
function mooncakeTasks(options: string): TaskSpec[] {
  const dir = tempDir();
  writeFixture(dir, 'm.jsonl', [
    '{"timestamp": 0, "input_length": 1000, "output_length": 10, "hash_ids": [4, 5]}',
    '{"timestamp": 100, "input_length": 300, "output_length": 7, "hash_ids": [4]}',
  ].join('\n') + '\n');
  const scenario = loadScenario(traceScenario(dir, `{ file: m.jsonl, format: mooncake${options} }`));
  const replay = new TraceReplay(scenario.workload.trace!, scenario.seed, 0);
  const tasks: TaskSpec[] = [];
  for (let next = replay.next(); next !== undefined; next = replay.next()) tasks.push(next.task);
  return tasks;
}

const fields = (task: TaskSpec): Partial<TaskSpec> => ({
  tokens: task.tokens, contextTokens: task.contextTokens, contextKey: task.contextKey, contextBlocks: task.contextBlocks, contextBlockTokens: task.contextBlockTokens,
});

describe('trace rows as tasks', () => {
  it('work: split (the default): output tokens are the work, input tokens the context, its blocks kept', () => {
    expect(mooncakeTasks('').map(fields)).toEqual([
      { tokens: 10, contextTokens: 1000, contextKey: 'block-5', contextBlocks: [4, 5], contextBlockTokens: 512 },
      { tokens: 7, contextTokens: 300, contextKey: 'block-4', contextBlocks: [4], contextBlockTokens: 512 },
    ]);
  });

  it('work: sum: input plus output tokens are the work, with no context to load', () => {
    expect(mooncakeTasks(', work: sum').map(fields)).toEqual([
      { tokens: 1010, contextTokens: 0, contextKey: undefined, contextBlocks: undefined, contextBlockTokens: undefined },
      { tokens: 307, contextTokens: 0, contextKey: undefined, contextBlocks: undefined, contextBlockTokens: undefined },
    ]);
  });

  it('work: output: output tokens only, no context', () => {
    expect(mooncakeTasks(', work: output').map(fields)).toEqual([
      { tokens: 10, contextTokens: 0, contextKey: undefined, contextBlocks: undefined, contextBlockTokens: undefined },
      { tokens: 7, contextTokens: 0, contextKey: undefined, contextBlocks: undefined, contextBlockTokens: undefined },
    ]);
  });

  it('tokenScale multiplies every token count, the blocks\' size included', () => {
    expect(mooncakeTasks(', tokenScale: 0.5').map(fields)).toEqual([
      { tokens: 5, contextTokens: 500, contextKey: 'block-5', contextBlocks: [4, 5], contextBlockTokens: 256 },
      { tokens: 3.5, contextTokens: 150, contextKey: 'block-4', contextBlocks: [4], contextBlockTokens: 256 },
    ]);
    expect(mooncakeTasks(', work: sum, tokenScale: 2').map((task) => task.tokens)).toEqual([2020, 614]);
  });

  it('a tokenScale that takes a row past 10⁹ tokens is refused at load, naming it (the run\'s token totals overflowed)', () => {
    expect(mooncakeTasks(', tokenScale: 1000000')[0]!.contextTokens).toBe(MAX_TASK_TOKENS);
    const dir = tempDir();
    writeFixture(dir, 'm.jsonl', '{"timestamp": 0, "input_length": 1000, "output_length": 10, "hash_ids": [4, 5]}\n');
    const file = traceScenario(dir, '{ file: m.jsonl, format: mooncake, tokenScale: 1e308 }');
    expectInputError(() => loadScenario(file), 'workload.trace.tokenScale', `expected every replayed token count to be at most ${MAX_TASK_TOKENS}, got Infinity`, file);
  });

  it('a row past 10⁹ tokens is refused at load, naming the trace file and the row\'s line rather than the scale', () => {
    const dir = tempDir();
    writeFixture(dir, 'a.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:50.99,3000000000,109\n');
    for (const scale of ['', ', tokenScale: 2']) {
      const file = traceScenario(dir, `{ file: a.csv, format: azure-llm${scale} }`);
      expectInputError(() => loadScenario(file), 'workload.trace.file', `a.csv has a row of 3000000000 tokens on line 3, more than the ${MAX_TASK_TOKENS} a task may have`, file);
    }
    // Scaled below the bound, the same rows load.
    expect(() => loadScenario(traceScenario(dir, '{ file: a.csv, format: azure-llm, tokenScale: 0.1 }'))).not.toThrow();
  });
});
