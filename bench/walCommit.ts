/**
 * The write-ahead log's group commit alone, appending against preallocated: a `FileJournal`
 * (fsync on, the service's defaults otherwise) fed submissions open loop at a fixed rate (a
 * batch every millisecond, as a busy service appends), in this process, nothing else running
 * in it; the two ways alternated, `rounds` times each, a fresh file each run. Per run: the group
 * fsync's p50/p99/p99.9 and the commit wait (append to durable, every tenth input) p50/p99, the
 * first second left out (warm-up). The disk-alone rows of the live bench (`diskSyncMs`,
 * `diskOverwriteSyncMs`) are the floor under these.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineInput } from '../src/engine/messages.js';
import { FileJournal } from '../src/live/wal.js';
import { PREALLOCATE_BYTES } from '../src/live/walPreallocation.js';
import { quantiles, type Quantiles } from './liveStats.js';

/** Inputs appended a second (about the live bench's log at 5,000 submissions/s: ~1 MB/s). */
const INPUTS_PER_SECOND = 5_000;
const SECONDS = 6;
const WARMUP_SECONDS = 1;

/** One run. */
export interface WalCommitRow {
  /** Bytes zeroed ahead of the writer (0: appends). */
  readonly preallocateBytes: number;
  /** Round number (the two ways alternate, round after round). */
  readonly round: number;
  /** Group commits (one fsync each). */
  readonly groups: number;
  /** Inputs per group, mean. */
  readonly inputsPerGroup: number;
  /** Each fsync, milliseconds. */
  readonly fsyncMs: Quantiles;
  /** The commit wait, append to durable (every tenth input), milliseconds. */
  readonly commitMs: Quantiles;
  /** Process CPU (user + system) per input, µs. */
  readonly cpuMicrosPerInput: number;
}

/** What {@link measureWalCommit} found. */
export interface WalCommitFigures {
  /** What was measured, in words. */
  readonly benchmark: string;
  /** One row per run. */
  readonly rows: readonly WalCommitRow[];
}

function submit(n: number): EngineInput {
  return { kind: 'submit', now: n / INPUTS_PER_SECOND, task: { id: `task-${n}`, type: 'code', priority: n % 5, tokens: 1_000 + (n % 777), contextTokens: 0, timeoutSeconds: 30, ttlSeconds: 600 } };
}

async function run(preallocateBytes: number, round: number): Promise<WalCommitRow> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-wal-'));
  const fsyncs: number[] = [];
  const commits: number[] = [];
  let measuring = false;
  const journal = FileJournal.create(join(dir, 'wal.jsonl'), { epochMs: 0, firstSeq: 1, generation: 0 }, {
    preallocateBytes,
    onGroup: (timing) => {
      if (measuring) fsyncs.push(timing.syncMs);
    },
  });
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let appended = 0;
  try {
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        measuring = now - start > WARMUP_SECONDS * 1_000;
        for (const due = Math.floor(((now - start) / 1_000) * INPUTS_PER_SECOND); appended < due;) {
          const seq = journal.append(submit(++appended));
          if (measuring && appended % 10 === 0) journal.afterDurable(seq, () => commits.push(performance.now() - now));
        }
        if (now - start > SECONDS * 1_000) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    await journal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    preallocateBytes, round, groups: journal.stats.fsyncs, inputsPerGroup: appended / journal.stats.fsyncs,
    fsyncMs: quantiles(fsyncs), commitMs: quantiles(commits), cpuMicrosPerInput: (cpu.user + cpu.system) / appended,
  };
}

/** Appending and preallocated runs alternated, `rounds` of each. */
export async function measureWalCommit(rounds = 3): Promise<WalCommitFigures> {
  const rows: WalCommitRow[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const preallocateBytes of [0, PREALLOCATE_BYTES]) rows.push(await run(preallocateBytes, round));
  }
  return {
    benchmark: `the write-ahead log alone (fsync on), ${INPUTS_PER_SECOND.toLocaleString('en-US')} submissions/s open loop for ${SECONDS} s (the first ${WARMUP_SECONDS} s left out), appending and preallocated alternated`,
    rows,
  };
}

/** The runs' table. */
export function formatWalCommit(figures: WalCommitFigures): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(2));
  const lines = ['| log | round | groups | inputs/group | fsync p50 | fsync p99 | fsync max | commit p50 | commit p99 | CPU µs/input |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const row of figures.rows) {
    lines.push(`| ${row.preallocateBytes === 0 ? 'append' : `preallocated ${row.preallocateBytes >> 20} MiB`} | ${row.round} | ${row.groups} | ${row.inputsPerGroup.toFixed(1)} | ${ms(row.fsyncMs.p50)} | ${ms(row.fsyncMs.p99)} | ${ms(row.fsyncMs.max)} | ${ms(row.commitMs.p50)} | ${ms(row.commitMs.p99)} | ${row.cpuMicrosPerInput.toFixed(1)} |`);
  }
  return lines.join('\n');
}
