/**
 * Real result documents for the property tests of the files the command line reads back: short
 * runs of two library scenarios (first-look, and team-targets, which has targets), 2
 * replications, made by `runCells` as `fleetsim compare`, `sweep` and `sweep --shard` make them.
 */
import { readFileSync } from 'node:fs';
import { runCells } from '../../src/experiments/experiment.js';
import { buildCells, parseParameters } from '../../src/experiments/grid.js';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { parseScenarioDocument } from '../../src/scenario/load.js';

/** The library scenarios the documents are run from, with the swept field of each. */
const SCENARIOS = [
  { file: 'scenarios/first-look.yaml', stop: 'stop: { time: 900 }', param: 'agents[0].count=3,4' },
  { file: 'scenarios/team-targets.yaml', stop: 'stop: { tasks: 1000 }', param: 'agents[0].count=7,8' },
] as const;

/** A library scenario's text made short: 2 replications and the short stop. */
function shortText(scenario: (typeof SCENARIOS)[number]): string {
  return readFileSync(scenario.file, 'utf8').replace(/^replications: \d+$/m, 'replications: 2').replace(/^stop: .*$/m, scenario.stop);
}

/** The compare document of each scenario, with its series (what `fleetsim report` redraws). */
export async function compareDocuments(): Promise<ExperimentDocument[]> {
  return Promise.all(SCENARIOS.map((scenario) => runCells({
    kind: 'compare', file: scenario.file, cells: buildCells(parseScenarioDocument(shortText(scenario), scenario.file), scenario.file, [], undefined), grid: [], workers: 1,
  })));
}

/** The whole sweep of each scenario over two values (what `fleetsim report` redraws as sweep charts). */
export async function sweepDocuments(): Promise<ExperimentDocument[]> {
  return Promise.all(SCENARIOS.map((scenario) => {
    const grid = parseParameters([scenario.param]);
    return runCells({ kind: 'sweep', file: scenario.file, cells: buildCells(parseScenarioDocument(shortText(scenario), scenario.file), scenario.file, grid, undefined), grid, workers: 1 });
  }));
}

/** The two shards (1/2 and 2/2) of a sweep of each scenario over two values (what `fleetsim merge` joins). */
export async function sweepShards(): Promise<ExperimentDocument[][]> {
  return Promise.all(SCENARIOS.map(async (scenario) => {
    const grid = parseParameters([scenario.param]);
    const cells = buildCells(parseScenarioDocument(shortText(scenario), scenario.file), scenario.file, grid, undefined);
    return Promise.all([1, 2].map((index) => runCells({ kind: 'sweep', file: scenario.file, cells, grid, shard: { index, count: 2 }, workers: 1 })));
  }));
}
