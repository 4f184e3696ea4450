/**
 * What a build of this package is made from, as one digest, so that `prepare` can skip a build
 * whose outputs are already those of the current sources.
 *
 * npm runs `prepare` on `npm install`, on `npm pack`, and when it links this folder as a
 * dependency, which is what `npx fleetsim` does in a clone (it installs the clone into its own
 * cache to find the `fleetsim` command): each rebuilt the project (~20 s) although `npm install`
 * had just built it. `npm run build` still always builds.
 *
 * The digest covers every file the build reads (the TypeScript sources it compiles, the bundler
 * script, the TypeScript and package configuration with the lockfile, the scenario library whose
 * reports seed the chart templates), whether each trace a library scenario names is present (a
 * scenario whose trace is missing seeds no templates), and the Node version (the bundle's code
 * caches are V8's).
 *
 * `node scripts/buildInputs.mjs --record` (the last step of `npm run build`) writes the digest
 * beside the outputs; `node scripts/buildInputs.mjs --build-if-changed` (`prepare`) runs
 * `npm run build` unless that record matches and the outputs are there. Both work on the
 * package in the current directory, which is where npm runs its scripts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Folders and files of the package whose content the build reads. */
const INPUTS = ['src', 'bench', 'examples', 'test/support', 'scripts', 'scenarios', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

/** Outputs that must exist for a recorded build to count (the command, the library's two entries, the worker). */
const OUTPUTS = ['dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/engineEntry.js', 'dist/src/experiments/worker.js'];

/** Where the digest of the inputs of the last build is kept. */
export const RECORD = 'dist/.build-inputs';

/** Every file under `path` (or `path` itself), sorted, relative to `root`; none if it does not exist. */
function files(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true })
    .map((name) => join(path, name))
    .filter((name) => statSync(join(root, name)).isFile())
    .sort();
}

/** The trace files the library scenarios name, each resolved from its scenario's folder; none from a file that does not parse. */
function traceFiles(root) {
  return files(root, 'scenarios').filter((name) => name.endsWith('.yaml')).flatMap((name) => {
    let document;
    try {
      document = parse(readFileSync(join(root, name), 'utf8'));
    } catch {
      return []; // the build itself reports a scenario that does not parse
    }
    const file = document?.workload?.trace?.file;
    return typeof file === 'string' ? [resolve(root, dirname(name), file)] : [];
  });
}

/** The digest of what a build of the package at `root` reads, with the running Node's version. */
export function buildInputsDigest(root) {
  const hash = createHash('sha256');
  hash.update(`node ${process.version}\n`);
  for (const name of INPUTS.flatMap((path) => files(root, path))) {
    hash.update(`file ${name} ${statSync(join(root, name)).size}\n`);
    hash.update(readFileSync(join(root, name)));
  }
  // A trace's presence decides whether its scenario seeds chart templates; its identity is
  // taken from size and modification time, as reading gigabytes of traces would cost more than the build.
  for (const trace of traceFiles(root)) {
    const stat = existsSync(trace) ? statSync(trace) : undefined;
    hash.update(`trace ${relative(root, trace)} ${stat === undefined ? 'missing' : `${stat.size} ${stat.mtimeMs}`}\n`);
  }
  return hash.digest('hex');
}

/** Whether the package at `root` holds the outputs of a build of its current inputs. */
export function buildIsCurrent(root) {
  if (!OUTPUTS.every((path) => existsSync(join(root, path)))) return false;
  const record = join(root, RECORD);
  return existsSync(record) && readFileSync(record, 'utf8').trim() === buildInputsDigest(root);
}

/** The command line: `--record` or `--build-if-changed`, on the package in the current directory. */
function main(mode) {
  const root = process.cwd();
  if (mode === '--record') {
    writeFileSync(join(root, RECORD), `${buildInputsDigest(root)}\n`);
    return 0;
  }
  if (mode === '--build-if-changed') {
    if (buildIsCurrent(root)) {
      process.stderr.write('fleetsim: the build is current (same sources, lockfile, scenarios, traces and Node): not rebuilt (`npm run build` rebuilds)\n');
      return 0;
    }
    return spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status ?? 1;
  }
  process.stderr.write(`buildInputs: expected --record or --build-if-changed, got ${mode ?? 'nothing'}\n`);
  return 2;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv[2]);
