/**
 * The service's helper threads below its event loop (src/live/helperThreads.ts): every thread
 * but the main one lowered to the nice value asked for, threads made later lowered by the next
 * look, none raised, the main thread left; a value outside 1..19 refused. In a child process: a
 * thread's priority is its own, and raising one back may need a privilege.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lowerHelperThreads } from '../../src/live/helperThreads.js';

const built = fileURLToPath(new URL('../../dist/src/live/helperThreads.js', import.meta.url));

/** Runs `body` (an ES module's text, with `lowerHelperThreads` and `niceOf(tid)` in scope) in a child; its printed JSON. */
function inChild(body: string): Record<string, unknown> {
  expect(existsSync(built), 'run `npm run build` first').toBe(true);
  const script = `const { lowerHelperThreads } = await import(process.argv[1]);
const { readdirSync, readFileSync } = await import('node:fs');
const { Worker } = await import('node:worker_threads');
const niceOf = (tid) => { const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8'); return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); };
const threads = () => Object.fromEntries(readdirSync('/proc/self/task').map((tid) => [tid, niceOf(tid)]));
${body}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, built], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as Record<string, unknown>;
}

describe.runIf(process.platform === 'linux')('lowerHelperThreads', () => {
  it('lowers every thread but the main one, and a thread made later at its next look; the main thread keeps its value', () => {
    const result = inChild(`const own = niceOf(process.pid);
const helpers = lowerHelperThreads(Math.min(19, own + 4), (error) => { throw error; });
const first = threads();
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((resolve) => worker.once('online', resolve));
const withWorker = threads();
const lowered = helpers.sweep();
const after = threads();
helpers.stop();
await worker.terminate();
console.log(JSON.stringify({ own, target: helpers.nice, main: String(process.pid), first, withWorker, lowered, after }));`);
    const { own, target, main, first, withWorker, lowered, after } = result as {
      own: number; target: number; main: string; first: Record<string, number>; withWorker: Record<string, number>; lowered: number; after: Record<string, number>;
    };
    const helpersOf = (threads: Record<string, number>): number[] => Object.entries(threads).filter(([tid]) => tid !== main).map(([, nice]) => nice);
    expect(first[main]).toBe(own);
    expect(helpersOf(first).length).toBeGreaterThan(0);
    expect(helpersOf(first).every((nice) => nice === target)).toBe(true);
    // The worker's threads were made after the first look, at the main thread's value.
    expect(helpersOf(withWorker).some((nice) => nice === own)).toBe(true);
    expect(lowered).toBeGreaterThan(0);
    expect(after[main]).toBe(own);
    expect(helpersOf(after).every((nice) => nice === target)).toBe(true);
  });

  it('leaves a thread already at a lower priority than asked', () => {
    const result = inChild(`const helpers = lowerHelperThreads(19, (error) => { throw error; });
helpers.stop();
const again = lowerHelperThreads(10, (error) => { throw error; });
const lowered = again.sweep();
again.stop();
console.log(JSON.stringify({ lowered, nices: Object.entries(threads()).filter(([tid]) => tid !== String(process.pid)).map(([, nice]) => nice) }));`);
    expect(result.lowered).toBe(0);
    expect((result.nices as number[]).every((nice) => nice === 19)).toBe(true);
  });
});

describe('lowerHelperThreads\'s nice value', () => {
  it('is an integer 1..19', () => {
    for (const nice of [0, 20, 2.5, Number.NaN]) {
      expect(() => lowerHelperThreads(nice, () => undefined)).toThrow(`helper threads' nice value must be an integer 1..19, got ${nice}`);
    }
  });
});
