/**
 * The bin's code cache (src/cli/codeCache.ts), in real Node processes running the built module
 * (`npm run build` first): a cache is written when missing, used when it fits, rewritten when
 * V8 rejects it, and a cache that cannot be written costs nothing but time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './runCli.js';

const CODE_CACHE_MODULE = pathToFileURL(join(ROOT, 'dist/src/cli/codeCache.js')).href;

/** A CommonJS bundle that uses what the wrapper gives it: require, module, __dirname and __importEsm. */
const BUNDLE = `#!/usr/bin/env node
const { basename } = require('node:path');
function greet(name) { return 'hello ' + name; }
module.exports.greeting = greet(basename(__dirname));
__importEsm('./answer.mjs').then((answer) => { process.stdout.write(module.exports.greeting + ' ' + answer.value + '\\n'); });
`;

let dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A directory holding the bundle and the ES module it imports. */
function bundleDir(): { dir: string; bundleFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-codecache-'));
  dirs.push(dir);
  const bundleFile = join(dir, 'bundle.cjs');
  writeFileSync(bundleFile, BUNDLE);
  writeFileSync(join(dir, 'answer.mjs'), 'export const value = 42;\n');
  return { dir, bundleFile };
}

/** Runs the bundle in a fresh process as the bin does; prints what became of the cache on stderr. */
function runBundle(dir: string, bundleFile: string): { status: number | null; stdout: string; stderr: string } {
  const driver = `import { runCachedBundle } from ${JSON.stringify(CODE_CACHE_MODULE)};
process.stderr.write(runCachedBundle({ bundleFile: ${JSON.stringify(bundleFile)}, importEsm: (specifier) => import(new URL(specifier, ${JSON.stringify(pathToFileURL(`${dir}/`).href)}).href) }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function cacheFileOf(bundleFile: string): string {
  return `${bundleFile}.v8-${process.versions.v8}.cache`;
}

describe('runCachedBundle', () => {
  it('writes the cache when it is missing, and the next process uses it', () => {
    const { dir, bundleFile } = bundleDir();
    const first = runBundle(dir, bundleFile);
    expect(first).toEqual({ status: 0, stdout: `hello ${dir.split('/').pop()} 42\n`, stderr: 'missing' });
    const written = readFileSync(cacheFileOf(bundleFile));
    expect(written.length).toBeGreaterThan(0);
    const second = runBundle(dir, bundleFile);
    expect(second).toEqual({ ...first, stderr: 'accepted' });
    expect(readFileSync(cacheFileOf(bundleFile))).toEqual(written);
    expect(readdirSync(dir).sort()).toEqual(['answer.mjs', 'bundle.cjs', 'bundle.cjs.v8-' + process.versions.v8 + '.cache']);
  });

  it('runs without a cache V8 rejects, and replaces it', () => {
    const { dir, bundleFile } = bundleDir();
    writeFileSync(cacheFileOf(bundleFile), 'not a code cache, but as long as one might be');
    const run = runBundle(dir, bundleFile);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ 42\n$/);
    expect(run.stderr).toBe('rejected');
    expect(runBundle(dir, bundleFile).stderr).toBe('accepted');
  });

  it('runs as well when the cache cannot be written, and leaves nothing behind', () => {
    const { dir, bundleFile } = bundleDir();
    // A directory where the cache file would go: neither readable as a cache nor replaceable.
    mkdirSync(cacheFileOf(bundleFile));
    const run = runBundle(dir, bundleFile);
    expect(run).toEqual({ status: 0, stdout: `hello ${dir.split('/').pop()} 42\n`, stderr: 'missing' });
    expect(statSync(cacheFileOf(bundleFile)).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the built command line', () => {
  it('ships a code cache for this Node that a command uses as it is', () => {
    const cliDir = join(ROOT, 'dist/src/cli');
    const caches = readdirSync(cliDir).filter((file) => /^cli-\w+\.cjs\.v8-.*\.cache$/.test(file));
    const cache = caches.find((file) => file.endsWith(`.v8-${process.versions.v8}.cache`));
    expect(cache, caches.join(', ')).toBeDefined();
    const before = readFileSync(join(cliDir, cache!));
    expect(runCli('--version').status).toBe(0);
    // A rejected cache would have been rewritten at exit.
    expect(readFileSync(join(cliDir, cache!))).toEqual(before);
  });
});
