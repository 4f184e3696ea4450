/**
 * Crash recovery with real processes: a worker (test/live/fixtures/crashWorker.mjs, run from the
 * built package in dist/) runs a durable driver with emulated agents on the real clock and
 * submits tasks continuously; it is killed with SIGKILL at random moments (a third of the time
 * right after it says it is about to fsync the log (its group just written in place), a quarter
 * right after it says it is about to write a zero piece of the log's preallocation, some within
 * milliseconds of recovering),
 * and restarted on the same data directory each time; it compacts its log every 300 inputs,
 * so some kills land mid-compaction. At the
 * end a last worker lets every task finish, and then: every acknowledged submission is in the
 * history, every submitted task ended in exactly one final state, none completed twice, and the
 * ledger the log (snapshot plus tail) replays to matches the events file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const WORKER = join(ROOT, 'test/live/fixtures/crashWorker.mjs');
const SCENARIO = join(ROOT, 'test/live/fixtures/crash.yaml');
const KILLS = 28;

type KillMoment = 'at-fsync' | 'at-zeroing' | 'after-ack' | 'after-delay';

interface Round {
  readonly moment: KillMoment;
  /** The process was killed by the test (not ended by itself). */
  readonly killed: boolean;
  readonly recovery: { readonly fresh: boolean; readonly inputsReplayed: number; readonly snapshotSeq: number; readonly tornWalLine?: number; readonly eventsAppended: number };
}

/** A small seeded generator (the test's own randomness is reproducible). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/**
 * Runs one worker; `moment` and `count` say when to kill it (after the `count`-th fsync or ack
 * line, or `count` ms after it is ready); `acked` collects acknowledged task ids.
 */
function runWorker(dataDir: string, acked: Set<string>, moment: KillMoment | 'drain', count: number): Promise<Round & { lastLine: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [WORKER, dataDir, SCENARIO, ...(moment === 'drain' ? ['drain'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let recovery: Round['recovery'] | undefined;
    let killed = false;
    let seen = 0;
    let lastLine = '';
    let stderr = '';
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    // Whatever happens, a round ends: a worker that never reaches its moment is killed anyway.
    const guard = setTimeout(kill, moment === 'drain' ? 30_000 : 4_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lastLine = line;
      const [word, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      if (word === 'ready') {
        recovery = JSON.parse(rest) as Round['recovery'];
        if (moment === 'after-delay') setTimeout(kill, count);
      } else if (word === 'ack') {
        acked.add(rest); // printed once durable, even if read after the kill
        if (moment === 'after-ack' && ++seen === count) kill();
      } else if (recovery !== undefined && ((word === 'fsync' && moment === 'at-fsync') || (word === 'zero' && moment === 'at-zeroing'))) {
        if (++seen === count) kill();
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (!killed && code !== 0) return reject(new Error(`worker exited with ${code ?? signal}: ${stderr}`));
      if (recovery === undefined) return reject(new Error(`worker ended before it was ready (${code ?? signal}): ${stderr}`));
      resolvePromise({ moment: moment === 'drain' ? 'after-delay' : moment, killed, recovery, lastLine });
    });
  });
}

describe('a durable driver killed with SIGKILL again and again', () => {
  it('loses no acknowledged submission, ends every task once, and its log matches its events', { timeout: 120_000 }, async () => {
    expect(existsSync(join(ROOT, 'dist/src/live/durableDriver.js')), 'run `npm run build` first: the worker runs the built package').toBe(true);
    const dataDir = join(mkdtempSync(join(tmpdir(), 'fleetsim-crash-')), 'data');
    const random = lcg(20_261_203);
    const acked = new Set<string>();
    const rounds: Round[] = [];
    const moments: KillMoment[] = ['at-fsync', 'at-zeroing', 'after-ack', 'after-delay'];
    for (let round = 0; round < KILLS; round++) {
      const moment = moments[round % moments.length]!;
      // Delays: some tiny (a kill while the worker recovers and re-delivers), some long.
      const delay = round % 2 === 0 ? Math.floor(random() * 15) : 20 + Math.floor(random() * 400);
      const count = moment === 'after-delay' ? delay : moment === 'at-zeroing' ? 1 + Math.floor(random() * 4) : 1 + Math.floor(random() * 60);
      rounds.push(await runWorker(dataDir, acked, moment, count));
    }
    const drain = await runWorker(dataDir, acked, 'drain', 0);
    expect(drain.killed).toBe(false);
    expect(drain.lastLine).toMatch(/^drained /);

    expect(rounds.filter((round) => round.killed)).toHaveLength(KILLS);
    expect(rounds.filter((round) => round.moment === 'at-fsync')).toHaveLength(KILLS / 4);
    expect(rounds.filter((round) => round.moment === 'at-zeroing' && round.killed)).toHaveLength(KILLS / 4);
    expect(rounds[0]!.recovery.fresh).toBe(true);
    expect(rounds.slice(1).every((round) => !round.recovery.fresh)).toBe(true);
    expect(rounds.filter((round) => round.recovery.snapshotSeq > 0).length).toBeGreaterThan(KILLS / 4);
    expect(acked.size).toBeGreaterThan(100);

    const { verifyDataDir } = (await import(join(ROOT, 'dist/src/live/verifyDataDir.js'))) as typeof import('../../src/live/verifyDataDir.js');
    const { loadScenario } = (await import(join(ROOT, 'dist/src/scenario/load.js'))) as typeof import('../../src/scenario/load.js');
    const { engineFor } = (await import(join(ROOT, 'test/live/fixtures/crashEngine.mjs'))) as {
      engineFor: (scenario: unknown) => Parameters<typeof verifyDataDir>[1];
    };

    // The audit trail (which recovery keeps equal to what the log and its snapshots replay to):
    // every submission and every final state, by task.
    const logged = new Set<string>();
    const finalStates = new Map<string, number>();
    for (const line of readFileSync(join(dataDir, 'events.jsonl'), 'utf8').split('\n').filter((text) => text !== '')) {
      const event = JSON.parse(line) as { kind: string; task?: string; to?: string };
      if (event.kind === 'submitted') logged.add(event.task!);
      if (event.kind === 'transition' && ['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected'].includes(event.to!)) {
        finalStates.set(event.task!, (finalStates.get(event.task!) ?? 0) + 1);
      }
    }
    const lost = [...acked].filter((id) => !logged.has(id));
    expect(lost).toEqual([]);
    expect([...logged].filter((id) => finalStates.get(id) !== 1)).toEqual([]);

    const report = verifyDataDir(dataDir, engineFor(loadScenario(SCENARIO)));
    expect(report.tornWalLine).toBeUndefined();
    expect(report.ledger.inFlight).toBe(0);
    expect(report.ledger.submitted).toBe(logged.size);
    expect(report.events.submitted).toBe(logged.size);
    expect(report.events.completedTwice).toEqual([]);
    expect(report.events.settledTwice).toEqual([]);
    const finals = Object.values(report.events.finals).reduce((sum, n) => sum + n, 0);
    expect(finals).toBe(logged.size);
    expect(report.consistent).toBe(true);
    // The run went through every kind of ending, so the ledger is not trivially equal.
    expect(report.ledger.completed).toBeGreaterThan(0);
    expect(report.ledger.deadLettered + report.ledger.expired).toBeGreaterThan(0);
    console.log(`crash test: ${KILLS} kills, ${acked.size} acknowledged submissions, ${logged.size} logged, ${rounds.filter((round) => round.recovery.snapshotSeq > 0).length} recoveries from a snapshot, ledger ${JSON.stringify(report.ledger)}, torn log tails dropped: ${rounds.filter((round) => round.recovery.tornWalLine !== undefined).length}, recoveries that appended events: ${rounds.filter((round) => round.recovery.eventsAppended > 0).length}`);
  });
});
