/**
 * The tables every report shows (terminal, Markdown), as rows of strings: leaderboards and
 * paired differences to the baseline. Renderers only lay them out, so all formats say the same.
 */
import { leaderboardMetrics, metricInfo, metricValue } from '../metrics/directions.js';
import type { CellResult, ExperimentDocument, Leaderboard, MetricInfo, PairedDifference } from '../experiments/types.js';

/** A table: a header and rows of the same width; `align[i]` is how column i lines up. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  readonly align: readonly ('left' | 'right')[];
}

/** Mark placed after a significant difference. */
export const SIGNIFICANT = '*';

/** `value ± halfWidth` with `digits` after the point; `-` for no data. */
export function meanWithHalfWidth(mean: number | null, halfWidth: number | null, digits: number): string {
  if (mean === null) return '-';
  return halfWidth === null || halfWidth === 0 ? mean.toFixed(digits) : `${mean.toFixed(digits)} ± ${halfWidth.toFixed(digits)}`;
}

/** A signed difference with its half-width, starred when significant; `-` for no data. */
export function difference(d: PairedDifference, digits: number): string {
  if (d.mean === null) return '-';
  const sign = d.mean > 0 ? '+' : '';
  const main = `${sign}${d.mean.toFixed(digits)}`;
  const hw = d.halfWidth === null || d.halfWidth === 0 ? '' : ` ± ${d.halfWidth.toFixed(digits)}`;
  return `${main}${hw}${d.significant ? ` ${SIGNIFICANT}` : ''}`;
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
 * mean ± half-width, and the paired difference to the leader. At most `limit` rows.
 */
export function leaderboardTable(board: Leaderboard, document: ExperimentDocument, limit = Infinity): Table {
  const digits = metricInfo(board.metric)?.digits ?? 3;
  const swept = document.grid.length > 0;
  const cells = new Map(document.cells.map((cell) => [cell.index, cell]));
  const rows = board.entries.slice(0, limit).map((entry) => [
    String(entry.rank),
    ...(swept ? [cellLabel(cells.get(entry.cell)!)] : []),
    entry.strategy,
    meanWithHalfWidth(entry.mean, entry.halfWidth, digits),
    entry.rank === 1 && entry.mean !== null ? 'leader' : difference(entry.vsLeader, digits),
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
    ...metrics.map((info) => meanWithHalfWidth(metricValue(outcome.metrics, info.path), metricValue(outcome.ci95, info.path), info.digits)),
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
