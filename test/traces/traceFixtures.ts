/**
 * Small trace files the trace tests write for themselves (real traces are never copied into
 * the repository), scenarios that replay them, and the submissions a replay records.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceStats, type TraceStats } from '../../src/traces/traceStats.js';
import type { CsvColumns, TraceFormat } from '../../src/traces/types.js';
import { runCli } from '../cli/runCli.js';

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fleetsim-trace-'));
}

/** Writes `text` to `dir/name`; returns the path. */
export function writeFixture(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * A scenario replaying `trace` (its YAML flow mapping, file relative to `dir`) on two fast
 * agents under `strategies`, draining when the trace is exhausted (unless `stop` says otherwise).
 */
export function traceScenario(dir: string, trace: string, options: { strategies?: string; agents?: string; stop?: string; extra?: string } = {}): string {
  return writeFixture(dir, 'scenario.yaml', `
name: trace-fixture
seed: 7
replications: 1
agents: ${options.agents ?? '[{ pool: a, count: 2, capacity: 2, speed: 1000 }]'}
workload:
  trace: ${trace}
stop: ${options.stop ?? '{ drain: true }'}
strategies: ${options.strategies ?? '[round-robin]'}
${options.extra ?? ''}`);
}

/** One `submitted` record of an events file. */
export interface Submission {
  /** Label of the strategy whose run submitted it. */
  readonly strategy: string;
  /** When it was submitted, seconds from the start of the run. */
  readonly time: number;
  /** The task as the trace made it: the fields a replay test compares. */
  readonly spec: { readonly id: string; readonly type: string; readonly priority: number; readonly tokens: number; readonly contextTokens: number; readonly contextKey?: string; readonly contextBlocks?: number[]; readonly deadline?: number };
}

/** Runs `fleetsim run scenario --events` and returns the submissions, in file order. */
export function replaySubmissions(scenario: string, dir: string, ...flags: string[]): Submission[] {
  const events = join(dir, 'events.jsonl');
  const run = runCli('run', scenario, '--events', events, '--workers', '1', ...flags);
  if (run.status !== 0) throw new Error(`fleetsim run failed (${run.status}): ${run.stderr}`);
  return readFileSync(events, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Submission & { kind: string })
    .filter((record) => record.kind === 'submitted');
}

/**
 * The statistics of a trace written as `text` to `dir/name` (what `fleetsim trace stats` prints),
 * read in this process: the file is named in messages by its full path.
 */
export function statsOf(dir: string, name: string, text: string, format: TraceFormat, options: { columns?: CsvColumns; timeUnitSeconds?: number } = {}): TraceStats {
  const file = writeFixture(dir, name, text);
  return traceStats({ file, fileAsWritten: file, format, timeUnitSeconds: options.timeUnitSeconds ?? 1, blockTokens: 512, ...(options.columns === undefined ? {} : { columns: options.columns }) }, 60);
}
