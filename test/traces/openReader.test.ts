/**
 * A refused trace does not keep its file open: a process that goes on after the refusal (a test
 * runner, a service validating scenarios) used to leak one descriptor per refusal, until it could
 * open no file at all.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { statsOf, tempDir, traceScenario, writeFixture } from './traceFixtures.js';

const HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
const row = (second: number, tokens = '10'): string => `2023-11-16 18:15:${String(second).padStart(2, '0')}.0,${tokens},1\n`;

/** Files this process has open. */
const openFiles = (): number => readdirSync('/proc/self/fd').length;

describe.runIf(existsSync('/proc/self/fd'))('a refused trace is closed', () => {
  it.each([
    ['a bad row', HEADER + row(1) + row(2, 'x')],
    ['a missing header column', 'TIMESTAMP,ContextTokens\n'],
    ['a time going backwards', HEADER + row(2) + row(1)],
    ['a byte-order mark, then a bad row', `\uFEFF${HEADER}${row(1)}${row(2, 'x')}`],
    ['a misplaced quote', `${HEADER}${row(1)}2023-11-16 18:15:02.0,"10"x,1\n${row(3)}`],
  ])('after %s: by trace stats and by the scenario loader', (_what, text) => {
    const dir = tempDir();
    writeFixture(dir, 'a.csv', text);
    const scenario = traceScenario(dir, '{ file: a.csv, format: azure-llm }');
    const before = openFiles();
    expect(() => statsOf(dir, 'a.csv', text, 'azure-llm')).toThrow();
    expect(() => loadScenario(scenario)).toThrow();
    expect(openFiles()).toBe(before);
  });

  it('after a row of a type the scenario does not declare (refused after the row was read)', () => {
    const dir = tempDir();
    writeFixture(dir, 'b.csv', 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,GPT-4,10,5,15,Conversation log\n6,ChatGPT,10,5,15,Conversation log\n7,ChatGPT,10,5,15,Conversation log\n');
    const scenario = traceScenario(dir, '{ file: b.csv, format: burstgpt, type: ChatGPT, types: [ChatGPT] }');
    const before = openFiles();
    expect(() => loadScenario(scenario)).toThrow(/task type "GPT-4" is not among workload.trace.types/);
    expect(openFiles()).toBe(before);
  });
});
