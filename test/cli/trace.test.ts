/**
 * `fleetsim trace stats` and bad trace input, as a user runs them: the statistics agree with an
 * independent computation; every kind of bad file is exit 2 with one line naming the file, the
 * line and the column, never a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mean, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { ROOT, expectInputError, runCli } from './runCli.js';
import { tempDir, traceScenario, writeFixture } from '../traces/traceFixtures.js';

const TRACES = join(ROOT, '..', 'shared', 'traces');

/** Nearest-rank percentile of sorted values (simple-statistics' quantileSorted interpolates differently, so by hand). */
function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}

interface Row { readonly time: number; readonly input: number; readonly output: number; readonly blocks?: readonly number[] }

/** The statistics computed another way: whole arrays, simple-statistics, a quadratic peak scan. */
function independentStats(rows: readonly Row[], window: number): Record<string, unknown> {
  const times = rows.map((r) => r.time);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const duration = times[times.length - 1]! - times[0]!;
  let peak = 0;
  for (const end of times) peak = Math.max(peak, times.filter((t) => t > end - window && t <= end).length);
  const tokens = (values: number[]): Record<string, unknown> => {
    const sorted = [...values].sort((a, b) => a - b);
    expect(quantileSorted(sorted, 0)).toBe(sorted[0]);
    return { mean: mean(values), percentiles: { p50: nearestRank(sorted, 50), p90: nearestRank(sorted, 90), p99: nearestRank(sorted, 99) }, max: sorted[sorted.length - 1] };
  };
  const allBlocks = rows.flatMap((r) => r.blocks ?? []);
  const firstSeen = new Set<number>();
  const reused = allBlocks.filter((b) => firstSeen.has(b) || (firstSeen.add(b), false)).length;
  return {
    rows: rows.length,
    durationSeconds: duration,
    meanRatePerSecond: rows.length / duration,
    peakRatePerSecond: peak / window,
    interArrivalCv: sampleStandardDeviation(gaps) / mean(gaps),
    inputTokens: tokens(rows.map((r) => r.input)),
    outputTokens: tokens(rows.map((r) => r.output)),
    prefixReuseRatio: rows[0]!.blocks === undefined ? null : reused / allBlocks.length,
  };
}

function statsJson(file: string, format: string, ...flags: string[]): Record<string, unknown> {
  const run = runCli('trace', 'stats', file, '--format', format, '--json', ...flags);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function expectClose(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) {
    if (typeof value === 'number') expect(actual[key], key).toBeCloseTo(value, 9);
    else if (value !== null && typeof value === 'object') expectClose(actual[key] as Record<string, unknown>, value as Record<string, unknown>);
    else expect(actual[key], key).toEqual(value);
  }
}

describe('fleetsim trace stats', () => {
  it('agrees with an independent computation on a mooncake fixture (reuse ratio included)', () => {
    const dir = tempDir();
    const rows: Row[] = Array.from({ length: 300 }, (_, i) => {
      const time = Math.floor(1000 * (i * 0.7 + Math.sin(i) ** 2 * 3)) / 1000;
      const blocks = Array.from({ length: 1 + (i % 5) }, (_, k) => (k === 0 ? i % 7 : i * 10 + k));
      return { time, input: blocks.length * 512 - (i % 100), output: (i * 37) % 400, blocks };
    }).sort((a, b) => a.time - b.time);
    const file = writeFixture(dir, 'm.jsonl', rows.map((r) => JSON.stringify({ timestamp: r.time * 1000, input_length: r.input, output_length: r.output, hash_ids: r.blocks })).join('\n') + '\n');
    expectClose(statsJson(file, 'mooncake', '--window', '10'), independentStats(rows, 10));
  });

  it.runIf(existsSync(join(TRACES, 'azure-llm-2023')))('agrees with an independent computation on the real Azure code trace', () => {
    const file = join(TRACES, 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv');
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const origin = Date.parse(`${lines[0]![0]!.split('.')[0]!.replace(' ', 'T')}Z`);
    const rows = lines.map(([ts, input, output]): Row => {
      const [whole, fraction] = ts!.split('.');
      return { time: (Date.parse(`${whole!.replace(' ', 'T')}Z`) - origin) / 1000 + Number(`0.${fraction}`) - Number(`0.${lines[0]![0]!.split('.')[1]}`), input: Number(input), output: Number(output) };
    });
    const stats = statsJson(file, 'azure-llm');
    expectClose(stats, independentStats(rows, 60));
    expect(stats.interArrivalCv).toBeCloseTo(13.2, 1); // the figure the traces' README gives
  }, 60_000);

  it('prints a table naming every statistic', () => {
    const dir = tempDir();
    const file = writeFixture(dir, 'a.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-10 00:00:00.000000,10,1\n2024-05-10 00:00:01.5,20,2\n2024-05-10 00:00:02.000000,30,3\n');
    const run = runCli('trace', 'stats', file, '--format', 'azure-llm');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/rows +3\nduration +2 s\nmean rate +1\.5 \/s\npeak rate +0\.05 \/s \(busiest 60 s window\)\ninter-arrival CV +0\.707\ninput tokens +mean 20, p50 20, p90 30, p99 30, max 30\noutput tokens +mean 2, p50 2, p90 3, p99 3, max 3\n$/);
  });
});

describe('trace stats of a csv trace through --columns', () => {
  it('maps every field a scenario\'s columns may, tenant included; a mapped column the header lacks is exit 2 naming it', () => {
    const dir = tempDir();
    const file = writeFixture(dir, 'teams.csv', 't,out,team\n0,10,alpha\n1,20,beta\n');
    const ok = runCli('trace', 'stats', file, '--format', 'csv', '--time-unit', 's', '--columns', 'time=t,tokens=out,tenant=team');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\nrows +2\n/);
    const missing = runCli('trace', 'stats', file, '--format', 'csv', '--time-unit', 's', '--columns', 'time=t,tokens=out,tenant=owner');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^fleetsim: .*teams\.csv.*column "owner"[^\n]*\n$/);
  });
});

describe('trace stats refuses what it would otherwise ignore', () => {
  const AZURE = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n';

  it('--time-unit and --block-tokens with a format that has no use for them name the flag and the format', () => {
    const file = writeFixture(tempDir(), 'azure.csv', AZURE);
    expect(runCli('trace', 'stats', file, '--format', 'azure-llm').status).toBe(0);
    expectInputError(runCli('trace', 'stats', file, '--format', 'azure-llm', '--time-unit', 'ms'), 'command line: --time-unit: applies to --format csv only');
    expectInputError(runCli('trace', 'stats', file, '--format', 'azure-llm', '--block-tokens', '64'), 'command line: --block-tokens: applies to --format mooncake only');
  });

  it('a trace of a header and no row names the file (as a scenario\'s workload.trace does)', () => {
    const file = writeFixture(tempDir(), 'header-only.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n');
    expectInputError(runCli('trace', 'stats', file, '--format', 'azure-llm'), 'header-only.csv: no trace row in the file');
  });
});

describe('bad trace input is exit 2 with one line naming the file, line and column', () => {
  const AZURE_HEADER = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';
  const BURSTGPT_HEADER = 'Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n';
  const CSV_HEADER = 'at,in,out\n';
  /** A fleetsim events file's submitted record. */
  const submitted = (time: number, id: string, tokens: unknown): string =>
    JSON.stringify({ kind: 'submitted', time, spec: { id, type: 'request', priority: 2, tokens, contextTokens: 0 } });
  /** What the csv format needs besides the file: the column mapping, in a scenario and as a flag. */
  const CSV_MAPPING = { scenario: ', columns: { time: at, tokens: out, contextTokens: in }', flags: ['--columns', 'time=at,tokens=out,contextTokens=in'] };
  type Case = [what: string, format: string, text: string, message: RegExp, mapping?: typeof CSV_MAPPING];
  // Each kind of bad input, for every format it applies to (a JSONL file has no header).
  const cases: Case[] = [
    ['a truncated JSONL file', 'mooncake', '{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1]}\n{"timestamp": 10, "input_len', /t\.txt: line 2, column \d+: invalid JSON \(the file may be truncated/],
    ['a truncated JSONL file', 'fleetsim-events', `${submitted(0, 't1', 5)}\n{"kind":"submitted","ti`, /t\.txt: line 2, column \d+: invalid JSON \(the file may be truncated/],
    ['a truncated CSV file (the last row cut short)', 'azure-llm', `${AZURE_HEADER}2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.1,3`, /t\.txt: line 3, column GeneratedTokens: missing column GeneratedTokens/],
    ['a truncated CSV file (the last row cut short)', 'burstgpt', `${BURSTGPT_HEADER}5,ChatGPT,472,18,490,Conversation log\n6,ChatGPT,47`, /t\.txt: line 3, column Response tokens: missing column Response tokens/],
    ['a truncated CSV file (the last row cut short)', 'csv', `${CSV_HEADER}1,2,3\n2,3`, /t\.txt: line 3, column out: missing column out/, CSV_MAPPING],
    ['a row with a missing column', 'azure-llm', `${AZURE_HEADER}2023-11-16 18:15:46.6805900,374\n`, /t\.txt: line 2, column GeneratedTokens: missing column GeneratedTokens/],
    ['a row with a missing column', 'burstgpt', `${BURSTGPT_HEADER}5,ChatGPT,472,18,490\n`, /t\.txt: line 2, column Log Type: missing column Log Type/],
    ['a row with a missing column', 'csv', `${CSV_HEADER}1,2,3\n2,3\n3,4,5\n`, /t\.txt: line 3, column out: missing column out/, CSV_MAPPING],
    ['a row with a missing field', 'mooncake', '{"timestamp": 0, "input_length": 5, "hash_ids": [1]}\n', /t\.txt: line 1, column output_length: expected a token count \(an integer >= 0\), got nothing/],
    ['a row with a missing field', 'fleetsim-events', '{"kind": "submitted", "time": 0}\n', /t\.txt: line 1, column spec: expected the submitted task's spec/],
    ['a non-numeric token count', 'azure-llm', `${AZURE_HEADER}2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.0000000,lots,44\n`, /t\.txt: line 3, column ContextTokens: expected a token count \(an integer >= 0\), got "lots"/],
    ['a non-numeric token count', 'burstgpt', `${BURSTGPT_HEADER}5,ChatGPT,x,18,490,Conversation log\n`, /t\.txt: line 2, column Request tokens: expected a token count \(an integer >= 0\), got "x"/],
    ['a non-numeric token count', 'csv', `${CSV_HEADER}1,2,x\n`, /t\.txt: line 2, column out: expected a token count \(an integer >= 0\), got "x"/, CSV_MAPPING],
    ['a non-numeric token count', 'mooncake', '{"timestamp": 0, "input_length": "many", "output_length": 1, "hash_ids": [1]}\n', /t\.txt: line 1, column input_length: expected a token count \(an integer >= 0\), got "many"/],
    ['a non-numeric token count', 'fleetsim-events', `${submitted(0, 't1', 'x')}\n`, /t\.txt: line 1, column spec\.tokens: expected a token count \(a number >= 0\), got "x"/],
    ['a timestamp going backwards', 'mooncake', '{"timestamp": 10, "input_length": 5, "output_length": 1, "hash_ids": [1]}\n{"timestamp": 5, "input_length": 5, "output_length": 1, "hash_ids": [1]}\n', /t\.txt: line 2, column timestamp: timestamps must not go backwards: 0\.005 s after 0\.01 s/],
    ['a timestamp going backwards', 'azure-llm', `${AZURE_HEADER}2023-11-16 18:15:46.6805900,374,4\n2023-11-16 18:15:45.6805900,374,4\n`, /t\.txt: line 3, column TIMESTAMP: timestamps must not go backwards: -1 s after 0 s/],
    ['a timestamp going backwards', 'burstgpt', `${BURSTGPT_HEADER}5,ChatGPT,4,18,22,Conversation log\n4,ChatGPT,4,18,22,Conversation log\n`, /t\.txt: line 3, column Timestamp: timestamps must not go backwards: 4 s after 5 s/],
    ['a timestamp going backwards', 'csv', `${CSV_HEADER}2,2,3\n1,2,3\n`, /t\.txt: line 3, column at: timestamps must not go backwards: 1 s after 2 s/, CSV_MAPPING],
    ['a timestamp going backwards', 'fleetsim-events', `${submitted(5, 't1', 5)}\n${submitted(4, 't2', 5)}\n`, /t\.txt: line 2, column time: timestamps must not go backwards: 4 s after 5 s/],
    ['an empty file', 'azure-llm', '', /t\.txt: the file is empty/],
    ['an empty file', 'burstgpt', '', /t\.txt: the file is empty/],
    ['an empty file', 'csv', '', /t\.txt: the file is empty/, CSV_MAPPING],
    ['an empty file', 'mooncake', '', /t\.txt: the file is empty/],
    ['an empty JSONL file (a blank line)', 'fleetsim-events', '\n', /t\.txt: the file is empty/],
    ['a CSV with the wrong header', 'azure-llm', 'time,in,out\n1,2,3\n', /t\.txt: line 1: expected a azure-llm header with column "TIMESTAMP", got "time","in","out"/],
    ['a CSV with the wrong header', 'burstgpt', 'Timestamp,Model,Request,Response\n1,a,2,3\n', /t\.txt: line 1: expected a burstgpt header with column "Request tokens", got "Timestamp","Model","Request","Response"/],
    ['a CSV with the wrong header (a mapped column missing)', 'csv', 'time,in,out\n1,2,3\n', /t\.txt: line 1: expected a csv \(as workload\.trace\.columns maps it\) header with column "at", got "time","in","out"/, CSV_MAPPING],
    ['a mooncake row whose hash_ids do not cover its input', 'mooncake', '{"timestamp": 0, "input_length": 1025, "output_length": 1, "hash_ids": [1, 2]}\n', /t\.txt: line 1, column hash_ids: expected 3 block ids/],
    // Found by test/traces/mutations.property.test.ts: each was a crash or a silent misreading.
    ['a time past 2^53 s (the run used to crash on an infinite agent-seconds)', 'burstgpt', `${BURSTGPT_HEADER}5,ChatGPT,4,18,22,Conversation log\n1e308,ChatGPT,4,18,22,Conversation log\n`, /t\.txt: line 3, column Timestamp: expected a time in seconds of at most 2\^53 s/],
    ['a datetime out of range (it used to roll over: February 30 read as March 2)', 'azure-llm', `${AZURE_HEADER}2023-02-30 18:15:46.6805900,374,44\n`, /t\.txt: line 2, column TIMESTAMP: expected a datetime like 2023-11-16 18:17:03\.9799600, got "2023-02-30 18:15:46\.6805900"/],
    ['a byte-order mark, then a header missing a column (the mark used to hide in the first header name)', 'csv', `\uFEFF${CSV_HEADER.replace(/^[^,]*,/, 'x,')}1,2,3\n`, /t\.txt: line 1: expected a csv \(as workload\.trace\.columns maps it\) header with column/, CSV_MAPPING],
    ['a strategy that is not a label (its submissions used to be left out without a word)', 'fleetsim-events', `${JSON.stringify({ strategy: 1, kind: 'submitted', time: 0, spec: { id: 't1', type: 'request', priority: 2, tokens: 5 } })}\n`, /t\.txt: line 1, column strategy: expected a strategy label \(a string\), got "1"/],
    ['a header after blank lines (its mistakes used to be said to be on line 1)', 'csv', `\n\ntime,in,out\n1,2,3\n`, /t\.txt: line 3: expected a csv \(as workload\.trace\.columns maps it\) header with column "at"/, CSV_MAPPING],
  ];

  it.each(cases)('trace stats: %s (%s)', (_what, format, text, message, mapping) => {
    const dir = tempDir();
    const file = writeFixture(dir, 't.txt', text);
    const run = runCli('trace', 'stats', file, '--format', format, ...(mapping?.flags ?? []));
    expectInputError(run, message);
  });

  it.each(cases)('run, with the trace in a scenario: %s (%s)', (_what, format, text, message, mapping) => {
    const dir = tempDir();
    writeFixture(dir, 't.txt', text);
    const run = runCli('run', traceScenario(dir, `{ file: t.txt, format: ${format}${mapping?.scenario ?? ''} }`));
    expectInputError(run, message);
  });

  it('run: an events file that submits one task id twice (the engine used to throw "duplicate task id")', () => {
    const dir = tempDir();
    writeFixture(dir, 't.txt', [0, 1].map((time) => `${submitted(time, 't1', 5)}\n`).join(''));
    expectInputError(runCli('run', traceScenario(dir, '{ file: t.txt, format: fleetsim-events }')), /t\.txt: line 2, column spec\.id: task id "t1" was submitted before, on line 1/);
  });

  it('an unknown format: in a scenario, and as a flag', () => {
    const dir = tempDir();
    writeFixture(dir, 't.txt', 'x\n');
    const run = runCli('run', traceScenario(dir, '{ file: t.txt, format: azure }'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/scenario\.yaml: workload\.trace\.format: /);
    expect(run.stderr).toMatch(/azure-llm/);
    const stats = runCli('trace', 'stats', join(dir, 't.txt'), '--format', 'moon');
    expect(stats.status).toBe(2);
    expect(stats.stderr).toBe('fleetsim: command line: --format: unknown trace format "moon"; expected one of azure-llm, mooncake, burstgpt, fleetsim-events, csv\n');
  });

  it('the live driver replays a trace as the simulator does, prefix routing included: the same events, byte for byte', () => {
    const dir = tempDir();
    writeFixture(dir, 'a.jsonl', [
      '{"timestamp": 0, "input_length": 1024, "output_length": 10, "hash_ids": [1, 2]}',
      '{"timestamp": 500, "input_length": 1536, "output_length": 20, "hash_ids": [1, 2, 3]}',
      '{"timestamp": 900, "input_length": 512, "output_length": 5, "hash_ids": [4]}',
    ].join('\n') + '\n');
    const scenario = traceScenario(dir, '{ file: a.jsonl, format: mooncake }', { strategies: '[round-robin, cache-aware]' });
    const events = (driver: string): string => {
      const file = join(dir, `${driver}.jsonl`);
      const run = runCli('run', scenario, '--driver', driver, '--events', file);
      expect(run.status, run.stderr).toBe(0);
      return readFileSync(file, 'utf8');
    };
    const sim = events('sim');
    expect(sim.split('\n').filter((line) => line.includes('"submitted"'))).toHaveLength(6);
    expect(sim).toContain('"contextBlocksHit"');
    expect(events('live') === sim).toBe(true);
  });

  it('a trace file that does not exist, and a window with no row', () => {
    const dir = tempDir();
    const missing = runCli('run', traceScenario(dir, '{ file: nowhere.csv, format: azure-llm }'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/scenario\.yaml: workload\.trace\.file: cannot read nowhere\.csv .*ENOENT/);
    writeFixture(dir, 'a.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n');
    const empty = runCli('run', traceScenario(dir, '{ file: a.csv, format: azure-llm, window: { from: 10, to: 20 } }'));
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/workload\.trace\.window: no trace row in the window \[10, 20\) s/);
  });
});
