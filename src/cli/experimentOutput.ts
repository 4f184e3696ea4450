/**
 * What `compare`, `sweep` and `merge` print on a terminal: a title, one ranked leaderboard per
 * headline metric, and (for a compare) the paired differences to the baseline.
 */
import { replicationWarnings } from '../experiments/warnings.js';
import type { ExperimentDocument } from '../experiments/types.js';
import type { ClassDimension } from '../metrics/classes.js';
import { compareClassText } from './byClass.js';
import { legendText, METRIC_MEANINGS, variantEntriesOfCells } from './legend.js';
import {
  INTERVAL_LEGEND, NO_SIGNIFICANT_DIFFERENCE, SIGNIFICANT, direction, hasData, leaderboardTable, meansTable, pairedTable, textTable,
} from '../report/tables.js';
import { TARGETS_NOTE, targetsSummaryTable } from '../report/targetsTable.js';
import { counted } from '../counted.js';

/** Rows per leaderboard of a sweep on the terminal (summary.md lists more). */
const SWEEP_ROWS = 10;

/**
 * The targets of every cell that has them: one row per strategy with a pass/fail column, then
 * how they are judged. Empty when the scenario has no `targets` section.
 */
export function targetsParts(document: Pick<ExperimentDocument, 'kind' | 'cells'>): string[] {
  const parts: string[] = [];
  for (const cell of document.cells) {
    if (cell.targets === undefined) continue;
    parts.push(`Targets${document.kind === 'sweep' ? ` (cell ${cell.index})` : ''}: bound of the 95% CI judged per check`);
    parts.push(textTable(targetsSummaryTable(cell.targets)));
  }
  if (parts.length > 0) parts.push(TARGETS_NOTE, '');
  return parts;
}

/** The terminal text of a document, with the tables by class of `by` for a compare when asked; `png` names the PNG charts in the report line when the report wrote them. */
export function experimentText(document: ExperimentDocument, reportDir: string | undefined, by?: ClassDimension, png = false): string {
  const sweep = document.kind === 'sweep';
  const cells = sweep ? `, ${counted(document.cells.length, 'cell')}` : '';
  const parts = [
    `${document.scenario}: seed ${document.seed}, ${counted(document.replications, 'replication')}${cells}, baseline ${document.baseline}`,
    `${INTERVAL_LEGEND}; Δ = paired difference on common random numbers; ${SIGNIFICANT} = significant at 95%; ` +
      `"leader" only when significantly ahead of #2, else "${NO_SIGNIFICANT_DIFFERENCE}"`,
    ...replicationWarnings(document.replications).map((warning) => `warning: ${warning}`),
    '',
  ];
  for (const board of document.leaderboards) {
    parts.push(`${board.title} (${direction(board)})${hasData(board) ? '' : ': no data in any run\n'}`);
    if (hasData(board)) parts.push(textTable(leaderboardTable(board, document, sweep ? SWEEP_ROWS : Infinity)));
  }
  const only = document.cells.length === 1 ? document.cells[0] : undefined;
  if (only !== undefined) {
    parts.push('Means');
    parts.push(textTable(meansTable(only)));
    parts.push(`Paired differences to ${only.baseline} (strategy − baseline)`);
    parts.push(textTable(pairedTable(only)));
    if (by !== undefined) parts.push(...compareClassText(only, by));
  }
  parts.push(...targetsParts(document));
  parts.push(legendText([
    ...document.leaderboards.flatMap((board) => {
      const meaning = METRIC_MEANINGS[board.metric];
      return meaning === undefined ? [] : [[board.title, meaning] as const];
    }),
    ...(sweep ? [['cell', 'the values of the swept fields in that cell'] as const] : []),
    ['Δ vs leader', 'paired difference to the rank-1 entry of the same leaderboard'],
    ...variantEntriesOfCells(document.cells.map((cell) => cell.strategies.map((s) => ({ label: s.strategy, name: s.name, params: s.params })))),
  ]));
  if (reportDir !== undefined) parts.push(`Reports in ${reportDir}: index.html (charts also as .svg${png ? ' and .png' : ''}), summary.json, results.csv, leaderboards.csv, classes.csv, agents.csv, summary.md`);
  return parts.join('\n').replace(/\n+$/, '') + '\n';
}
