/**
 * `npm run bench`'s command line (bench/benchArgs.ts): a flag it does not know, a flag without its
 * value or an unknown part stops the bench before anything is measured (one line, exit 2); a
 * value may itself start with `--`; `--help` lists every flag and part.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_FLAGS, BENCH_PARTS, benchArgsError, benchHelp } from '../../bench/benchArgs.js';

const BENCH = join(import.meta.dirname, '../../dist/bench/main.js');

describe('benchArgsError', () => {
  it('accepts the flags the docs show, values that start with -- included', () => {
    expect(benchArgsError([])).toBeUndefined();
    expect(benchArgsError(['--only', 'live', '--modes', 'multiplexed', '--rates', '5000', '--no-layers', '--no-closed-loop', '--seconds', '8', '--json', '--service-gc-trace'])).toBeUndefined();
    expect(benchArgsError(['--only', 'live', '--service-node-flags', '--max-semi-space-size=4', '--service-args', '--fsyncs-in-flight 2'])).toBeUndefined();
    expect(benchArgsError(['--only', 'parallel', '--repeats', '1', '--scenarios', 'first-look.yaml'])).toBeUndefined();
  });

  it('names an unknown flag, a stray argument, a flag without its value and an unknown part', () => {
    expect(benchArgsError(['--only', 'cli', '--jsn'])).toBe('unknown flag --jsn (npm run bench -- --help lists them)');
    expect(benchArgsError(['cli'])).toBe('unexpected argument cli');
    expect(benchArgsError(['--json', '--seconds'])).toBe('--seconds takes S');
    expect(benchArgsError(['--only', 'speed'])).toMatch(/^--only takes simulator, cli, .*, got speed$/);
  });

  it('--help lists every flag and every part', () => {
    const help = benchHelp();
    for (const flag of Object.keys(BENCH_FLAGS)) expect(help).toContain(`  ${flag}`);
    expect(help).toContain(`parts: ${BENCH_PARTS.join(', ')}`);
  });
});

describe('npm run bench (built)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BENCH, ...args], { encoding: 'utf8', timeout: 60_000 });

  it('stops at a bad flag before measuring anything: one line, exit 2, nothing on stdout', () => {
    const bad = run('--only', 'cli', '--jsn');
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('bench: unknown flag --jsn (npm run bench -- --help lists them)\n');
  });

  it('prints its help and exits 0 on --help', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(benchHelp());
  });
});
