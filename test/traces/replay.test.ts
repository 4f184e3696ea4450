/**
 * Exact reproduction: replaying a trace with timeScale 1 submits exactly the trace's rows, at
 * exactly its times, for every format. The submissions are read back from the events file of
 * `fleetsim run --events` and compared row by row with an independent reading of the trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/runCli.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { replaySubmissions, tempDir, traceScenario, writeFixture, type Submission } from './traceFixtures.js';

const TRACES = join(ROOT, '..', 'shared', 'traces');

/** Seconds between two Azure datetimes, from their 100 ns ticks as integers (no floating point). */
function azureSeconds(text: string, origin: string): number {
  const ticks = (t: string): bigint => {
    const [date, time] = t.split(' ');
    const [whole, fraction = ''] = time!.split('.');
    const ms = BigInt(Date.parse(`${date}T${whole}Z`));
    return ms * 10_000n + BigInt(fraction.padEnd(7, '0').slice(0, 7));
  };
  return Number(ticks(text) - ticks(origin)) / 1e7;
}

function expectRows(submissions: readonly Submission[], expected: readonly { time: number; tokens: number; contextTokens: number }[]): void {
  expect(submissions).toHaveLength(expected.length);
  expected.forEach((row, i) => {
    const s = submissions[i]!;
    expect(s.time, `row ${i} time`).toBeCloseTo(row.time, 9);
    expect(s.spec.tokens, `row ${i} tokens`).toBe(row.tokens);
    expect(s.spec.contextTokens, `row ${i} context tokens`).toBe(row.contextTokens);
  });
}

function azureRows(text: string): { time: number; tokens: number; contextTokens: number }[] {
  const lines = text.trim().split('\n').slice(1).map((l) => l.trim().split(','));
  return lines.map(([time, input, output]) => ({ time: azureSeconds(time!, lines[0]![0]!), tokens: Number(output), contextTokens: Number(input) }));
}

describe('trace replay with timeScale 1 submits exactly the rows of the trace at their times', () => {
  it('azure-llm (a fixture with the 2023 datetime format, 100 ns digits, no trailing newline)', () => {
    const dir = tempDir();
    const text = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n2023-11-16 18:15:50.9951690,10,1\n2023-11-16 18:16:01.0000001,879,0\n2023-11-16 18:17:00.5,4,7';
    writeFixture(dir, 'azure.csv', text);
    const submissions = replaySubmissions(traceScenario(dir, '{ file: azure.csv, format: azure-llm }'), dir);
    expectRows(submissions, azureRows(text));
    expect(submissions.map((s) => s.spec.id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('mooncake (blocks become the contextBlocks, the second block the contextKey)', () => {
    const dir = tempDir();
    const rows = [
      { timestamp: 0, input_length: 1000, output_length: 10, hash_ids: [0, 1] },
      { timestamp: 250, input_length: 1100, output_length: 20, hash_ids: [0, 1, 2] },
      { timestamp: 250, input_length: 300, output_length: 5, hash_ids: [7] },
      { timestamp: 1999, input_length: 512, output_length: 1, hash_ids: [0] },
    ];
    writeFixture(dir, 'mooncake.jsonl', rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const submissions = replaySubmissions(traceScenario(dir, '{ file: mooncake.jsonl, format: mooncake }'), dir);
    expectRows(submissions, rows.map((r) => ({ time: r.timestamp / 1000, tokens: r.output_length, contextTokens: r.input_length })));
    expect(submissions.map((s) => s.spec.contextBlocks)).toEqual(rows.map((r) => r.hash_ids));
    expect(submissions.map((s) => s.spec.contextKey)).toEqual(['block-1', 'block-1', 'block-7', 'block-0']);
  });

  it('burstgpt (the model is the task type; a failed request is kept, and fails)', () => {
    const dir = tempDir();
    const text = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45,GPT-4,1087,0,1087,Conversation log\n118,ChatGPT,417,276,693,API log\n';
    writeFixture(dir, 'burst.csv', text);
    const submissions = replaySubmissions(traceScenario(dir, '{ file: burst.csv, format: burstgpt, type: ChatGPT }',
      { agents: '[{ pool: a, count: 2, capacity: 2, speed: 1000, skills: { ChatGPT: 1, GPT-4: 1 } }]' }), dir);
    expectRows(submissions, [{ time: 5, tokens: 18, contextTokens: 472 }, { time: 45, tokens: 0, contextTokens: 1087 }, { time: 118, tokens: 276, contextTokens: 417 }]);
    expect(submissions.map((s) => s.spec.type)).toEqual(['ChatGPT', 'GPT-4', 'ChatGPT']);
  });

  it('burstgpt with failed: drop leaves failed requests out', () => {
    const dir = tempDir();
    writeFixture(dir, 'burst.csv', 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5,ChatGPT,472,18,490,Conversation log\n45,ChatGPT,1087,0,1087,Conversation log\n');
    const submissions = replaySubmissions(traceScenario(dir, '{ file: burst.csv, format: burstgpt, failed: drop, type: ChatGPT }'), dir);
    expect(submissions.map((s) => s.time)).toEqual([5]);
  });

  it('csv with a column mapping and a time unit (milliseconds)', () => {
    const dir = tempDir();
    writeFixture(dir, 'mine.csv', 'at_ms,out,in,kind,session,urgency,due_ms\n0,100,50,chat,s1,1,5000\n1500,200,0,chat,s2,0,\n1500,300,25,chat,s1,3,100\n');
    const submissions = replaySubmissions(traceScenario(dir,
      '{ file: mine.csv, format: csv, timeUnit: ms, type: chat, columns: { time: at_ms, tokens: out, contextTokens: in, type: kind, contextKey: session, priority: urgency, deadline: due_ms } }'), dir);
    expectRows(submissions, [{ time: 0, tokens: 100, contextTokens: 50 }, { time: 1.5, tokens: 200, contextTokens: 0 }, { time: 1.5, tokens: 300, contextTokens: 25 }]);
    expect(submissions.map((s) => [s.spec.contextKey, s.spec.priority, s.spec.deadline])).toEqual([['s1', 1, 5], ['s2', 0, undefined], ['s1', 3, 1.6]]);
  });

  it('fleetsim-events: the submissions of a run, replayed, are the same specs at the same times', () => {
    const dir = tempDir();
    const original = writeFixture(dir, 'original.yaml', `
name: original
seed: 11
replications: 2
agents: [{ pool: a, count: 3, capacity: 2, speed: 100, skills: { code: 1, review: 0.5 } }]
workload:
  arrivals: { process: mmpp, rates: [1, 6], dwell: [20, 5] }
  tasks:
    - { type: code, tokens: { dist: lognormal, mean: 200, sd: 100 }, contextKeys: { count: 5 }, contextTokens: 300, priority: { 1: 0.3, 2: 0.7 }, deadline: 60 }
    - { type: review, tokens: 50 }
stop: { tasks: 120 }
strategies: [least-connections, cache-aware]`);
    const recorded = replaySubmissions(original, dir).filter((s) => s.strategy === 'least-connections' && (s as Submission & { replication: number }).replication === 0);
    const replayDir = tempDir();
    writeFixture(replayDir, 'recorded.jsonl', readFileSync(join(dir, 'events.jsonl'), 'utf8'));
    const scenario = writeFixture(replayDir, 'replay.yaml', `
name: replay
agents: [{ pool: b, count: 2, capacity: 1, speed: 50, skills: { code: 1, review: 1 } }]
workload:
  trace: { file: recorded.jsonl, format: fleetsim-events, type: code }
stop: { drain: true }
replications: 1
strategies: [round-robin]`);
    const replayed = replaySubmissions(scenario, replayDir);
    expect(recorded).toHaveLength(120);
    expect(replayed.map((s) => [s.time, s.spec])).toEqual(recorded.map((s) => [s.time, s.spec]));
  });

  it.runIf(existsSync(join(TRACES, 'azure-llm-2023')))('the real Azure 2023 conversation trace, every row', () => {
    const dir = tempDir();
    const file = join(TRACES, 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');
    const submissions = replaySubmissions(traceScenario(dir, `{ file: ${JSON.stringify(file)}, format: azure-llm }`, { agents: '[{ pool: a, count: 40, capacity: 8, speed: 100000 }]' }), dir);
    const rows = azureRows(readFileSync(file, 'utf8'));
    expect(rows).toHaveLength(19_366);
    expectRows(submissions, rows);
  }, 60_000);

  it.runIf(existsSync(join(TRACES, 'mooncake-fast25')))('the real Mooncake conversation trace, every row', () => {
    const dir = tempDir();
    const file = join(TRACES, 'mooncake-fast25', 'conversation_trace.jsonl');
    const submissions = replaySubmissions(traceScenario(dir, `{ file: ${JSON.stringify(file)}, format: mooncake }`, { agents: '[{ pool: a, count: 40, capacity: 8, speed: 1000000 }]' }), dir);
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timestamp: number; input_length: number; output_length: number; hash_ids: number[] });
    expect(rows).toHaveLength(12_031);
    expectRows(submissions, rows.map((r) => ({ time: r.timestamp / 1000, tokens: r.output_length, contextTokens: r.input_length })));
    expect(submissions.every((s, i) => s.spec.contextBlocks!.join() === rows[i]!.hash_ids.join())).toBe(true);
  }, 60_000);
});

describe('a replay with stop: { drain: true } and no time or task limit', () => {
  it('ends when the trace is exhausted and every task has settled, however long after the last row', () => {
    const dir = tempDir();
    // One agent, one slot, 10 tokens/s: the 4 rows (last at 3 s) need 100 s of work in all.
    writeFixture(dir, 'a.csv', 'at,out\n0,250\n1,250\n2,250\n3,250\n');
    const scenario = loadScenario(traceScenario(dir, '{ file: a.csv, format: csv, columns: { time: at, tokens: out } }', {
      agents: '[{ id: solo, capacity: 1, speed: 10 }]',
      extra: 'agentModel: { serviceTimeCv: 0, skillSpeedPenalty: 0, skillFailureRate: 0 }',
    }));
    expect(scenario.stop.timeSeconds).toBe(Infinity);
    const run = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
    expect(run.counts).toMatchObject({ submitted: 4, completed: 4, inFlight: 0 });
    expect(run.endTimeSeconds).toBeCloseTo(100, 9);
  });
});
