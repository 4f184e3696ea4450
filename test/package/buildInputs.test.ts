/**
 * `prepare` builds only when the sources changed (scripts/buildInputs.mjs): npm runs it on every
 * install, pack and link of this folder (`npx fleetsim` in a clone links it), and a build costs
 * ~20 s. Here on a small package of the same shape, whose build counts its own runs, through real
 * `npm run` and node processes.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations
import { buildInputsDigest } from '../../scripts/buildInputs.mjs';

const SCRIPT = fileURLToPath(new URL('../../scripts/buildInputs.mjs', import.meta.url));
const digest = buildInputsDigest as (root: string) => string;
const run = promisify(execFile);

/** npm's environment less the local prefix `npm test` exports, which would point npm at this repository. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_local_prefix'));

let root: string;

/** Writes `text` to `path` under the package, making its folders. */
function put(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** How many times the package's build has run. */
function builds(): number {
  return readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;
}

/** `prepare` as npm runs it: `--build-if-changed` in the package's folder. */
async function prepare(): Promise<string> {
  const { stderr } = await run(process.execPath, [SCRIPT, '--build-if-changed'], { cwd: root, env: ENV });
  return stderr;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fleetsim-build-inputs-'));
  // The build writes the four outputs the record requires, logs that it ran, then records its inputs.
  const build = 'const fs = require("node:fs"); for (const f of ["dist/src/cli/main.js", "dist/src/index.js", "dist/src/engineEntry.js", "dist/src/experiments/worker.js"]) { fs.mkdirSync(require("node:path").dirname(f), { recursive: true }); fs.writeFileSync(f, ""); } fs.appendFileSync("builds.log", "built\\n");';
  put('build.cjs', build);
  put('package.json', JSON.stringify({ name: 'fixture', private: true, scripts: { build: `node build.cjs && node ${JSON.stringify(SCRIPT)} --record` } }));
  put('builds.log', '');
  put('src/a.ts', 'export const a = 1;\n');
  put('scenarios/traced.yaml', 'name: traced\nworkload:\n  trace:\n    file: ../traces/t.csv\n');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the digest of a build\'s inputs', () => {
  it('changes with a source\'s content, a new source, or a named trace appearing, and with nothing outside the inputs', () => {
    const first = digest(root);
    expect(digest(root)).toBe(first);
    put('docs/notes.md', 'not read by the build');
    put('dist/src/cli/cache.bin', 'written by a run');
    expect(digest(root)).toBe(first);

    put('src/a.ts', 'export const a = 2;\n');
    const edited = digest(root);
    expect(edited).not.toBe(first);
    put('src/deep/b.ts', 'export const b = 1;\n');
    const added = digest(root);
    expect(added).not.toBe(edited);
    put('traces/t.csv', 'at,tokens\n0,1\n');
    const traced = digest(root);
    expect(traced).not.toBe(added);
    utimesSync(join(root, 'traces/t.csv'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(digest(root)).not.toBe(traced);
  });
});

describe('prepare (--build-if-changed)', () => {
  it('builds a package never built, then not again until a source changes or an output is gone', async () => {
    await prepare();
    expect(builds()).toBe(1);
    expect(await prepare()).toContain('the build is current');
    expect(builds()).toBe(1);

    appendFileSync(join(root, 'src/a.ts'), 'export const c = 3;\n');
    await prepare();
    expect(builds()).toBe(2);

    rmSync(join(root, 'dist/src/experiments/worker.js'));
    await prepare();
    expect(builds()).toBe(3);
    await prepare();
    expect(builds()).toBe(3);

    rmSync(join(root, 'dist/src/engineEntry.js'));
    await prepare();
    expect(builds()).toBe(4);
  }, 60_000);

  it('rejects a mode it does not know with exit code 2', async () => {
    await expect(run(process.execPath, [SCRIPT, '--sometimes'], { cwd: root, env: ENV })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('expected --record or --build-if-changed, got --sometimes') });
  });
});
