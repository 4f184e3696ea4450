/**
 * The run result (`fleetsim run --json`) is a view of the compare document of the same runs:
 * every figure is the compare's, whatever the number of workers.
 */
import { describe, expect, it } from 'vitest';
import { runResultOf, runScenario } from '../../src/experiments/runResult.js';
import { parseScenario } from '../../src/scenario/load.js';
import { experimentOf, fleetSmallText } from './support.js';

function withoutTiming(result: { results: readonly object[] }): string {
  return JSON.stringify({ ...result, results: result.results.map((r) => ({ ...r, timing: undefined })) });
}

describe('runResultOf', () => {
  it('takes every strategy\'s means, half-widths and replications from the compare document, and its timing', async () => {
    const document = await experimentOf(fleetSmallText(), { overrides: { replications: 2 } });
    const result = runResultOf(document);
    expect(result).toMatchObject({ scenario: 'fleet-small', seed: 5, replications: 2 });
    const cell = document.cells[0]!;
    expect(result.results.map((r) => r.strategy)).toEqual(cell.strategies.map((s) => s.strategy));
    result.results.forEach((r, s) => {
      const outcome = cell.strategies[s]!;
      expect(Object.keys(r)).toEqual(['strategy', 'params', 'metrics', 'ci95', 'perReplication', 'timing']);
      expect(r.params).toEqual(outcome.params);
      expect(r.metrics).toEqual(outcome.metrics);
      expect(r.ci95).toEqual(outcome.ci95);
      expect(r.perReplication).toEqual(outcome.perReplication);
      const timing = document.timing.strategies.find((t) => t.strategy === r.strategy)!;
      expect(r.timing).toEqual({ wallSeconds: timing.wallSeconds, tasksPerSecond: timing.tasksPerSecond, routing: timing.routing });
    });
  });

  it('refuses a sweep document', async () => {
    const sweep = await experimentOf(fleetSmallText(), { params: ['stop.time=200,300'], overrides: { replications: 1, strategies: ['random'] } });
    expect(() => runResultOf(sweep)).toThrow(/expected a compare document/);
  });
});

describe('runScenario', () => {
  it('gives the same result with one worker and with two, apart from timing', async () => {
    const scenario = parseScenario(fleetSmallText(), 'fleet.yaml', { replications: 3 });
    const one = await runScenario(scenario, { workers: 1 });
    const two = await runScenario(scenario, { workers: 2 });
    expect(two.document.timing.parts[0]!.workers).toBe(2);
    expect(withoutTiming(two.result)).toBe(withoutTiming(one.result));
    // A different seed changes the figures, so the comparison above can fail.
    const other = await runScenario({ ...scenario, seed: 6 }, { workers: 1 });
    expect(withoutTiming(other.result)).not.toBe(withoutTiming(one.result));
  });
});
