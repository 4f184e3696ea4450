/**
 * The routes' harness (bench/serviceRoutes.ts, run built, as the bench runs it): every round's
 * tasks complete through the routes it drives, in both modes and from the build named; a bad
 * argument is one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HARNESS = join(import.meta.dirname, '../../dist/bench/serviceRoutes.js');
const DIST = join(import.meta.dirname, '../../dist');

const run = (...args: string[]) => spawnSync(process.execPath, [HARNESS, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('serviceRoutes', () => {
  it('completes every task of its rounds, batched and single, with this build or the one named', () => {
    expect(run('--rounds', '3')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^3 rounds \(batched\): 60 tasks completed, \d+ polls\n$/) });
    expect(run('--rounds', '2', '--mode', 'single', '--from', DIST)).toMatchObject({ status: 0, stdout: expect.stringMatching(/^2 rounds \(single\): 40 tasks completed, \d+ polls\n$/) });
  });

  it('refuses a bad argument in one line, exit 2', () => {
    const bad = run('--mode', 'sideways');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
