/**
 * `fleetsim/engine` (src/engineEntry.ts) as it is built: importing it loads none of the packages
 * of the simulator's experiments, reports and command line (vega, vega-lite, yargs, piscina,
 * csv-stringify, fastify) nor any module of the command line, and none of them can be reached
 * from it later either, through a dynamic import; while `fleetsim` (src/index.ts), which holds
 * everything, loads csv-stringify at once and can reach vega, vega-lite and piscina (which it loads
 * on first use), so the checks can fail. Its declaration files name no type of vega or vega-lite
 * either (a strict project that type-checks libraries, `skipLibCheck` off, would check theirs).
 * Both are read from dist/, which `npm run build` makes: what the package ships.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageOf, reachableModules } from './support/moduleImports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENGINE_ENTRY = join(ROOT, 'dist/src/engineEntry.js');
const LIBRARY_ENTRY = join(ROOT, 'dist/src/index.js');

/** What embedding must not pay for: the charting, command-line, worker-pool, CSV-writing and HTTP-server packages. */
const HEAVY_PACKAGES = ['vega', 'vega-lite', 'yargs', 'piscina', 'csv-stringify', 'fastify'];
/** The command line's modules, built. */
const CLI = join(ROOT, 'dist/src/cli');

/**
 * A module loader hook that writes the URL of every module the process loads to stderr, one a
 * line (from the loader's own thread, where `console` would be lost).
 */
const RECORD_LOADS = [
  "import { writeSync } from 'node:fs';",
  "export async function load(url, context, nextLoad) { writeSync(2, 'loaded ' + url + '\\n'); return nextLoad(url, context); }",
].join('\n');
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(RECORD_LOADS)}`)});`;

/** The modules a fresh Node process loads to import the module at path `entry`: files as paths, packages by name. */
function loadedBy(entry: string): { files: string[]; packages: Set<string> } {
  const child = spawnSync(process.execPath, [
    '--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`,
    '--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(entry).href)});`,
  ], { cwd: ROOT, encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
  const urls = [...child.stderr.matchAll(/^loaded (file:\S+)$/gm)].map((match) => match[1]!);
  const files = urls.map((url) => fileURLToPath(url));
  const packages = new Set(files.flatMap((file) => {
    const inNodeModules = /[\\/]node_modules[\\/](.+)$/.exec(file)?.[1];
    const name = inNodeModules === undefined ? undefined : packageOf(inNodeModules.split(/[\\/]/).join('/'));
    return name === undefined ? [] : [name];
  }));
  return { files, packages };
}

/** The members of `names` among `found`. */
const among = (names: readonly string[], found: ReadonlySet<string>): string[] => names.filter((name) => found.has(name));

beforeAll(() => {
  if (!existsSync(ENGINE_ENTRY)) throw new Error('dist/ is not built: run "npm run build" (npm test does) before this test');
});

describe('importing fleetsim/engine in a fresh process', () => {
  it('loads the engine, the strategies and the drivers, and none of the heavy packages nor the command line', () => {
    const { files, packages } = loadedBy(ENGINE_ENTRY);
    const loaded = new Set(files.map((file) => relative(ROOT, file)));
    expect([...loaded].filter((path) => path.startsWith('dist/src/'))).toEqual(expect.arrayContaining([
      'dist/src/engineEntry.js', 'dist/src/engine/engine.js', 'dist/src/strategies/index.js', 'dist/src/live/driver.js', 'dist/src/live/durableDriver.js',
    ]));
    expect(among(HEAVY_PACKAGES, packages)).toEqual([]);
    expect(files.filter((file) => file.startsWith(CLI))).toEqual([]);
  });

  it('sees what fleetsim loads: csv-stringify, for its reports', () => {
    const { packages } = loadedBy(LIBRARY_ENTRY);
    expect(among(HEAVY_PACKAGES, packages)).toEqual(['csv-stringify']);
  });
});

describe('the modules fleetsim/engine can reach, static and dynamic imports followed', () => {
  it('import none of the heavy packages and include no module of the command line, experiments or reports', () => {
    const { modules, packages } = reachableModules(ENGINE_ENTRY);
    expect(modules.size).toBeGreaterThan(50);
    expect(among(HEAVY_PACKAGES, packages)).toEqual([]);
    expect([...modules].map((path) => relative(ROOT, path)).filter((path) => /^dist\/src\/(cli|experiments|report)\//.test(path))).toEqual([]);
  });

  it('are told apart from those of fleetsim, which reach every heavy package but fastify and yargs (the command line imports those)', () => {
    const { packages } = reachableModules(LIBRARY_ENTRY);
    expect(among(HEAVY_PACKAGES, packages)).toEqual(['vega', 'vega-lite', 'piscina', 'csv-stringify']);
  });
});

describe('the declaration files of fleetsim/engine', () => {
  /** The declaration file of a built module. */
  const declarations = (path: string): string => path.replace(/\.js$/, '.d.ts');

  it('import no type of vega or vega-lite, nor of any package but zod (the strategies\' parameters)', () => {
    const { modules, packages } = reachableModules(declarations(ENGINE_ENTRY), declarations);
    expect(modules.size).toBeGreaterThan(20);
    expect([...packages]).toEqual(['zod']);
  });

  it('are told apart from those of fleetsim, which import vega\'s (but not vega-lite\'s, whose declarations fail a strict check: the report\'s charts are ChartSpec)', () => {
    const { packages } = reachableModules(declarations(LIBRARY_ENTRY), declarations);
    expect(among(['vega', 'vega-lite'], packages)).toEqual(['vega']);
  });
});
