/**
 * `fleetsim run` end to end: the comparison table, the JSON document, determinism, common random
 * numbers across strategies, the event log, the report directory, and agreement with compare.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './runCli.js';

function withoutTiming(json: string): unknown {
  const doc = JSON.parse(json) as { results: { timing?: unknown }[] };
  for (const result of doc.results) delete result.timing;
  return doc;
}

describe('fleetsim run', () => {
  it('prints a comparison table with one row per strategy and ± half-widths', () => {
    const run = runCli('run', 'scenarios/specialists.yaml', '--replications', '3');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toContain('specialists-under-pressure: seed 42, 3 replications');
    for (const strategy of ['round-robin', 'random', 'least-connections']) {
      expect(lines.some((line) => line.startsWith(strategy))).toBe(true);
    }
    expect(run.stdout).toContain('±');
  });

  it('adds a table of delegation and operations figures when the scenario has any, with only the columns that do', () => {
    const delegated = runCli('run', 'scenarios/lead-and-specialists.yaml', '--replications', '2', '--strategy', 'round-robin');
    expect(delegated.status).toBe(0);
    const tail = delegated.stdout.slice(delegated.stdout.indexOf('delegation and operations:'));
    expect(tail).toMatch(/offers +refused +re-offers\/task/);
    expect(tail).not.toContain('scale-ups');
    const plain = runCli('run', 'scenarios/mmc-check.yaml', '--replications', '2', '--strategy', 'round-robin');
    expect(plain.stdout).not.toContain('delegation and operations:');
  });

  it('ends quietly, with no stack trace, when the reader closes the pipe early (`| head`)', () => {
    // Ten replications of specialists give ~130 kB of JSON, more than a pipe holds: the write
    // is still going when `head` exits.
    const errors = join(mkdtempSync(join(tmpdir(), 'fleetsim-pipe-')), 'stderr.txt');
    const command = `"${process.execPath}" dist/src/cli/main.js run scenarios/specialists.yaml --json --replications 10 2>"${errors}" | head -c 10 >/dev/null`;
    const result = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(0);
    expect(readFileSync(errors, 'utf8')).toBe('');
  });

  it('prints a document of megabytes to a slow reader whole and quietly, as to a file (it waits for the pipe to drain)', () => {
    // 20,000 agents give ~7 MB of JSON: the reader sleeps while the run fills the pipe and waits.
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-slow-reader-'));
    const scenario = join(dir, 'fleet.yaml');
    writeFileSync(scenario, [
      'name: slow-reader', 'seed: 3', 'replications: 1', 'stop: { tasks: 2000 }',
      'agents:', '  - { pool: p, count: 10000, capacity: 1, speed: 100, skills: { job: 1 } }', '  - { pool: q, count: 10000, capacity: 1, speed: 100, skills: { job: 1 } }',
      'workload:', '  arrivals: { process: poisson, rate: 1000 }', '  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]',
      'strategies: [least-connections]', '',
    ].join('\n'));
    const run = (out: string): void => {
      const command = `"${process.execPath}" dist/src/cli/main.js run "${scenario}" --json --workers 1 2>"${join(dir, 'stderr.txt')}" ${out}`;
      const result = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(result.status).toBe(0);
      expect(readFileSync(join(dir, 'stderr.txt'), 'utf8')).toBe('');
    };
    run(`| (sleep 1; cat) >"${join(dir, 'piped.json')}"`);
    run(`>"${join(dir, 'file.json')}"`);
    const piped = readFileSync(join(dir, 'piped.json'), 'utf8');
    expect(piped.length).toBeGreaterThan(5_000_000);
    expect(withoutTiming(piped)).toEqual(withoutTiming(readFileSync(join(dir, 'file.json'), 'utf8')));
  });

  it('prints one JSON document with the metric names of src/metrics/types.ts', () => {
    const run = runCli('run', 'scenarios/mmc-check.yaml', '--json', '--replications', '2', '--strategy', 'least-connections');
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown> & { results: Record<string, Record<string, unknown>>[] };
    expect(doc).toMatchObject({ scenario: 'mmc-check', seed: 7, replications: 2 });
    expect(doc.results).toHaveLength(1);
    const result = doc.results[0]!;
    expect(result.strategy).toBe('least-connections');
    for (const key of ['latency', 'wait', 'gini', 'jain', 'deadlineSuccess', 'contextWaste', 'contextHitRate', 'quality',
      'priorityRespect', 'utilization', 'throughput', 'tasks', 'retries', 'maxQueueDepth']) {
      expect(result.metrics, key).toHaveProperty(key);
      expect(result.ci95, key).toHaveProperty(key);
    }
    expect(result.timing).toHaveProperty('routing');
  });

  it('gives byte-identical JSON for the same scenario and seed, apart from timing', () => {
    const a = runCli('run', 'scenarios/specialists.yaml', '--json', '--replications', '2');
    const b = runCli('run', 'scenarios/specialists.yaml', '--json', '--replications', '2');
    expect(a.status).toBe(0);
    expect(JSON.stringify(withoutTiming(a.stdout))).toBe(JSON.stringify(withoutTiming(b.stdout)));
    // A different seed gives different numbers, so the comparison above can fail.
    const c = runCli('run', 'scenarios/specialists.yaml', '--json', '--replications', '2', '--seed', '43');
    expect(JSON.stringify(withoutTiming(c.stdout))).not.toBe(JSON.stringify(withoutTiming(a.stdout)));
  });

  it('shows every strategy the same tasks at the same times (common random numbers)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-'));
    const events = join(dir, 'events.jsonl');
    const run = runCli('run', 'scenarios/specialists.yaml', '--replications', '2', '--events', events);
    expect(run.status).toBe(0);
    const submissions = new Map<string, string[]>();
    for (const line of readFileSync(events, 'utf8').trim().split('\n')) {
      const event = JSON.parse(line) as { strategy: string; replication: number; kind: string; time: number; spec?: Record<string, unknown> };
      if (event.kind !== 'submitted') continue;
      const key = `${event.strategy}/${event.replication}`;
      const { id, type, tokens, contextKey, priority, deadline } = event.spec!;
      const list = submissions.get(key) ?? [];
      list.push(JSON.stringify([event.time, id, type, tokens, contextKey, priority, deadline]));
      submissions.set(key, list);
    }
    const rep0 = ['round-robin/0', 'random/0', 'least-connections/0'].map((k) => submissions.get(k)!);
    expect(rep0[0]!.length).toBeGreaterThan(100);
    expect(rep0[1]).toEqual(rep0[0]);
    expect(rep0[2]).toEqual(rep0[0]);
    // Replications draw from their own streams.
    expect(submissions.get('round-robin/1')).not.toEqual(rep0[0]);
  });

  it('creates the directories of --out and --events as needed', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleetsim-')), 'nested', 'report');
    const run = runCli('run', 'scenarios/hoarding.yaml', '--replications', '1', '--out', dir, '--events', join(dir, 'events', 'log.jsonl'));
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(join(dir, 'events', 'log.jsonl'), 'utf8').length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'summary.json'), 'utf8')).toContain('"scenario": "one-agent-hoards"');
  });

  it('writes the report directory of a compare into --out, which `fleetsim report` reads', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleetsim-')), 'report');
    const run = runCli('run', 'scenarios/hoarding.yaml', '--replications', '2', '--out', dir, '--json');
    expect(run.status, run.stderr).toBe(0);
    for (const file of ['summary.json', 'results.csv', 'leaderboards.csv', 'summary.md', 'index.html']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const document = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { format: string; kind: string; cells: { strategies: { strategy: string; metrics: unknown }[] }[] };
    expect(document).toMatchObject({ format: 'fleetsim-experiment', kind: 'compare' });
    const printed = JSON.parse(run.stdout) as { results: { strategy: string; metrics: unknown }[] };
    expect(document.cells[0]!.strategies.map((s) => [s.strategy, s.metrics])).toEqual(printed.results.map((r) => [r.strategy, r.metrics]));
    const report = runCli('report', join(dir, 'summary.json'), '--out', join(dir, 'again'));
    expect(report.status, report.stderr).toBe(0);
    expect(existsSync(join(dir, 'again', 'index.html'))).toBe(true);
  });

  it('agrees with compare on every figure of the same scenario, and writes the same summary.json apart from timing', () => {
    const root = mkdtempSync(join(tmpdir(), 'fleetsim-'));
    const args = ['scenarios/specialists.yaml', '--replications', '2', '--json'];
    const run = runCli('run', ...args, '--workers', '2', '--out', join(root, 'run'));
    const compare = runCli('compare', ...args, '--workers', '1', '--out', join(root, 'compare'));
    expect(run.status, run.stderr).toBe(0);
    expect(compare.status, compare.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { results: { strategy: string; params: unknown; metrics: unknown; ci95: unknown; perReplication: unknown }[] };
    const compared = JSON.parse(compare.stdout) as { cells: { strategies: { strategy: string; params: unknown; metrics: unknown; ci95: unknown; perReplication: unknown }[] }[] };
    const figures = (r: { strategy: string; params: unknown; metrics: unknown; ci95: unknown; perReplication: unknown }) =>
      JSON.stringify([r.strategy, r.params, r.metrics, r.ci95, r.perReplication]);
    expect(printed.results.map(figures)).toEqual(compared.cells[0]!.strategies.map(figures));
    const summary = (dir: string): unknown => {
      const document = JSON.parse(readFileSync(join(root, dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      delete document.timing;
      return document;
    };
    expect(summary('run')).toEqual(summary('compare'));
  });

  it('writes the same event log with one worker and with two', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-'));
    const args = ['run', 'scenarios/hoarding.yaml', '--replications', '2'];
    expect(runCli(...args, '--workers', '1', '--events', join(dir, 'one.jsonl')).status).toBe(0);
    expect(runCli(...args, '--workers', '2', '--events', join(dir, 'two.jsonl')).status).toBe(0);
    const one = readFileSync(join(dir, 'one.jsonl'), 'utf8');
    expect(one.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'two.jsonl'), 'utf8')).toBe(one);
  });

  it('summarises fleets that differ between replications (an agent added by hand beside an autoscaler), matching agents by id', () => {
    const fixture = 'test/fixtures/scenarios/autoscaled-burst-plus-one.yaml';
    const run = runCli('run', fixture, '--replications', '2', '--json');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as { results: { metrics: { perAgent: { id: string }[] }; perReplication: { perAgent: { id: string }[] }[] }[] };
    for (const result of doc.results) {
      const ids = result.metrics.perAgent.map((agent) => agent.id);
      expect(new Set(ids).size).toBe(ids.length);
      const seen = new Set(result.perReplication.flatMap((r) => r.perAgent.map((agent) => agent.id)));
      expect(new Set(ids)).toEqual(seen);
    }
    // The same agent index names different agents in the two replications: that is the case.
    const [first, second] = doc.results[0]!.perReplication.map((r) => r.perAgent.map((agent) => agent.id));
    expect(first!.some((id, index) => second![index] !== undefined && second![index] !== id)).toBe(true);
    const compare = runCli('compare', fixture, '--replications', '2', '--out', join(mkdtempSync(join(tmpdir(), 'fleetsim-')), 'r'));
    expect(compare.stderr).toBe('');
    expect(compare.status).toBe(0);
  });

  it('refuses a number flag given without its value, naming the flag (exit 2)', () => {
    for (const args of [
      ['run', 'scenarios/hoarding.yaml', '--seed'],
      ['run', 'scenarios/hoarding.yaml', '--seed', '--json'],
      ['run', 'scenarios/hoarding.yaml', '--replications'],
      ['run', 'scenarios/hoarding.yaml', '--workers'],
      ['compare', 'scenarios/hoarding.yaml', '--seed'],
      ['sweep', 'scenarios/hoarding.yaml', '--param', 'stop.time=100', '--replications'],
      ['regress', 'scenarios/hoarding.yaml', '--baseline', 'reports/baseline/library.json', '--workers'],
    ]) {
      const flag = args.at(-1) === '--json' ? '--seed' : args.at(-1)!;
      const run = runCli(...args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toBe(`fleetsim: command line: ${flag}: expected a value after the flag\n`);
    }
  });

  it('keeps conservation: submitted equals the final states plus in flight', () => {
    const run = runCli('run', 'scenarios/specialists.yaml', '--json', '--replications', '3');
    expect(run.status, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { results: { strategy: string; perReplication: { tasks: Record<string, number> }[] }[] };
    // Every strategy the file lists, each with its three replications: none is checked vacuously.
    expect(doc.results.map((result) => [result.strategy, result.perReplication.length])).toEqual([['round-robin', 3], ['random', 3], ['least-connections', 3]]);
    for (const result of doc.results) {
      for (const { tasks } of result.perReplication) {
        expect(tasks.completed + tasks.deadLettered + tasks.expired + tasks.cancelled + tasks.rejected + tasks.inFlight).toBe(tasks.submitted);
        expect(tasks.submitted).toBeGreaterThan(0);
      }
    }
  });
});

describe('fleetsim validate and strategies', () => {
  it('validate reports what a valid scenario holds', () => {
    const run = runCli('validate', 'scenarios/specialists.yaml');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('7 agents, 3 task types, 3 strategies');
  });
});
