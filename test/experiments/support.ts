/**
 * Shared pieces for the experiment tests: the small fleet fixture (strategies that differ
 * clearly, ~4,000 tasks a run), run in this thread, and a document's JSON without its timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCells } from '../../src/experiments/experiment.js';
import { buildCells, parseParameters } from '../../src/experiments/grid.js';
import type { ExperimentPool } from '../../src/experiments/pool.js';
import type { ExperimentDocument, ShardInfo } from '../../src/experiments/types.js';
import { parseScenarioDocument } from '../../src/scenario/load.js';
import type { ScenarioOverrides } from '../../src/scenario/normalize.js';
import { ROOT } from '../cli/runCli.js';

/** Path of the small fleet fixture, relative to the repository root. */
export const FLEET_SMALL = 'test/fixtures/scenarios/fleet-small.yaml';

/** The fixture's text, for tests that write variants of it. */
export function fleetSmallText(): string {
  return readFileSync(join(ROOT, FLEET_SMALL), 'utf8');
}

/** Runs a compare (no params) or a sweep of `text` in this thread unless `workers` or `pool` say otherwise. */
export async function experimentOf(
  text: string,
  options: { params?: string[]; overrides?: ScenarioOverrides; shard?: ShardInfo; workers?: number; pool?: ExperimentPool; baseline?: string } = {},
): Promise<ExperimentDocument> {
  const grid = parseParameters(options.params ?? []);
  const cells = buildCells(parseScenarioDocument(text, 'fleet.yaml'), 'fleet.yaml', grid, options.overrides);
  return runCells({
    kind: grid.length === 0 ? 'compare' : 'sweep', file: 'fleet.yaml', cells, grid,
    shard: options.shard, workers: options.workers ?? options.pool?.workers ?? 1, pool: options.pool, baseline: options.baseline,
  });
}

/** The document as JSON text without its `timing` section (the part that may differ). */
export function withoutTiming(document: ExperimentDocument): string {
  return JSON.stringify({ ...document, timing: undefined }, null, 2);
}
