/**
 * The write-ahead log file: inputs round-trip exactly (sets and infinities included), appends
 * are group-committed (many inputs per fsync under load), `whenDurable` resolves only after the
 * fsync covering its input, a torn last line is dropped and a corrupt line before it is an
 * InputError naming the file and the line.
 */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/engine/messages.js';
import { InputError } from '../../src/scenario/errors.js';
import { LineReader } from '../../src/live/lineReader.js';
import { FileJournal, readWalFile, SYNCS_IN_FLIGHT, type FileJournalOptions, type GroupCommitTiming, type PacingTimer } from '../../src/live/wal.js';
import type { WalEntry } from '../../src/live/walFormat.js';
import { cutLogFile } from '../../src/live/walPreallocation.js';
import { agentSpec, taskSpec } from '../support/harness.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleetsim-wal-'));
}

function submit(i: number): EngineInput {
  return { kind: 'submit', now: i / 8, task: taskSpec({ id: `t${i}` }) };
}

function readAll(path: string): { entries: WalEntry[]; contents: ReturnType<typeof readWalFile> } {
  const entries: WalEntry[] = [];
  const contents = readWalFile(path, path, (entry) => entries.push(entry));
  return { entries, contents };
}

/** A pacing clock that moves only when told, and the timers armed on it. */
class ManualPacing implements PacingTimer {
  now = 0;
  armed = 0;
  private due: Array<{ atMs: number; callback: () => void }> = [];

  nowMs(): number {
    return this.now;
  }

  schedule(delayMs: number, callback: () => void): void {
    this.armed++;
    this.due.push({ atMs: this.now + delayMs, callback });
  }

  /** Moves the clock on and fires the timers due by then. */
  advance(ms: number): void {
    this.now += ms;
    const due = this.due.filter((timer) => timer.atMs <= this.now);
    this.due = this.due.filter((timer) => timer.atMs > this.now);
    for (const timer of due) timer.callback();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes a log of `count` submissions and returns its path: by default appended, without
 * padding, as builds before preallocation wrote every log.
 */
async function writtenLog(count: number, options: FileJournalOptions = { preallocateBytes: 0 }): Promise<string> {
  const path = join(scratch(), 'wal.jsonl');
  const journal = FileJournal.create(path, { epochMs: 1_000, firstSeq: 1, generation: 0 }, options);
  for (let i = 1; i <= count; i++) journal.append(submit(i));
  await journal.close();
  return path;
}

describe('FileJournal', () => {
  it('numbers inputs from 1 and reads them back exactly, sets, infinities and tenants included', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = FileJournal.create(path, { epochMs: 42, firstSeq: 1, generation: 0 });
    const inputs: EngineInput[] = [
      { kind: 'submit', now: 1 / 8, task: taskSpec({ id: 't1', tenant: 'team-a' }) },
      { kind: 'agentJoined', now: 0.5, agent: agentSpec({ id: 'a', capacity: 2, contextWindowTokens: Number.POSITIVE_INFINITY }) },
      { kind: 'started', now: 1, taskId: 't1', attempt: 1, report: { setupTokens: 3, contextHit: true, agent: { contextUtilization: 0.25, residentKeys: new Set(['k1', 'k2']) } } },
      { kind: 'finished', now: 1.1 + 1e-9, taskId: 't1', attempt: 1, outcome: { ok: false, reason: 'timeout' } },
      { kind: 'admin', now: 2, operation: { op: 'pause-type', type: 'code "x"\n' } },
    ];
    expect(inputs.map((input) => journal.append(input))).toEqual([1, 2, 3, 4, 5]);
    await journal.close();
    const { entries, contents } = readAll(path);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries.map((entry) => entry.input)).toEqual(inputs);
    expect(contents).toMatchObject({ header: { epochMs: 42, firstSeq: 1, version: 1 }, lastSeq: 5, lastNow: 2 });
    expect(contents.tornLine).toBeUndefined();
  });

  it('group-commits: under load one write and one fsync cover many inputs, in order', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const synced: number[] = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, { beforeSync: (seq) => synced.push(seq) });
    const durableWhenResolved: Array<[number, number]> = [];
    const waits: Array<Promise<void>> = [];
    // 40 bursts of 100 inputs, one burst per turn of the event loop, as a busy service appends.
    for (let burst = 0; burst < 40; burst++) {
      for (let i = 0; i < 100; i++) {
        const seq = journal.append(submit(burst * 100 + i));
        if (i % 25 === 0) waits.push(journal.whenDurable(seq).then(() => void durableWhenResolved.push([seq, journal.durableSeq])));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waits);
    await journal.close();
    expect(journal.stats.inputs).toBe(4000);
    expect(journal.stats.fsyncs).toBe(synced.length);
    expect(journal.stats.fsyncs).toBeLessThan(4000 / 10);
    expect(synced).toEqual([...synced].sort((a, b) => a - b));
    expect(synced.at(-1)).toBe(4000);
    for (const [seq, durable] of durableWhenResolved) expect(durable).toBeGreaterThanOrEqual(seq);
    expect(readAll(path).contents.lastSeq).toBe(4000);
  });

  it('starts a group\'s fsync while the previous one is under way, at most SYNCS_IN_FLIGHT at once, and moves durability only forward', async () => {
    const path = join(scratch(), 'wal.jsonl');
    let inFlight = 0;
    let mostInFlight = 0;
    const durableSeen: number[] = [];
    const slotWaits: Array<{ slotWaitMs: number; waitedMs: number }> = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, {
      beforeSync: () => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
      },
      onGroup: ({ slotWaitMs, waitedMs }) => {
        inFlight--;
        slotWaits.push({ slotWaitMs, waitedMs });
      },
      onDurable: (seq) => durableSeen.push(seq),
    });
    const waits: Array<Promise<number>> = [];
    for (let burst = 0; burst < 200; burst++) {
      for (let i = 0; i < 5; i++) {
        const seq = journal.append(submit(burst * 5 + i));
        waits.push(journal.whenDurable(seq).then(() => journal.durableSeq - seq));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Every waiter was told only once its input was durable.
    for (const margin of await Promise.all(waits)) expect(margin).toBeGreaterThanOrEqual(0);
    await journal.close();
    expect(inFlight).toBe(0);
    expect(mostInFlight).toBeGreaterThanOrEqual(1);
    expect(mostInFlight).toBeLessThanOrEqual(SYNCS_IN_FLIGHT);
    // A group waits for a free slot only while all are taken, and that wait is part of its group wait.
    for (const { slotWaitMs, waitedMs } of slotWaits) {
      expect(slotWaitMs).toBeGreaterThanOrEqual(0);
      expect(slotWaitMs).toBeLessThanOrEqual(waitedMs);
    }
    if (mostInFlight < SYNCS_IN_FLIGHT) expect(slotWaits.every(({ slotWaitMs }) => slotWaitMs === 0)).toBe(true);
    expect(durableSeen).toEqual([...durableSeen].sort((a, b) => a - b));
    expect(new Set(durableSeen).size).toBe(durableSeen.length);
    expect(durableSeen.at(-1)).toBe(1000);
    expect(readAll(path).contents.lastSeq).toBe(1000);
  });

  it('keeps at most syncsInFlight fsyncs under way: with one, a group is written only once the previous fsync returned', async () => {
    const path = join(scratch(), 'wal.jsonl');
    let inFlight = 0;
    let mostInFlight = 0;
    let groups = 0;
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, {
      syncsInFlight: 1,
      beforeSync: () => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
      },
      onGroup: () => {
        inFlight--;
        groups++;
      },
    });
    const waits: Array<Promise<void>> = [];
    for (let burst = 0; burst < 100; burst++) {
      for (let i = 0; i < 5; i++) waits.push(journal.whenDurable(journal.append(submit(burst * 5 + i))));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waits);
    await journal.close();
    expect(mostInFlight).toBe(1);
    expect(groups).toBeLessThanOrEqual(100);
    expect(readAll(path).contents.lastSeq).toBe(500);
  });

  it('refuses a syncsInFlight outside 1..8', () => {
    const dir = scratch();
    for (const syncsInFlight of [0, 9, 1.5]) {
      expect(() => FileJournal.create(join(dir, `wal-${syncsInFlight}.jsonl`), { epochMs: 0, firstSeq: 1, generation: 0 }, { syncsInFlight })).toThrow(/syncsInFlight: expected an integer 1\.\.8/);
    }
  });

  it('paces group commits: a group is held until commitIntervalMs after the previous one began, taking in what is appended meanwhile; the first input after a quiet spell goes at once', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const pacing = new ManualPacing();
    const groups: GroupCommitTiming[] = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs: 2, pacingTimer: pacing, onGroup: (timing) => groups.push(timing) });
    await journal.whenDurable(journal.append(submit(1)));
    expect(groups.map((group) => group.inputs)).toEqual([1]);
    expect(pacing.armed).toBe(0);
    pacing.now = 0.5;
    for (let i = 2; i <= 4; i++) journal.append(submit(i));
    await nextTurn();
    pacing.now = 1;
    for (let i = 5; i <= 8; i++) journal.append(submit(i));
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    // Held: nothing written, nothing durable, one timer for the whole group.
    expect(journal.stats.writes).toBe(1);
    expect(journal.durableSeq).toBe(1);
    expect(pacing.armed).toBe(1);
    const durable = journal.whenDurable(8);
    pacing.advance(1);
    await durable;
    expect(groups.map((group) => group.inputs)).toEqual([1, 7]);
    // Idle for longer than the interval: written on the next turn, no timer.
    pacing.advance(10);
    await journal.whenDurable(journal.append(submit(9)));
    expect(groups.map((group) => group.inputs)).toEqual([1, 7, 1]);
    expect(pacing.armed).toBe(1);
    await journal.close();
    expect(readAll(path).entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('paces no group that reaches commitIntervalInputs: it is written at once', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const pacing = new ManualPacing();
    const groups: number[] = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs: 2, commitIntervalInputs: 5, pacingTimer: pacing, onGroup: (timing) => groups.push(timing.inputs) });
    await journal.whenDurable(journal.append(submit(1)));
    for (let i = 2; i <= 6; i++) journal.append(submit(i));
    await journal.whenDurable(6);
    expect(groups).toEqual([1, 5]);
    expect(pacing.armed).toBe(0);
    await journal.close();
  });

  it('paces on the real clock: k groups take at least (k - 1) commitIntervalMs from the first input to the last write', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const commitIntervalMs = 5;
    const writes: number[] = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs, commitIntervalInputs: 10_000, beforeSync: () => writes.push(performance.now()) });
    const waits: Array<Promise<void>> = [];
    const firstAppendAt = performance.now();
    // The first input alone, durable before the bursts: a new file's first group waits for the
    // first piece of zeros ahead of the writer, and every burst appended meanwhile would join it
    // (one write, nothing paced; see walPreallocation.test.ts). The bursts then need a write of their own.
    await journal.whenDurable(journal.append(submit(0)));
    for (let burst = 0; burst < 200; burst++) {
      for (let i = 1; i <= 3; i++) waits.push(journal.whenDurable(journal.append(submit(burst * 3 + i))));
      await nextTurn();
    }
    await Promise.all(waits);
    await journal.close();
    expect(readAll(path).contents.lastSeq).toBe(601);
    expect(writes.length).toBeGreaterThan(1);
    // Each write is decided at least commitIntervalMs after the previous one (on the same clock),
    // and before its beforeSync: a descheduled write may shorten one gap, never the sum.
    expect(writes.at(-1)! - firstAppendAt).toBeGreaterThanOrEqual((writes.length - 1) * commitIntervalMs);
  });

  it('refuses a commitIntervalMs outside 0..100 and a commitIntervalInputs below 1', () => {
    const dir = scratch();
    for (const commitIntervalMs of [-1, 101, Number.NaN]) {
      expect(() => FileJournal.create(join(dir, `wal-${commitIntervalMs}.jsonl`), { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs })).toThrow(/commitIntervalMs: expected a number 0\.\.100/);
    }
    expect(() => FileJournal.create(join(dir, 'wal-inputs.jsonl'), { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs: 1, commitIntervalInputs: 0 })).toThrow(/commitIntervalInputs: expected an integer >= 1/);
  });

  it('writes an idle input on the next turn, without waiting for company', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 });
    const seq = journal.append(submit(1));
    expect(journal.durableSeq).toBe(0);
    await journal.whenDurable(seq);
    expect(journal.durableSeq).toBe(1);
    expect(journal.stats).toMatchObject({ inputs: 1, writes: 1, fsyncs: 1 });
    await journal.close();
    expect(() => journal.append(submit(2))).toThrow(/closed/);
  });

  it('afterDurable: calls back from the fsync\'s return, before promise waiters, never before the input is durable; at once when it already is', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 });
    const calls: Array<{ seq: number; durable: number; promiseTold: boolean }> = [];
    const waits: Array<Promise<void>> = [];
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 10; i++) {
        const seq = journal.append(submit(burst * 10 + i));
        let promiseTold = false;
        waits.push(journal.whenDurable(seq).then(() => void (promiseTold = true)));
        journal.afterDurable(seq, () => calls.push({ seq, durable: journal.durableSeq, promiseTold }));
      }
      expect(calls.filter((call) => call.seq > journal.durableSeq)).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(waits);
    expect(calls.map((call) => call.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const call of calls) {
      expect(call.durable).toBeGreaterThanOrEqual(call.seq);
      // Synchronous from the fsync's completion: the promise of the same input is told after it.
      expect(call.promiseTold).toBe(false);
    }
    let atOnce = false;
    journal.afterDurable(200, () => void (atOnce = true));
    expect(atOnce).toBe(true);
    await journal.close();
  });

  it('with fsync off, counts a written input as durable and never fsyncs', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, { fsync: false });
    for (let i = 1; i <= 10; i++) journal.append(submit(i));
    await journal.close();
    expect(journal.stats.fsyncs).toBe(0);
    expect(readAll(path).contents.lastSeq).toBe(10);
  });

  it('continues a log that recovery read, numbering on from its last input', async () => {
    const path = await writtenLog(3);
    const journal = FileJournal.append(path, { epochMs: 1_000, firstSeq: 1, generation: 0 }, 3);
    expect(journal.append(submit(4))).toBe(4);
    await journal.close();
    expect(readAll(path).entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
  });

  it('continues a padded log only once it is cut at its last good line', async () => {
    const path = await writtenLog(3, {});
    const header = { epochMs: 1_000, firstSeq: 1, generation: 0 };
    expect(() => FileJournal.append(path, header, 3)).toThrow(/ends in padding \(NUL bytes\): cut it at its last good line first/);
    cutLogFile(path, readAll(path).contents.goodBytes);
    const journal = FileJournal.append(path, header, 3);
    expect(journal.append(submit(4))).toBe(4);
    await journal.close();
    expect(readAll(path).entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
  });
});

describe('readWalFile', () => {
  it('drops a last line cut short mid-write, and says where it was', async () => {
    const path = await writtenLog(5);
    const whole = readFileSync(path, 'utf8');
    const lines = whole.split('\n');
    writeFileSync(path, `${lines.slice(0, 5).join('\n')}\n${lines[5]!.slice(0, 30)}`);
    const { entries, contents } = readAll(path);
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
    expect(contents.tornLine).toEqual({ number: 6, reason: 'cut short (no newline)' });
    expect(contents.goodBytes).toBe(Buffer.byteLength(`${lines.slice(0, 5).join('\n')}\n`));
  });

  it('drops a last line whose checksum fails, and a line that ends without its newline', async () => {
    const path = await writtenLog(3);
    const whole = readFileSync(path, 'utf8');
    writeFileSync(path, whole.replace(/"t3"/, '"t9"'));
    expect(readAll(path).contents).toMatchObject({ lastSeq: 2, tornLine: { number: 4, reason: 'checksum mismatch' } });
    writeFileSync(path, whole.slice(0, -1));
    expect(readAll(path).contents).toMatchObject({ lastSeq: 2, tornLine: { number: 4, reason: 'cut short (no newline)' } });
  });

  it('refuses a corrupt line before the last with an InputError naming the file and the line', async () => {
    const path = await writtenLog(5);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"t2"/, '"tX"'));
    const read = (): unknown => readAll(path);
    expect(read).toThrow(InputError);
    expect(read).toThrow(`${path}: line 3: checksum mismatch: a corrupt write-ahead log line that is not the last one`);
  });

  it('refuses a line out of sequence, a missing header and another format version', async () => {
    const path = await writtenLog(3);
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, [lines[0], lines[1], lines[3], ''].join('\n'));
    expect(() => readAll(path)).toThrow(`${path}: line 3: sequence number 3 where 2 was expected`);
    writeFileSync(path, [lines[1], ''].join('\n'));
    expect(() => readAll(path)).toThrow(`${path}: line 1: not a write-ahead log header`);
    writeFileSync(path, [lines[0]!.replace('"version":1', '"version":7'), ''].join('\n'));
    expect(() => readAll(path)).toThrow('version 7, this build reads version 1');
    writeFileSync(path, '');
    expect(() => readAll(path)).toThrow(`${path}: line 1: no write-ahead log header`);
  });
});

describe('readWalFile on a log cut or damaged anywhere', () => {
  it('cut at any byte (a crash mid-write): reads back exactly the lines before the cut, never an error', async () => {
    const path = await writtenLog(12);
    const whole = readFileSync(path);
    const lineEnds = [...whole.entries()].filter(([, byte]) => byte === 0x0a).map(([at]) => at + 1);
    const cutPath = join(scratch(), 'wal.jsonl');
    for (let cut = lineEnds[0]!; cut <= whole.length; cut++) {
      writeFileSync(cutPath, whole.subarray(0, cut));
      const { entries, contents } = readAll(cutPath);
      const complete = lineEnds.filter((end) => end <= cut).length - 1;
      expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: complete }, (_, i) => i + 1));
      expect(contents.goodBytes).toBe(lineEnds[complete]!);
      expect(contents.tornLine !== undefined).toBe(cut !== lineEnds[complete]);
    }
  });

  it('one byte changed: a torn last line if it is in the last line (or turned NUL), else an InputError naming its line', async () => {
    const path = await writtenLog(6);
    const whole = readFileSync(path);
    const lineEnds = [...whole.entries()].filter(([, byte]) => byte === 0x0a).map(([at]) => at + 1);
    const damagedPath = join(scratch(), 'wal.jsonl');
    fc.assert(fc.property(fc.integer({ min: lineEnds[0]!, max: whole.length - 2 }), fc.integer({ min: 1, max: 255 }), (at, delta) => {
      const damaged = Buffer.from(whole);
      damaged[at] = (damaged[at]! + delta) % 256;
      fc.pre(damaged[at] !== 0x0a && whole[at] !== 0x0a);
      writeFileSync(damagedPath, damaged);
      const line = lineEnds.filter((end) => end <= at).length + 1;
      const isLast = line === lineEnds.length;
      let outcome: string;
      try {
        const { contents } = readAll(damagedPath);
        outcome = contents.tornLine === undefined ? 'read whole' : `torn ${contents.tornLine.number}`;
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        outcome = (error as InputError).path;
      }
      // A byte turned NUL is a gap, as a page never written back: within TORN_TAIL_BYTES of the end, a torn tail.
      expect(outcome).toBe(isLast || damaged[at] === 0 ? `torn ${line}` : `line ${line}`);
    }), { numRuns: 300, seed: 11 });
  });
});

describe('LineReader', () => {
  it('streams lines longer than its chunk, with their offsets, and a last line without a newline', () => {
    const path = join(scratch(), 'lines.txt');
    const long = 'x'.repeat(200_000);
    writeFileSync(path, `a\n${long}\n\né`);
    appendFileSync(path, 'z');
    const reader = new LineReader(path);
    const lines = [];
    for (let line = reader.next(); line !== undefined; line = reader.next()) lines.push(line);
    expect(lines.map((line) => [line.text.length, line.number, line.offset, line.end, line.terminated])).toEqual([
      [1, 1, 0, 2, true],
      [200_000, 2, 2, 200_003, true],
      [0, 3, 200_003, 200_004, true],
      [2, 4, 200_004, 200_007, false],
    ]);
    expect(lines[3]!.text).toBe('éz');
  });
});
