/**
 * The targets (SLOs) of a document as tables of strings, for every renderer (terminal,
 * Markdown, HTML, `fleetsim check`): a compact one, a row per strategy with a pass/fail column,
 * and a detailed one, a row per strategy × check with the value, the bound judged and the target.
 */
import { targetMetricRange } from '../experiments/targets.js';
import { metricInfo } from '../metrics/directions.js';
import { targetText } from '../experiments/targets.js';
import type { CellTargets, ExperimentDocument, TargetOutcome } from '../experiments/types.js';
import { cellLabel, meanWithHalfWidth, type Table } from './tables.js';

/** One line saying how targets are judged, for under the tables. */
export const TARGETS_NOTE =
  'A target is met when the 95% confidence interval over replications lies within it: the upper bound for a max, the lower bound for a min. ' +
  'Only the strategies listed in targets.strategies (held: yes) make fleetsim check fail.';

/** Digits a target metric is printed with. */
function digitsOf(metric: string): number {
  return metricInfo(metric)?.digits ?? 3;
}

/** The bound(s) of the interval a check is judged on, `-` for no data. */
export function judgedBound(outcome: TargetOutcome): string {
  const digits = digitsOf(outcome.metric);
  if (outcome.low === null || outcome.high === null) return '-';
  if (outcome.min !== null && outcome.max !== null) return `${outcome.low.toFixed(digits)} … ${outcome.high.toFixed(digits)}`;
  return (outcome.max !== null ? outcome.high : outcome.low).toFixed(digits);
}

/** `pass`, or `FAIL` for a held strategy and `fail` for one merely shown. */
function verdict(pass: boolean, held: boolean): string {
  if (pass) return 'pass';
  return held ? 'FAIL' : 'fail';
}

/** One row per strategy: the bound judged per check, then whether it met every target. */
export function targetsSummaryTable(targets: CellTargets): Table {
  return {
    header: ['strategy', 'held', ...targets.checks.map((check) => `${check.metric} ${targetText(check)}`), 'targets'],
    rows: targets.results.map((result) => [
      result.strategy,
      result.targeted ? 'yes' : '-',
      ...result.checks.map((outcome) => `${judgedBound(outcome)} ${outcome.pass ? 'ok' : 'miss'}`),
      verdict(result.pass, result.targeted),
    ]),
    align: ['left', 'left', ...targets.checks.map(() => 'right' as const), 'left'],
  };
}

/**
 * One row per strategy × check of every cell with targets (the cell's swept values first in a
 * sweep): mean ± half-width, the bound judged, the target and the verdict.
 */
export function targetsDetailTable(document: Pick<ExperimentDocument, 'cells' | 'grid'>): Table {
  const swept = document.grid.length > 0;
  const rows = document.cells.flatMap((cell) => (cell.targets?.results ?? []).flatMap((result) => result.checks.map((outcome) => [
    ...(swept ? [cellLabel(cell)] : []),
    result.strategy,
    result.targeted ? 'yes' : '-',
    outcome.metric,
    meanWithHalfWidth(outcome.mean, outcome.halfWidth, digitsOf(outcome.metric), targetMetricRange(outcome.metric)),
    judgedBound(outcome),
    targetText(outcome),
    verdict(outcome.pass, result.targeted),
  ])));
  return {
    header: [...(swept ? ['cell'] : []), 'strategy', 'held', 'metric', 'mean ± 95% CI', 'bound judged', 'target', 'result'],
    rows,
    align: [...(swept ? ['left' as const] : []), 'left', 'left', 'left', 'right', 'right', 'left', 'left'],
  };
}

/** Whether any cell of the document has targets. */
export function hasTargets(document: Pick<ExperimentDocument, 'cells'>): boolean {
  return document.cells.some((cell) => cell.targets !== undefined);
}
