/**
 * The package as a user installs it: `npm pack` (what package.json's `files` ships), the tarball
 * installed with npm into a fresh ESM project, the README's "Using the engine in your own
 * runtime" example type-checked there with this repository's TypeScript and run with node, that
 * example and docs/LIVE.md's first, which import `fleetsim/engine`, and a program importing all
 * of `fleetsim`, type-checked in a project as strict as they come (`exactOptionalPropertyTypes`
 * on, `skipLibCheck` off), the
 * installed `fleetsim` command, every module of dist/src loaded there with only the package's
 * dependencies installed (none imports a devDependency), and docs/LIVE.md's examples run there
 * (the durable driver's twice, the second run recovering the first's directory); and the
 * README's example and the command from a clone linked into a project (`npm install
 * ../fleetsim`, the README's other way in). It packs with --ignore-scripts: `prepare` would
 * rebuild dist/ under the CLI tests running beside this file, so it packs the dist/ that `npm
 * test` (or `npm run build`) has just built. npm fetches the tarball's dependencies from its
 * cache, or from the registry when they are not cached; a linked clone brings its own.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSpecifiers, packageOf } from '../support/moduleImports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/**
 * The environment for the npm and node child processes: this one's, less the local prefix that
 * `npm test` exports, which would make npm install into this repository instead of the project.
 */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_local_prefix'));

/** Runs a command in `cwd`; its stdout, or a rejection carrying its stderr. */
async function sh(cwd: string, command: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(command, args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The README section's TypeScript example and the ledger line it says the example prints. */
function readmeExample(): { source: string; ledger: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using the engine in your own runtime'));
  const source = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const ledger = /`(\{"submitted":[^`]*\})`/.exec(section)?.[1];
  if (source === undefined || ledger === undefined) throw new Error('README.md: "Using the engine in your own runtime" lacks its ts example or the ledger it prints');
  return { source, ledger };
}

/** docs/LIVE.md's TypeScript examples that import the package: the driver's ("Using it"), the durable driver's ("Durability"). */
function liveExamples(): { driver: string; durable: string } {
  const blocks = [...readFileSync(join(ROOT, 'docs/LIVE.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const [driver, durable, ...more] = blocks.filter((block) => /from 'fleetsim(\/engine)?'/.test(block));
  if (driver === undefined || durable === undefined || more.length > 0) throw new Error('docs/LIVE.md: expected two TypeScript examples that import fleetsim ("Using it", "Durability")');
  return { driver, durable };
}

/**
 * The packages the modules among `files` (paths in the installed package `root`) import, statically,
 * dynamically or by `require` (the CLI's bundles included), Node's built-ins left out.
 */
function importedPackages(root: string, files: readonly string[]): Set<string> {
  const imported = new Set<string>();
  for (const file of files.filter((path) => /\.(c|m)?js$/.test(path))) {
    for (const specifier of importSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      const name = packageOf(specifier);
      if (name !== undefined) imported.add(name);
    }
  }
  return imported;
}

let dir: string;
let project: string;
let linkedProject: string;
let packedFiles: string[];

/** A fresh ESM project of a user's, `name` in the scratch directory, with `what` installed into it by npm (with `flags`). */
async function projectWith(name: string, what: string, flags: readonly string[] = []): Promise<string> {
  const path = join(dir, name);
  mkdirSync(join(path, 'src'), { recursive: true });
  writeFileSync(join(path, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await sh(path, 'npm', ['install', what, ...flags, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  return path;
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('dist/ is not built: run "npm run build" (npm test does) before this test');
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-package-'));
  const [packed] = JSON.parse(await sh(ROOT, 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir])) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed!.files.map((file) => file.path);
  project = await projectWith('consumer', join(dir, packed!.filename));
  // --ignore-scripts for the link too: the clone's `prepare` would check its build beside the suites.
  linkedProject = await projectWith('linked-consumer', ROOT, ['--ignore-scripts']);
}, 240_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `sources` (file name → text) into `project`'s src/ and compiles them into dist/ with a
 * strict tsconfig, using this repository's TypeScript; `options` are compiler options over it.
 */
async function compile(project: string, sources: Readonly<Record<string, string>>, options: Readonly<Record<string, unknown>> = {}): Promise<void> {
  for (const [name, source] of Object.entries(sources)) writeFileSync(join(project, 'src', name), source);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: true,
      // The examples print with console.log: Node's types, from this repository.
      types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
      rootDir: 'src', outDir: 'dist',
      ...options,
    },
    files: Object.keys(sources).map((name) => `src/${name}`),
  }));
  await sh(project, process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']).catch((error: { stdout?: string }) => {
    throw new Error(`tsc in ${project} failed:\n${error.stdout ?? ''}`, { cause: error });
  });
}

/**
 * Type-checks and runs the README example in `project` (fleetsim installed there) and checks what
 * it prints: every task through created → queued → assigned → running → completed, the ledger
 * line the README gives, balanced.
 */
async function checkReadmeExample(project: string): Promise<void> {
  const { source, ledger } = readmeExample();
  await compile(project, { 'example.ts': source });
  const lines = (await sh(project, process.execPath, ['dist/example.js'])).trim().split('\n');

  const last = lines.pop()!;
  expect(last).toBe(ledger);
  const counts = JSON.parse(last) as Record<string, number>;
  const histories = new Map<string, string[]>();
  for (const line of lines) {
    const [, task, from, to] = /^\d+s (\S+) (\S+) -> (\S+)$/.exec(line) ?? [];
    expect(task, line).toBeDefined();
    histories.set(task!, [...(histories.get(task!) ?? []), `${from}->${to}`]);
  }
  expect(histories.size).toBeGreaterThan(1);
  for (const [task, history] of histories) expect(history, task).toEqual(['created->queued', 'queued->assigned', 'assigned->running', 'running->completed']);
  expect(counts.submitted).toBe(histories.size);
  expect(counts.completed).toBe(histories.size);
  expect(counts.submitted).toBe(counts.completed! + counts.deadLettered! + counts.expired! + counts.cancelled! + counts.rejected! + counts.inFlight!);
}

/** Checks that `project`'s installed `fleetsim` command runs and finds the scenarios shipped with it. */
async function checkCommand(project: string): Promise<void> {
  const out = await sh(project, join(project, 'node_modules/.bin/fleetsim'), ['validate', 'node_modules/fleetsim/scenarios/specialists.yaml']);
  expect(out).toContain('valid scenario "specialists-under-pressure"');
}

describe('the packed package', () => {
  it('ships the built library with its type declarations, the command and the scenario library, and neither sources nor tests', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/experiments/worker.js', 'scenarios/specialists.yaml']));
    expect(packedFiles.filter((path) => /^(src|test|bench|reports|dist\/bench)\//.test(path) || path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs the README example in a fresh project: type-checked, every task started, finished and completed, the ledger balanced', async () => {
    await checkReadmeExample(project);
  }, 120_000);

  it('type-checks the README example and LIVE.md\'s first, from fleetsim/engine, and a program importing all of fleetsim, with exactOptionalPropertyTypes on and skipLibCheck off', async () => {
    const { source } = readmeExample();
    const { driver } = liveExamples();
    for (const example of [source, driver]) expect(example).toContain("from 'fleetsim/engine';");
    // The whole entry's declarations, the report's among them: they name no type of vega-lite, whose own declarations fail this check.
    const everything = "import * as fleetsim from 'fleetsim';\nconsole.log(Object.keys(fleetsim).length);\n";
    // Every declaration file the programs reach is checked: fleetsim's and those of the packages they import.
    await compile(project, { 'strictReadme.ts': source, 'strictLiveDriver.ts': driver, 'strictEverything.ts': everything }, { exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true });
  }, 120_000);

  it('installs a working fleetsim command that finds the shipped scenarios', async () => {
    await checkCommand(project);
  }, 60_000);

  it('needs no devDependency at run time: the packages dist/src imports are dependencies, and every module of it loads there', async () => {
    const installed = join(project, 'node_modules/fleetsim');
    const { dependencies } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = importedPackages(installed, packedFiles.filter((path) => path.startsWith('dist/src/')));
    expect(imported.size).toBeGreaterThan(5);
    expect([...imported].filter((name) => !(name in dependencies))).toEqual([]);

    // The CLI's entry points and worker scripts run when loaded; the others must load with only the dependencies installed.
    const modules = packedFiles.filter((path) => path.startsWith('dist/src/') && path.endsWith('.js') && !/(cli\/(main|processor)|worker)\.js$/.test(path));
    const loader = `const { pathToFileURL } = await import('node:url');
      for (const m of ${JSON.stringify(modules)}) await import(pathToFileURL('node_modules/fleetsim/' + m).href);
      console.log('loaded', ${modules.length});`;
    expect(modules.length).toBeGreaterThan(100);
    expect((await sh(project, process.execPath, ['--input-type=module', '-e', loader])).trim()).toBe(`loaded ${modules.length}`);
  }, 60_000);

  it("runs docs/LIVE.md's examples there: the driver completes its task; the durable driver completes one, then recovers its directory and completes another", async () => {
    const { driver, durable } = liveExamples();
    // What the durable example's import line tells a reader to install.
    await sh(project, 'npm', ['install', 'seedrandom', '@types/seedrandom', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
    await compile(project, { 'liveDriver.ts': driver, 'durableDriver.ts': durable });

    const driven = await sh(project, process.execPath, ['dist/liveDriver.js']);
    expect(driven).toMatch(/submitted: 1,\s+completed: 1,[\s\S]*inFlight: 0,/);

    const first = (await sh(project, process.execPath, ['dist/durableDriver.js'])).trim().split('\n');
    const second = (await sh(project, process.execPath, ['dist/durableDriver.js'])).trim().split('\n');
    // The recovery report, printed once the directory is open (a recovery's replayed events come before it).
    const recovery = (lines: string[]): unknown => JSON.parse(lines.find((line) => line.startsWith('{"fresh"')) ?? 'null');
    expect(recovery(first)).toMatchObject({ fresh: true });
    expect(JSON.parse(first.at(-1)!)).toMatchObject({ submitted: 1, completed: 1, inFlight: 0 });
    expect(recovery(second)).toMatchObject({ fresh: false, inputsReplayed: expect.any(Number) });
    expect(JSON.parse(second.at(-1)!)).toMatchObject({ submitted: 2, completed: 2, inFlight: 0 });
    expect(existsSync(join(project, 'fleetsim-data/events.jsonl'))).toBe(true);
  }, 120_000);
});

describe('a clone linked into a project (npm install ../fleetsim)', () => {
  it('is linked, not copied: a rebuild in the clone is what the project runs', () => {
    const installed = join(linkedProject, 'node_modules/fleetsim');
    expect(lstatSync(installed).isSymbolicLink()).toBe(true);
    expect(realpathSync(installed)).toBe(realpathSync(ROOT));
  });

  it('runs the README example there as from the tarball', async () => {
    await checkReadmeExample(linkedProject);
  }, 120_000);

  it('has the fleetsim command there', async () => {
    await checkCommand(linkedProject);
  }, 60_000);
});
