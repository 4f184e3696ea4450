/**
 * The headline table of the report page: one row per strategy (per cell of a sweep), one column
 * per headline metric, each `mean ± 95% half-width` (or the clipped interval), and the leader of
 * each column in its cell marked where it is significantly ahead of the runner-up.
 */
import type { CellResult, ExperimentDocument, MetricInfo } from '../experiments/types.js';
import { leadsSignificantly } from '../experiments/leaderboard.js';
import { metricValue } from '../metrics/directions.js';
import { metricRange } from '../metrics/ranges.js';
import { meanWithHalfWidth, pairedTable } from './tables.js';

/** A table cell: its text, and whether it is the best of its column within its experiment cell. */
export interface TableCell {
  /** The cell's text. */
  readonly text: string;
  /** Best of its column within its experiment cell (highlighted on the page). */
  readonly leader: boolean;
}

/** A plain table for the page. */
export interface HeadlineTable {
  /** Column titles. */
  readonly header: readonly string[];
  /** How many leading columns are labels (swept values, strategy) rather than figures. */
  readonly labelColumns: number;
  /** Rows of cells, as wide as the header. */
  readonly rows: readonly (readonly TableCell[])[];
}

/** The headline table of a document (the swept values lead each row of a sweep). */
export function headlineTable(doc: ExperimentDocument): HeadlineTable {
  const headline = doc.metrics.filter((info) => info.leaderboard);
  const params = doc.grid.map((parameter) => parameter.path);
  const header = [...params, 'strategy', ...headline.map((info) => info.title)];
  const plain = (text: string): TableCell => ({ text, leader: false });
  const rows = doc.cells.flatMap((cell) => cell.strategies.map((outcome) => [
    ...params.map((path) => plain(String(cell.params[path]))),
    plain(outcome.strategy),
    ...headline.map((info) => ({
      text: meanWithHalfWidth(metricValue(outcome.metrics, info.path), metricValue(outcome.ci95, info.path), info.digits, metricRange(info.path)),
      leader: leaderOf(cell, info) === outcome.strategy,
    })),
  ]));
  return { header, labelColumns: params.length + 1, rows };
}

/**
 * Each strategy's paired difference to its cell's baseline on every headline metric
 * (`+1.23 ± 0.45 *`, starred when significant); the swept values lead each row of a sweep.
 */
export function pairedDifferenceTable(doc: ExperimentDocument): HeadlineTable {
  const headline = doc.metrics.filter((info) => info.leaderboard);
  const params = doc.grid.map((parameter) => parameter.path);
  const plain = (text: string): TableCell => ({ text, leader: false });
  const rows = doc.cells.flatMap((cell) => {
    const table = pairedTable(cell, headline);
    return table.rows.map((row) => [...params.map((path) => plain(String(cell.params[path]))), ...row.map(plain)]);
  });
  return { header: [...params, 'strategy', ...headline.map((info) => `Δ ${info.title}`)], labelColumns: params.length + 1, rows };
}

/**
 * The strategy ranked first on `info` in `cell` when it is significantly ahead of the second
 * (paired); undefined when it is not, so that a tie is never highlighted as a win.
 */
function leaderOf(cell: CellResult, info: MetricInfo): string | undefined {
  const board = cell.leaderboards.find((candidate) => candidate.metric === info.path);
  if (board === undefined || !leadsSignificantly(board.entries)) return undefined;
  return board.entries[0]!.strategy;
}
