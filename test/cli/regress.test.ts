/**
 * `fleetsim regress` end to end: a baseline written with --update, an unchanged re-run that
 * passes (exit 0), a deliberately worsened strategy that fails (exit 1), bad baseline files.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseline } from '../../src/experiments/baselineFile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { ROOT, runCli } from './runCli.js';

const FLEET = readFileSync(join(ROOT, 'test/fixtures/scenarios/fleet-small.yaml'), 'utf8');
/** power-of-d sampling one agent instead of two: random routing by another name. */
const WORSE = FLEET.replace('{ name: power-of-d, params: { d: 2 } }', '{ name: power-of-d, params: { d: 1 } }');

describe('fleetsim regress', () => {
  it('passes an unchanged scenario, fails a worsened strategy with exit 1, and --update accepts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-regress-'));
    const scenario = join(dir, 'fleet.yaml');
    const baseline = join(dir, 'baseline', 'fleet.json');
    writeFileSync(scenario, FLEET);
    const flags = ['--baseline', baseline, '--replications', '3', '--workers', '1'];
    const created = runCli('regress', scenario, ...flags, '--update');
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain(`regress: baseline ${baseline} updated for 1 scenario`);
    // The update itself is what the "run --update" advice would ask for: it is not repeated.
    expect(created.stdout).toContain('new: no baseline for this scenario: accepting it');
    expect(created.stdout).toContain('regress: 1 of 1 scenario differs from the baseline or is new to it; accepting it');
    expect(created.stdout).not.toContain('run fleetsim regress --update');
    expect(existsSync(baseline)).toBe(true);

    const unchanged = runCli('regress', scenario, ...flags);
    expect(unchanged.stderr).toBe('');
    expect(unchanged.status).toBe(0);
    expect(unchanged.stdout).toMatch(/^ok {2}fleet-small: \d+ checks, 0 moved\n/);
    expect(unchanged.stdout).toContain('regress: 1 scenario within tolerance');

    writeFileSync(scenario, WORSE);
    const worse = runCli('regress', scenario, ...flags);
    expect(worse.status, worse.stderr).toBe(1);
    expect(worse.stdout).toMatch(/^FAIL {2}fleet-small: /);
    expect(worse.stdout).toMatch(/power-of-d +latency p95 \(s\) +lower +[\d.]+ +[\d.]+ +\+[\d.]+ ± [\d.]+ \* +[\d.]+ +REGRESSED/);
    expect(worse.stdout).toContain('note: power-of-d: parameters differ from the baseline\'s');
    expect(worse.stdout).toMatch(/regress: FAILED: 1 of 1 scenarios \(\d+ metrics? regressed\)/);
    expect(worse.stdout).not.toMatch(/^ *(random|join-shortest-queue) .*REGRESSED/m);

    expect(runCli('regress', scenario, ...flags, '--update').status).toBe(0);
    expect(runCli('regress', scenario, ...flags).status).toBe(0);

    // Fewer replications than the baseline ran cannot be judged: a flag mistake, exit 2, no run.
    const fewer = runCli('regress', scenario, '--baseline', baseline, '--replications', '2', '--workers', '1');
    expect(fewer.status, fewer.stdout).toBe(2);
    expect(fewer.stdout).toBe('');
    expect(fewer.stderr).toBe(`fleetsim: command line: --replications: the baseline ${baseline} ran "fleet-small" with 3 replications, so --replications 2 cannot be compared with it: drop the flag, or pass --update to rewrite the baseline\n`);
  });

  it('ships a baseline covering every scenario of the library (npm test runs regress on it)', () => {
    const baseline = readBaseline(join(ROOT, 'reports/baseline/library.json'));
    const library = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => loadScenario(join(ROOT, 'scenarios', f)).name);
    expect(baseline.scenarios.map((s) => s.scenario)).toEqual([...library].sort());
    expect(baseline.scenarios.every((s) => s.replications === 3)).toBe(true);
  });

  it('checks a class metric named in the scenario\'s tolerances: stored in the baseline, judged on re-run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-regress-class-'));
    const scenario = join(dir, 'fleet.yaml');
    const baseline = join(dir, 'fleet.json');
    writeFileSync(scenario, `${FLEET}\nregress: { tolerances: { byType.job.latency.p95: 0.1 } }\n`);
    const flags = ['--baseline', baseline, '--replications', '3', '--workers', '1'];
    expect(runCli('regress', scenario, ...flags, '--update').status).toBe(0);
    const stored = readBaseline(baseline).scenarios[0]!.strategies[0]!.metrics;
    expect(stored['byType.job.latency.p95']).toHaveLength(3);
    expect(stored['byType.job.latency.p95']).toEqual(stored['latency.p95']);
    const again = runCli('regress', scenario, ...flags, '--all');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('latency p95 (s), type job');
  });
});
