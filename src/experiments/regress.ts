/**
 * `fleetsim regress`: a re-run of a scenario judged against its baseline, metric by metric.
 * Replication r of the re-run and of the baseline drew the same random numbers (same seed),
 * so each metric's change is a paired difference. A metric regresses when the change is
 * significant at 95% AND worse, in the metric's direction, than its tolerance: the larger of
 * `relative` × |baseline mean| and `absolute` (the scenario's `regress` section).
 */
import { mean } from 'simple-statistics';
import { dimensionOf, parseClassPath } from '../metrics/classes.js';
import { RANKED_METRIC_PATHS, metricInfo, worsening } from '../metrics/directions.js';
import { targetMetricValue } from '../metrics/targetMetrics.js';
import type { RegressPolicy } from '../scenario/types.js';
import type { BaselineScenario } from './baselineFile.js';
import { pairedDifference } from './paired.js';
import type { Better, ExperimentDocument, MetricInfo, PairedDifference } from './types.js';

/**
 * How one metric of one strategy moved: `regressed` fails the check; `worse` is significantly
 * worse but within tolerance; `better` significantly better; `changed` moved without
 * significance; `same` did not move in any replication; `no data` has no pair of values to compare.
 */
export type Verdict = 'regressed' | 'worse' | 'better' | 'changed' | 'same' | 'no data';

/** One metric of one strategy, re-run against its baseline. */
export interface RegressRow {
  /** Scenario name. */
  readonly scenario: string;
  /** Strategy label. */
  readonly strategy: string;
  /** Dotted metric path. */
  readonly metric: string;
  /** The metric's title, for tables. */
  readonly title: string;
  /** Whether higher or lower values are better. */
  readonly better: Better;
  /** Decimal digits the metric is printed with. */
  readonly digits: number;
  /** Means over replications (null: no data). */
  readonly baseline: number | null;
  /** Mean over the re-run's replications (null: no data). */
  readonly current: number | null;
  /** Re-run − baseline, paired by replication. */
  readonly change: PairedDifference;
  /** How much worse the metric may get. */
  readonly limit: number;
  /** Pass, fail or no data. */
  readonly verdict: Verdict;
}

/** The verdict on one scenario. */
export interface ScenarioVerdict {
  /** Scenario name. */
  readonly scenario: string;
  /** One row per checked metric and strategy. */
  readonly rows: readonly RegressRow[];
  /** Why the re-run cannot be compared, or parts of it: each one fails the check. */
  readonly problems: readonly string[];
  /** Worth knowing, not failing (strategy parameters changed since the baseline). */
  readonly notes: readonly string[];
}

/** True when the verdict fails the check: a regressed metric or a problem. */
export function failed(verdict: ScenarioVerdict): boolean {
  return verdict.problems.length > 0 || verdict.rows.some((row) => row.verdict === 'regressed');
}

/** The advice that ends a problem's text; `--update` output replaces it (it is what runs). */
export const UPDATE_ADVICE = 'run fleetsim regress --update to accept it';

/** Judges the re-run `current` (a compare document) against `baseline`. */
export function judgeScenario(current: ExperimentDocument, baseline: BaselineScenario | undefined, policy: RegressPolicy): ScenarioVerdict {
  const scenario = current.scenario;
  const update = UPDATE_ADVICE;
  if (baseline === undefined) return { scenario, rows: [], problems: [`no baseline for this scenario: ${update}`], notes: [] };
  if (baseline.seed !== current.seed || baseline.replications !== current.replications) {
    const problem = `the baseline ran seed ${baseline.seed} × ${baseline.replications} replications, this run seed ${current.seed} × ${current.replications}: ${update}`;
    return { scenario, rows: [], problems: [problem], notes: [] };
  }
  const outcomes = current.cells[0]!.strategies;
  const problems: string[] = [];
  const notes: string[] = [];
  const rows: RegressRow[] = [];
  for (const entry of baseline.strategies) {
    if (!outcomes.some((o) => o.strategy === entry.strategy)) problems.push(`strategy ${entry.strategy} is in the baseline but did not run: ${update}`);
  }
  for (const outcome of outcomes) {
    const entry = baseline.strategies.find((s) => s.strategy === outcome.strategy);
    if (entry === undefined) {
      problems.push(`strategy ${outcome.strategy} has no baseline: ${update}`);
      continue;
    }
    if (JSON.stringify(entry.params) !== JSON.stringify(outcome.params)) notes.push(`${outcome.strategy}: parameters differ from the baseline's`);
    for (const check of policy.checks) {
      const info = rankedInfo(check.metric);
      const before = entry.metrics[check.metric];
      if (before === undefined) {
        problems.push(`${outcome.strategy}: the baseline has no ${check.metric}: ${update}`);
        continue;
      }
      const now = outcome.perReplication.map((run) => targetMetricValue(run, check.metric));
      const change = pairedDifference(now, before);
      const baselineMean = meanOf(before);
      const limit = Math.max(check.relative * Math.abs(baselineMean ?? 0), check.absolute);
      rows.push({
        scenario, strategy: outcome.strategy, metric: check.metric, title: info.title, better: info.better, digits: info.digits,
        baseline: baselineMean, current: meanOf(now), change, limit, verdict: verdictOf(change, info.better, limit),
      });
    }
  }
  return { scenario, rows, problems, notes };
}

/** The metrics of a class that `policy` checks (the scenario's regress tolerances name them). */
export function classChecksOf(policy: RegressPolicy): string[] {
  return policy.checks.map((check) => check.metric).filter((metric) => parseClassPath(metric, RANKED_METRIC_PATHS));
}

/**
 * The direction, digits and title of a checked metric; a class's metric (`byPriority.0.wait.mean`)
 * takes its pooled namesake's, titled with the class.
 */
function rankedInfo(metric: string): MetricInfo {
  const classPath = parseClassPath(metric, RANKED_METRIC_PATHS);
  if (classPath === undefined || classPath === null) return metricInfo(metric)!;
  const info = metricInfo(classPath.leaf)!;
  return { ...info, path: metric, title: `${info.title}, ${dimensionOf(classPath.key)} ${classPath.name}` };
}

function verdictOf(change: PairedDifference, better: Better, limit: number): Verdict {
  if (change.mean === null) return 'no data';
  // Same only when no replication moved: changes that cancel out (+1 and −1 retries) have a
  // mean of 0 but a half-width, and are a change.
  if (change.mean === 0 && change.halfWidth === 0) return 'same';
  if (!change.significant) return 'changed';
  const worse = worsening(better, change.mean);
  if (worse <= 0) return 'better';
  return worse > limit ? 'regressed' : 'worse';
}

function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : mean(present);
}
