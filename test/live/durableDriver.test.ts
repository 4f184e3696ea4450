/**
 * The durable driver on a data directory: a fresh directory gets a log and an events file; a
 * reopened one replays its log to the same engine state, hands on its history once, brings the
 * events file in line (torn tail cut, missing events appended, nothing twice), re-delivers the
 * attempts the engine still waits for after an unclean stop, and never completes a task twice.
 * One process per directory.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/engine/agent.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import { eventRecord } from '../../src/engine/eventRecord.js';
import type { EngineEvent, Outcome } from '../../src/engine/messages.js';
import { ManualClock } from '../../src/live/clock.js';
import type { AgentConnector, AttemptContext, CommandOf, ProvisionContext } from '../../src/live/connector.js';
import { openDurableDriver, type DurableDriver, type DurableDriverOptions } from '../../src/live/durableDriver.js';
import { verifyDataDir } from '../../src/live/verifyDataDir.js';
import { InputError } from '../../src/scenario/errors.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from '../support/harness.js';

interface Held {
  readonly command: CommandOf<'start'>;
  readonly context: AttemptContext;
  readonly resolve: (outcome: Outcome) => void;
}

/** Holds every attempt until the test settles it; reports the start at once. */
class HoldingConnector implements AgentConnector {
  readonly held: Held[] = [];
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    return new Promise((resolve) => {
      context.started({ setupTokens: 0, contextHit: null });
      this.held.push({ command: { ...command }, context, resolve });
    });
  }
  /** Attempts still held (not settled, not aborted). */
  live(): Held[] {
    return this.held.filter((held) => !held.context.signal.aborted);
  }
  /** Settles the held attempt of `taskId`. */
  settle(taskId: string, outcome: Outcome = { ok: true, quality: 1 }): void {
    const at = this.held.findIndex((held) => held.command.task.spec.id === taskId);
    const [held] = this.held.splice(at, 1);
    held!.resolve(outcome);
  }
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleetsim-durable-'));
}

const engineOptions = (): EngineOptions => engineOf('least-connections');

/** An engine with `strategy`; round-robin's turn is what a restore from a snapshot starts afresh. */
function engineOf(strategy: string): EngineOptions {
  let draws = 0;
  return {
    config: engineConfig({ retry: { maxRetries: 1 } }),
    strategy: createStrategy(strategy),
    strategyRandom: () => ((draws = (draws * 9301 + 49297) % 233280) / 233280),
    engineRandom: () => 0.5,
  };
}

/** An engine whose pool `auto` scales up to `maxAgents`, looked at every second, at once (no cooldown). */
function autoscaledEngine(maxAgents: number): EngineOptions {
  return {
    ...engineOptions(),
    config: engineConfig({ autoscale: [{ pool: 'auto', minAgents: 1, maxAgents, scaleUpUtilization: 0.5, scaleDownUtilization: 0, cooldownSeconds: 0, intervalSeconds: 1 }] }),
  };
}

/** Opens `dataDir` (never compacting by itself) on a manual clock at 0 with agent `auto-0` of pool `auto` (one slot) and `tasks` tasks submitted. */
async function openAutoscaled(dataDir: string, engine: () => EngineOptions, connector: AgentConnector, tasks: number): Promise<{ durable: DurableDriver; clock: ManualClock }> {
  const clock = new ManualClock();
  const durable = await openDurableDriver({ dataDir, engine, connector, clock, snapshotEveryInputs: Number.POSITIVE_INFINITY });
  durable.driver.agentJoined(agentSpec({ id: 'auto-0', pool: 'auto', capacity: 1 }));
  for (let i = 0; i < tasks; i++) durable.driver.submit(taskSpec({ id: `t${i}` }));
  return { durable, clock };
}

/** Lets file writes and promise reactions run. */
async function settleIo(journal: DurableDriver['journal']): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await journal.whenDurable(journal.appendedSeq);
}

interface Opened {
  readonly durable: DurableDriver;
  readonly connector: HoldingConnector;
  readonly clock: ManualClock;
  readonly events: string[];
}

async function open(dataDir: string, startSeconds = 0, extra: Partial<DurableDriverOptions> = {}): Promise<Opened> {
  const connector = new HoldingConnector();
  const clock = new ManualClock(startSeconds);
  const events: string[] = [];
  const durable = await openDurableDriver({
    dataDir, engine: engineOptions, connector, clock, onEvent: (event: EngineEvent) => events.push(JSON.stringify(eventRecord(event))),
    onHistory: (record) => events.push(JSON.stringify(record)), ...extra,
  });
  return { durable, connector, clock, events };
}

/** A fleet of two agents, six tasks: two completed, one failed and retried, three waiting or running. */
async function busyDirectory(extra: Partial<DurableDriverOptions> = {}): Promise<{ dataDir: string; opened: Opened }> {
  const dataDir = scratch();
  const opened = await open(dataDir, 0, extra);
  const { durable, connector, clock } = opened;
  const { driver } = durable;
  driver.agentJoined(agentSpec({ id: 'a0', capacity: 1 }));
  driver.agentJoined(agentSpec({ id: 'a1', capacity: 1 }));
  for (let i = 0; i < 6; i++) driver.submit(taskSpec({ id: `t${i}`, ttlSeconds: 100 }));
  clock.advanceTo(1);
  connector.settle('t0');
  await settleIo(durable.journal);
  clock.advanceTo(2);
  connector.settle('t1', { ok: false, reason: 'agent-error' });
  await settleIo(durable.journal);
  clock.advanceTo(3);
  connector.settle('t2');
  await settleIo(durable.journal);
  return { dataDir, opened };
}

/** What a crash leaves: the directory's files as they are now, copied elsewhere (the lock stays behind). */
function crashCopy(dataDir: string): string {
  const copy = scratch();
  for (const file of readdirSync(dataDir)) if (file !== 'lock') copyFileSync(join(dataDir, file), join(copy, file));
  return copy;
}

/**
 * Compacts first when asked, copies the directory as a crash would leave it, closes `durable`,
 * and opens the copy with `options` (no compaction of its own); checks recovery started from the
 * snapshot exactly when there was one.
 */
async function reopenCrashed(durable: DurableDriver, dataDir: string, compactFirst: boolean, options: Pick<DurableDriverOptions, 'engine' | 'connector' | 'clock'>): Promise<{ again: DurableDriver; crashed: string }> {
  if (compactFirst) await durable.compact();
  const crashed = crashCopy(dataDir);
  await durable.close();
  const again = await openDurableDriver({ dataDir: crashed, ...options, snapshotEveryInputs: Number.POSITIVE_INFINITY });
  expect(again.recovery.snapshotSeq > 0).toBe(compactFirst);
  return { again, crashed };
}

function liveState(durable: DurableDriver): string[] {
  return [...durable.driver.engine.liveTasks()].map((task) => `${task.spec.id}:${task.state}:${task.attempt}`).sort();
}

/** Opens `dataDir` again: `inputs` inputs replayed, no torn log line (the previous run left the log whole). */
async function expectWholeOnReopen(dataDir: string, inputs: number): Promise<void> {
  const reopened = await open(dataDir, 3);
  expect(reopened.durable.recovery).toMatchObject({ inputsReplayed: inputs });
  expect(reopened.durable.recovery.tornWalLine).toBeUndefined();
  await reopened.durable.close();
}

/** A log file's text up to its padding (the NUL bytes the writer zeroes ahead of itself). */
function logText(path: string): string {
  const text = readFileSync(path, 'utf8');
  const end = text.indexOf('\0');
  return end < 0 ? text : text.slice(0, end);
}

describe('openDurableDriver', () => {
  it('creates a data directory: a log with its header, an events file, a lock while open', async () => {
    const dataDir = join(scratch(), 'nested', 'data');
    const { durable } = await open(dataDir);
    expect(durable.recovery).toMatchObject({ fresh: true, inputsReplayed: 0 });
    const header = JSON.parse(readFileSync(join(dataDir, 'wal.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ fleetsim: 'wal', version: 1, firstSeq: 1 });
    expect(Math.abs((header.epochMs as number) - Date.now())).toBeLessThan(60_000);
    expect(readFileSync(join(dataDir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    await durable.close();
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'events.jsonl'))).toBe(true);
  });

  it('replays to the same engine state and hands on the history once, then goes on numbering', async () => {
    const { dataDir, opened } = await busyDirectory();
    const before = { counts: opened.durable.driver.engine.counts(), live: liveState(opened.durable), events: [...opened.events] };
    const appended = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    expect(readFileSync(join(dataDir, 'events.jsonl'), 'utf8')).toBe(`${before.events.join('\n')}\n`);

    const again = await open(dataDir, 3);
    expect(again.durable.recovery).toMatchObject({ fresh: false, inputsReplayed: appended, eventsAppended: 0, tornEventsLine: false });
    expect(again.durable.driver.engine.counts()).toEqual(before.counts);
    expect(liveState(again.durable)).toEqual(before.live);
    expect(again.events).toEqual(before.events);
    again.durable.driver.submit(taskSpec({ id: 'late' }));
    expect(again.durable.journal.appendedSeq).toBe(appended + 1);
    await again.durable.close();
  });

  it('after an unclean stop, re-delivers the attempts the engine waits for and completes each task once', async () => {
    const { dataDir, opened } = await busyDirectory();
    const running = opened.connector.live().map((held) => `${held.command.task.spec.id}#${held.command.attempt}`).sort();
    expect(running.length).toBe(2);
    const crashed = crashCopy(dataDir);
    await opened.durable.close();

    const recovered = await open(crashed, 3);
    expect(recovered.durable.recovery.redelivered).toEqual({ attempts: 2, offers: 0, provisions: 0 });
    expect(recovered.connector.live().map((held) => `${held.command.task.spec.id}#${held.command.attempt}`).sort()).toEqual(running);
    // Every task runs to its end on the new process.
    for (let round = 0; round < 10 && recovered.durable.driver.counts().inFlight > 0; round++) {
      for (const held of recovered.connector.live()) recovered.connector.settle(held.command.task.spec.id);
      await settleIo(recovered.durable.journal);
    }
    expect(recovered.durable.driver.counts()).toMatchObject({ submitted: 6, completed: 6, inFlight: 0 });
    await recovered.durable.close();
    const report = verifyDataDir(crashed, engineOptions);
    expect(report.consistent).toBe(true);
    expect(report.events.completedTwice).toEqual([]);
    expect(report.events.settledTwice).toEqual([]);
    expect(report.ledger).toMatchObject({ submitted: 6, completed: 6 });
  });

  it('treats a result for an attempt the engine no longer expects as stale, across a restart', async () => {
    const dataDir = scratch();
    const first = await open(dataDir);
    first.durable.driver.agentJoined(agentSpec({ id: 'a0', capacity: 1 }));
    first.durable.driver.submit(taskSpec({ id: 'slow', timeoutSeconds: 5 }));
    first.clock.advanceTo(6); // attempt 1 times out; attempt 2 starts
    await settleIo(first.durable.journal);
    const crashed = crashCopy(dataDir);
    await first.durable.close();

    const second = await open(crashed, 6);
    // Only attempt 2 is awaited: attempt 1 was given up before the crash.
    expect(second.connector.live().map((held) => held.command.attempt)).toEqual([2]);
    second.connector.settle('slow');
    await settleIo(second.durable.journal);
    second.durable.driver.batch(() => undefined);
    await second.durable.close();
    const third = await open(crashed, 7);
    expect(third.durable.recovery.redelivered).toEqual({ attempts: 0, offers: 0, provisions: 0 });
    const kinds = third.events.map((line) => JSON.parse(line) as { kind: string; to?: string; attempt?: number });
    expect(kinds.filter((event) => event.to === 'completed')).toHaveLength(1);
    await third.durable.close();
  });

  it('cuts a torn last log line before appending, and says so', async () => {
    const { dataDir, opened } = await busyDirectory();
    const inputs = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    writeFileSync(join(dataDir, 'wal.jsonl'), `${logText(join(dataDir, 'wal.jsonl'))}{"seq":${inputs + 1},"crc":1,"inp`);
    const again = await open(dataDir, 3);
    expect(again.durable.recovery).toMatchObject({ inputsReplayed: inputs, tornWalLine: inputs + 2 });
    again.durable.driver.submit(taskSpec({ id: 'after' }));
    await again.durable.close();
    await expectWholeOnReopen(dataDir, inputs + 1);
  });

  it('recovers a log written without padding (as builds before preallocation wrote it) and pads it from there on', async () => {
    const { dataDir, opened } = await busyDirectory({ preallocateBytes: 0 });
    const before = { counts: opened.durable.driver.engine.counts(), live: liveState(opened.durable), events: [...opened.events] };
    const inputs = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    const path = join(dataDir, 'wal.jsonl');
    expect(readFileSync(path).includes(0)).toBe(false);
    const again = await open(dataDir, 3);
    expect(again.durable.recovery).toMatchObject({ inputsReplayed: inputs });
    expect(again.durable.driver.engine.counts()).toEqual(before.counts);
    expect(liveState(again.durable)).toEqual(before.live);
    again.durable.driver.submit(taskSpec({ id: 'padded' }));
    await again.durable.close();
    expect(readFileSync(path).at(-1)).toBe(0);
    await expectWholeOnReopen(dataDir, inputs + 1);
  });

  it('drops a torn group past a gap of NULs, zeroes nothing stale back in: the next run reads only what came after', async () => {
    const { dataDir, opened } = await busyDirectory();
    const inputs = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    const path = join(dataDir, 'wal.jsonl');
    const content = logText(path);
    // A crash: a torn line's page never written back, a later page of the same group written (a stale entry line that must not reappear).
    const lines = content.split('\n');
    const stale = lines[lines.length - 2]!;
    writeFileSync(path, `${content}${'\0'.repeat(100)}${stale}\n${'\0'.repeat(5000)}`);
    const again = await open(dataDir, 3);
    expect(again.durable.recovery).toMatchObject({ inputsReplayed: inputs, tornWalLine: inputs + 2 });
    again.durable.driver.submit(taskSpec({ id: 'after' }));
    await again.durable.close();
    expect(logText(path).includes(stale)).toBe(true);
    expect(logText(path).split(stale)).toHaveLength(2);
    await expectWholeOnReopen(dataDir, inputs + 1);
  });

  it('refuses a corrupt log line before the last with an InputError naming the file and line, and releases the lock', async () => {
    const { dataDir, opened } = await busyDirectory();
    await opened.durable.close();
    const path = join(dataDir, 'wal.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"id":"t3"', '"id":"t4"'));
    const failure = open(dataDir);
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(new RegExp(`^${path}: line \\d+: checksum mismatch`));
    expect(existsSync(join(dataDir, 'lock'))).toBe(false);
  });

  it('brings events.jsonl in line: a torn tail cut, missing events appended, none twice', async () => {
    const { dataDir, opened } = await busyDirectory();
    await opened.durable.close();
    const eventsPath = join(dataDir, 'events.jsonl');
    const whole = readFileSync(eventsPath, 'utf8');
    const lines = whole.split('\n');
    writeFileSync(eventsPath, `${lines.slice(0, 4).join('\n')}\n${lines[4]!.slice(0, 10)}`);
    const again = await open(dataDir, 3);
    expect(again.durable.recovery).toMatchObject({ tornEventsLine: true, eventsAppended: lines.length - 1 - 4 });
    await again.durable.close();
    expect(readFileSync(eventsPath, 'utf8')).toBe(whole);

    writeFileSync(eventsPath, whole.replace('"t2"', '"t7"'));
    await expect(open(dataDir, 3)).rejects.toThrow(/events\.jsonl: line \d+: differs from the event the write-ahead log replays to/);
    writeFileSync(eventsPath, `${whole}{"time":9,"kind":"admin","op":"pause-type","type":"x"}\n`);
    await expect(open(dataDir, 3)).rejects.toThrow(/events\.jsonl: line \d+: an event the write-ahead log does not account for/);
  });

  it('lets one process at a time open a directory, and takes over the lock of a killed one', async () => {
    const dataDir = scratch();
    const first = await open(dataDir);
    await expect(open(dataDir)).rejects.toThrow(`the data directory is in use by process ${process.pid}`);
    await first.durable.close();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'lock'), '2147483646\n'); // no such process
    const second = await open(dataDir);
    await second.durable.close();
    // Our own pid, but not held by us: left by an earlier process that had the same pid.
    writeFileSync(join(dataDir, 'lock'), `${process.pid}\n`);
    const third = await open(dataDir);
    await third.durable.close();
  });

  it('keeps time going forward: the default clock counts from the epoch and never reads below the last input', async () => {
    const dataDir = scratch();
    const connector = new HoldingConnector();
    const first = await openDurableDriver({ dataDir, engine: engineOptions, connector });
    expect(first.driver.engine.counts().submitted).toBe(0);
    first.driver.submit(taskSpec({ id: 'x' }));
    await first.close();
    // Move the epoch into the future, as a wall clock set back would: time must not go backwards.
    const path = join(dataDir, 'wal.jsonl');
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const header = JSON.parse(lines[0]!) as { epochMs: number };
    const logged = (JSON.parse(lines[1]!) as { input: { now: number } }).input.now;
    writeFileSync(path, [JSON.stringify({ ...header, epochMs: header.epochMs + 3_600_000 }), ...lines.slice(1)].join('\n'));
    const second = await openDurableDriver({ dataDir, engine: engineOptions, connector });
    second.driver.submit(taskSpec({ id: 'y' }));
    await second.close();
    const now = (JSON.parse(readFileSync(path, 'utf8').split('\n')[2]!) as { input: { now: number } }).input.now;
    expect(now).toBeGreaterThanOrEqual(logged);
  });
});

describe('compaction', () => {
  it('every N inputs: a snapshot, a new log file, the files it covers deleted; recovery starts from it and hands on the history once', async () => {
    const { dataDir, opened } = await busyDirectory({ snapshotEveryInputs: 10 });
    const before = { counts: opened.durable.driver.engine.counts(), live: liveState(opened.durable), events: [...opened.events] };
    const appended = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    const files = readdirSync(dataDir).sort();
    expect(files.filter((file) => file.startsWith('snapshot-'))).toHaveLength(1);
    expect(files.filter((file) => file.startsWith('wal'))).toEqual(['wal.jsonl']);
    const header = JSON.parse(readFileSync(join(dataDir, 'wal.jsonl'), 'utf8').split('\n')[0]!) as { firstSeq: number; generation: number };
    expect(header.generation).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(dataDir, 'events.jsonl'), 'utf8')).toBe(`${before.events.join('\n')}\n`);

    const again = await open(dataDir, 3, { snapshotEveryInputs: 10 });
    expect(again.durable.recovery.snapshotSeq).toBe(header.firstSeq - 1);
    expect(again.durable.recovery.inputsReplayed).toBe(appended - again.durable.recovery.snapshotSeq);
    expect(again.durable.driver.engine.counts()).toEqual(before.counts);
    expect(liveState(again.durable)).toEqual(before.live);
    expect(again.events).toEqual(before.events);
    await again.durable.close();
    expect(verifyDataDir(dataDir, engineOptions)).toMatchObject({ consistent: true, ledger: before.counts });
  });

  it('writes each snapshot with the CRC-32 of its engine and of the events before it, and refuses one whose engine text changed', async () => {
    const { dataDir, opened } = await busyDirectory({ snapshotEveryInputs: 10 });
    await opened.durable.close();
    const name = readdirSync(dataDir).find((file) => file.startsWith('snapshot-'))!;
    const path = join(dataDir, name);
    const text = readFileSync(path, 'utf8');
    const snapshot = JSON.parse(text) as { events: number; eventsCrc: number; crc: number };
    const eventLines = readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n').slice(0, snapshot.events);
    expect(snapshot.eventsCrc).toBe(crc32(eventLines.map((line) => `${line}\n`).join('')));
    expect(snapshot.crc).toBe(crc32(text.slice(text.indexOf('"engine":') + 9, text.lastIndexOf('}'))));
    // One digit of the engine's state changed: still JSON, still a snapshot's shape.
    const changed = text.replace(/"lastNow":(\d)/, (_, digit: string) => `"lastNow":${(Number(digit) + 1) % 10}`);
    expect(changed).not.toBe(text);
    writeFileSync(path, changed);
    await expect(open(dataDir)).rejects.toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: engine: its CRC-32 is \\d+, not the ${snapshot.crc} written with it: the snapshot was changed or damaged$`));
  });

  it('recovers from a snapshot written before the CRCs were kept (no crc, no eventsCrc) as it is', async () => {
    const { dataDir, opened } = await busyDirectory({ snapshotEveryInputs: 10 });
    const counts = opened.durable.driver.engine.counts();
    await opened.durable.close();
    const path = join(dataDir, readdirSync(dataDir).find((file) => file.startsWith('snapshot-'))!);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"eventsCrc":\d+,/, '').replace(/"crc":\d+,/, ''));
    expect(readFileSync(path, 'utf8')).not.toMatch(/crc/i);
    const again = await open(dataDir, 3, { snapshotEveryInputs: 10 });
    expect(again.durable.driver.engine.counts()).toEqual(counts);
    await again.durable.close();
  });

  it('leaves the process that compacted and one recovering with identical engines, even without the snapshot file', async () => {
    const dataDir = scratch();
    const strategy = (): EngineOptions => engineOf('round-robin');
    const first = await open(dataDir, 0, { engine: strategy, snapshotEveryInputs: Number.POSITIVE_INFINITY });
    const { driver } = first.durable;
    for (let i = 0; i < 3; i++) driver.agentJoined(agentSpec({ id: `a${i}`, capacity: 2 }));
    for (let i = 0; i < 4; i++) driver.submit(taskSpec({ id: `early${i}` }));
    first.clock.advanceTo(1);
    first.connector.settle('early0');
    await settleIo(first.durable.journal);
    const sealed = readFileSync(join(dataDir, 'wal.jsonl'));
    const compactedAt = first.durable.journal.appendedSeq;
    await first.durable.compact();
    // After the swap round-robin starts its turn afresh: a recovery that did not swap would send these elsewhere.
    for (let i = 0; i < 6; i++) driver.submit(taskSpec({ id: `late${i}`, timeoutSeconds: 5 }));
    first.clock.advanceTo(2);
    first.connector.settle('late1');
    first.clock.advanceTo(8);
    await settleIo(first.durable.journal);
    const expected = { counts: driver.engine.counts(), live: liveState(first.durable), events: [...first.events] };

    const fromSnapshot = crashCopy(dataDir);
    const fromLog = crashCopy(dataDir);
    for (const file of readdirSync(fromLog)) if (file.startsWith('snapshot-')) rmSync(join(fromLog, file));
    writeFileSync(join(fromLog, 'wal-000000000001.jsonl'), sealed);
    await first.durable.close();

    for (const copy of [fromSnapshot, fromLog]) {
      const recovered = await open(copy, 8, { engine: strategy, snapshotEveryInputs: Number.POSITIVE_INFINITY });
      expect(recovered.durable.recovery.snapshotSeq).toBe(copy === fromLog ? 0 : compactedAt);
      expect(recovered.durable.driver.engine.counts()).toEqual(expected.counts);
      expect(liveState(recovered.durable)).toEqual(expected.live);
      expect(recovered.events).toEqual(expected.events);
      await recovered.durable.close();
    }
  });

  it('recovers a compaction that died between sealing the log file and starting the next, and refuses a sealed file cut short', async () => {
    const { dataDir, opened } = await busyDirectory();
    const before = { counts: opened.durable.driver.engine.counts(), live: liveState(opened.durable) };
    const inputs = opened.durable.journal.appendedSeq;
    await opened.durable.close();
    const sealedPath = join(dataDir, 'wal-000000000001.jsonl');
    renameSync(join(dataDir, 'wal.jsonl'), sealedPath);
    const again = await open(dataDir, 3);
    expect(again.durable.recovery.inputsReplayed).toBe(inputs);
    expect(again.durable.driver.engine.counts()).toEqual(before.counts);
    expect(liveState(again.durable)).toEqual(before.live);
    again.durable.driver.submit(taskSpec({ id: 'next' }));
    await again.durable.close();
    expect(JSON.parse(readFileSync(join(dataDir, 'wal.jsonl'), 'utf8').split('\n')[0]!)).toMatchObject({ firstSeq: inputs + 1, generation: 0 });
    const third = await open(dataDir, 3);
    expect(third.durable.recovery.inputsReplayed).toBe(inputs + 1);
    await third.durable.close();

    writeFileSync(sealedPath, logText(sealedPath).slice(0, -20));
    await expect(open(dataDir, 3)).rejects.toThrow(new RegExp(`^${sealedPath}: line \\d+: cut short \\(no newline\\): a sealed log file must be whole`));
  });

  it('asks again, after a restart, for agents provisioned but not joined: from the log and from a snapshot', async () => {
    const autoscaled = (): EngineOptions => autoscaledEngine(4);
    /** Holds every provision: the agent never comes up in this process. */
    class Provisioning extends HoldingConnector {
      readonly provisions: string[] = [];
      provision(command: CommandOf<'provision'>): Promise<AgentSpec> {
        this.provisions.push(command.pool);
        return new Promise(() => undefined);
      }
    }
    const run = async (dataDir: string, compactFirst: boolean): Promise<number> => {
      const connector = new Provisioning();
      const { durable, clock } = await openAutoscaled(dataDir, autoscaled, connector, 3);
      clock.advanceTo(1);
      await settleIo(durable.journal);
      expect(connector.provisions.length).toBeGreaterThan(0);
      const recovering = new Provisioning();
      const { again } = await reopenCrashed(durable, dataDir, compactFirst, { engine: autoscaled, connector: recovering, clock: new ManualClock(1) });
      expect(again.recovery.redelivered.provisions).toBe(connector.provisions.length);
      expect(recovering.provisions).toEqual(connector.provisions);
      await again.close();
      return recovering.provisions.length;
    };
    expect(await run(scratch(), false)).toBeGreaterThan(0);
    expect(await run(scratch(), true)).toBeGreaterThan(0);
  });

  it('asks again for each provision not joined under the id it had, marked as asked again, from the log and from a snapshot, whichever joined first', async () => {
    const autoscaled = (): EngineOptions => autoscaledEngine(6);
    interface Asked { readonly provisionId: string; readonly redelivered: boolean; readonly join: (spec: AgentSpec) => void }
    /** Holds every provision until the test answers it, with the id the driver gave it. */
    class Provisioning extends HoldingConnector {
      readonly asked: Asked[] = [];
      provision(_command: CommandOf<'provision'>, context?: ProvisionContext): Promise<AgentSpec> {
        return new Promise((join) => this.asked.push({ provisionId: context!.provisionId!, redelivered: context!.redelivered!, join }));
      }
    }
    const run = async (dataDir: string, compactFirst: boolean): Promise<void> => {
      const connector = new Provisioning();
      const { durable, clock } = await openAutoscaled(dataDir, autoscaled, connector, 8);
      for (let at = 1; at <= 3; at++) clock.advanceTo(at);
      const asked = connector.asked.map((entry) => entry.provisionId);
      expect(asked.length).toBeGreaterThanOrEqual(3);
      expect(new Set(asked).size).toBe(asked.length);
      expect(connector.asked.every((entry) => !entry.redelivered)).toBe(true);
      // The second provision is answered first: the first stays pending.
      connector.asked[1]!.join(agentSpec({ id: 'auto-x', pool: 'auto', capacity: 1 }));
      await settleIo(durable.journal);
      expect(durable.driver.counts().pendingProvisions).toBe(asked.length - 1);
      const recovering = new Provisioning();
      const { again, crashed } = await reopenCrashed(durable, dataDir, compactFirst, { engine: autoscaled, connector: recovering, clock: new ManualClock(3) });
      const stillPending = asked.filter((_, i) => i !== 1);
      expect(recovering.asked.map((entry) => entry.provisionId)).toEqual(stillPending);
      expect(recovering.asked.map((entry) => entry.redelivered)).toEqual(stillPending.map(() => true));
      // Answered after the restart, under its old id: it joins as that provision.
      recovering.asked[0]!.join(agentSpec({ id: 'auto-y', pool: 'auto', capacity: 1 }));
      await settleIo(again.journal);
      expect(again.driver.counts().pendingProvisions).toBe(stillPending.length - 1);
      // A provision asked for after the restart has an id of its own.
      for (let at = 4; at <= 6 && recovering.asked.length === stillPending.length; at++) (again.clock as ManualClock).advanceTo(at);
      expect(recovering.asked.length).toBeGreaterThan(stillPending.length);
      expect(asked).not.toContain(recovering.asked.at(-1)!.provisionId);
      expect(recovering.asked.at(-1)!.redelivered).toBe(false);
      await again.close();
      expect(verifyDataDir(crashed, autoscaled).consistent).toBe(true);
    };
    await run(scratch(), false);
    await run(scratch(), true);
  });

  it('refuses a snapshot whose provisions do not match the engine, naming the file and the field', async () => {
    const autoscaled = (): EngineOptions => autoscaledEngine(4);
    const dataDir = scratch();
    const clock = new ManualClock();
    const connector = new HoldingConnector();
    const durable = await openDurableDriver({ dataDir, engine: autoscaled, connector: Object.assign(connector, { provision: () => new Promise<AgentSpec>(() => undefined) }), clock, snapshotEveryInputs: Number.POSITIVE_INFINITY });
    durable.driver.agentJoined(agentSpec({ id: 'auto-0', pool: 'auto', capacity: 1 }));
    for (let i = 0; i < 3; i++) durable.driver.submit(taskSpec({ id: `t${i}` }));
    clock.advanceTo(1);
    await settleIo(durable.journal);
    await durable.compact();
    await durable.close();
    const [name] = readdirSync(dataDir).filter((file) => file.startsWith('snapshot-'));
    const path = join(dataDir, name!);
    const text = readFileSync(path, 'utf8');
    expect(JSON.parse(text).provisions).toEqual({ asked: 1, pending: [[1, 'auto']] });
    writeFileSync(path, text.replace('"provisions":{"asked":1,"pending":[[1,"auto"]]}', '"provisions":{"asked":1,"pending":[]}'));
    await expect(open(dataDir, 1, { engine: autoscaled })).rejects.toThrow(`${path}: provisions: 0 pending for pool auto, but the engine waits for 1 agent(s) of it`);
    writeFileSync(path, text.replace('"provisions":{"asked":1,"pending":[[1,"auto"]]}', '"provisions":{"asked":1,"pending":[[2,"auto"]]}'));
    await expect(open(dataDir, 1, { engine: autoscaled })).rejects.toThrow(`${path}: provisions.pending[0][0]: expected a provision number 1..1 not listed before`);
  });

  it('compacts only when something happened since the last compaction', async () => {
    const dataDir = scratch();
    const first = await open(dataDir, 0, { snapshotEveryInputs: Number.POSITIVE_INFINITY });
    first.durable.driver.submit(taskSpec({ id: 'one' }));
    await first.durable.compact();
    await first.durable.compact();
    await first.durable.close();
    const again = await open(dataDir, 0, { snapshotEveryInputs: Number.POSITIVE_INFINITY });
    await again.durable.compact();
    await again.durable.close();
    expect(readdirSync(dataDir).filter((file) => file !== 'events.jsonl').sort()).toEqual(['snapshot-000000000001.json', 'wal.jsonl']);
    expect(JSON.parse(readFileSync(join(dataDir, 'wal.jsonl'), 'utf8').split('\n')[0]!)).toMatchObject({ firstSeq: 2, generation: 1 });
  });
});

