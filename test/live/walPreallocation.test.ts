/**
 * The preallocated write-ahead log: the file is zeroed ahead of the writer and its groups are
 * written into the zeros; reading ends the content at the first NUL byte. What a crash can
 * leave (a torn group: cut anywhere, whole pages of it never written back) reads back as a
 * prefix of what was written that holds every fsynced input, never as corruption; a bad line
 * with data further than TORN_TAIL_BYTES past it is corruption naming its line.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineInput } from '../../src/engine/messages.js';
import { InputError } from '../../src/scenario/errors.js';
import { FileJournal, readWalFile, type FileJournalOptions } from '../../src/live/wal.js';
import { TORN_TAIL_BYTES } from '../../src/live/walFormat.js';
import { cutLogFile, lastDataOffset } from '../../src/live/walPreallocation.js';
import { taskSpec } from '../support/harness.js';

const PAGE_BYTES = 4096;

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleetsim-walpre-'));
}

/** A submission whose line is about `padding` bytes longer than the shortest. */
function submit(i: number, padding = 0): EngineInput {
  return { kind: 'submit', now: i / 8, task: taskSpec({ id: `t${i}${'x'.repeat(padding)}` }) };
}

function readAll(path: string): { seqs: number[]; contents: ReturnType<typeof readWalFile> } {
  const seqs: number[] = [];
  const contents = readWalFile(path, path, (entry) => seqs.push(entry.seq));
  return { seqs, contents };
}

/** Appends `count` submissions, `perTurn` to a turn of the event loop (as a busy service does), and closes the log. */
async function writeLog(path: string, count: number, perTurn: number, options: FileJournalOptions = {}, padding = 0): Promise<FileJournal> {
  const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, options);
  for (let i = 1; i <= count; i++) {
    journal.append(submit(i, padding));
    if (i % perTurn === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await journal.close();
  return journal;
}

/**
 * Takes every thread of Node's pool until the returned function is called: each is left in an
 * `open` of a FIFO for reading, which returns only once the FIFO has a writer. File operations
 * queued meanwhile (a log's zero pieces) wait behind them, as under a loaded machine.
 */
function blockThreadPool(dir: string): () => Promise<void> {
  const fifo = join(dir, 'pool-blocker');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const readers = Array.from({ length: threads }, () => open(fifo, 'r'));
  return async () => {
    // Opened for reading and writing, a FIFO does not wait for a peer; as its writer it lets every reader's open return.
    const writer = openSync(fifo, 'r+');
    try {
      for (const reader of await Promise.all(readers)) await reader.close();
    } finally {
      closeSync(writer);
    }
  };
}

/** Offsets just past each newline of `bytes` before its first NUL: the ends of the header and of every entry line. */
function lineEnds(bytes: Buffer): number[] {
  const content = bytes.subarray(0, bytes.indexOf(0) < 0 ? bytes.length : bytes.indexOf(0));
  return [...content.entries()].filter(([, byte]) => byte === 0x0a).map(([at]) => at + 1);
}

describe('FileJournal with preallocation', () => {
  it('zeroes the file ahead of the writer and writes every group into the zeros', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = await writeLog(path, 400, 20);
    const { seqs, contents } = readAll(path);
    expect(seqs).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(contents.tornLine).toBeUndefined();
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(contents.goodBytes);
    expect(bytes.subarray(contents.goodBytes).every((byte) => byte === 0)).toBe(true);
    expect(bytes.subarray(0, contents.goodBytes).includes(0)).toBe(false);
    expect(journal.stats.preallocation).toMatchObject({ writesPastZeroed: 0 });
    expect(journal.stats.preallocation!.chunks).toBeGreaterThanOrEqual(1);
  });

  it('holds the first group of a new file until the first zero piece is written: every input appended meanwhile joins it, in one write', async () => {
    const dir = scratch();
    const release = blockThreadPool(dir);
    const writes: number[] = [];
    let journal: FileJournal | undefined;
    try {
      journal = FileJournal.create(join(dir, 'wal.jsonl'), { epochMs: 0, firstSeq: 1, generation: 0 }, { commitIntervalMs: 5, beforeSync: (seq) => writes.push(seq) });
      for (let turn = 0; turn < 20; turn++) {
        for (let i = 1; i <= 3; i++) journal.append(submit(turn * 3 + i));
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The first piece of zeros waits for a thread: the first group, where it goes, cannot be written.
      expect(journal.stats.writes).toBe(0);
      expect(journal.durableSeq).toBe(0);
    } finally {
      await release();
    }
    await journal.whenDurable(60);
    await journal.close();
    // One group of sixty inputs, not twenty paced ones: a test counting writes to check pacing must not count on this group's size.
    expect(writes).toEqual([60]);
    expect(journal.stats.preallocation).toMatchObject({ writesPastZeroed: 0 });
    expect(readAll(join(dir, 'wal.jsonl')).seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('a writer that catches up with the zeroing writes past it (an append): every input still reads back, in order', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const journal = await writeLog(path, 3_000, 300, { preallocateBytes: PAGE_BYTES });
    expect(journal.stats.preallocation!.writesPastZeroed).toBeGreaterThan(0);
    expect(readAll(path).seqs).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
  });

  it('appends as before with preallocateBytes 0, and without fsync: no padding', async () => {
    for (const options of [{ preallocateBytes: 0 }, { fsync: false }]) {
      const path = join(scratch(), 'wal.jsonl');
      const journal = await writeLog(path, 50, 10, options);
      expect(journal.stats.preallocation).toBeUndefined();
      expect(statSync(path).size).toBe(readAll(path).contents.goodBytes);
    }
  });

  it('refuses a preallocateBytes that is not an integer >= 0', () => {
    const dir = scratch();
    for (const preallocateBytes of [-1, 1.5, Number.NaN]) {
      expect(() => FileJournal.create(join(dir, 'wal.jsonl'), { epochMs: 0, firstSeq: 1, generation: 0 }, { preallocateBytes })).toThrow(/preallocateBytes: expected an integer >= 0/);
    }
  });

  it('writes a group larger than TORN_TAIL_BYTES in parts, each fsynced before the next is written', async () => {
    const path = join(scratch(), 'wal.jsonl');
    const bytesWritten: number[] = [];
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 }, {
      beforeSync: () => bytesWritten.push(lastDataOffset(path, 0) + 1),
    });
    // One turn: a single group of ~3 MB.
    for (let i = 1; i <= 9_000; i++) journal.append(submit(i, 200));
    await journal.whenDurable(9_000);
    await journal.close();
    const { seqs, contents } = readAll(path);
    expect(seqs.length).toBe(9_000);
    expect(journal.stats.writes).toBe(Math.ceil((contents.goodBytes - lineEnds(readFileSync(path))[0]!) / TORN_TAIL_BYTES));
    // Each write reaches at most TORN_TAIL_BYTES past what the previous fsync covered.
    for (let i = 1; i < bytesWritten.length; i++) expect(bytesWritten[i]! - bytesWritten[i - 1]!).toBeLessThanOrEqual(TORN_TAIL_BYTES);
  });

  it('seals a padded file on rotation and pads the next one: both read back whole', async () => {
    const dir = scratch();
    const path = join(dir, 'wal.jsonl');
    const journal = FileJournal.create(path, { epochMs: 0, firstSeq: 1, generation: 0 });
    for (let i = 1; i <= 30; i++) journal.append(submit(i));
    await journal.rotate(1);
    for (let i = 31; i <= 40; i++) journal.append(submit(i));
    await journal.close();
    const sealed = join(dir, 'wal-000000000001.jsonl');
    expect(readFileSync(sealed).at(-1)).toBe(0);
    expect(readAll(sealed)).toMatchObject({ seqs: Array.from({ length: 30 }, (_, i) => i + 1), contents: { lastSeq: 30 } });
    expect(readAll(sealed).contents.tornLine).toBeUndefined();
    expect(readAll(path).seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
  });
});

describe('cutLogFile and lastDataOffset', () => {
  it('cuts a torn tail and the padding off, and finds the last byte of data past an offset', async () => {
    const path = join(scratch(), 'wal.jsonl');
    await writeLog(path, 20, 5);
    const { goodBytes } = readAll(path).contents;
    expect(lastDataOffset(path, 0)).toBe(goodBytes - 1);
    expect(lastDataOffset(path, goodBytes)).toBe(-1);
    cutLogFile(path, goodBytes);
    expect(statSync(path).size).toBe(goodBytes);
    expect(readAll(path).seqs.length).toBe(20);
  });
});

describe('readWalFile on a preallocated log after a crash', () => {
  it('a torn last group (cut anywhere, whole pages never written back): a prefix that holds every fsynced input, never an error', async () => {
    const path = join(scratch(), 'wal.jsonl');
    await writeLog(path, 600, 25);
    const image = readFileSync(path);
    const ends = lineEnds(image);
    const contentEnd = ends.at(-1)!;
    const crashed = join(scratch(), 'wal.jsonl');
    fc.assert(fc.property(
      // The end of the last fsynced group (a line end), how far the torn group reaches past it (within the bound), where it was cut, and which of its pages never reached the disk.
      fc.integer({ min: 0, max: ends.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(fc.integer({ min: 0, max: Math.ceil(contentEnd / PAGE_BYTES) }), { maxLength: 6 }),
      (durableLine, reach, cut, lostPages) => {
        const durableEnd = ends[durableLine]!;
        const tornEnd = durableEnd + Math.floor(reach * (contentEnd - durableEnd));
        const cutAt = durableEnd + Math.floor(cut * (tornEnd - durableEnd));
        const disk = Buffer.from(image);
        disk.fill(0, cutAt);
        for (const page of lostPages) disk.fill(0, Math.max(durableEnd, page * PAGE_BYTES), Math.max(durableEnd, Math.min(tornEnd, (page + 1) * PAGE_BYTES)));
        writeFileSync(crashed, disk.subarray(0, contentEnd + PAGE_BYTES));
        const { seqs, contents } = readAll(crashed);
        const firstGap = disk.indexOf(0);
        const complete = ends.filter((end) => end <= firstGap).length - 1;
        expect(seqs).toEqual(Array.from({ length: complete }, (_, i) => i + 1));
        expect(seqs.length).toBeGreaterThanOrEqual(durableLine);
        expect(contents.goodBytes).toBe(ends[complete]);
        // Torn exactly when something of the torn group reached the disk past the gap, or a line was cut.
        const dataPastGap = disk.subarray(firstGap).some((byte) => byte !== 0);
        expect(contents.tornLine !== undefined).toBe(dataPastGap || firstGap !== ends[complete]);
      },
    ), { numRuns: 200, seed: 15 });
  });

  it('a bad line with log data further than TORN_TAIL_BYTES past it: an InputError naming its line', async () => {
    const path = join(scratch(), 'wal.jsonl');
    await writeLog(path, 5_000, 500, {}, 250);
    const image = readFileSync(path);
    const ends = lineEnds(image);
    const contentEnd = ends.at(-1)!;
    // The last entry line with more than TORN_TAIL_BYTES of log after it.
    const last = ends.filter((end) => contentEnd - end > TORN_TAIL_BYTES + PAGE_BYTES).length - 1;
    expect(last).toBeGreaterThan(10);
    const damaged = join(scratch(), 'wal.jsonl');
    fc.assert(fc.property(
      fc.integer({ min: 1, max: last }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 2 * PAGE_BYTES }), fc.boolean(),
      (line, where, length, zeroed) => {
        const start = ends[line - 1]!;
        const at = start + Math.floor(where * (ends[line]! - 1 - start));
        const disk = Buffer.from(image);
        if (zeroed) disk.fill(0, at, Math.min(at + length, ends[line]! - 1));
        else disk[at] = disk[at] === 0x41 ? 0x42 : 0x41;
        fc.pre(!disk.equals(image));
        writeFileSync(damaged, disk);
        let error: unknown;
        try {
          readAll(damaged);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InputError);
        // Line numbers count the header as line 1.
        expect((error as InputError).path).toBe(`line ${line + 1}`);
      },
    ), { numRuns: 60, seed: 15 });
  });
});
