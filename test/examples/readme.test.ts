/**
 * README.md's shell examples, run as written, and those of the docs/ pages listed in
 * {@link DOCUMENTS}: every line of every ```sh block is either run here or listed there with the
 * reason it is not, so that a renamed flag, a moved scenario or a changed output fails the
 * suite. Lines run through `bash -c` (for loops, globs, `&` and `kill %1` as a reader's shell
 * runs them; services, workers and agents in the background) in a scratch copy of a clone's layout: `scenarios/`
 * and `reports/baseline/` copied, the public traces linked at `../shared/traces` as beside the
 * repository, so that `--out reports/…` and `--update` never write into the repository. What
 * must change to run in a test is in one table, {@link SUBSTITUTIONS}; what a line is documented
 * to print or write is checked by {@link DOCUMENTED_OUTPUT} and the rules under it.
 *
 * The blocks run one after another (a document's blocks build on each other's reports), but for
 * two flows that run beside them, each in a scratch layout of its own: the live services fed a
 * load in real time (mostly waiting on the clock) and the blocks that use Redis.
 *
 * Needs the build (`npm run build`; `npm test` builds before the suites) and, for the distributed
 * examples, `redis-server` (skipped with a warning when absent, unless FLEETSIM_REQUIRE_REDIS=1).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { withoutTiming } from '../support/fleetsimProcesses.js';
import { freePort } from '../support/localPorts.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';
import {
  onPath, runLine, shellBlocks, shellWord, startLine, substitute,
  type BackgroundLine, type FinishedLine, type ShellBlock, type Substitution,
} from '../support/shellExamples.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
/** Where the README says the public traces are: beside the checkout, never inside it. */
const TRACES = resolve(ROOT, '../shared/traces');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
/** The longest block (the whole library's regress, twice) took up to 77 s on a 2-core machine at load 12. */
const BLOCK_TIMEOUT_MS = 300_000;

/** Where the examples run, and the servers they talk to. */
interface Scratch {
  /** The scratch directory: `fleetsim/` (the clone's layout), `shared/traces`, `tmp/`. */
  readonly root: string;
  /** The working directory of every line. */
  readonly clone: string;
  /** The built CLI every spelling of the command runs (this checkout's). */
  readonly cli: string;
  /** The free port that replaces 8080. */
  port: number;
  /** The Redis this test started, once it has. */
  redis: RedisServer | undefined;
}

/**
 * The documents whose sh blocks run here, README.md first, each with its lines that are not run
 * and why. docs/SCENARIOS.md has no sh block.
 */
const DOCUMENTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'README.md': {
    'npm install': "installs and builds a fresh clone: CI's own first step, before this suite runs",
    'npm test': 'the whole suite, this file included: what CI runs',
    'npm run bench': 'minutes of measurement that want an idle machine: the bench itself runs and reports it',
    'npm install git+https://github.com/<owner>/fleetsim.git   # or: npm install github:<owner>/fleetsim': 'needs the network and the published repository (<owner> stands for it)',
    'npm install ../fleetsim': "test/package/install.test.ts links this clone into a fresh project this way and runs the README's TypeScript example and the fleetsim command there",
    'npm install ../fleetsim/fleetsim-0.1.0.tgz': "test/package/install.test.ts packs this tarball, installs it into a fresh project and runs the README's TypeScript example and the fleetsim command against it",
  },
  'docs/EXPERIMENTS.md': {
    'npm run build && npx fleetsim regress scenarios/*.yaml --baseline reports/baseline/library.json --replications 3 --update':
      'its build would rewrite dist/ under the suites running beside this one (they run after the build); its regress --update is run as the line of the regress section',
  },
  'docs/CALIBRATION.md': {},
  'docs/REPORTS.md': {},
  'docs/LIVE.md': {},
  'docs/DISTRIBUTED.md': {},
};

/** A sh block of one of {@link DOCUMENTS}. */
interface DocumentBlock extends ShellBlock {
  readonly document: string;
  /** Its place among the document's sh blocks, from 1. */
  readonly number: number;
}

const BLOCKS: readonly DocumentBlock[] = Object.keys(DOCUMENTS).flatMap((document) => (
  shellBlocks(readFileSync(join(ROOT, document), 'utf8')).map((block, index) => ({ ...block, document, number: index + 1 }))
));

/** How the documents spell the command: `npx fleetsim`, a bare `fleetsim` (installed), `node dist/src/cli/main.js`. */
const CLI_SPELLING = /(?<=^|[\s;])(?:npx fleetsim|fleetsim|node dist\/src\/cli\/main\.js)(?=\s)/;

/** The shell words that run the CLI at `cli` with this Node. */
function cliWords(cli: string): string {
  return `${shellWord(process.execPath)} ${shellWord(cli)}`;
}

/** What changes in a line to run it here, in this order. */
const SUBSTITUTIONS: readonly Substitution<Scratch>[] = [
  {
    what: /^npm run ([\w:-]+) -- /g,
    by: (_, script) => {
      const body = PACKAGE.scripts[script!];
      if (body === undefined) throw new Error(`README.md runs "npm run ${script}", which package.json does not define`);
      return `${body} `;
    },
    why: "the script package.json defines, with the line's arguments after it as npm passes them: the scratch clone has no package.json",
  },
  {
    what: /^((?:npx )?fleetsim serve (?:(?! --port ).)*?)( &)?$/g,
    by: (scratch, command, background) => `${command} --port ${scratch.port}${background}`,
    why: "a service started without --port listens on 8080: the block's free port instead",
  },
  { what: /(?<![\w./])\/tmp\//g, by: (scratch) => `${shellWord(join(scratch.root, 'tmp'))}/`, why: 'files written outside the clone go to the scratch directory' },
  {
    what: /(?<=--data )\/var\/lib\//g,
    by: (scratch) => `${shellWord(join(scratch.root, 'tmp', `var-lib-${scratch.port}`))}-`,
    why: "a service's data directory in the scratch directory, one for each block's service",
  },
  { what: /(?<=127\.0\.0\.1:|localhost:|--port )8080\b/g, by: (scratch) => String(scratch.port), why: "a free port instead of 8080 (a block's own)" },
  {
    what: /redis:\/\/[\w.]+:6379\/0/g,
    by: (scratch) => {
      if (scratch.redis === undefined) throw new Error('a line uses Redis outside the suite that starts redis-server');
      return scratch.redis.url;
    },
    why: 'the redis-server this test starts on a free port',
  },
  { what: /^curl -s /g, by: () => String.raw`curl -s --write-out '\n%{http_code}' `, why: 'the HTTP status on a last line after the body, to check it is 200' },
  // Last, so that no rule above rewrites the paths it writes (a checkout under /tmp, say).
  {
    what: new RegExp(CLI_SPELLING.source, 'g'),
    by: (scratch) => cliWords(scratch.cli),
    why: 'the CLI this checkout built (the suites run after the build), from the scratch clone; a bare `fleetsim` is the same command installed',
  },
];

/** A check of what a line is documented to print or write, beyond exit code 0. */
interface Expectation {
  /** Where the README says so. */
  readonly documented: string;
  check(run: FinishedLine, scratch: Scratch): void | Promise<void>;
}

const REPORT_FILES = ['summary.json', 'results.csv', 'leaderboards.csv', 'classes.csv', 'agents.csv', 'summary.md', 'index.html'];

/** The README's statements about what its lines print or write, by line as written. */
const DOCUMENTED_OUTPUT: Readonly<Record<string, Expectation>> = {
  'npx fleetsim run scenarios/first-look.yaml': {
    documented: 'look at the `quality` and `latency p95 (s)` columns',
    check: (run) => expect(strategyTable(run.stdout).columns).toEqual(expect.arrayContaining(['quality', 'latency p95 (s)'])),
  },
  'npx fleetsim run scenarios/specialists.yaml': {
    documented: '± is the 95% confidence half-width, a legend under the table says what each column means',
    check: (run) => {
      const { columns } = strategyTable(run.stdout);
      expect(run.stdout).toMatch(/± = 95% CI half-width/);
      for (const column of columns.slice(1)) expect(run.stdout, `legend entry for ${column}`).toMatch(new RegExp(`^  ${escapeRegExp(column)}\\s{2,}\\S`, 'm'));
    },
  },
  'npx fleetsim run scenarios/specialists.yaml --json --out reports/specialists --events reports/specialists/events.jsonl': {
    documented: "one JSON document, with a report directory (compare's: summary.json, CSV, summary.md, index.html and charts) and the full event log",
    check: (_, scratch) => {
      const summary = experimentReport(scratch, 'reports/specialists', ['summary.json', 'results.csv', 'summary.md', 'index.html']);
      expect(summary.kind).toBe('compare');
      expect(readdirSync(join(scratch.clone, 'reports/specialists')).some((file) => file.endsWith('.svg'))).toBe(true);
      const events = readFileSync(join(scratch.clone, 'reports/specialists/events.jsonl'), 'utf8').trim().split('\n');
      expect(events.length).toBeGreaterThan(1);
      for (const event of events) expect(() => JSON.parse(event) as unknown, event).not.toThrow();
    },
  },
  'npx fleetsim run scenarios/hoarding.yaml --strategy round-robin,least-connections --seed 9 --replications 10': {
    documented: 'another seed, more replications',
    check: (run) => expect(run.stdout).toMatch(/^\S+: seed 9, 10 replications\b/m),
  },
  'npx fleetsim run scenarios/supervisor-dag.yaml --json': {
    documented: '`--json` shows `delegation`, `workflows`, `retrySuccess` and `fleet`',
    check: (run) => {
      const { results } = JSON.parse(run.stdout) as { results: { metrics: Record<string, unknown> }[] };
      for (const { metrics } of results) expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['delegation', 'workflows', 'retrySuccess', 'fleet']));
    },
  },
  'npx fleetsim run scenarios/tenant-burst.yaml --by tenant': {
    documented: '`--by tenant` adds a table with a row per class and strategy',
    check: (run, scratch) => expect(classRows(run.stdout, 'tenant')).toBeGreaterThanOrEqual(2 * scenarioStrategies(scratch, 'scenarios/tenant-burst.yaml').length),
  },
  'npx fleetsim compare scenarios/tenant-burst.yaml --by tenant': {
    documented: "`compare` adds each tenant's paired differences",
    check: (run) => expect(run.stdout).toMatch(/^Paired differences by tenant\b.*\ntenant\s+strategy\s+Δ/m),
  },
  'npx fleetsim validate scenarios/specialists.yaml': {
    documented: 'validate a scenario file',
    check: (run) => expect(run.stdout).toMatch(/^scenarios\/specialists\.yaml: valid scenario "/),
  },
  'npx fleetsim strategies': {
    documented: 'list the strategies with their parameters and defaults',
    check: (run) => expect(run.stdout).toMatch(/^power-of-d: .*\n\s+d\s+integer .*default 2$/m),
  },
  'npx fleetsim strategies power-of-d': {
    documented: 'or show one',
    check: (run) => expect(run.stdout).toMatch(/^power-of-d: .*\n\s+d\s+integer .*default \d+\n?$/),
  },
  'npx fleetsim help sweep': {
    documented: 'the options and examples of a command',
    check: (run) => {
      expect(run.stdout).toMatch(/^fleetsim sweep <scenario>/);
      expect(run.stdout).toMatch(/--param/);
      expect(run.stdout).toMatch(/Examples:/);
    },
  },
  'npx fleetsim --version': {
    documented: 'the version',
    check: (run) => expect(run.stdout.trim()).toBe(PACKAGE.version),
  },
  'npx fleetsim compare scenarios/specialists.yaml': {
    documented: 'the report directory (default `reports/<scenario name>/`) gets summary.json, results.csv, leaderboards.csv, classes.csv, agents.csv and summary.md, and index.html',
    check: (_, scratch) => expect(experimentReport(scratch, 'reports/specialists-under-pressure', REPORT_FILES).kind).toBe('compare'),
  },
  'npx fleetsim compare scenarios/identical-high-load.yaml --baseline random --out reports/high-load': {
    documented: 'a baseline strategy, the report directory given by --out',
    check: (_, scratch) => expect(experimentReport(scratch, 'reports/high-load', REPORT_FILES)).toMatchObject({ kind: 'compare', baseline: 'random' }),
  },
  'npx fleetsim regress scenarios/*.yaml --baseline reports/baseline/library.json --replications 3': {
    documented: 'fail (exit 1) when a metric got significantly worse than the baseline',
    check: (run) => expect(run.stdout).toMatch(/^regress: \d+ scenarios within tolerance$/m),
  },
  'npx fleetsim regress scenarios/hoarding.yaml --baseline reports/my-baseline.json --update': {
    documented: '`--update` accepts the current figures',
    check: (_, scratch) => expect(baselineScenarios(scratch.clone, 'reports/my-baseline.json')).toEqual([parseScenario(scratch, 'scenarios/hoarding.yaml').name]),
  },
  'npx fleetsim check scenarios/team-targets.yaml': {
    documented: 'least-work-left meets them (the scenario table), so check passes',
    check: (run) => expect(run.stdout).toMatch(/^check: 1 scenario: every targeted strategy meets its targets$/m),
  },
  'npx fleetsim check scenarios/team-targets.yaml --replications 10 --seed 3 --workers 2': {
    documented: 'docs/EXPERIMENTS.md: check with other replications, seed and workers',
    check: (run) => expect(run.stdout).toMatch(/^check: 1 scenario: every targeted strategy meets its targets$/m),
  },
  'npx fleetsim compare scenarios/identical-high-load.yaml --baseline random --workers 2 --json': {
    documented: 'docs/EXPERIMENTS.md: --json prints the summary.json document instead of the tables',
    check: (run) => expect(JSON.parse(run.stdout)).toMatchObject({ format: 'fleetsim-experiment', kind: 'compare', baseline: 'random' }),
  },
  'npx fleetsim regress scenarios/*.yaml --baseline reports/baseline/library.json --replications 3 --update': {
    documented: 'docs/EXPERIMENTS.md: --update writes the baseline of what ran',
    check: (_, scratch) => expect(baselineScenarios(scratch.clone, 'reports/baseline/library.json')).toEqual(baselineScenarios(ROOT, 'reports/baseline/library.json')),
  },
  "npx fleetsim run scenarios/hoarding.yaml --events events.jsonl           # or a serve data dir's events.jsonl": {
    documented: 'docs/CALIBRATION.md: the events file of a run',
    check: (_, scratch) => expect(readFileSync(join(scratch.clone, 'events.jsonl'), 'utf8').length).toBeGreaterThan(0),
  },
  'npx fleetsim calibrate events.jsonl --out calibrated.yaml                # workload: the file itself, as a trace': {
    documented: 'docs/CALIBRATION.md: the workload is the events file itself, replayed as a trace',
    check: (_, scratch) => expect(parseScenario(scratch, 'calibrated.yaml')).toMatchObject({ workload: { trace: { file: expect.any(String) } } }),
  },
  'npx fleetsim calibrate events.jsonl --out fitted.yaml --synthetic --json # workload: a fitted Poisson process': {
    documented: 'docs/CALIBRATION.md: --synthetic fits a Poisson workload instead of the trace',
    check: (_, scratch) => expect(parseScenario(scratch, 'fitted.yaml')).not.toHaveProperty('workload.trace'),
  },
  'npx fleetsim report reports/specialists-under-pressure/summary.json': {
    documented: 'docs/REPORTS.md: the report redrawn from the saved results',
    check: (_, scratch) => expect(existsSync(join(scratch.clone, 'reports/specialists-under-pressure/index.html'))).toBe(true),
  },
  'npx fleetsim report reports/specialists-under-pressure --out /tmp/specialists-report': {
    documented: 'docs/REPORTS.md: the report written elsewhere',
    check: (_, scratch) => expect(existsSync(join(scratch.root, 'tmp/specialists-report/index.html'))).toBe(true),
  },
  'npx fleetsim report reports/specialists-under-pressure --png    # the charts as PNG too': {
    documented: 'docs/REPORTS.md: the charts as PNG too',
    check: (_, scratch) => expect(readdirSync(join(scratch.clone, 'reports/specialists-under-pressure')).filter((file) => file.endsWith('.png')).length).toBeGreaterThan(0),
  },
  'npx fleetsim compare scenarios/team-targets.yaml': {
    documented: '`compare` shows a pass/fail table for every strategy; round-robin misses deadlines',
    check: (run, scratch) => {
      const rows = run.stdout.slice(run.stdout.indexOf('\nTargets:')).split('\n').filter((line) => /\s(pass|fail)$/.test(line));
      expect(rows.map((row) => row.split(/\s+/)[0]).sort()).toEqual(scenarioStrategies(scratch, 'scenarios/team-targets.yaml').sort());
      expect(rows.find((row) => row.startsWith('round-robin '))).toMatch(/ miss .*fail$/);
    },
  },
  'npx fleetsim merge reports/shards/1 reports/shards/2 reports/shards/3 --out reports/specialists-grid': {
    documented: 'the merged report is the one an unsharded run gives',
    check: async (_, scratch) => {
      expect(reportText(scratch, 'reports/specialists-grid')).toBe(await inProcessSweepReport(scratch, 'reports/unsharded-grid'));
    },
  },
  "npx fleetsim sweep scenarios/specialists.yaml --param 'agents[0].count=3,4,5,6' --queue redis://127.0.0.1:6379/0": {
    documented: 'the report is the one an in-process run writes',
    check: async (_, scratch) => {
      expect(reportText(scratch, 'reports/specialists-under-pressure-sweep')).toBe(await inProcessSweepReport(scratch, 'reports/in-process-grid'));
    },
  },
  'npm run regress -- --update': {
    documented: 'update the baseline (its diff shows what moved)',
    check: (_, scratch) => {
      expect(statSync(join(scratch.clone, 'reports/baseline/library.json')).mtimeMs).toBeGreaterThan(statSync(join(ROOT, 'reports/baseline/library.json')).mtimeMs);
      expect(baselineScenarios(scratch.clone, 'reports/baseline/library.json')).toEqual(baselineScenarios(ROOT, 'reports/baseline/library.json'));
    },
  },
  'node dist/src/cli/main.js run scenarios/hoarding.yaml --events /tmp/hoarding-events.jsonl': {
    documented: 'the events of a run, for calibrate',
    check: (_, scratch) => expect(readFileSync(join(scratch.root, 'tmp/hoarding-events.jsonl'), 'utf8').length).toBeGreaterThan(0),
  },
  'node dist/src/cli/main.js calibrate /tmp/hoarding-events.jsonl --out /tmp/calibrated.yaml': {
    documented: '`calibrate` prints every fitted parameter with its 95% interval and a goodness-of-fit test',
    check: (run, scratch) => {
      expect(run.stdout).toMatch(/\[[\d.]+, [\d.]+\].*p = [\d.]+/);
      expect(parseYaml(readFileSync(join(scratch.root, 'tmp/calibrated.yaml'), 'utf8'))).toHaveProperty('agents');
    },
  },
  'node dist/src/cli/main.js trace stats ../shared/traces/mooncake-fast25/conversation_trace.jsonl --format mooncake': {
    documented: 'the statistics of a public trace',
    check: (run) => expect(run.stdout).toMatch(/^rows\s+[\d,]+$/m),
  },
};

/**
 * Commands that run until stopped (a service, workers, agents: what a reader starts in a terminal
 * of its own, or with `&`), started in the background, and how each says it is ready (else it is
 * not waited for).
 */
const LONG_RUNNING: readonly { readonly line: RegExp; readonly says?: (scratch: Scratch) => RegExp }[] = [
  { line: /fleetsim worker /, says: () => /taking experiment jobs/ },
  { line: /fleetsim serve /, says: (scratch) => new RegExp(`^fleetsim serve listening on http://127\\.0\\.0\\.1:${scratch.port}$`, 'm') },
  { line: /fleetsim (?:agents|agent-worker) / },
];

/** The bodies of the live service's routes that the README's curl lines read. */
const LIVE_BODIES: Readonly<Record<string, (body: string) => void>> = {
  '/v1/metrics': (body) => {
    const document = JSON.parse(body) as { timeSeconds: unknown; counts: { submitted: number }; metrics: { tasks: unknown } };
    expect(document.timeSeconds).toEqual(expect.any(Number));
    expect(document.counts.submitted).toBeGreaterThan(0);
    expect(document.metrics.tasks).toMatchObject({ submitted: expect.any(Number), completed: expect.any(Number) });
  },
  '/metrics': (body) => expect(body).toMatch(/^# TYPE fleetsim_\w+ (?:gauge|counter|histogram)$/m),
  '/healthz': (body) => expect(JSON.parse(body)).toMatchObject({ status: 'ok' }),
};

/** README's live quick start, its curl and status lines in a block of their own, runs as one flow; the docs' live blocks each on their own. */
const isLive = (line: string): boolean => /fleetsim (?:serve|agents|load|status) /.test(line) || line.startsWith('curl ');
const usesRedis = (line: string): boolean => line.includes('redis://');
const notRun = (block: DocumentBlock): Readonly<Record<string, string>> => DOCUMENTS[block.document]!;
const runnable = (block: DocumentBlock): string[] => block.lines.filter((line) => !(line in notRun(block)));
const title = (block: DocumentBlock): string => `${block.document} block ${block.number} (${block.heading}): ${runnable(block).join(' ; ')}`;

// A scratch layout for each flow that runs beside the others, so that none reads what another
// writes (README's and DISTRIBUTED.md's sweeps over Redis write the report a plain sweep writes).
let scratch: Scratch;
let paced: Scratch;
let queued: Scratch;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/src/cli/main.js is not built: run "npm run build" (npm test does) before this test');
  [scratch, paced, queued] = [await scratchLayout(), await scratchLayout(), await scratchLayout()];
});

afterAll(() => {
  for (const layout of [scratch, paced, queued]) if (layout !== undefined) rmSync(layout.root, { recursive: true, force: true });
});

/** A new scratch copy of a clone's layout. */
async function scratchLayout(): Promise<Scratch> {
  const root = mkdtempSync(join(tmpdir(), 'fleetsim-readme-'));
  const clone = join(root, 'fleetsim');
  cpSync(join(ROOT, 'scenarios'), join(clone, 'scenarios'), { recursive: true });
  cpSync(join(ROOT, 'reports/baseline'), join(clone, 'reports/baseline'), { recursive: true, preserveTimestamps: true });
  mkdirSync(join(root, 'tmp'));
  mkdirSync(join(root, 'shared'));
  // Absent traces are not skipped: the lines that read them fail, and say why (see message()).
  if (existsSync(TRACES)) symlinkSync(TRACES, join(root, 'shared/traces'));
  return { root, clone, cli: CLI, port: await freePort(), redis: undefined };
}

// Mostly waiting on the clock (README's load takes about 24 s, LIVE.md's 36 s): beside the other blocks.
describe.concurrent('live services fed a load in real time', () => {
  for (const block of BLOCKS) {
    if (isPacedBlock(block)) it(title(block), () => runBlock(block, paced), BLOCK_TIMEOUT_MS);
  }

  it("README.md's live quick start: serve, agents and load as written, the curl lines answer 200 and status reports while the load runs, load acknowledges every task, serve and agents exit 0 on SIGTERM", async () => {
    const lines = BLOCKS.filter((block) => block.document === 'README.md' && isLiveBlock(block)).flatMap(runnable);
    const role = (pattern: RegExp): string => {
      const matching = lines.filter((line) => pattern.test(line));
      if (matching.length !== 1) throw new Error(`README.md's live quick start: expected one line matching ${pattern}, found ${matching.length}`);
      return substitute(matching[0]!, SUBSTITUTIONS, paced);
    };
    const curls = lines.filter((line) => line.startsWith('curl '));
    const statuses = lines.filter((line) => /fleetsim status /.test(line));
    expect(lines.length, 'every line of the live flow is serve, agents, load, curl or status').toBe(3 + curls.length + statuses.length);
    const serve = startLine(role(/fleetsim serve /), paced.clone);
    let agents: BackgroundLine | undefined;
    let load: BackgroundLine | undefined;
    try {
      await serve.waitFor(LONG_RUNNING.find(({ line }) => line.test('fleetsim serve '))!.says!(paced), 60_000);
      agents = startLine(role(/fleetsim agents /), paced.clone);
      load = startLine(role(/fleetsim load /), paced.clone);
      await completedSomething(paced.port);
      for (const line of curls) await curlAnswers(line, paced, true);
      for (const line of statuses) await statusReports(line, paced);
      const loaded = await load.finished;
      expect(loaded.status, message('fleetsim load', loaded)).toBe(0);
      checkLoad(lines.find((line) => /fleetsim load /.test(line))!, loaded, paced);
      const agentsEnd = await agents.stop('SIGTERM');
      expect(agentsEnd.status, message('fleetsim agents', agentsEnd)).toBe(0);
      const serveEnd = await serve.stop('SIGTERM');
      expect(serveEnd.status, message('fleetsim serve', serveEnd)).toBe(0);
    } finally {
      await load?.stop('SIGKILL');
      await agents?.stop('SIGKILL');
      await serve.stop('SIGKILL');
    }
  }, BLOCK_TIMEOUT_MS);
});

describe('the substitutions', () => {
  it('leave the CLI path they write intact wherever the checkout and the scratch directory are (under /tmp too)', () => {
    // Substitution is text only: a stand-in server for the Redis URL (its url is all a rule reads).
    const redis = { url: 'redis://127.0.0.1:6390/0' } as Pick<RedisServer, 'url'> as RedisServer;
    const cli = '/tmp/ci/fleetsim/dist/src/cli/main.js';
    const context: Scratch = { root: '/tmp/fleetsim-readme-x', clone: '/tmp/fleetsim-readme-x/fleetsim', cli, port: 1234, redis };
    const lines = BLOCKS.flatMap(runnable).filter((line) => CLI_SPELLING.test(line) || /^npm run /.test(line));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const written = substitute(line, SUBSTITUTIONS, context);
      expect(written, line).toContain(`${cliWords(cli)} `);
      expect(written, line).not.toContain(`${shellWord(join(context.root, 'tmp'))}/ci/`);
    }
  });
});

describe.concurrent('the sh blocks of README.md and docs/', () => {
  // One after another: blocks of one document build on each other's reports.
  it.sequential('are all run here or listed as not run, with the reason; every table entry still matches a document', () => {
    const lines = BLOCKS.flatMap((block) => block.lines);
    expect(lines).toContain('npx fleetsim run scenarios/first-look.yaml');
    // What makes the CLI substitution faithful: in a clone, npx finds this very CLI (devDependency "fleetsim": "file:").
    expect(realpathSync(join(ROOT, 'node_modules/.bin/fleetsim'))).toBe(realpathSync(CLI));
    for (const [document, notRunLines] of Object.entries(DOCUMENTS)) {
      const documentLines = BLOCKS.filter((block) => block.document === document).flatMap((block) => block.lines);
      expect(documentLines.length, `${document} has no sh block`).toBeGreaterThan(0);
      for (const line of Object.keys(notRunLines)) expect(documentLines, `entry of DOCUMENTS no longer in ${document}: ${line}`).toContain(line);
    }
    for (const line of Object.keys(DOCUMENTED_OUTPUT)) expect(lines, `DOCUMENTED_OUTPUT entry in no document: ${line}`).toContain(line);
    for (const { what } of SUBSTITUTIONS) expect(lines.some((line) => new RegExp(what.source).test(line)), `no line needs the substitution ${what}`).toBe(true);
    // Every line that is not listed as not run belongs to one of the flows below, which run all of their lines.
    const planned = [isPlainBlock, isRedisBlock, isLiveBlock, isPacedBlock].flatMap((flow) => BLOCKS.filter(flow)).flatMap(runnable);
    expect(planned.sort()).toEqual(BLOCKS.flatMap(runnable).sort());
  });

  for (const block of BLOCKS) {
    if (isPlainBlock(block)) it.sequential(title(block), () => runBlock(block, scratch), BLOCK_TIMEOUT_MS);
  }
});

// Beside the other blocks: DISTRIBUTED.md's live block mostly waits on its load (36 s).
describe.concurrent('Redis', () => {
  describeWithRedis('the sh blocks that use Redis', () => {
    beforeAll(async () => { queued.redis = await startRedis(); });
    afterAll(async () => { await queued.redis?.stop(); });
    for (const block of BLOCKS) {
      if (isRedisBlock(block)) it.sequential(title(block), () => runBlock(block, queued), BLOCK_TIMEOUT_MS);
    }
  });
});

function isLiveBlock(block: DocumentBlock): boolean {
  return block.document === 'README.md' && block.lines.some(isLive);
}

function isRedisBlock(block: DocumentBlock): boolean {
  return !isLiveBlock(block) && block.lines.some(usesRedis);
}

/** A docs block that feeds a service a scenario's load in real time: mostly waiting on the clock. */
function isPacedBlock(block: DocumentBlock): boolean {
  return !isLiveBlock(block) && !isRedisBlock(block) && block.lines.some((line) => /fleetsim load /.test(line));
}

function isPlainBlock(block: DocumentBlock): boolean {
  return !isLiveBlock(block) && !isRedisBlock(block) && !isPacedBlock(block) && runnable(block).length > 0;
}

/**
 * Runs a block's lines in order: `… &` and {@link LONG_RUNNING} commands as background jobs,
 * `kill %N` sending job N SIGTERM, curl lines as HTTP requests, the rest to their end. Each block
 * has a port of its own, so that its service does not meet another's.
 */
async function runBlock(block: DocumentBlock, at: Scratch): Promise<void> {
  const jobs: BackgroundLine[] = [];
  const context: Scratch = { ...at, port: await freePort() };
  try {
    for (const line of runnable(block)) {
      const kill = /^kill %(\d+)$/.exec(line);
      if (kill !== null) {
        const job = jobs[Number(kill[1]) - 1];
        if (job === undefined) throw new Error(`${block.document}: "${line}" names no job of its block`);
        const end = await job.stop('SIGTERM');
        expect(end.status, message(line, end)).toBe(0);
        continue;
      }
      if (line.startsWith('curl ')) {
        await curlAnswers(line, context, false);
        continue;
      }
      const command = substitute(line, SUBSTITUTIONS, context);
      const longRunning = LONG_RUNNING.find(({ line: pattern }) => pattern.test(line));
      if (line.endsWith(' &') || longRunning !== undefined) {
        const job = startLine(command.replace(/ &$/, ''), at.clone);
        jobs.push(job);
        if (longRunning?.says !== undefined) await job.waitFor(longRunning.says(context), 60_000);
        continue;
      }
      const run = await runLine(command, at.clone);
      // None of README's examples is meant to fail: its check and regress lines pass.
      expect(run.status, message(line, run)).toBe(0);
      // A line whose output goes to a file is checked by the lines after it (LIVE.md's cmp).
      if (!line.includes(' > ')) {
        if (/ --json\b/.test(line)) expect(() => JSON.parse(run.stdout) as unknown, `${line} prints one JSON document`).not.toThrow();
        checkStrategyRows(line, run, at);
      }
      checkSweepGrid(line, at);
      checkLoad(line, run, at);
      await DOCUMENTED_OUTPUT[line]?.check(run, context);
    }
  } finally {
    for (const job of jobs) await job.stop('SIGKILL');
  }
}

/**
 * `run` prints a row per strategy (or `--json` a result each): the scenario's, or those `--strategy`
 * names, where a bare name keeps the file's parameters, and so every entry the file gives it.
 */
function checkStrategyRows(line: string, run: FinishedLine, at: Scratch): void {
  const match = /fleetsim run (\S+)(.*)$|main\.js run (\S+)(.*)$/.exec(line);
  if (match === null) return;
  const file = (match[1] ?? match[3]!).replace(/^\/tmp\//, `${at.root}/tmp/`);
  const flags = match[2] ?? match[4]!;
  const fileStrategies = scenarioStrategies(at, file);
  const chosen = /--strategy '?([^' ]+)'?/.exec(flags)?.[1];
  const names = chosen === undefined ? fileStrategies : chosen.split(/,(?![^{]*\})/).flatMap((entry) => {
    const name = entry.replace(/\{.*$/, '');
    const inFile = fileStrategies.filter((strategy) => strategy === name).length;
    return Array.from({ length: entry.includes('{') ? 1 : Math.max(1, inFile) }, () => name);
  });
  const labels = names.map((name, index) => {
    const earlier = names.slice(0, index).filter((other) => other === name).length;
    return earlier === 0 ? name : `${name}#${earlier + 1}`;
  });
  const shown = flags.includes('--json')
    ? (JSON.parse(run.stdout) as { results: { strategy: string }[] }).results.map((result) => result.strategy)
    : strategyTable(run.stdout).rows;
  expect(shown, line).toEqual(labels);
}

/** A scenario file's name and strategies (its path relative to the scratch clone, or absolute). */
function parseScenario(at: Scratch, file: string): { name: string; strategies: (string | { name: string })[] } {
  return parseYaml(readFileSync(resolve(at.clone, file), 'utf8')) as { name: string; strategies: (string | { name: string })[] };
}

/**
 * `load` ends with a line counting what was submitted and acknowledged (all of it, on a service
 * that stays up); `--acked FILE` lists each acknowledged id, one a line.
 */
function checkLoad(line: string, run: FinishedLine, at: Scratch): void {
  if (!/fleetsim load /.test(line)) return;
  const [, submitted, acknowledged] = /fleetsim load: (\d+) submitted, (\d+) acknowledged/.exec(run.stdout + run.stderr) ?? [];
  expect(Number(submitted), message(line, run)).toBeGreaterThan(0);
  expect(acknowledged).toBe(submitted);
  const acked = /--acked \/tmp\/(\S+)/.exec(line)?.[1];
  if (acked !== undefined) expect(readFileSync(join(at.root, 'tmp', acked), 'utf8').trim().split('\n')).toHaveLength(Number(acknowledged));
}

/** The strategy names a scenario file lists, in its order. */
function scenarioStrategies(at: Scratch, file: string): string[] {
  return parseScenario(at, file).strategies.map((strategy) => (typeof strategy === 'string' ? strategy : strategy.name));
}

/**
 * A sweep without `--out` writes `reports/<scenario name>-sweep/`, whose grid is the line's
 * `--param`s, with a cell for each combination of their values.
 */
function checkSweepGrid(line: string, at: Scratch): void {
  const match = /fleetsim sweep (\S+)(.*)$/.exec(line);
  if (match === null || match[2]!.includes('--out ')) return;
  const grid = [...match[2]!.matchAll(/--param '?([^=' ]+)=([^' ]+)'?/g)].map(([, path, values]) => ({ path, values: values!.split(',').map(Number) }));
  const dir = `reports/${parseScenario(at, match[1]!).name}-sweep`;
  const summary = experimentReport(at, dir, REPORT_FILES);
  expect(summary.kind).toBe('sweep');
  expect(summary.grid).toEqual(grid);
  expect(summary.cells).toHaveLength(grid.reduce((cells, { values }) => cells * values.length, 1));
}

/** The columns and row names of the first `strategy …` table on stdout. */
function strategyTable(stdout: string): { columns: string[]; rows: string[] } {
  const lines = stdout.split('\n');
  const header = lines.findIndex((line, index) => line.startsWith('strategy ') && /^-+( +-+)+$/.test(lines[index + 1] ?? ''));
  if (header < 0) throw new Error(`no strategy table in:\n${stdout}`);
  const end = lines.findIndex((line, index) => index > header + 1 && line.trim() === '');
  return {
    columns: lines[header]!.trim().split(/\s{2,}/),
    rows: lines.slice(header + 2, end < 0 ? undefined : end).map((line) => line.split(/\s+/)[0]!),
  };
}

/** The rows of the `by <by>` table on stdout. */
function classRows(stdout: string, by: string): number {
  const section = stdout.slice(stdout.indexOf(`\nby ${by} `));
  const lines = section.split('\n').slice(2);
  const header = lines.findIndex((line) => line.startsWith(`${by} `));
  const end = lines.findIndex((line, index) => index > header + 1 && line.trim() === '');
  return header < 0 ? 0 : (end < 0 ? lines.length : end) - header - 2;
}

/** The parts of an experiment's `summary.json` (docs/EXPERIMENTS.md) that README states. */
interface ExperimentSummary {
  readonly format: string;
  readonly kind: string;
  readonly baseline: string;
  readonly grid: unknown;
  readonly cells: readonly unknown[];
}

/** The `summary.json` of an experiment report directory in the scratch clone, after checking its files exist. */
function experimentReport(at: Scratch, dir: string, files: readonly string[]): ExperimentSummary {
  for (const file of files) expect(existsSync(join(at.clone, dir, file)), `${dir}/${file}`).toBe(true);
  const summary = JSON.parse(readFileSync(join(at.clone, dir, 'summary.json'), 'utf8')) as ExperimentSummary;
  expect(summary.format).toBe('fleetsim-experiment');
  return summary;
}

/** A report's `summary.json` without its wall-clock timing, to compare two runs. */
function reportText(at: Scratch, dir: string): string {
  return withoutTiming(readFileSync(join(at.clone, dir, 'summary.json'), 'utf8'));
}

/**
 * {@link reportText} of the README's sweep of specialists.yaml run in one process, unsharded,
 * into `out`: what its sharded and its queued runs must write.
 */
async function inProcessSweepReport(at: Scratch, out: string): Promise<string> {
  const run = await runLine(`${cliWords(at.cli)} sweep scenarios/specialists.yaml --param 'agents[0].count=3,4,5,6' --out ${out}`, at.clone);
  expect(run.status, run.stderr).toBe(0);
  return reportText(at, out);
}

/** The scenario names a regress baseline file holds, sorted. */
function baselineScenarios(clone: string, file: string): string[] {
  const document = JSON.parse(readFileSync(join(clone, file), 'utf8')) as { scenarios: { scenario: string }[] };
  return document.scenarios.map((entry) => entry.scenario).sort();
}

/** Waits until the live service has completed a task, so that the curl lines read a run under way. */
async function completedSomething(port: number): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/metrics`).catch(() => undefined);
    return response?.ok === true && ((await response.json()) as { counts: { completed: number } }).counts.completed > 0;
  }, 60_000, 'a task completed by the live service after the load started', 200);
}

/**
 * Runs a curl line of a document (with curl, or with fetch where curl is not installed): a 2xx
 * status (200 for a GET) and, for a route of {@link LIVE_BODIES}, the body it serves (required of
 * README's lines).
 */
async function curlAnswers(line: string, at: Scratch, bodyCheckRequired: boolean): Promise<void> {
  const words = [...line.replace(/\s#.*$/, '').matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2]!);
  const address = words.find((word) => /^(?:http:\/\/)?(?:127\.0\.0\.1|localhost):/.test(word));
  if (address === undefined) throw new Error(`no local address in the curl line "${line}"`);
  const url = new URL(`${address.startsWith('http') ? '' : 'http://'}${address.replace(/:8080\b/, `:${at.port}`)}`);
  const check = LIVE_BODIES[url.pathname];
  if (check === undefined && bodyCheckRequired) throw new Error(`no body check for the curl line "${line}" (LIVE_BODIES)`);
  const method = words.find((word) => word.startsWith('-X'))?.slice(2) ?? 'GET';
  let status: number;
  let body: string;
  if (onPath('curl')) {
    const run = await runLine(substitute(line, SUBSTITUTIONS, at), at.clone);
    expect(run.status, message(line, run)).toBe(0);
    const lastLine = run.stdout.lastIndexOf('\n');
    status = Number(run.stdout.slice(lastLine + 1));
    body = run.stdout.slice(0, lastLine);
  } else {
    const headers = words.flatMap((word, index) => (words[index - 1] === '-H' ? [word.split(/:\s*/, 2) as [string, string]] : []));
    const data = words[words.indexOf('-d') + 1];
    const response = await fetch(url, { method, headers, body: words.includes('-d') ? data : undefined });
    status = response.status;
    body = await response.text();
  }
  if (method === 'GET') expect(status, `${line}\n${body}`).toBe(200);
  else expect([200, 201], `${line}: status ${status}\n${body}`).toContain(status);
  check?.(body);
}

/**
 * Runs a `fleetsim status` line of README's live flow: exit 0, a report of the service's tasks
 * (some submitted), over the window the line asks for.
 */
async function statusReports(line: string, at: Scratch): Promise<void> {
  const run = await runLine(substitute(line, SUBSTITUTIONS, at), at.clone);
  expect(run.status, message(line, run)).toBe(0);
  const window = /--window (\S+)/.exec(line)?.[1];
  expect(run.stdout, line).toMatch(window === undefined ? /^window: the whole history/m : new RegExp(`^window: the last ${window} s asked`, 'm'));
  expect(Number(/^tasks: (\d+) submitted/m.exec(run.stdout)?.[1]), `${line}\n${run.stdout}`).toBeGreaterThan(0);
}

/** The failure message of a line: its output, and a hint when the traces it may read are missing. */
function message(line: string, run: FinishedLine): string {
  const traces = existsSync(TRACES) ? '' : `\nthe public traces are not in ${TRACES} (beside the checkout, see README.md): lines that read them fail`;
  return `${line}\nexit ${run.status ?? run.signal} after ${run.seconds.toFixed(1)} s${traces}\nstdout:\n${run.stdout.slice(-4000)}\nstderr:\n${run.stderr.slice(-4000)}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
