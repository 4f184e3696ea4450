/**
 * Bundles the command line after `tsc` (part of `npm run build`), into dist/src/cli:
 *
 * - `cli-<hash>.cjs`: the whole command line as one CommonJS file (`<hash>`: of its content).
 *   Commands' modules are imported when the command runs, so each is initialised only then.
 * - `main.js`, the `bin`: a small ES module that runs that bundle with V8's code cache
 *   (src/cli/codeCache.ts), so that a start deserializes compiled code instead of parsing and
 *   compiling the bundle; the cache is made here by a short `run` in which tasks queue, and again
 *   by the first command of a process whose V8 rejects it.
 * - `render-<hash>.cjs`: the chart renderer with vega and vega-lite as one CommonJS file, which
 *   the command line and the pool's worker threads evaluate with its own V8 code cache (made
 *   here by a compare, which draws charts), instead of loading vega's ~60 ES modules from
 *   node_modules and compiling them in every thread that draws a chart.
 * - `worker-<hash>.cjs`: the experiment pool's worker thread as one CommonJS file, which
 *   `worker.js` (found by the pool as `./worker.js`, an ES module as piscina loads it) evaluates
 *   with its own V8 code cache, made here by draining a few runs in a main thread (a worker
 *   thread never writes a cache), instead of compiling the simulator's modules again in every
 *   worker thread.
 * - `processor.js` (BullMQ's), an ES module with chunks beside it.
 *
 * See docs/ARCHITECTURE.md, "Speed" (start-up). The library (dist/src/index.js) and the other
 * modules stay as tsc wrote them. Packages that locate files beside themselves at run time
 * (native code, worker scripts), or that only a command loads lazily, stay external and are
 * loaded from node_modules.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/src/cli`;
const external = ['piscina', 'fastify', '@fastify/*', '@resvg/resvg-js', 'vega', 'vega-lite', 'bullmq', 'ioredis'];

// Files of an earlier build would otherwise accumulate (their names carry a content hash), and
// the renderer of builds before it was bundled (`render.js`).
const earlier = /^((chunk|cli|render|worker)-.*\.(js|cjs|map|cache|jsonl|tmp)|render\.js(\.map)?)$/;
if (existsSync(outdir)) for (const file of readdirSync(outdir)) if (earlier.test(file)) rmSync(`${outdir}/${file}`);

/** Defines `import.meta.url` in a CommonJS bundle: the bundle's own URL. */
const bundleUrl = {
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
};

/**
 * vega-canvas's browser build in place of its Node one, whose top-level `await import('canvas')`
 * a CommonJS bundle cannot hold. Both give no canvas where the `canvas` package is absent, and
 * the renderer needs none (text is measured by `textWidth.ts`, the view renders no canvas); with
 * the browser build a `canvas` package installed beside fleetsim cannot change a chart either.
 */
const vegaCanvasWithoutNodeCanvas = {
  name: 'vega-canvas-without-node-canvas',
  setup(bundler) {
    bundler.onResolve({ filter: /^vega-canvas$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await bundler.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: join(dirname(real.path), 'vega-canvas.browser.js') };
    });
  },
};

/** The chart renderer, one CommonJS file (resvg, native code, stays in node_modules). */
/**
 * What the two CommonJS bundles (the renderer and the command line) share: one `<name>-<hash>.cjs`
 * each, run from a V8 code cache, so no comments (some are not ASCII) and no indentation (a third
 * less to read at every start), and a metafile to find the output's name.
 */
const commonJsBundle = {
  absWorkingDir: root,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  outdir,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  ...bundleUrl,
  minifyWhitespace: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
};

const renderer = await build({
  ...commonJsBundle,
  entryPoints: { render: 'src/report/render.ts' },
  plugins: [vegaCanvasWithoutNodeCanvas],
  external: ['@resvg/resvg-js'],
});
const [rendererFile] = Object.keys(renderer.metafile.outputs).filter((file) => file.endsWith('.cjs'));

/**
 * The renderer as the other bundles import it (`../report/render.js`): a module that evaluates
 * `render-<hash>.cjs`, beside the importing bundle, with its code cache.
 */
const cachedRenderer = {
  name: 'cached-renderer',
  setup(bundler) {
    const renderModule = `${root}src/report/render.js`;
    bundler.onResolve({ filter: /(^|\/)render\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === renderModule ? { path: 'render.js', namespace: 'cached-renderer' } : undefined);
    bundler.onLoad({ filter: /.*/, namespace: 'cached-renderer' }, () => ({
      contents: `import { fileURLToPath } from 'node:url';
import { loadCachedModule } from './src/cli/codeCache.ts';
const rendererFile = fileURLToPath(new URL(${JSON.stringify(`./${basename(rendererFile)}`)}, import.meta.url));
const render = loadCachedModule(rendererFile).exports;
render.useTemplateStore(rendererFile);
export const renderChart = render.renderChart;`,
      resolveDir: root,
      loader: 'ts',
    }));
  },
};

/** The ES module loaded by path: BullMQ's processor. */
await build({
  absWorkingDir: root,
  entryPoints: { processor: 'src/distributed/processor.ts' },
  outdir,
  // Chunks in the entries' own directory, so that paths taken relative to a module
  // (package.json three levels up, ./worker.js) mean the same from any of them.
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  plugins: [cachedRenderer],
  // CommonJS packages inside an ES module bundle call require for Node built-ins.
  banner: { js: "import { createRequire as __fleetsimRequire } from 'node:module'; const require = __fleetsimRequire(import.meta.url);" },
  logLevel: 'warning',
});

/**
 * string-width (yargs's, cliui's and wrap-ansi's copies) initialised on the first text it
 * measures that is not printable ASCII: its module builds an `Intl.Segmenter` and
 * Unicode-property regular expressions when imported (about a sixth of a short command's
 * instructions, and a quarter of `--help`'s), and every copy gives printable ASCII one column a
 * character (test/cli/stringWidth.test.ts), which is what most help text is.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(bundler) {
    bundler.onResolve({ filter: /^string-width$/, namespace: 'file' }, async (args) => {
      if (args.kind !== 'import-statement') return undefined;
      const real = await bundler.resolve(args.path, { resolveDir: args.resolveDir, kind: 'require-call' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    bundler.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let stringWidth;
export default function lazyStringWidth(text, options) {
  if (typeof text === 'string' && /^[\\x20-\\x7e]*$/.test(text)) return text.length;
  stringWidth ??= require(${JSON.stringify(args.path)}).default;
  return stringWidth(text, options);
}`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * seedrandom without Node's crypto module: seedrandom loads it, at about 1% of a short command's
 * instructions, only to autoseed, and fleetsim seeds every stream. Were a stream ever autoseeded
 * in the bundle, seedrandom would take Web Crypto's `globalThis.crypto` instead.
 */
const seedrandomWithoutNodeCrypto = {
  name: 'seedrandom-without-node-crypto',
  setup(bundler) {
    bundler.onResolve({ filter: /^crypto$/ }, (args) =>
      (/[\\/]node_modules[\\/]seedrandom[\\/]/.test(args.importer) ? { path: 'crypto', namespace: 'seedrandom-without-node-crypto' } : undefined));
    bundler.onLoad({ filter: /.*/, namespace: 'seedrandom-without-node-crypto' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

/**
 * yargs's two assertions without Node's `assert` module, which loading costs about 2% of a
 * short command's instructions: yargs checks its own invariants with `strictEqual` and
 * `notStrictEqual` as it parses, so they compare here as Node's do (`Object.is`) and only a check
 * that fails loads `assert`, whose function then throws the same `AssertionError`.
 */
const yargsAssertOnFailure = {
  name: 'yargs-assert-on-failure',
  setup(bundler) {
    bundler.onResolve({ filter: /^assert$/ }, (args) =>
      (/[\\/]node_modules[\\/]yargs[\\/]/.test(args.importer) ? { path: 'assert', namespace: 'yargs-assert-on-failure' } : undefined));
    bundler.onLoad({ filter: /.*/, namespace: 'yargs-assert-on-failure' }, () => ({
      contents: `export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message);
}`,
      loader: 'js',
    }));
  },
};

/**
 * yargs looking for its `package.json` from fleetsim's package root rather than the working
 * directory. Its factory guesses a version at every start (`.version()` given one replaces it
 * later) by listing each directory from its shim's `mainFilename` upwards until one holds a
 * `package.json`; the shim takes that as the path before `node_modules`, and a bundle's path has
 * none, so the search began in the working directory: a command run from a directory of 47,500
 * entries spent 40–340 ms listing it. In the bundle the search begins at the package root (three
 * levels above `dist/src/cli`), which holds fleetsim's own `package.json`.
 */
const yargsFromPackageRoot = {
  name: 'yargs-from-package-root',
  setup(bundler) {
    const line = "const mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));";
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      // A yargs whose shim no longer has the line would search from the working directory again.
      if (!source.includes(line)) throw new Error(`bundleCli: ${args.path} no longer sets mainFilename as expected`);
      return { contents: source.replace(line, "const mainFilename = fileURLToPath(new URL('../../../', import.meta.url));"), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * A program as one CommonJS file with its packages inside but `external` (a CommonJS `import()`
 * of a package becomes a `require`: piscina has a CommonJS build); the file's path under `root`.
 */
async function programBundle(name, entryPoint, plugins) {
  const built = await build({ ...commonJsBundle, entryPoints: { [name]: entryPoint }, supported: { 'dynamic-import': false }, plugins, external });
  return Object.keys(built.metafile.outputs).find((file) => file.endsWith('.cjs'));
}

/** The command line. */
const bundleFile = await programBundle('cli', 'src/cli/main.ts', [cachedRenderer, lazyStringWidth, seedrandomWithoutNodeCrypto, yargsFromPackageRoot, yargsAssertOnFailure]);
/** The pool's worker thread (the renderer, should a worker draw, as the command line loads it). */
const workerBundleFile = await programBundle('worker', 'src/experiments/worker.ts', [cachedRenderer, seedrandomWithoutNodeCrypto]);

// src/cli/codeCache.ts reads the bundles as Latin-1, which is their text only if it is ASCII.
for (const file of [bundleFile, rendererFile, workerBundleFile]) {
  const nonAscii = /[^\x00-\x7f]/.exec(readFileSync(`${root}${file}`, 'latin1'));
  if (nonAscii !== null) throw new Error(`bundleCli: ${file} holds a character that is not ASCII at offset ${nonAscii.index}`);
}

/** The bin: runs the bundle with its code cache. */
await build({
  absWorkingDir: root,
  stdin: {
    contents: `import { fileURLToPath } from 'node:url';
import { runCachedBundle } from './src/cli/codeCache.ts';
runCachedBundle({ bundleFile: fileURLToPath(new URL('./${basename(bundleFile)}', import.meta.url)) });`,
    resolveDir: root,
    sourcefile: 'bin.js',
    loader: 'ts',
  },
  outfile: `${outdir}/main.js`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // Replaces tsc's map of main.ts, which would otherwise describe another file.
  sourcemap: true,
  logLevel: 'warning',
});

/**
 * The worker's entry as piscina loads it: evaluates the worker's bundle with its code cache, and
 * tells what became of that cache (`codeCacheUse`, for the tests).
 */
await build({
  absWorkingDir: root,
  stdin: {
    contents: `import { fileURLToPath } from 'node:url';
import { loadCachedModule } from './src/cli/codeCache.ts';
const worker = loadCachedModule(fileURLToPath(new URL('./${basename(workerBundleFile)}', import.meta.url)));
export default worker.exports.default;
export const codeCacheUse = worker.use;`,
    resolveDir: root,
    sourcefile: 'worker.js',
    loader: 'ts',
  },
  outfile: `${outdir}/worker.js`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Replaces tsc's map of worker.ts, which would otherwise describe another file.
  sourcemap: true,
  logLevel: 'warning',
});

/**
 * The worker's code cache: a main thread (a worker thread writes none) evaluates its bundle and
 * drains every run of `scenario` (one per strategy and replication) as a worker thread would,
 * so that the cache, written when that process exits, holds the bytecode of what runs compile.
 */
function seedWorkerCodeCache(scenario) {
  const seed = `const [workerBundle, scenarioFile] = process.argv.slice(1);
const { loadCachedModule } = await import(${JSON.stringify(`${root}dist/src/cli/codeCache.js`)});
const { buildCells } = await import(${JSON.stringify(`${root}dist/src/experiments/grid.js`)});
const { readScenarioDocument } = await import(${JSON.stringify(`${root}dist/src/scenario/load.js`)});
const { MessageChannel } = await import('node:worker_threads');
const work = loadCachedModule(workerBundle).exports.default;
const [{ scenario }] = buildCells(readScenarioDocument(scenarioFile), scenarioFile, [], {});
const items = scenario.strategies.flatMap((_, strategy) => Array.from({ length: scenario.replications }, (__, replication) => ({ cell: 0, strategy, replication, scenario, decisionSampleEvery: 64, series: true })));
const { port1, port2 } = new MessageChannel();
await work({ task: 'drain', kind: 'run', items, order: items.map((_, i) => i), taken: new SharedArrayBuffer(4 * items.length), port: port2, timeline: false, prepareAfter: [] });
port1.close();`;
  const seeded = spawnSync(process.execPath, ['--input-type=module', '-e', seed, `${root}${workerBundleFile}`, scenario], { encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`bundleCli: making the worker's code cache failed (${seeded.status}): ${seeded.stderr}`);
}

/**
 * The chart templates' store (src/report/templateStore.ts) gets, besides the compare's, the
 * structures of every library scenario's report: one process runs each scenario once per
 * strategy (a chart's structure does not depend on the replications) and draws its report
 * through tsc's modules, whose compilers are the bundle's (same sources, same vega and
 * vega-lite), into the bundle's store. It adds ~7 s of CPU to the build; a report of a library
 * scenario then compiles no chart (docs/ARCHITECTURE.md, "Worker pool").
 */
function seedChartTemplates() {
  const scenarios = readdirSync(`${root}scenarios`).filter((name) => name.endsWith('.yaml')).sort().map((name) => `${root}scenarios/${name}`);
  const seed = `const [rendererFile, ...scenarios] = process.argv.slice(1);
const { buildCells } = await import(${JSON.stringify(`${root}dist/src/experiments/grid.js`)});
const { readScenarioDocument } = await import(${JSON.stringify(`${root}dist/src/scenario/load.js`)});
const { runCells } = await import(${JSON.stringify(`${root}dist/src/experiments/experiment.js`)});
const { useTemplateStore } = await import(${JSON.stringify(`${root}dist/src/report/render.js`)});
const { buildHtmlReport } = await import(${JSON.stringify(`${root}dist/src/report/htmlReport.js`)});
useTemplateStore(rendererFile);
for (const file of scenarios) {
  let cells;
  try {
    cells = buildCells(readScenarioDocument(file), file, [], { replications: 1 });
  } catch (error) {
    // A checkout without the traces beside it still builds: that scenario's charts compile when first drawn.
    if (error?.name !== 'InputError' || error.path !== 'workload.trace.file') throw error;
    process.stderr.write(\`bundleCli: no chart templates (its trace is missing): \${error.message}\\n\`);
    continue;
  }
  await buildHtmlReport(await runCells({ kind: 'compare', file, cells, grid: [], workers: 1 }));
}`;
  const seeded = spawnSync(process.execPath, ['--input-type=module', '-e', seed, `${root}${rendererFile}`, ...scenarios], { encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`bundleCli: seeding the chart templates failed (${seeded.status}): ${seeded.stderr}`);
  process.stderr.write(seeded.stderr);
}

// The code caches: a short run of the bench's M/M/10 compiles what every short command uses
// (yargs, the scenario's validation, the simulator, the summary) and the simulation loop's whole
// path, queueing included (with a one-task run's cache a run compiled those functions from
// source, and a task cost ~2% more instructions); then a compare in one thread what drawing the
// report's charts uses (its cache is written by the first process that draws one): a few
// hundred tasks with deadlines and a target, so that every chart has data to draw and the cache
// holds what a real report compiles (a one-task report's leaves a tenth of its charts' CPU).
/** Runs the built command line with `args`; throws with its standard error if it fails. */
function runBundledCli(...args) {
  const run = spawnSync(process.execPath, [`${outdir}/main.js`, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bundleCli: the bundled command line failed (${run.status}): ${run.stderr}`);
}

const scratch = mkdtempSync(join(tmpdir(), 'fleetsim-build-'));
try {
  const { mm10DefaultModelScenario } = await import(pathToFileURL(`${root}dist/bench/cli.js`).href);
  const scenario = join(scratch, 'queued.yaml');
  writeFileSync(scenario, mm10DefaultModelScenario(2000));
  runBundledCli('run', scenario, '--json', '--workers', '1');
  const charted = join(scratch, 'charts.yaml');
  writeFileSync(charted, `name: code-cache-charts
replications: 3
stop: { tasks: 300 }
agents: [{ pool: server, count: 3, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, deadline: { dist: constant, value: 5 } }]
strategies: [least-connections, round-robin]
targets: { strategies: [least-connections], checks: [{ metric: completion, min: 0.99 }] }
`);
  runBundledCli('compare', charted, '--json', '--workers', '1', '--out', join(scratch, 'report'));
  const runs = join(scratch, 'runs.yaml');
  writeFileSync(runs, `name: code-cache-runs
replications: 2
stop: { tasks: 2000 }
agents: [{ pool: server, count: 10, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 9 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [least-connections, round-robin, random, power-of-d, join-shortest-queue]
`);
  seedWorkerCodeCache(runs);
  seedChartTemplates();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
