/**
 * Property: a damaged data directory is never silently misread. A real service writes a data
 * directory (tasks submitted, started, finished and cancelled; compactions leave snapshots and
 * sealed log files), then one to three drawn mutations damage a copy of it: a byte changed, a
 * file cut short, deleted, a line duplicated, two lines swapped, a line of garbage appended. A
 * service opened on the copy either refuses it with an `InputError` on one line that names one of
 * the directory's files, or recovers exactly the tasks and states of the undamaged directory, or
 * the state of a shorter log (no task it never had, the ledger balanced) when the active log's
 * last line was damaged (a torn write) or the log was cut: cut at a line boundary, a log is a
 * valid shorter log, which nothing in the directory can tell apart (as in any write-ahead log).
 * Anything else (another exception, a different state) fails the case.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_FILE, WAL_FILE } from '../../src/live/dataDir.js';
import { isInputError } from '../../src/scenario/errors.js';
import { ledgerBalances, listTasks, scenarioText, startService, type Running } from './service/serviceHarness.js';

const TEXT = scenarioText('heartbeatSeconds: 60, historyEvents: 1000', 'retry: { backoff: { base: 0, jitter: 0 } }');
const OPTIONS = { fsync: false, snapshotEveryInputs: 7 };
const CASES = 200;

/** A task's id and state, as a recovered service lists it. */
type TaskStates = Readonly<Record<string, string>>;

const scratch = mkdtempSync(join(tmpdir(), 'fleetsim-datadir-mutations-'));
const original = join(scratch, 'original');
let originalStates: TaskStates;

/** Every task's state, as the service lists them. */
async function statesOf(running: Running): Promise<TaskStates> {
  return Object.fromEntries((await listTasks(running)).map(({ id, state }) => [id, state]));
}

/** One damage done to a file of the directory; numbers are taken modulo what they pick from. */
type Mutation =
  | { readonly kind: 'flip'; readonly file: number; readonly at: number; readonly xor: number }
  | { readonly kind: 'cut'; readonly file: number; readonly at: number }
  | { readonly kind: 'delete'; readonly file: number }
  | { readonly kind: 'duplicate-line'; readonly file: number; readonly at: number }
  | { readonly kind: 'swap-lines'; readonly file: number; readonly at: number; readonly other: number }
  | { readonly kind: 'append-garbage'; readonly file: number; readonly text: string };

const pick = fc.nat({ max: 1_000_000 });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), file: pick, at: pick, xor: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), file: pick, at: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), file: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-line' as const), file: pick, at: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap-lines' as const), file: pick, at: pick, other: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append-garbage' as const), file: pick, text: fc.constantFrom('{', 'garbage', '{"seq":999999}', '\u0000\u0000', '[]') }) },
);

/** The directory's data files (the lock left out), sorted. */
function dataFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name !== 'lock').sort();
}

/** What one mutation did: the file it damaged, and whether it may have left the active log a shorter valid log. */
interface Damage {
  readonly file: string;
  readonly shortensLog: boolean;
}

/** Applies `mutation` to a file of `dir`; undefined when it changed nothing. */
function damage(dir: string, mutation: Mutation): Damage | undefined {
  const files = dataFiles(dir);
  if (files.length === 0) return undefined;
  const file = files[mutation.file % files.length]!;
  const path = join(dir, file);
  const bytes = readFileSync(path);
  const lines = bytes.toString('latin1').split('\n');
  // The log's last line starts after its second-to-last newline (the file ends with one).
  const lastLineStart = bytes.subarray(0, Math.max(0, bytes.length - 1)).lastIndexOf(0x0a) + 1;
  const inLastLine = (at: number): boolean => file === WAL_FILE && at >= lastLineStart;
  switch (mutation.kind) {
    case 'flip': {
      if (bytes.length === 0) return undefined;
      const at = mutation.at % bytes.length;
      bytes[at]! ^= mutation.xor;
      writeFileSync(path, bytes);
      return { file, shortensLog: inLastLine(at) };
    }
    case 'cut': {
      const at = mutation.at % (bytes.length + 1);
      if (at === bytes.length) return undefined;
      writeFileSync(path, bytes.subarray(0, at));
      // Cut at a line boundary, the active log is a shorter log, which nothing in the directory can tell apart.
      return { file, shortensLog: file === WAL_FILE };
    }
    case 'delete':
      rmSync(path);
      return { file, shortensLog: false };
    case 'duplicate-line': {
      const i = mutation.at % Math.max(1, lines.length - 1);
      lines.splice(i, 0, lines[i]!);
      writeFileSync(path, Buffer.from(lines.join('\n'), 'latin1'));
      return { file, shortensLog: false };
    }
    case 'swap-lines': {
      const n = Math.max(1, lines.length - 1);
      const i = mutation.at % n;
      const j = mutation.other % n;
      if (i === j || lines[i] === lines[j]) return undefined;
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      writeFileSync(path, Buffer.from(lines.join('\n'), 'latin1'));
      return { file, shortensLog: false };
    }
    case 'append-garbage':
      writeFileSync(path, Buffer.concat([bytes, Buffer.from(`${mutation.text}\n`, 'latin1')]));
      // Garbage after the last line is a new last line: a torn write of the log looks the same.
      return { file, shortensLog: file === WAL_FILE };
  }
}

beforeAll(async () => {
  const running = await startService(TEXT, { dataDir: original, ...OPTIONS });
  try {
    for (const id of ['a1', 'a2', 'r1']) expect((await running.request('POST', '/v1/agents', { id })).status).toBeLessThan(300);
    for (let i = 0; i < 12; i++) {
      const answer = await running.request('POST', '/v1/tasks', { id: `t${i}`, type: i % 3 === 0 ? 'review' : 'code', tokens: 1 + i });
      expect(answer.status, answer.text).toBe(201);
    }
    // Starts handed out, some finished (one failed and retried), one cancelled while running.
    for (const agent of ['a1', 'a2', 'r1']) {
      const poll = await running.request('POST', `/v1/agents/${agent}/poll?wait=0`);
      for (const command of poll.body.commands as { kind: string; task?: { id: string }; attempt?: number }[]) {
        if (command.kind !== 'start') continue;
        const base = `/v1/agents/${agent}/attempts/${command.task!.id}/${command.attempt!}`;
        await running.request('POST', `${base}/started`, {});
        if (command.task!.id === 't1') await running.request('DELETE', '/v1/tasks/t1');
        else await running.request('POST', `${base}/finished`, command.task!.id === 't2' ? { ok: false, reason: 'agent-error' } : { ok: true });
      }
    }
    await running.request('DELETE', '/v1/tasks/t11');
    originalStates = await statesOf(running);
  } finally {
    await running.close();
  }
}, 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a damaged data directory', () => {
  it('was written with snapshots, sealed logs, the active log and the events file, in several states', () => {
    const files = dataFiles(original);
    expect(files).toContain(WAL_FILE);
    expect(files).toContain(EVENTS_FILE);
    expect(files.some((name) => /^snapshot-\d+\.json$/.test(name))).toBe(true);
    expect(new Set(Object.values(originalStates)).size).toBeGreaterThanOrEqual(3);
  });

  it('opens unchanged to the same tasks and states', async () => {
    const copy = join(scratch, 'unchanged');
    cpSync(original, copy, { recursive: true });
    rmSync(join(copy, 'lock'), { force: true });
    const running = await startService(TEXT, { dataDir: copy, ...OPTIONS });
    try {
      expect(await statesOf(running)).toEqual(originalStates);
    } finally {
      await running.close();
    }
  });

  it('is refused naming its file, or recovers the same state, or (a torn last log line) a shorter log\'s', async () => {
    const seen = { refused: 0, same: 0, shorter: 0, emptied: 0 };
    let caseNumber = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const copy = join(scratch, `case-${caseNumber++}`);
        cpSync(original, copy, { recursive: true });
        rmSync(join(copy, 'lock'), { force: true });
        const damages = mutations.flatMap((mutation) => damage(copy, mutation) ?? []);
        const emptied = dataFiles(copy).length === 0;
        let running: Running | undefined;
        try {
          try {
            running = await startService(TEXT, { dataDir: copy, ...OPTIONS });
          } catch (error) {
            if (!isInputError(error)) throw error;
            expect(error.message.split('\n')).toHaveLength(1);
            // The message names a file of the directory (it may be one left undamaged: a log whose predecessor is gone).
            expect([...dataFiles(original), 'data directory'].some((name) => error.message.includes(name)) || error.message.startsWith(copy), error.message).toBe(true);
            seen.refused++;
            return;
          }
          expect(ledgerBalances(running)).toBe(true);
          const states = await statesOf(running);
          if (emptied) {
            // With every file deleted the directory is a new one, as a first start finds it.
            expect(states).toEqual({});
            seen.emptied++;
            return;
          }
          if (JSON.stringify(states) === JSON.stringify(originalStates)) {
            seen.same++;
            return;
          }
          // The events after the snapshot's are the log's to regenerate: damage there is repaired or refused, never read.
          const shortened = damages.some((d) => d.shortensLog) && damages.every((d) => d.shortensLog || d.file === EVENTS_FILE);
          expect(shortened, `recovered another state after ${JSON.stringify(damages)}: ${JSON.stringify(states)}`).toBe(true);
          for (const id of Object.keys(states)) expect(originalStates, id).toHaveProperty(id);
          seen.shorter++;
        } finally {
          await running?.close();
          if (existsSync(copy)) rmSync(copy, { recursive: true, force: true });
        }
      }),
      { numRuns: CASES, seed: 20261207, endOnFailure: true },
    );
    // Each outcome was reached, so the property says something about each.
    expect(seen.refused).toBeGreaterThan(10);
    expect(seen.same).toBeGreaterThan(0);
  }, 240_000);
});
