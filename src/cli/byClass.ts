/**
 * `--by type|priority|tenant` of `run` and `compare`: the flag checked, and the tables of the
 * metrics by class printed under the comparison.
 */
import type { ExperimentResult } from '../experiments/runResult.js';
import type { CellResult } from '../experiments/types.js';
import { CLASS_DIMENSIONS, type ClassDimension } from '../metrics/classes.js';
import { classMeansTable, classPairedTable } from '../report/classTables.js';
import { INTERVAL_LEGEND, textTable } from '../report/tables.js';
import { InputError, didYouMean } from '../scenario/errors.js';
import { describeValue } from '../scenario/zodIssues.js';

/**
 * The dimension `--by` names, or undefined without the flag.
 * @throws InputError naming `--by` for anything but type, priority or tenant
 */
export function parseClassDimension(by: unknown): ClassDimension | undefined {
  if (by === undefined) return undefined;
  const found = CLASS_DIMENSIONS.find((dimension) => dimension === by);
  if (found !== undefined) return found;
  const hint = typeof by === 'string' ? didYouMean(by, CLASS_DIMENSIONS) : '';
  throw new InputError('command line', '--by', `unknown class ${describeValue(by)}${hint}; classes: ${CLASS_DIMENSIONS.join(', ')}`);
}

/** The class table of a run result: per class and strategy, the class's figures with their half-widths. */
export function runClassText(result: ExperimentResult, dimension: ClassDimension): string {
  return `\nby ${dimension} (${INTERVAL_LEGEND}):\n${textTable(classMeansTable(result.results, dimension))}`;
}

/** The class tables of a compare's cell: the figures, then the paired differences to the baseline. */
export function compareClassText(cell: CellResult, dimension: ClassDimension): string[] {
  return [
    `Means by ${dimension}`,
    textTable(classMeansTable(cell.strategies, dimension)),
    `Paired differences by ${dimension} to ${cell.baseline} (strategy − baseline)`,
    textTable(classPairedTable(cell, dimension)),
  ];
}
