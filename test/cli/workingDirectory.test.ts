/**
 * The built command line does not list the working directory as it starts: yargs looks for a
 * `package.json` from fleetsim's package root (scripts/bundleCli.mjs), so a command run from a
 * directory of many thousand entries does not pay for listing it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './runCli.js';

/** A preload that reports every directory listed through `fs.readdirSync` on stderr. */
const LISTING_LOGGER = `const fs = require('node:fs');
const readdirSync = fs.readdirSync;
fs.readdirSync = function (path, ...rest) {
  process.stderr.write('listed ' + require('node:path').resolve(String(path)) + '\\n');
  return readdirSync.call(this, path, ...rest);
};
require('node:module').syncBuiltinESMExports();
`;

let dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Runs the built command line from `cwd` under the listing logger: its exit code, stdout and the directories it listed. */
function runFrom(cwd: string, ...args: string[]): { status: number | null; stdout: string; listed: string[] } {
  const logger = join(cwd, 'log-listings.cjs');
  writeFileSync(logger, LISTING_LOGGER);
  const result = spawnSync(process.execPath, ['--require', logger, join(ROOT, 'dist/src/cli/main.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  const listed = result.stderr.split('\n').filter((line) => line.startsWith('listed ')).map((line) => line.slice('listed '.length));
  return { status: result.status, stdout: result.stdout, listed };
}

describe('the command line and its working directory', () => {
  it('lists no directory but the package root as it starts (--help and --version), wherever it runs from', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fleetsim-cwd-'));
    dirs.push(cwd);
    for (const args of [['--help'], ['--version']]) {
      const run = runFrom(cwd, ...args);
      expect(run.status).toBe(0);
      expect(run.listed).not.toContain(resolve(cwd));
      expect(run.listed).not.toContain(resolve(tmpdir()));
      for (const dir of run.listed) expect(dir).toBe(resolve(ROOT));
    }
  });

  it('prints fleetsim\'s own version from any directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fleetsim-cwd-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, 'package.json'), JSON.stringify({ name: 'someone-elses-project', version: '9.9.9' }));
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = runFrom(cwd, '--version');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });
});
