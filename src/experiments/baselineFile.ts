/**
 * The baseline file of `fleetsim regress`: per scenario, per strategy, the per-replication
 * values of every ranked metric, as measured when the baseline was last updated. Keeping the
 * replications (not only means) lets a re-run be compared pair by pair on common random
 * numbers. Reading it checks everything; mistakes are {@link InputError}s naming the field.
 */
import { parseJsonText, readBoundedText, type BoundedFileKind } from '../boundedFile.js';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { makeDirectory } from '../makeDirectory.js';
import { parseClassPath } from '../metrics/classes.js';
import { RANKED_METRIC_PATHS } from '../metrics/directions.js';
import { unmeasurable } from '../metrics/ranges.js';
import { targetMetricValue } from '../metrics/targetMetrics.js';
import { InputError, didYouMean, formatPath, systemErrorReason } from '../scenario/errors.js';
import { parseWith } from '../scenario/zodIssues.js';
import type { ExperimentDocument } from './types.js';

/** Version of the baseline file format. */
export const BASELINE_VERSION = 1 as const;

/** One strategy's baseline: each ranked metric's values by replication (null: no data). */
export interface BaselineStrategy {
  /** Strategy label. */
  readonly strategy: string;
  /** Its parameters as the scenario set them (a changed one makes the baseline stale). */
  readonly params: unknown;
  /** Each ranked metric's values, by dotted path, one per replication. */
  readonly metrics: Readonly<Record<string, readonly (number | null)[]>>;
}

/** One scenario's baseline. */
export interface BaselineScenario {
  /** Scenario name: the key scenarios are matched by. */
  readonly scenario: string;
  /** The file it was run from, for people. */
  readonly source: string;
  /** Base seed the baseline was run with. */
  readonly seed: number;
  /** Replications per strategy. */
  readonly replications: number;
  /** Every strategy of the scenario. */
  readonly strategies: readonly BaselineStrategy[];
}

/** A whole baseline file. */
export interface BaselineFile {
  /** Marks the file as a regress baseline. */
  readonly format: 'fleetsim-regress-baseline';
  /** Baseline format version. */
  readonly version: typeof BASELINE_VERSION;
  /** Sorted by scenario name, so that updates give small diffs. */
  readonly scenarios: readonly BaselineScenario[];
}

const strategySchema = z.strictObject({
  strategy: z.string().min(1),
  params: z.unknown(),
  metrics: z.record(z.string(), z.array(z.number().nullable())),
});

const scenarioSchema = z.strictObject({
  scenario: z.string().min(1),
  source: z.string(),
  seed: z.int().min(0),
  replications: z.int().min(1),
  strategies: z.array(strategySchema).min(1),
});

const fileSchema = z.strictObject({
  format: z.literal('fleetsim-regress-baseline'),
  version: z.literal(BASELINE_VERSION),
  scenarios: z.array(scenarioSchema),
});

/**
 * Largest baseline file read, in bytes (64 MiB). The library's 20 scenarios take 142 KB at 3
 * replications, and 27 MB at the most replications a scenario may ask for (1000).
 */
export const MAX_BASELINE_BYTES = 64 * (1 << 20);

/** Baseline files, as {@link readBoundedText} reads them. */
const BASELINE_FILE: BoundedFileKind = {
  name: 'baseline file',
  maxBytes: MAX_BASELINE_BYTES,
  tooBigAdvice: 'keep a baseline file per group of scenarios (--baseline), or run them with fewer replications (--replications)',
  syntax: 'JSON',
  cannotRead: 'cannot read the baseline file',
  cannotReadAdvice: 'create it with fleetsim regress --update',
};

/**
 * Reads and checks a baseline file.
 * @throws InputError when it cannot be read, is not JSON, does not have the format, holds a
 * scenario (or a scenario's strategy) twice, a series whose length is not the scenario's
 * replications, or a value outside its metric's range
 */
export function readBaseline(file: string): BaselineFile {
  const text = readBoundedText(file, BASELINE_FILE);
  const raw = parseJsonText(text, file);
  const baseline = parseWith(fileSchema, raw, file);
  const names = new Set<string>();
  baseline.scenarios.forEach((entry, i) => {
    if (names.has(entry.scenario)) throw new InputError(file, `scenarios[${i}].scenario`, `"${entry.scenario}" appears twice`);
    names.add(entry.scenario);
    const labels = new Set<string>();
    entry.strategies.forEach((strategy, s) => {
      // A re-run's strategy is judged against one entry: a second would be ignored.
      if (labels.has(strategy.strategy)) throw new InputError(file, `scenarios[${i}].strategies[${s}].strategy`, `"${strategy.strategy}" appears twice in "${entry.scenario}"`);
      labels.add(strategy.strategy);
      for (const [metric, values] of Object.entries(strategy.metrics)) {
        const at = formatPath(['scenarios', i, 'strategies', s, 'metrics', metric]);
        // No check would ever read a series of a metric no run has: a misspelt name is a mistake.
        if (!isBaselineMetric(metric)) throw new InputError(file, at, `unknown metric "${metric}"${didYouMean(metric, RANKED_METRIC_PATHS)}; a baseline holds metrics with a direction (${RANKED_METRIC_PATHS.join(', ')}) and their classes' (byPriority.0.deadlineSuccess)`);
        if (values.length !== entry.replications) {
          throw new InputError(file, at, `expected ${entry.replications} values (one per replication), got ${values.length}`);
        }
        checkMeasurable(file, at, metric, values);
      }
    });
  });
  return baseline;
}

/**
 * Whether a baseline may hold a series of `metric`: a ranked metric, or a class's (the
 * `byType`, `byPriority` or `byTenant` namesake of one), as {@link baselineEntry} writes them.
 */
function isBaselineMetric(metric: string): boolean {
  return RANKED_METRIC_PATHS.includes(metric) || (parseClassPath(metric, RANKED_METRIC_PATHS) ?? null) !== null;
}

/** Each value of a series null or in its metric's range: a value no run can measure is a damaged file. */
function checkMeasurable(file: string, at: string, metric: string, values: readonly (number | null)[]): void {
  values.forEach((value, r) => {
    const problem = unmeasurable(metric, value);
    if (problem !== undefined) throw new InputError(file, `${at}[${r}]`, problem);
  });
}

/**
 * The baseline entry of a compare document: every ranked metric of every strategy, and the
 * class metrics the scenario's `regress` section checks ({@link classChecksOf}).
 */
export function baselineEntry(document: ExperimentDocument, source: string, classMetrics: readonly string[] = []): BaselineScenario {
  const cell = document.cells[0];
  if (document.kind !== 'compare' || cell === undefined) throw new Error('baselineEntry: expected a compare document');
  return {
    scenario: document.scenario,
    source,
    seed: document.seed,
    replications: document.replications,
    strategies: cell.strategies.map((outcome) => ({
      strategy: outcome.strategy,
      params: outcome.params,
      metrics: Object.fromEntries([...RANKED_METRIC_PATHS, ...classMetrics].map((path) => [path, outcome.perReplication.map((run) => targetMetricValue(run, path))])),
    })),
  };
}

/** `baseline` (or an empty file) with `entries` added or replacing those of the same scenario. */
export function updatedBaseline(baseline: BaselineFile | undefined, entries: readonly BaselineScenario[]): BaselineFile {
  const byName = new Map((baseline?.scenarios ?? []).map((entry) => [entry.scenario, entry]));
  for (const entry of entries) byName.set(entry.scenario, entry);
  const scenarios = [...byName.values()].sort((a, b) => (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : 0));
  return { format: 'fleetsim-regress-baseline', version: BASELINE_VERSION, scenarios };
}

/** The file's text: indented, but each series of numbers on one line, so updates diff line by metric. */
export function baselineJson(baseline: BaselineFile): string {
  const text = JSON.stringify(baseline, null, 1);
  return text.replace(/\[\s*((?:-?[\d.eE+-]+|null)(?:,\s*(?:-?[\d.eE+-]+|null))*)\s*\]/g, (_, items: string) => `[${items.split(/,\s*/).join(', ')}]`) + '\n';
}

/**
 * Writes a baseline file (creating its directory).
 * @throws InputError naming `--baseline` when it cannot be written
 */
export function writeBaseline(file: string, baseline: BaselineFile): void {
  try {
    makeDirectory(dirname(file));
    writeFileSync(file, baselineJson(baseline));
  } catch (error) {
    throw new InputError(file, '--baseline', `cannot write the baseline file (${systemErrorReason(error)})`);
  }
}
