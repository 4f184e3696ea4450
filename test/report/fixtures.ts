/**
 * Result documents for report tests, made the way `fleetsim compare` and `sweep` make them:
 * real runs of a library scenario (shortened), summarised per cell, with the series of each
 * strategy pooled over its replications.
 */
import type { ChartDef, ReportDocument } from '../../src/report/charts.js';
import { buildDocument } from '../../src/experiments/document.js';
import { summarizeCell } from '../../src/experiments/cell.js';
import type { CellResult, GridParameter, ParamValue } from '../../src/experiments/types.js';
import { SeriesCollector, poolSeries, type RunSeries, type SeriesEntry } from '../../src/metrics/series.js';
import type { RunMetrics } from '../../src/metrics/types.js';
import { loadScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runSimulation } from '../../src/sim/simulation.js';

const SCENARIO = 'scenarios/specialists.yaml';

function load(seed?: number): Scenario {
  return loadScenario(SCENARIO, { replications: 2, seed });
}

/** Runs every strategy of `scenario` over its replications; series pooled over them. */
function runCell(scenario: Scenario, index: number, params: Readonly<Record<string, ParamValue>>): { cell: CellResult; series: SeriesEntry[] } {
  const series: SeriesEntry[] = [];
  const runs: RunMetrics[][] = scenario.strategies.map((strategy) => {
    const metrics: RunMetrics[] = [];
    const recorded: RunSeries[] = [];
    for (let replication = 0; replication < scenario.replications; replication++) {
      const sink = new SeriesCollector({ warmupTimeSeconds: scenario.warmup.timeSeconds, warmupTasks: scenario.warmup.tasks });
      const run = runSimulation({ scenario, strategy, replication, sink });
      metrics.push(run.metrics);
      recorded.push(sink.finish(run.endTimeSeconds));
    }
    series.push({ cell: index, strategy: strategy.label, replication: 0, replications: recorded.length, ...poolSeries(recorded) });
    return metrics;
  });
  const cell = summarizeCell({ index, params, strategies: scenario.strategies, runs }, scenario.strategies[0]!.label);
  return { cell, series };
}

const TIMING = { parts: [{ shard: null, wallSeconds: 1, workers: 1 }], strategies: [] };

/** A compare of the specialists scenario (two replications), with series. */
export function compareDocument(): ReportDocument {
  const scenario = load();
  const { cell, series } = runCell(scenario, 0, {});
  const doc = buildDocument({
    kind: 'compare', scenario: scenario.name, seed: scenario.seed, replications: scenario.replications,
    baseline: cell.baseline, grid: [], cells: [cell], timing: TIMING,
  });
  return { ...doc, series };
}

/**
 * A sweep over made-up parameters: each cell runs the scenario with another seed, so the
 * figures differ from cell to cell (the charts do not care what the parameters mean).
 */
export function sweepDocument(grid: readonly GridParameter[]): ReportDocument {
  const combos: Record<string, ParamValue>[] = grid.reduce<Record<string, ParamValue>[]>(
    (acc, parameter) => acc.flatMap((combo) => parameter.values.map((value) => ({ ...combo, [parameter.path]: value }))),
    [{}],
  );
  const cells = combos.map((params, index) => runCell(load(100 + index), index, params).cell);
  return buildDocument({
    kind: 'sweep', scenario: 'specialists-under-pressure', seed: 100, replications: 2,
    baseline: cells[0]!.baseline, grid, cells, timing: TIMING,
  });
}

/** The chart of `charts` named `name` (fails the test when missing). */
export function chartNamed(charts: readonly ChartDef[], name: string): ChartDef {
  const chart = charts.find((candidate) => candidate.name === name);
  if (chart === undefined) throw new Error(`no chart ${name} among ${charts.map((c) => c.name).join(', ')}`);
  return chart;
}
