/**
 * The writers' harness (bench/serviceWriting.ts, run built, as the bench runs it): what it writes
 * is the service's own output for the tasks it runs (log lines that read back as their inputs,
 * events lines of each task's five events, a settled task with its whole history), the same
 * bytes every run, and a bad argument is one line and exit 2.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/live/walFormat.js';

const HARNESS = join(import.meta.dirname, '../../dist/bench/serviceWriting.js');
const DIST = join(import.meta.dirname, '../../dist');

const run = (...args: string[]) => spawnSync(process.execPath, [HARNESS, ...args], { encoding: 'utf8' });

describe('serviceWriting', () => {
  it('dumps three log lines and five events lines per task, then a settled task; the same bytes every run and from the build named', () => {
    const first = run('--tasks', '12', '--dump');
    expect(first.status).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(12 * 3 + 12 * 5 + 1);
    const inputs = lines.slice(0, 36).map((line) => parseEntry(line).input.kind);
    expect(inputs.filter((kind) => kind === 'submit')).toHaveLength(12);
    expect(inputs.filter((kind) => kind === 'started')).toHaveLength(12);
    expect(inputs.filter((kind) => kind === 'finished')).toHaveLength(12);
    const events = lines.slice(36, 96).map((line) => JSON.parse(line) as { kind: string; to?: string });
    expect(events.filter((event) => event.kind === 'submitted')).toHaveLength(12);
    expect(events.filter((event) => event.to === 'completed')).toHaveLength(12);
    const settled = JSON.parse(lines[96]!) as { state: string; history: unknown[] };
    expect(settled.state).toBe('completed');
    expect(settled.history).toHaveLength(5);
    expect(run('--tasks', '12', '--dump').stdout).toBe(first.stdout);
    expect(run('--tasks', '12', '--dump', '--from', DIST).stdout).toBe(first.stdout);
  });

  it('summarises without --dump, and refuses a count of tasks that is not a positive integer in one line, exit 2', () => {
    expect(run('--tasks', '30').stdout).toMatch(/^30 tasks: \d+ bytes of log and events lines, 30 tasks in the registry\n$/);
    const bad = run('--tasks', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('--tasks takes a positive integer, got 0\n');
  });
});
