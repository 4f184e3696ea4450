/**
 * The bin's code cache (src/cli/codeCache.ts), in real Node processes running the built module
 * (`npm run build` first): a cache is written when missing, used when it fits, rewritten when
 * V8 rejects it, and a cache that cannot be written costs nothing but time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { mm10DefaultModelScenario } from '../../bench/cli.js';
import { mayHaveV8Flags } from '../../src/cli/codeCache.js';
import { ROOT, runCli } from './runCli.js';

const CODE_CACHE_MODULE = pathToFileURL(join(ROOT, 'dist/src/cli/codeCache.js')).href;

/** A CommonJS bundle that uses what the wrapper gives it: require, module, exports, __filename and __dirname. */
const BUNDLE = `#!/usr/bin/env node
const { basename } = require('node:path');
function greet(name) { return 'hello ' + name; }
module.exports.greeting = greet(basename(__dirname));
exports.answer = require(__filename.replace(/bundle\\.cjs$/, 'answer.cjs')).value;
process.stdout.write(module.exports.greeting + ' ' + exports.answer + '\\n');
`;

let dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A directory holding the bundle and the CommonJS module it requires. */
function bundleDir(): { dir: string; bundleFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-codecache-'));
  dirs.push(dir);
  const bundleFile = join(dir, 'bundle.cjs');
  writeFileSync(bundleFile, BUNDLE);
  writeFileSync(join(dir, 'answer.cjs'), 'exports.value = 42;\n');
  return { dir, bundleFile };
}

/** Runs the bundle in a fresh process as the bin does; prints what became of the cache on stderr. */
function runBundle(bundleFile: string, v8Flags: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  const driver = `import { runCachedBundle } from ${JSON.stringify(CODE_CACHE_MODULE)};
process.stderr.write(runCachedBundle({ bundleFile: ${JSON.stringify(bundleFile)} }));`;
  const child = spawnSync(process.execPath, [...v8Flags, '--input-type=module', '-e', driver], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function cacheFileOf(bundleFile: string): string {
  return `${bundleFile}.v8-${process.versions.v8}.cache`;
}

describe('mayHaveV8Flags', () => {
  it("is false for none but Node's own options, with their values in the same or the next argument", () => {
    expect(mayHaveV8Flags([], undefined)).toBe(false);
    expect(mayHaveV8Flags(['--input-type=module', '-e', '--max-semi-space-size=1'], '')).toBe(false);
    expect(mayHaveV8Flags(['--require', './x.js', '--v8-pool-size=1'], ' --no-warnings  --import=data:,1 ')).toBe(false);
  });

  it('is true for any other option, on the command line or in NODE_OPTIONS', () => {
    expect(mayHaveV8Flags(['--trace-gc-nvp'], undefined)).toBe(true);
    expect(mayHaveV8Flags(['-e', 'x', '--max-semi-space-size=1'], undefined)).toBe(true);
    expect(mayHaveV8Flags([], '--max-old-space-size=4096')).toBe(true);
    expect(mayHaveV8Flags(['--some-option-of-a-later-node'], undefined)).toBe(true);
  });
});

describe('runCachedBundle', () => {
  it('writes the cache when it is missing, and the next process uses it', () => {
    const { dir, bundleFile } = bundleDir();
    const first = runBundle(bundleFile);
    expect(first).toEqual({ status: 0, stdout: `hello ${dir.split('/').pop()} 42\n`, stderr: 'missing' });
    const written = readFileSync(cacheFileOf(bundleFile));
    expect(written.length).toBeGreaterThan(0);
    const second = runBundle(bundleFile);
    expect(second).toEqual({ ...first, stderr: 'accepted' });
    expect(readFileSync(cacheFileOf(bundleFile))).toEqual(written);
    expect(readdirSync(dir).sort()).toEqual(['answer.cjs', 'bundle.cjs', basename(cacheFileOf(bundleFile))]);
  });

  it('runs without a cache V8 rejects, and replaces it', () => {
    const { bundleFile } = bundleDir();
    writeFileSync(cacheFileOf(bundleFile), 'not a code cache, but as long as one might be');
    const run = runBundle(bundleFile);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/ 42\n$/);
    expect(run.stderr).toBe('rejected');
    expect(runBundle(bundleFile).stderr).toBe('accepted');
  });

  it('keeps a cache of its own under other V8 flags, leaving the plain runs\' cache as it was', () => {
    const { dir, bundleFile } = bundleDir();
    expect(runBundle(bundleFile).stderr).toBe('missing');
    const plain = readFileSync(cacheFileOf(bundleFile));
    // A heap size V8 checks a cache against (Node's own options, such as --v8-pool-size, are not).
    const traced = runBundle(bundleFile, ['--max-semi-space-size=1']);
    expect(traced).toMatchObject({ status: 0, stderr: 'missing' });
    expect(readFileSync(cacheFileOf(bundleFile))).toEqual(plain);
    const flagged = readdirSync(dir).filter((file) => file.endsWith('.cache') && file !== basename(cacheFileOf(bundleFile)));
    expect(flagged).toEqual([expect.stringMatching(new RegExp(`^bundle\\.cjs\\.v8-${process.versions.v8.replaceAll('.', '\\.')}-flags-[0-9a-f]+\\.cache$`))]);
    expect(runBundle(bundleFile, ['--max-semi-space-size=1']).stderr).toBe('accepted');
    expect(runBundle(bundleFile, ['--v8-pool-size=1']).stderr).toBe('accepted');
    expect(runBundle(bundleFile).stderr).toBe('accepted');
  });

  it('runs as well when the cache cannot be written, and leaves nothing behind', () => {
    const { dir, bundleFile } = bundleDir();
    // A directory where the cache file would go: neither readable as a cache nor replaceable.
    mkdirSync(cacheFileOf(bundleFile));
    const run = runBundle(bundleFile);
    expect(run).toEqual({ status: 0, stdout: `hello ${dir.split('/').pop()} 42\n`, stderr: 'missing' });
    expect(statSync(cacheFileOf(bundleFile)).isDirectory()).toBe(true);
    expect(readdirSync(dir).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});

/** A CommonJS bundle that exports a module (as the chart renderer's does). */
/** The built CLI's directory, where the bundle's chunks ship with their code caches. */
const CLI_DIR = join(ROOT, 'dist/src/cli');

/** The code cache shipped for the one chunk of the built CLI whose file name matches `chunk`. */
function shippedCacheOf(chunk: RegExp): string {
  const chunks = readdirSync(CLI_DIR).filter((file) => chunk.test(file));
  expect(chunks).toHaveLength(1);
  return join(CLI_DIR, cacheFileOf(chunks[0]!));
}

const MODULE_BUNDLE = `const { basename } = require('node:path');
exports.twice = (n) => 2 * n;
exports.dir = basename(__dirname);
`;

/**
 * Loads a module bundle with `loadCachedModule` in a fresh process, in its main thread or in a
 * worker thread; prints what became of the cache on stderr and the module's work on stdout.
 */
function loadModuleBundle(bundleFile: string, where: 'main' | 'worker'): { status: number | null; stdout: string; stderr: string } {
  const load = `const { exports, use } = loadCachedModule(${JSON.stringify(bundleFile)});
process.stdout.write(exports.dir + ' ' + exports.twice(21) + '\\n');
process.stderr.write(use);`;
  const driver = where === 'main'
    ? `import { loadCachedModule } from ${JSON.stringify(CODE_CACHE_MODULE)};\n${load}`
    : `import { Worker } from 'node:worker_threads';
new Worker(${JSON.stringify(`import { loadCachedModule } from ${JSON.stringify(CODE_CACHE_MODULE)};\n${load}`)}, { eval: true, type: 'module' });`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('loadCachedModule', () => {
  it("returns the bundle's exports; the main thread writes the missing cache, and the next process uses it", () => {
    const { dir, bundleFile } = bundleDir();
    writeFileSync(bundleFile, MODULE_BUNDLE);
    const name = dir.split('/').pop()!;
    expect(loadModuleBundle(bundleFile, 'main')).toEqual({ status: 0, stdout: `${name} 42\n`, stderr: 'missing' });
    const written = readFileSync(cacheFileOf(bundleFile));
    expect(loadModuleBundle(bundleFile, 'main')).toEqual({ status: 0, stdout: `${name} 42\n`, stderr: 'accepted' });
    expect(readFileSync(cacheFileOf(bundleFile))).toEqual(written);
  });

  it('in a worker thread, uses the cache but never writes one', () => {
    const { dir, bundleFile } = bundleDir();
    writeFileSync(bundleFile, MODULE_BUNDLE);
    const name = dir.split('/').pop()!;
    expect(loadModuleBundle(bundleFile, 'worker')).toEqual({ status: 0, stdout: `${name} 42\n`, stderr: 'missing' });
    expect(readdirSync(dir).filter((file) => file.endsWith('.cache') || file.endsWith('.tmp'))).toEqual([]);
    loadModuleBundle(bundleFile, 'main');
    expect(loadModuleBundle(bundleFile, 'worker')).toEqual({ status: 0, stdout: `${name} 42\n`, stderr: 'accepted' });
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

  it("ships a code cache that holds the simulation loop's queueing path", () => {
    // The bundle evaluated with the shipped cache, as the bin does, runs a scenario; at exit the
    // process makes the cache again, which holds every function compiled so far: the shipped
    // one's and those this run compiled from source. A run whose tasks queue must compile no more
    // from source than a one-task run (a one-task run's cache left ~3 KB of it: the queue's path).
    const cliDir = join(ROOT, 'dist/src/cli');
    const bundles = readdirSync(cliDir).filter((file) => /^cli-\w+\.cjs$/.test(file));
    expect(bundles).toHaveLength(1);
    const bundleFile = join(cliDir, bundles[0]!);
    const driver = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { BUNDLE_PARAMETERS } from ${JSON.stringify(CODE_CACHE_MODULE)};
const [bundleFile, cacheFile, ...args] = process.argv.slice(1);
const source = readFileSync(bundleFile, 'latin1');
const wrapped = '(function (' + BUNDLE_PARAMETERS.join(', ') + ') {' + (source.startsWith('#!') ? '//' + source : source) + '\\n})';
const script = new Script(wrapped, { filename: bundleFile, cachedData: readFileSync(cacheFile) });
process.argv = [process.execPath, bundleFile, ...args];
process.once('exit', () => process.stderr.write(script.cachedDataRejected + ' ' + script.createCachedData().length));
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile));`;
    const { dir } = bundleDir();
    /** The length of the cache made again after a run of `tasks` tasks of the bench's M/M/10. */
    const cacheAfter = (tasks: number): number => {
      const scenario = join(dir, `mm10-${tasks}.yaml`);
      writeFileSync(scenario, mm10DefaultModelScenario(tasks));
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', driver, bundleFile, cacheFileOf(bundleFile), 'run', scenario, '--json'], { encoding: 'utf8', timeout: 60_000 });
      expect(child.status, child.stderr).toBe(0);
      const [rejected, length] = child.stderr.split(' ');
      expect(rejected).toBe('false');
      return Number(length);
    };
    expect(cacheAfter(5000) - cacheAfter(1)).toBeLessThan(1024);
  });

  it("ships the chart renderer's code cache for this Node, which a compare's charts use as it is", () => {
    const cache = shippedCacheOf(/^render-\w+\.cjs$/);
    const before = readFileSync(cache);
    const { dir } = bundleDir();
    const scenario = join(dir, 'tiny.yaml');
    writeFileSync(scenario, `name: tiny
stop: { tasks: 50 }
agents: [{ pool: server, count: 2, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections, round-robin]
`);
    const run = runCli('compare', scenario, '--replications', '2', '--workers', '1', '--out', join(dir, 'report'));
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(readdirSync(join(dir, 'report')).filter((file) => file.endsWith('.svg')).length).toBeGreaterThan(5);
    expect(readFileSync(cache)).toEqual(before);
  });

  it("ships the pool worker's code cache for this Node, which a worker thread uses as it is", () => {
    const cache = shippedCacheOf(/^worker-\w+\.cjs$/);
    const before = readFileSync(cache);
    // The pool's entry (what piscina loads) in a real worker thread, which reports the cache's use.
    const entry = pathToFileURL(join(CLI_DIR, 'worker.js')).href;
    const driver = `import { Worker } from 'node:worker_threads';
const thread = new Worker(${JSON.stringify(`Promise.all([import(${JSON.stringify(entry)}), import('node:worker_threads')]).then(([m, { parentPort }]) => parentPort.postMessage([m.codeCacheUse, typeof m.default]))`)}, { eval: true });
thread.once('message', (reply) => { process.stdout.write(reply.join(' ')); void thread.terminate(); });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', driver], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('accepted function');
    expect(readFileSync(cache)).toEqual(before);
  });
});
