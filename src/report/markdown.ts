/**
 * `summary.md`: the decision in a form a CI job summary shows (`$GITHUB_STEP_SUMMARY`):
 * leaderboards, each strategy's means and its paired differences to the baseline, per cell.
 */
import { METRIC_TABLE } from '../metrics/directions.js';
import { replicationWarnings } from '../experiments/warnings.js';
import type { ExperimentDocument } from '../experiments/types.js';
import {
  INTERVAL_LEGEND, NO_SIGNIFICANT_DIFFERENCE, SIGNIFICANT, cellLabel, direction, hasData, leaderboardTable, markdownTable, meansTable, pairedTable,
} from './tables.js';
import { TARGETS_NOTE, targetsSummaryTable } from './targetsTable.js';
import { counted } from '../counted.js';

/** Rows per leaderboard across the cells of a sweep (each cell's own boards list all). */
const SWEEP_BOARD_ROWS = 20;

/** The Markdown text of a document. */
export function summaryMarkdown(document: ExperimentDocument): string {
  const parts: string[] = [];
  const sweep = document.kind === 'sweep';
  const shard = document.kind === 'sweep' && document.shard !== undefined ? ` (shard ${document.shard.index}/${document.shard.count})` : '';
  parts.push(`# ${document.scenario}: ${document.kind}${shard}\n`);
  const grid = document.grid.map((p) => `\`${p.path}\` ∈ {${p.values.map(String).join(', ')}}`).join(' × ');
  parts.push([
    `Seed ${document.seed}, ${counted(document.replications, 'replication')} per strategy` +
      (sweep ? `, ${counted(document.cells.length, 'cell')}: ${grid}` : '') + `; baseline \`${document.baseline}\`.`,
    `${INTERVAL_LEGEND} (over replications). Δ is a paired difference on common random numbers ` +
      `(replication r of every strategy saw the same tasks); ${SIGNIFICANT} marks a difference significant at 95%. ` +
      `A leaderboard names a leader only when it is significantly ahead of the second; otherwise it says "${NO_SIGNIFICANT_DIFFERENCE}".`,
  ].join('\n') + '\n');
  for (const warning of replicationWarnings(document.replications)) parts.push(`> **Warning:** ${warning}\n`);
  parts.push(`## Leaderboards${sweep ? ' (all cells)' : ''}\n`);
  for (const board of document.leaderboards) {
    parts.push(`### ${board.title} (${direction(board)})\n`);
    if (!hasData(board)) {
      parts.push('No data in any run.\n');
      continue;
    }
    const limit = sweep ? SWEEP_BOARD_ROWS : Infinity;
    parts.push(markdownTable(leaderboardTable(board, document, limit)));
    if (board.entries.length > limit) parts.push(`… and ${board.entries.length - limit} more (see leaderboards.csv).\n`);
  }
  for (const cell of document.cells) {
    const title = sweep ? `## Cell ${cell.index}: ${cellLabel(cell)}` : '## Strategies';
    parts.push(`${title}\n`);
    parts.push('Means:\n');
    parts.push(markdownTable(meansTable(cell, METRIC_TABLE)));
    parts.push(`\nPaired differences to \`${cell.baseline}\` (strategy − baseline):\n`);
    parts.push(markdownTable(pairedTable(cell, METRIC_TABLE)));
    if (cell.targets !== undefined) {
      parts.push('\nTargets (the bound of the 95% interval judged per check):\n');
      parts.push(markdownTable(targetsSummaryTable(cell.targets)));
      parts.push(`${TARGETS_NOTE}\n`);
    }
  }
  return parts.join('\n');
}
