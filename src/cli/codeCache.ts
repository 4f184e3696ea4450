/**
 * Runs the command line's CommonJS bundle (built by scripts/bundleCli.mjs) with V8's code
 * cache: the bytecode of the functions a command compiled is kept in a file beside the bundle,
 * and a later start deserializes it instead of parsing and compiling the bundle's JavaScript.
 * Node 20 has no compile cache for ES modules, but a `vm.Script` takes `cachedData`; see
 * docs/ARCHITECTURE.md, "Speed" (start-up). The chart renderer is a CommonJS bundle of its own,
 * loaded the same way by every thread that draws a chart ({@link loadCachedModule}; "Worker pool").
 *
 * A cache can only meet the code it was made from: its file is named after the bundle (whose
 * name carries a hash of its content) and V8's version, and V8 rejects a cache made under other
 * V8 flags. A process started with options that may be V8 flags (a GC trace, another heap size)
 * names its cache after V8's tag for them as well (`cachedDataVersionTag`), so that it keeps a
 * cache of its own instead of replacing the one the build made for plain runs, which would then
 * hold only what that process compiled. A missing or rejected cache is written when the process exits, to a temporary
 * file renamed into place, so a process starting meanwhile reads a whole cache or none. Where it
 * cannot be written (a read-only installation), commands run as they would without one.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { isMainThread } from 'node:worker_threads';

/**
 * The parameters of the function a bundle's source is wrapped in: CommonJS's five. A bundle
 * cannot import an ES module (a `vm.Script` whose code comes from a cache has no working
 * `import()` in Node 20), so the command line's bundle holds none: the chart renderer, which
 * needs vega, is a CommonJS bundle of its own.
 */
export const BUNDLE_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'] as const;

/** A CommonJS bundle to run. */
export interface CachedBundle {
  /** Path of the bundle. */
  readonly bundleFile: string;
}

/** What became of the bundle's code cache: used, missing, or rejected by V8 (the last two are written at exit). */
export type CodeCacheUse = 'accepted' | 'missing' | 'rejected';

/**
 * The code cache file of `bundleFile` under this process's V8: `<bundle>.v8-<version>.cache` for
 * a process started with none but Node's own options (every plain run, and the build's), else
 * with V8's tag for its flags added. A plain run does not load `node:v8` for the tag (a few
 * milliseconds of its start).
 */
export function codeCacheFile(bundleFile: string): string {
  const base = `${bundleFile}.v8-${process.versions.v8}`;
  if (!mayHaveV8Flags(process.execArgv, process.env.NODE_OPTIONS)) return `${base}.cache`;
  const { cachedDataVersionTag } = process.getBuiltinModule('node:v8');
  return `${base}-flags-${cachedDataVersionTag().toString(16)}.cache`;
}

/** Node's own options, which V8 never sees; each with whether its value may be the next argument. */
const NODE_OPTIONS_ONLY = new Map<string, boolean>([
  ['-e', true], ['--eval', true], ['-p', true], ['--print', true], ['-r', true], ['--require', true], ['--import', true],
  ['--loader', true], ['--experimental-loader', true], ['-C', true], ['--conditions', true], ['--title', true],
  ['--input-type', true], ['--env-file', true], ['--v8-pool-size', true], ['--disable-warning', true],
  ['--no-warnings', false], ['--enable-source-maps', false], ['--trace-warnings', false], ['--preserve-symlinks', false],
]);

/**
 * Whether a process started with these options (its `execArgv`, and `NODE_OPTIONS`) may run V8
 * under flags of its own: any option not known to be Node's alone counts, so an unknown one
 * only costs a cache of its own.
 */
export function mayHaveV8Flags(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const options = [...execArgv, ...(nodeOptions?.split(/\s+/).filter((option) => option !== '') ?? [])];
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const equals = option.indexOf('=');
    const name = equals < 0 ? option : option.slice(0, equals);
    const takesValue = NODE_OPTIONS_ONLY.get(name);
    if (takesValue === undefined) return true;
    if (takesValue && equals < 0) i++;
  }
  return false;
}

/**
 * Runs `bundle` in this context, with its code cache when there is a usable one, and writes the
 * cache at exit when there was none or V8 rejected it.
 * @returns what became of the cache
 */
export function runCachedBundle(bundle: CachedBundle): CodeCacheUse {
  return evaluateCached(bundle.bundleFile).use;
}

/** A CommonJS bundle evaluated by {@link loadCachedModule}: its exports, and what became of its cache. */
export interface CachedModule {
  /** What the bundle exports (`module.exports`). */
  readonly exports: unknown;
  /** Whether V8 accepted the code cache, found none, or rejected it. */
  readonly use: CodeCacheUse;
}

/**
 * Evaluates a CommonJS bundle that exports a module (the chart renderer) with its code cache,
 * as {@link runCachedBundle} does, in the main thread or a worker thread; only the main thread
 * writes a missing or rejected cache (a worker thread may be terminated without an `exit`).
 */
export function loadCachedModule(bundleFile: string): CachedModule {
  return evaluateCached(bundleFile);
}

function evaluateCached(bundleFile: string): CachedModule {
  const cacheFile = codeCacheFile(bundleFile);
  // The build checks that the bundle is ASCII: as Latin-1 it becomes a one-byte string, read
  // without decoding.
  const source = readFileSync(bundleFile, 'latin1');
  const cachedData = readCache(cacheFile);
  // One line with the source's first, so that stack traces keep the bundle's line numbers; a
  // hashbang, legal only at a file's start, becomes a comment.
  const wrapped = `(function (${BUNDLE_PARAMETERS.join(', ')}) {${source.startsWith('#!') ? `//${source}` : source}\n})`;
  const script = new Script(wrapped, { filename: bundleFile, cachedData });
  const use: CodeCacheUse = cachedData === undefined ? 'missing' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  if (use !== 'accepted' && isMainThread) process.once('exit', () => writeCache(script, cacheFile));
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile));
  return { exports: module.exports, use };
}

/** The cache's bytes, or undefined when there is none to read. */
function readCache(cacheFile: string): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Writes the script's code cache; a failure leaves the cache missing, which costs only time. */
function writeCache(script: Script, cacheFile: string): void {
  writeFileWhole(cacheFile, script.createCachedData());
}

/**
 * Writes `file` whole or not at all: to a temporary file beside it renamed into place, so that
 * a process reading it meanwhile reads the old file or the new one (the code cache, the chart
 * templates' store, `src/report/templateStore.ts`).
 * @returns whether it was written; on a failure (a read-only directory) nothing is left behind
 */
export function writeFileWhole(file: string, data: string | Uint8Array): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, file);
    return true;
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was left behind that could be removed.
    }
    return false;
  }
}
