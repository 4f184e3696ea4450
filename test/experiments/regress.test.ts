import { describe, expect, it } from 'vitest';
import { baselineEntry } from '../../src/experiments/baselineFile.js';
import { failed, judgeScenario } from '../../src/experiments/regress.js';
import type { RegressPolicy } from '../../src/scenario/types.js';
import { experimentOf, fleetSmallText } from './support.js';

const OPTIONS = { overrides: { replications: 3 } };
/** The fixture with power-of-d sampling one agent instead of two: random routing by another name. */
const WORSE = fleetSmallText().replace('{ name: power-of-d, params: { d: 2 } }', '{ name: power-of-d, params: { d: 1 } }');
const POLICY: RegressPolicy = { checks: [{ metric: 'latency.p95', relative: 0.05, absolute: 0 }, { metric: 'gini.tasks', relative: 0.05, absolute: 0 }] };

describe('regress', () => {
  it('passes an unchanged re-run: every paired change is zero', async () => {
    const before = await experimentOf(fleetSmallText(), OPTIONS);
    const again = await experimentOf(fleetSmallText(), OPTIONS);
    const verdict = judgeScenario(again, baselineEntry(before, 'fleet.yaml'), POLICY);
    expect(failed(verdict)).toBe(false);
    expect(verdict.rows).toHaveLength(3 * 2);
    expect(verdict.rows.every((row) => row.verdict === 'same')).toBe(true);
  });

  it('fails a deliberately worsened strategy on the metric that got worse, and only on that strategy', async () => {
    const before = await experimentOf(fleetSmallText(), OPTIONS);
    const worse = await experimentOf(WORSE, OPTIONS);
    const verdict = judgeScenario(worse, baselineEntry(before, 'fleet.yaml'), POLICY);
    expect(failed(verdict)).toBe(true);
    const p95 = verdict.rows.find((row) => row.strategy === 'power-of-d' && row.metric === 'latency.p95')!;
    expect(p95.verdict).toBe('regressed');
    expect(p95.change.significant).toBe(true);
    expect(p95.change.mean!).toBeGreaterThan(p95.limit);
    expect(p95.limit).toBeCloseTo(0.05 * p95.baseline!, 12);
    expect(verdict.rows.filter((row) => row.verdict === 'regressed').every((row) => row.strategy === 'power-of-d')).toBe(true);
    expect(verdict.notes).toEqual(['power-of-d: parameters differ from the baseline\'s']);
    // The same change judged the other way round is an improvement.
    const reverse = judgeScenario(before, baselineEntry(worse, 'fleet.yaml'), POLICY);
    expect(reverse.rows.find((row) => row.strategy === 'power-of-d' && row.metric === 'latency.p95')!.verdict).toBe('better');
    expect(failed(reverse)).toBe(false);
  });

  it('calls a metric the same only when no replication moved: changes that cancel in the mean are changed', async () => {
    const before = await experimentOf(fleetSmallText(), OPTIONS);
    const entry = baselineEntry(before, 'fleet.yaml');
    // The baseline with replications 0 and 1 of one series swapped: the re-run moves in both by
    // equal and opposite amounts (a − b is exactly −(b − a)), so the mean change is exactly 0.
    const swapped = {
      ...entry,
      strategies: entry.strategies.map((strategy, s) => {
        if (s !== 0) return strategy;
        const [first, second, ...rest] = strategy.metrics['latency.p95']!;
        return { ...strategy, metrics: { ...strategy.metrics, 'latency.p95': [second!, first!, ...rest] } };
      }),
    };
    const row = judgeScenario(before, swapped, POLICY).rows.find((candidate) => candidate.strategy === entry.strategies[0]!.strategy && candidate.metric === 'latency.p95')!;
    expect(entry.strategies[0]!.metrics['latency.p95']![0]).not.toBe(entry.strategies[0]!.metrics['latency.p95']![1]);
    expect(row.change.mean).toBe(0);
    expect(row.change.halfWidth!).toBeGreaterThan(0);
    expect(row.verdict).toBe('changed');
  });

  it('lets a tolerance absorb a significant worsening', async () => {
    const before = await experimentOf(fleetSmallText(), OPTIONS);
    const worse = await experimentOf(WORSE, OPTIONS);
    const loose: RegressPolicy = { checks: [{ metric: 'latency.p95', relative: 0, absolute: 1000 }] };
    const verdict = judgeScenario(worse, baselineEntry(before, 'fleet.yaml'), loose);
    expect(verdict.rows.find((row) => row.strategy === 'power-of-d')!.verdict).toBe('worse');
    expect(failed(verdict)).toBe(false);
  });

  it('fails when the baseline does not describe what ran', async () => {
    const before = await experimentOf(fleetSmallText(), OPTIONS);
    const entry = baselineEntry(before, 'fleet.yaml');
    expect(judgeScenario(before, undefined, POLICY).problems).toEqual(['no baseline for this scenario: run fleetsim regress --update to accept it']);
    const stale = judgeScenario(before, { ...entry, seed: 6 }, POLICY);
    expect(stale.problems[0]).toMatch(/^the baseline ran seed 6 × 3 replications, this run seed 5 × 3/);
    const fewer = judgeScenario(before, { ...entry, strategies: entry.strategies.slice(1) }, POLICY);
    expect(fewer.problems).toEqual(['strategy random has no baseline: run fleetsim regress --update to accept it']);
    expect([stale, fewer].every(failed)).toBe(true);
  });
});
