/**
 * The tables every report shows (terminal, Markdown), as rows of strings: leaderboards and
 * paired differences to the baseline. Renderers only lay them out, so all formats say the same.
 */
import { leadsSignificantly } from '../experiments/leaderboard.js';
import { leaderboardMetrics, metricInfo, metricValue } from '../metrics/directions.js';
import { clippedInterval, metricRange, type MetricRange } from '../metrics/ranges.js';
import type { CellResult, ExperimentDocument, Leaderboard, MetricInfo, PairedDifference } from '../experiments/types.js';

/** A table: a header and rows of the same width; `align[i]` is how column i lines up. */
export interface Table {
  /** Column titles. */
  readonly header: readonly string[];
  /** Rows, as wide as the header. */
  readonly rows: readonly (readonly string[])[];
  /** How each column lines up. */
  readonly align: readonly ('left' | 'right')[];
}

/** Mark placed after a significant difference. */
export const SIGNIFICANT = '*';

/** What the Δ column of a leaderboard says for the first entry when it is not significantly ahead. */
export const NO_SIGNIFICANT_DIFFERENCE = 'no significant difference';

/** The legend of the interval notations, for the line under a title. */
export const INTERVAL_LEGEND = "± = 95% CI half-width; [a, b] = 95% CI clipped to the metric's range";

/**
 * `mean ± halfWidth` with `digits` after the point; `-` for no data. When the interval reaches
 * outside the metric's `range` it is clipped and shown by its bounds, `mean [low, high]`.
 */
export function meanWithHalfWidth(mean: number | null, halfWidth: number | null, digits: number, range: MetricRange): string {
  if (mean === null) return '-';
  if (halfWidth === null || halfWidth === 0) return mean.toFixed(digits);
  const { low, high } = clippedInterval(mean, halfWidth, range);
  if (low === mean - halfWidth && high === mean + halfWidth) return `${mean.toFixed(digits)} ± ${halfWidthText(halfWidth, digits)}`;
  return `${mean.toFixed(digits)} [${low.toFixed(digits)}, ${high.toFixed(digits)}]`;
}

/**
 * A signed difference with its half-width, starred when significant; `-` for no data. Identical
 * differences (half-width 0 over several pairs) show `± 0`, so a degenerate interval is seen.
 */
export function difference(d: PairedDifference, digits: number): string {
  if (d.mean === null) return '-';
  const sign = d.mean > 0 ? '+' : '';
  const main = `${sign}${d.mean.toFixed(digits)}`;
  const hw = d.halfWidth === null || d.n < 2 || (d.mean === 0 && d.halfWidth === 0) ? '' : ` ± ${halfWidthText(d.halfWidth, digits)}`;
  return `${main}${hw}${d.significant ? ` ${SIGNIFICANT}` : ''}`;
}

/** A half-width to `digits`, or `<0.001` (at 3 digits) when it is not 0 but would print as 0. */
function halfWidthText(halfWidth: number, digits: number): string {
  if (halfWidth === 0) return '0';
  const text = halfWidth.toFixed(digits);
  return Number(text) === 0 ? `<${(10 ** -digits).toFixed(digits)}` : text;
}

/** The swept values of a cell, `path=value, …` ('' in a compare). */
export function cellLabel(cell: Pick<CellResult, 'params'>): string {
  return Object.entries(cell.params).map(([path, value]) => `${path}=${String(value)}`).join(', ');
}

/** "lower is better" / "higher is better". */
export function direction(info: Pick<MetricInfo, 'better'>): string {
  return `${info.better} is better`;
}

/**
 * A leaderboard as a table: rank, (the cell's values, when the document has a grid), strategy,
 * mean ± half-width, and the paired difference to the first. The first is marked `leader` only
 * when it is significantly ahead of the second; otherwise its row says there is no significant
 * difference, so that nobody reads noise as a win. At most `limit` rows.
 */
export function leaderboardTable(board: Leaderboard, document: ExperimentDocument, limit = Infinity): Table {
  const digits = metricInfo(board.metric)?.digits ?? 3;
  const range = metricRange(board.metric);
  const swept = document.grid.length > 0;
  const cells = new Map(document.cells.map((cell) => [cell.index, cell]));
  const withData = board.entries.filter((entry) => entry.mean !== null).length;
  const first = withData < 2 ? '-' : leadsSignificantly(board.entries) ? 'leader' : NO_SIGNIFICANT_DIFFERENCE;
  const rows = board.entries.slice(0, limit).map((entry) => [
    String(entry.rank),
    ...(swept ? [cellLabel(cells.get(entry.cell)!)] : []),
    entry.strategy,
    meanWithHalfWidth(entry.mean, entry.halfWidth, digits, range),
    entry.rank === 1 && entry.mean !== null ? first : difference(entry.vsLeader, digits),
  ]);
  return {
    header: ['rank', ...(swept ? ['cell'] : []), 'strategy', 'mean', 'Δ vs leader'],
    rows,
    align: ['right', ...(swept ? ['left' as const] : []), 'left', 'right', 'right'],
  };
}

/** Whether any entry of a leaderboard has a mean (a metric can be absent from every run). */
export function hasData(board: Leaderboard): boolean {
  return board.entries.some((entry) => entry.mean !== null);
}

/**
 * One cell's strategies against its baseline: per strategy, each metric's mean ± half-width
 * and paired difference (strategy − baseline). `metrics` defaults to the leaderboard metrics.
 */
export function pairedTable(cell: CellResult, metrics: readonly MetricInfo[] = leaderboardMetrics()): Table {
  const rows = cell.strategies.map((outcome) => [
    outcome.strategy === cell.baseline ? `${outcome.strategy} (baseline)` : outcome.strategy,
    ...metrics.map((info) => outcome.strategy === cell.baseline ? 'baseline' : difference(outcome.paired[info.path]!, info.digits)),
  ]);
  return { header: ['strategy', ...metrics.map((info) => `Δ ${info.title}`)], rows, align: ['left', ...metrics.map(() => 'right' as const)] };
}

/** One cell's strategies: each metric's mean ± 95% half-width. */
export function meansTable(cell: CellResult, metrics: readonly MetricInfo[] = leaderboardMetrics()): Table {
  const rows = cell.strategies.map((outcome) => [
    outcome.strategy,
    ...metrics.map((info) => meanWithHalfWidth(metricValue(outcome.metrics, info.path), metricValue(outcome.ci95, info.path), info.digits, metricRange(info.path))),
  ]);
  return { header: ['strategy', ...metrics.map((info) => info.title)], rows, align: ['left', ...metrics.map(() => 'right' as const)] };
}

/** A table as aligned text columns (two spaces apart), with a rule under the header. */
export function textTable(table: Table): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (table.align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n') + '\n';
}

/** A table in GitHub-flavoured Markdown (pipes in cells escaped). */
export function markdownTable(table: Table): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const line = (row: readonly string[]): string => `| ${row.map(escape).join(' | ')} |`;
  const rule = `| ${table.align.map((a) => (a === 'right' ? '---:' : '---')).join(' | ')} |`;
  return [line(table.header), rule, ...table.rows.map(line)].join('\n') + '\n';
}
