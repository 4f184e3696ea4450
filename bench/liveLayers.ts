/**
 * Where the live service's time goes, layer by layer, in this process and without HTTP: the
 * same load as bench/live.ts (open loop at a fixed rate, each task held for 1,000 ÷ rate seconds
 * so ~1,000 are in flight, 100 agents of 20 slots) driven straight into
 *
 * - `memory`: the engine and the live driver (`createLiveDriver`), nothing persisted;
 * - `wal`: the durable driver (`openDurableDriver`, write-ahead log and events file, fsync on).
 *
 * The connector plays the service's rule: a start is handed to its agent only once the inputs
 * up to it are durable (`journal.whenDurable(journal.appendedSeq)`). Submit-to-start here is
 * from `submit` to that moment, so the `wal` row's latency is the engine plus the group commit,
 * and the service's figures less these are HTTP, JSON and the service's own bookkeeping.
 * Beneath both, the disk: the time of one append and fdatasync of a log-sized write, alone
 * (the floor under any durable acknowledgement; a submission can wait for two: the fsync in
 * flight when it arrives, then the one that covers it).
 */
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultEngineConfig } from '../src/engine/config.js';
import type { EngineOptions } from '../src/engine/engine.js';
import type { Outcome } from '../src/engine/messages.js';
import { RealClock } from '../src/live/clock.js';
import type { AgentConnector } from '../src/live/connector.js';
import { createLiveDriver, type LiveDriver } from '../src/live/driver.js';
import { openDurableDriver } from '../src/live/durableDriver.js';
import type { Journal } from '../src/live/journal.js';
import { findStrategy } from '../src/strategies/index.js';
import { quantiles, type Quantiles } from './liveStats.js';

const AGENTS = 100;
const SLOTS_PER_AGENT = 20;
const CONCURRENT_TASKS = 1_000;
const OK: Outcome = { ok: true, quality: 1 };

/** One layer at one rate. */
export interface LayerRow {
  /** In memory only, or with the write-ahead log. */
  readonly layer: 'memory' | 'wal';
  /** Offered submissions per second. */
  readonly offeredPerSecond: number;
  /** Submissions handled per second over the window. */
  readonly submissionsPerSecond: number;
  /** Submit to the start handed out (durable), milliseconds. */
  readonly startMs: Quantiles;
  /** Log writes with fsync per second, and inputs per fsync (the group commit's batch). */
  readonly fsyncsPerSecond: number | undefined;
  /** Inputs per fsync (the group commit's batch); undefined in memory. */
  readonly inputsPerFsync: number | undefined;
  /** CPU seconds of this process per wall second. */
  readonly cpu: number;
}

function engineOptions(): EngineOptions {
  const strategy = findStrategy('least-connections')!;
  return { config: defaultEngineConfig(), strategy: strategy.create(strategy.params.parse({})), strategyRandom: Math.random, engineRandom: Math.random };
}

/** Runs one layer at `rate` submissions per second for `seconds` (after a second's warm-up). */
async function measureLayer(layer: 'memory' | 'wal', rate: number, seconds: number): Promise<LayerRow> {
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  let measuring = false;
  let journal: Journal | undefined;
  const holdMs = (CONCURRENT_TASKS / rate) * 1000;
  const connector: AgentConnector = {
    start: async (command, { started }) => {
      const id = command.task.spec.id;
      if (journal !== undefined) await journal.whenDurable(journal.appendedSeq);
      const at = sentAt.get(id);
      sentAt.delete(id);
      if (measuring && at !== undefined) samples.push(performance.now() - at);
      started({ setupTokens: 0, contextHit: null });
      await sleep(holdMs);
      return OK;
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-layers-'));
  let driver: LiveDriver;
  let close: () => Promise<void> = async () => {};
  let stats: { fsyncs: number; inputs: number } | undefined;
  if (layer === 'memory') {
    driver = createLiveDriver({ engine: engineOptions(), clock: new RealClock(), connector });
  } else {
    const durable = await openDurableDriver({ dataDir: join(dir, 'data'), engine: engineOptions, connector });
    driver = durable.driver;
    journal = durable.journal;
    stats = durable.journal.stats;
    close = () => durable.close();
  }
  try {
    for (let i = 0; i < AGENTS; i++) driver.agentJoined({ id: `bench-${i}`, capacity: SLOTS_PER_AGENT, tokensPerSecond: 1000, skills: { job: 1 }, weight: 1, tags: [] });
    let next = 0;
    const run = async (runSeconds: number): Promise<number> => {
      const t0 = performance.now();
      let sent = 0;
      for (let now = t0; now < t0 + runSeconds * 1000; now = performance.now()) {
        const due = Math.floor(((now - t0) / 1000) * rate);
        for (; sent < due; sent++) {
          const id = `t${next++}`;
          sentAt.set(id, performance.now());
          driver.submit({ id, type: 'job', tokens: 100, priority: 2, contextTokens: 0 });
        }
        await sleep(1);
      }
      return sent;
    };
    await run(1);
    measuring = true;
    const fsyncs0 = stats?.fsyncs ?? 0;
    const inputs0 = stats?.inputs ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const sent = await run(seconds);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const fsyncs = stats === undefined ? undefined : stats.fsyncs - fsyncs0;
    const inputs = stats === undefined ? undefined : stats.inputs - inputs0;
    await driver.stop({ drain: true });
    measuring = false;
    return {
      layer,
      offeredPerSecond: rate,
      submissionsPerSecond: sent / wall,
      startMs: quantiles(samples),
      fsyncsPerSecond: fsyncs === undefined ? undefined : fsyncs / wall,
      inputsPerFsync: fsyncs === undefined || inputs === undefined || fsyncs === 0 ? undefined : inputs / fsyncs,
      cpu: (cpu.user + cpu.system) / 1e6 / wall,
    };
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes of `bytes` to a file in the temporary directory, each fdatasynced, `count` times:
 * milliseconds per write + fsync. Appends (the file grows: each fdatasync commits its size), or
 * with `preallocated` overwrites, one after the other, of a file zeroed and fdatasynced first (as
 * the write-ahead log writes into its preallocation).
 */
export async function measureDiskSync(count = 1_000, bytes = 2_048, preallocated = false): Promise<Quantiles> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-bench-disk-'));
  const fd = openSync(join(dir, 'wal.jsonl'), preallocated ? 'w+' : 'a');
  const writeAsync = promisify(write);
  const sync = promisify(fdatasync);
  const buffer = Buffer.alloc(bytes, 'x');
  const samples: number[] = [];
  try {
    if (preallocated) {
      await writeAsync(fd, Buffer.alloc(count * bytes), 0, count * bytes, 0);
      await sync(fd);
    }
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await writeAsync(fd, buffer, 0, bytes, preallocated ? i * bytes : null);
      await sync(fd);
      samples.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return quantiles(samples);
}

/** Both layers at each rate. */
export async function measureLayers(rates: readonly number[], seconds: number): Promise<LayerRow[]> {
  const rows: LayerRow[] = [];
  for (const rate of rates) {
    for (const layer of ['memory', 'wal'] as const) rows.push(await measureLayer(layer, rate, seconds));
  }
  return rows;
}

/** The layers' table. */
export function formatLayers(rows: readonly LayerRow[]): string {
  const ms = (value: number): string => (Number.isNaN(value) ? '-' : value.toFixed(2));
  const header = ['layer', 'offered/s', 'start p50', 'start p90', 'start p99', 'start max', 'fsyncs/s', 'inputs/fsync', 'CPU'];
  const cells = rows.map((row) => [
    row.layer, Math.round(row.offeredPerSecond).toLocaleString('en-US'),
    ms(row.startMs.p50), ms(row.startMs.p90), ms(row.startMs.p99), ms(row.startMs.max),
    row.fsyncsPerSecond === undefined ? '-' : Math.round(row.fsyncsPerSecond).toLocaleString('en-US'),
    row.inputsPerFsync === undefined ? '-' : row.inputsPerFsync.toFixed(1),
    row.cpu.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]): string => '  ' + values.map((value, i) => (i === 0 ? value.padEnd(widths[i]!) : value.padStart(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line), '  (in-process, no HTTP; latencies in ms: submit → start handed out once durable; CPU in cores busy)'].join('\n');
}
