/**
 * Every repository path and every flag the README and docs/ write in code (inline code spans and
 * fenced blocks) still exists: a path in the checkout (a `dist/` path in the build, which `npm test`
 * makes before the tests run); a source file named without its directory (`wal.ts`,
 * `service/app.ts`) under src/, test/, bench/, scripts/ or examples/, or at the top; `npm run X`
 * among package.json's scripts; `fleetsim <command> … --flag` among the options the built command
 * line's own `--help` lists for that command; `npm run bench -- --flag` and `--only PART` among the
 * bench's (bench/benchArgs.ts); a flag given to a script run by path among the flags its source
 * reads. A flag written on its own (`--workers 2`) is checked against the options of every fleetsim
 * command together, with the bench's, the scripts', Node's and V8's beside them: a nearby command
 * is no reliable guide, since the sections about `serve` also give the bench's and Node's flags.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BENCH_FLAGS, BENCH_PARTS } from '../../bench/benchArgs.js';
import { ROOT, runCli } from '../cli/runCli.js';
import { brokenReferences, type KnownFlags } from '../support/docReferences.js';
import { projectDocs } from '../support/projectDocs.js';

/** The long options a yargs help text lists under "Options:". */
function helpOptions(help: string): Set<string> {
  const section = help.split(/\n(?=\S)/).find((part) => part.startsWith('Options:')) ?? '';
  return new Set(section.split('\n').flatMap((line) => /^ {2}(-.*?)(?: {2}|$)/.exec(line)?.[1]?.split(/,\s*/) ?? []).filter((name) => name.startsWith('--')));
}

/** The options of every fleetsim command (`''`: the top level's), from the built command line's help. */
function fleetsimOptions(): Map<string, Set<string>> {
  const top = runCli('--help');
  expect(top.status, top.stderr).toBe(0);
  const commands = [...top.stdout.matchAll(/^ {2}fleetsim ([a-z][a-z-]*)/gm)].map((match) => match[1]!);
  const options = new Map<string, Set<string>>([['', helpOptions(top.stdout)]]);
  for (const command of commands) {
    const help = runCli(command, '--help');
    expect(help.status, help.stderr).toBe(0);
    options.set(command, helpOptions(help.stdout));
  }
  return options;
}

/**
 * Node's own options and V8's, as this Node lists them (V8's with `-` for `_`). The dated records
 * name V8 flags of Node 20's V8 (`--max-lazy`, `--turbo-filter`, …): under a Node whose V8 dropped
 * one, this lint names it, to be added to OTHER_PROGRAMS_FLAGS.
 */
function nodeFlags(): Set<string> {
  const node = spawnSync(process.execPath, ['--help'], { encoding: 'utf8' }).stdout;
  const v8 = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  return new Set([
    ...process.allowedNodeEnvironmentFlags,
    ...[...node.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((match) => match[0]),
    ...[...v8.matchAll(/^ {2}(--[\w-]+)/gm)].map((match) => match[1]!.replace(/_/g, '-')),
  ]);
}

/** Every `'--flag'` literal of the sources of bench/ and scripts/: the flags the stand-alone harnesses and build scripts read. */
function scriptsFlags(): Set<string> {
  const sources = ['bench', 'scripts'].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((name) => /\.(ts|mjs)$/.test(name)).map((name) => join(ROOT, dir, name)));
  return new Set(sources.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/['"](--[a-z0-9][\w-]*)['"]/gi)].map((match) => match[1]!)));
}

/**
 * Flags of programs with no list to read that the docs name on their own: valgrind's (callgrind,
 * cachegrind) and npm's.
 */
const OTHER_PROGRAMS_FLAGS = ['--tool', '--cache-sim', '--D1', '--LL', '--dump-before', '--dump-after', '--foreground-scripts'];

/**
 * What the docs name on purpose although the checkout does not have it: a dated record's
 * reference that its text says is gone, and to what.
 */
const KEPT_REFERENCES: readonly { doc: string; reference: string; why: string }[] = [
  {
    doc: 'docs/LIVE-RECORD.md',
    reference: 'mon.cjs',
    why: 'the loop-stall monitor of two dated measurements, never committed; the text says so and names bench/loopStallMonitor.ts',
  },
];

/** Whether `broken` (a line of brokenReferences) is one of KEPT_REFERENCES. */
function kept(broken: string): boolean {
  return KEPT_REFERENCES.some(({ doc, reference }) => broken.startsWith(`${doc}:`) && broken.includes(`: ${reference}: `));
}

describe('documentation references to paths and flags', () => {
  let known: KnownFlags;
  beforeAll(() => {
    known = {
      fleetsim: fleetsimOptions(),
      bench: new Set(Object.keys(BENCH_FLAGS)),
      benchParts: new Set(BENCH_PARTS),
      others: new Set([...nodeFlags(), ...scriptsFlags(), ...OTHER_PROGRAMS_FLAGS]),
    };
  });

  it('names only paths, commands and flags that exist in the README and docs/', () => {
    const broken = projectDocs(ROOT).flatMap((doc) => brokenReferences(doc, readFileSync(join(ROOT, doc), 'utf8'), ROOT, known));
    expect(broken.filter((line) => !kept(line))).toEqual([]);
    // A kept reference the docs no longer make is taken off the list.
    for (const { doc, reference } of KEPT_REFERENCES) expect(broken.some((line) => line.startsWith(`${doc}:`) && line.includes(`: ${reference}: `)), reference).toBe(true);
  });

  it('reads the options of every command from the command line itself', () => {
    expect([...known.fleetsim.keys()]).toEqual(expect.arrayContaining(['', 'run', 'compare', 'serve', 'agent-worker', 'trace']));
    expect(known.fleetsim.get('serve')).toContain('--wal-preallocate-mib');
    expect(known.fleetsim.get('compare')).toContain('--workers');
    expect(known.fleetsim.get('serve')).not.toContain('--workers');
    expect(known.fleetsim.get('')).toEqual(new Set(['--help', '--version']));
  });

  it('flags a missing path or source file, an unknown command or npm script, and a flag its command, the bench or a script lacks, all at once', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleetsim-references-'));
    try {
      mkdirSync(join(root, 'src', 'live'), { recursive: true });
      mkdirSync(join(root, 'bench'));
      mkdirSync(join(root, 'dist', 'bench'), { recursive: true });
      writeFileSync(join(root, 'dist', 'bench', 'harness.js'), '');
      writeFileSync(join(root, 'src', 'live', 'wal.ts'), '');
      writeFileSync(join(root, 'bench', 'harness.ts'), "const remote = process.argv.includes('--remote');\n");
      writeFileSync(join(root, 'package.json'), JSON.stringify({ scripts: { bench: 'node dist/bench/main.js' } }));
      const page = [
        'The log is `src/live/wal.ts` `appendGroup` (`wal.ts`); the old one was `src/live/journalFile.ts` (`journalFile.ts`).', // 1
        '', // 2
        '```sh', // 3
        'npx fleetsim serve scenarios/x.yaml --data /tmp/d \\', // 4
        '  --wal-prealloc 16 --port 0', // 5
        'npx fleetsim frobnicate --json', // 6
        '```', // 7
        '', // 8
        'With `--workers 2`, or `--wokers 2`, and `npm run bench -- --only speed --secs 5`;', // 9
        '`serve --latency-probe --workers 2`, `node dist/bench/harness.js --remote --local`.', // 10
        '`npm run benchmark`', // 11
      ].join('\n');
      expect(brokenReferences('page.md', page, root, known)).toEqual([
        'page.md:1: src/live/journalFile.ts: no such file or directory',
        'page.md:1: journalFile.ts: no source file of that name',
        'page.md:4: scenarios/x.yaml: no such file or directory',
        'page.md:4: fleetsim serve --wal-prealloc: not an option of fleetsim serve',
        'page.md:6: fleetsim frobnicate: no such command',
        'page.md:9: --wokers: no fleetsim command, bench, script, Node or V8 takes it',
        'page.md:9: npm run bench --secs: not a flag of the bench',
        'page.md:9: npm run bench --only speed: no such part',
        'page.md:10: fleetsim serve --workers: not an option of fleetsim serve',
        'page.md:10: bench/harness.ts --local: the script does not read it',
        'page.md:11: npm run benchmark: no such script in package.json',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('leaves patterns, placeholders, run outputs and other programs\' command lines unchecked', () => {
    const page = [
      'Every `test/**/*.test.ts`, `scenarios/<file>`, `src/live/…`, `reports/<name>-sweep/`, `reports/high-load/index.html`,',
      '`node_modules/fleetsim/schema/`, `../shared/traces/x.csv`, `fleetsim serve: the service runs with --v8-pool-size=1`,',
      '`NODE_OPTIONS=--max-semi-space-size=4 fleetsim serve …`, `valgrind --tool=callgrind`, `--no-turbofan`, `fleetsim run --no-png`.',
      '',
      '```sh',
      'npx fleetsim sweep s.yaml --param \'x=--y\' > /tmp/out.txt # --not-a-flag',
      '```',
    ].join('\n');
    expect(brokenReferences('page.md', page, ROOT, known)).toEqual([]);
  });
});
