/**
 * The pass over a trace when a scenario is loaded: what it refuses about the rows together (a
 * task id submitted twice in an events file, which used to fail inside the engine), and that a
 * trace without rows is named.
 */
import { describe, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { expectInputError } from '../scenario/helpers.js';
import { tempDir, traceScenario, writeFixture } from './traceFixtures.js';

const submitted = (id: string, time: number): string =>
  `${JSON.stringify({ time, kind: 'submitted', spec: { id, type: 'request', priority: 2, tokens: 10, contextTokens: 0 } })}\n`;

describe('loading a scenario that replays a trace', () => {
  it('refuses an events file that submits one task id twice, naming both lines', () => {
    const dir = tempDir();
    writeFixture(dir, 'e.jsonl', submitted('t0', 0) + submitted('t1', 1) + submitted('t0', 2));
    expectInputError(() => loadScenario(traceScenario(dir, '{ file: e.jsonl, format: fleetsim-events }')), 'line 3, column spec.id', 'task id "t0" was submitted before, on line 1', `${dir}/e.jsonl`);
  });

  it('names the trace file when it has no row', () => {
    const dir = tempDir();
    writeFixture(dir, 'a.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n');
    const scenario = traceScenario(dir, '{ file: a.csv, format: azure-llm }');
    expectInputError(() => loadScenario(scenario), 'workload.trace.file', 'no trace row in a.csv: nothing to replay', scenario);
  });
});
