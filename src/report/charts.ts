/**
 * Which charts a result document gets, and the rows each is drawn from. A compare gets, for
 * each headline metric, each strategy's mean with its 95% interval (clipped to the metric's
 * range) and each strategy's paired difference to the baseline with its interval, significant
 * ones marked; then the latency distribution, the load per agent (tasks, tokens) with its Lorenz
 * curve, the queue depth over time, and the latency p95 of each class (by type, priority,
 * tenant: each dimension with two classes or more). A sweep gets each headline metric over the swept
 * parameter(s): a line chart for one parameter, heat maps for two, and a line over the labelled
 * cells for more.
 *
 * The latency distribution and the queue depth come from the document's `series` (pooled over
 * the replications of each strategy; older documents hold replication 1 only); a document
 * without them simply lacks those two charts.
 */
import type { ChartSpec } from './chartSpec.js';
import type { CellResult, ExperimentDocument, MetricInfo, ParamValue } from '../experiments/types.js';
import { BREAKDOWN_KEY, CLASS_DIMENSIONS, type ClassDimension } from '../metrics/classes.js';
import { metricInfo, metricValue } from '../metrics/directions.js';
import { targetMetricValue } from '../metrics/targetMetrics.js';
import { clippedInterval, metricRange } from '../metrics/ranges.js';
import type { SeriesEntry } from '../metrics/series.js';
import type { AgentMetrics } from '../metrics/types.js';
import {
  agentDistributionSpec, agentLoadSpec, classIntervalsSpec, latencyCdfSpec, lorenzSpec, metricIntervalsSpec, pairedDifferenceSpec, queueDepthSpec, sweepHeatmapSpec, sweepLineSpec,
  type AgentRow, type ClassRow, type DifferenceRow, type ExtremeAgentRow, type IntervalRow, type PointRow, type SweepRow,
} from './specs.js';
import { cellLabel } from './tables.js';
import { counted } from '../counted.js';

/** A `summary.json` document as the report reads it: the experiment and, when recorded, its series. */
export type ReportDocument = ExperimentDocument & { readonly series?: readonly SeriesEntry[] };

/** One chart of the report. */
export interface ChartDef {
  /** File stem and HTML anchor: lower-case letters, digits and `-`. */
  readonly name: string;
  /** The chart's title, as its spec shows it. */
  readonly title: string;
  /** How to read the chart, one sentence for under it. */
  readonly caption: string;
  /** The chart's Vega-Lite spec. */
  readonly spec: ChartSpec;
}

/** The charts of a document, in page order. */
export function reportCharts(doc: ReportDocument): ChartDef[] {
  const strategies = strategyLabels(doc);
  const headline = doc.metrics.filter((info) => info.leaderboard);
  if (doc.grid.length === 0 && doc.cells.length === 1) {
    const cell = doc.cells[0]!;
    const series = (doc.series ?? []).filter((entry) => entry.cell === cell.index);
    return [
      ...headline.flatMap((info) => [...optional(metricBarsChart(doc, cell, info, strategies)), ...optional(pairedChart(doc, cell, info, strategies))]),
      ...optional(latencyCdfChart(series, strategies)),
      ...agentCharts(cell, strategies),
      ...optional(queueDepthChart(series, strategies)),
      ...CLASS_DIMENSIONS.flatMap((dimension) => optional(classChart(doc, cell, dimension, strategies))),
    ];
  }
  return headline.flatMap((info) => optional(sweepChart(doc, info, strategies)));
}

/** Every strategy label of the document, in order of first appearance. */
export function strategyLabels(doc: ExperimentDocument): string[] {
  return [...new Set(doc.cells.flatMap((cell) => cell.strategies.map((outcome) => outcome.strategy)))];
}

/** `latency.p95` → `latency-p95`, `contextWaste` → `context-waste`. */
export function slug(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function optional(chart: ChartDef | undefined): ChartDef[] {
  return chart === undefined ? [] : [chart];
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A strategy's mean and interval (clipped to the metric's range) for a metric, or undefined when it has no data. */
function interval(metrics: CellResult['strategies'][number], path: string): Omit<IntervalRow, 'strategy'> | undefined {
  const mean = metricValue(metrics.metrics, path);
  if (mean === null) return undefined;
  return { mean, ...clippedInterval(mean, metricValue(metrics.ci95, path) ?? 0, metricRange(path)) };
}

function metricBarsChart(doc: ExperimentDocument, cell: CellResult, info: MetricInfo, strategies: readonly string[]): ChartDef | undefined {
  const rows = cell.strategies.flatMap((outcome) => {
    const value = interval(outcome, info.path);
    return value === undefined ? [] : [{ strategy: outcome.strategy, ...value }];
  });
  if (rows.length === 0) return undefined;
  const title = capitalized(info.title);
  const subtitle = `Mean over ${counted(doc.replications, 'replication')}; whiskers: 95% confidence interval; ${info.better} is better`;
  return {
    name: `metric-${slug(info.path)}`,
    title,
    caption: `${title} per strategy (${info.better} is better); the axis does not start at zero, so small differences show. ` +
      'Overlapping whiskers do not mean a tie: the paired chart beside it says which differences are significant.',
    spec: metricIntervalsSpec({ title, subtitle, strategies, axisTitle: info.title, rows }),
  };
}

/** The figure drawn by class: the tail latency, the headline metric every class has. */
export const CLASS_CHART_METRIC = 'latency.p95';

/**
 * Latency p95 of each class of `dimension` for every strategy, or undefined when the dimension
 * has fewer than two classes (one class is the pooled chart again) or no data.
 */
function classChart(doc: ExperimentDocument, cell: CellResult, dimension: ClassDimension, strategies: readonly string[]): ChartDef | undefined {
  const key = BREAKDOWN_KEY[dimension];
  const classes = Object.keys(cell.strategies[0]?.metrics[key] ?? {});
  if (classes.length < 2) return undefined;
  const rows: ClassRow[] = classes.flatMap((name) => cell.strategies.flatMap((outcome) => {
    const path = `${key}.${name}.${CLASS_CHART_METRIC}`;
    const mean = targetMetricValue(outcome.metrics, path);
    if (mean === null) return [];
    const half = targetMetricValue(outcome.ci95, path) ?? 0;
    return [{ class: name, strategy: outcome.strategy, mean, ...clippedInterval(mean, half, metricRange(path)) }];
  }));
  if (rows.length === 0) return undefined;
  const info = metricInfo(CLASS_CHART_METRIC)!;
  const title = `${capitalized(info.title)} by ${dimension}`;
  return {
    name: `class-${dimension}-${slug(CLASS_CHART_METRIC)}`,
    title,
    caption: `${capitalized(info.title)} of each ${dimension} class, per strategy (${info.better} is better): what the pooled figure averages over. ` +
      'Whether two strategies differ within a class is in the paired differences by class (summary.json, `compare --by`).',
    spec: classIntervalsSpec({
      title, subtitle: `Mean over ${counted(doc.replications, 'replication')}; whiskers: 95% confidence interval`,
      strategies, axisTitle: info.title, classTitle: dimension, classes, rows,
    }),
  };
}

/** Each strategy's paired difference to the baseline on one metric, or undefined with nothing to compare. */
function pairedChart(doc: ExperimentDocument, cell: CellResult, info: MetricInfo, strategies: readonly string[]): ChartDef | undefined {
  const rows: DifferenceRow[] = cell.strategies.flatMap((outcome) => {
    const d = outcome.paired[info.path];
    if (outcome.strategy === cell.baseline || d === undefined || d.mean === null) return [];
    const half = d.halfWidth ?? 0;
    return [{ strategy: outcome.strategy, mean: d.mean, low: d.mean - half, high: d.mean + half, significant: d.significant }];
  });
  if (rows.length === 0) return undefined;
  const title = `Δ ${info.title} vs ${cell.baseline}`;
  const better = info.better === 'lower' ? 'left of 0 (negative) is better' : 'right of 0 (positive) is better';
  return {
    name: `paired-${slug(info.path)}`,
    title,
    caption: `Each strategy minus ${cell.baseline}, replication by replication on common random numbers (${better}). ` +
      'A filled dot is a significant difference (its 95% interval excludes 0 and is not degenerate, with the sign test where most replications show none); a hollow one is not.',
    spec: pairedDifferenceSpec({
      title, subtitle: `Paired, mean over ${counted(doc.replications, 'replication')}; whiskers: 95% interval; filled dot: significant, hollow: not`,
      strategies, axisTitle: `Δ ${info.title}`, rows,
    }),
  };
}

function latencyCdfChart(series: readonly SeriesEntry[], strategies: readonly string[]): ChartDef | undefined {
  const rows: PointRow[] = series.flatMap((entry) =>
    entry.latencyCdf.share.map((share, i) => ({ strategy: entry.strategy, x: entry.latencyCdf.latency[i]!, y: share })));
  if (rows.length === 0) return undefined;
  const title = 'Latency distribution';
  return {
    name: 'latency-cdf',
    title,
    caption: 'Share of completed tasks (y) that finished within a latency (x): further left is faster, the top of each curve is its tail.',
    spec: latencyCdfSpec({ title, subtitle: `Submit to completion, completed measured tasks; ${replicationText(series)} (quantiles averaged)`, strategies, rows }),
  };
}

function queueDepthChart(series: readonly SeriesEntry[], strategies: readonly string[]): ChartDef | undefined {
  const rows: PointRow[] = series.flatMap((entry) =>
    entry.queueDepth.time.map((time, i) => ({ strategy: entry.strategy, x: time, y: entry.queueDepth.mean[i]! })));
  if (rows.length === 0) return undefined;
  const widths = [...new Set(series.map((entry) => entry.queueDepth.bucketSeconds))];
  const bucket = widths.length === 1 ? `${formatSeconds(widths[0]!)} buckets` : 'buckets';
  const title = 'Queue depth over time';
  return {
    name: 'queue-depth',
    title,
    caption: 'Tasks waiting in the queue over the run, warm-up included: a line that keeps rising means the fleet cannot keep up.',
    spec: queueDepthSpec({ title, subtitle: `Time-weighted mean per ${bucket}; ${replicationText(series)}`, strategies, rows }),
  };
}

/**
 * Most agents in a cell whose load charts draw a bar per agent per strategy and a Lorenz point
 * per agent; above it they are summaries of bounded size. Every library scenario stays at or
 * below it, so their reports are unchanged: identical-high-load has 100 agents (five
 * strategies: 500 bars of 2 px in the widest chart), autoscaled-burst 51 agent ids. More groups
 * of bars than that no longer read as anything, nor do their ids, while Vega still draws every
 * bar (0.7 MB of SVG per chart at 1,000 agents).
 */
export const PER_AGENT_CHART_MAX_AGENTS = 100;

/**
 * Segments of a summarised curve (the ranked load, the Lorenz curve) per strategy: at most
 * this many + 1 points, the curve's ends exact. One per half percent of agents, under 3 px
 * apart on the 480 px and 280 px wide plots; the Gini of the Lorenz points is within
 * 1/200 + 1/n of the exact one ({@link reducedLorenzPoints}).
 */
export const SUMMARY_CURVE_SEGMENTS = 200;

/** Most (and least) loaded agents the table of a summarised load chart names, per strategy. */
export const EXTREME_AGENTS = 5;

/** The agents of a cell, in order of first appearance over its strategies. */
function cellAgents(cell: CellResult): string[] {
  return [...new Set(cell.strategies.flatMap((outcome) => outcome.metrics.perAgent.map((agent) => agent.id)))];
}

/** A per-agent load figure that the load charts draw. */
type AgentLoad = (agent: AgentMetrics) => number;

/** The two load charts: their names, titles and the figure each draws. */
const AGENT_LOADS = {
  tasks: {
    name: 'agent-tasks', title: 'Completed tasks per agent', axisTitle: 'completed tasks', pick: (agent: AgentMetrics) => agent.completed,
    subtitle: 'Mean over replications', caption: 'How each strategy spread the completed tasks over the agents (mean over replications): uneven bars are a high Gini.',
    summaryCaption: 'How each strategy spread the completed tasks over the agents (mean over replications).',
  },
  tokens: {
    name: 'agent-tokens', title: 'Tokens per agent', axisTitle: 'tokens', pick: (agent: AgentMetrics) => agent.tokens,
    subtitle: 'Tokens of completed tasks, mean over replications', caption: 'The tokens of those tasks per agent: the work each agent did, not just the count.',
    summaryCaption: 'The tokens of those tasks per agent: the work each agent did, not just the count.',
  },
} as const;

function agentCharts(cell: CellResult, strategies: readonly string[]): ChartDef[] {
  const agents = cellAgents(cell);
  if (agents.length === 0) return [];
  const summarised = agents.length > PER_AGENT_CHART_MAX_AGENTS;
  const charts: ChartDef[] = summarised
    ? [AGENT_LOADS.tasks, AGENT_LOADS.tokens].map((load) => agentDistributionChart(cell, strategies, agents.length, load))
    : [AGENT_LOADS.tasks, AGENT_LOADS.tokens].map((load) => ({
      name: load.name,
      title: load.title,
      caption: load.caption,
      spec: agentLoadSpec({ title: load.title, subtitle: load.subtitle, strategies, agents, axisTitle: load.axisTitle, rows: agentRows(cell, load.pick) }),
    }));
  const curve = summarised ? reducedLorenzPoints : lorenzPoints;
  const lorenz: PointRow[] = cell.strategies.flatMap((outcome) => curve(outcome.metrics.perAgent.map((a) => a.completed)).map(([x, y]) => ({ strategy: outcome.strategy, x, y })));
  if (lorenz.length > 0) {
    const subtitle = summarised
      ? `Diagonal: every agent does the same; ${agents.length.toLocaleString('en-US')} agents, drawn at up to ${SUMMARY_CURVE_SEGMENTS + 1} evenly spaced shares`
      : 'Diagonal: every agent does the same';
    charts.push({
      name: 'lorenz-tasks',
      title: 'Lorenz curve of completed tasks',
      caption: 'Agents sorted from least to most loaded: the further a curve sags below the diagonal (equal shares), the higher the Gini coefficient (twice the area between them).',
      spec: lorenzSpec({ title: 'Lorenz curve of completed tasks', subtitle, strategies, axisTitle: 'share of completed tasks', rows: lorenz }),
    });
  }
  return charts;
}

function agentRows(cell: CellResult, pick: AgentLoad): AgentRow[] {
  return cell.strategies.flatMap((outcome) => outcome.metrics.perAgent.map((agent) => ({ strategy: outcome.strategy, agent: agent.id, value: pick(agent) })));
}

/** The load chart of a fleet above {@link PER_AGENT_CHART_MAX_AGENTS}: ranked load curves and the extreme agents. */
function agentDistributionChart(
  cell: CellResult, strategies: readonly string[], agentCount: number,
  load: (typeof AGENT_LOADS)[keyof typeof AGENT_LOADS],
): ChartDef {
  const rows: PointRow[] = cell.strategies.flatMap((outcome) =>
    rankedLoadPoints(outcome.metrics.perAgent.map(load.pick)).map(([x, y]) => ({ strategy: outcome.strategy, x, y })));
  const extremes: ExtremeAgentRow[] = cell.strategies.flatMap((outcome) =>
    extremeAgents(outcome.metrics.perAgent, load.pick, EXTREME_AGENTS).map((row) => ({ strategy: outcome.strategy, ...row })));
  const places = [...Array.from({ length: EXTREME_AGENTS }, (_, i) => mostLoadedPlace(i)), ...Array.from({ length: EXTREME_AGENTS }, (_, i) => leastLoadedPlace(EXTREME_AGENTS - 1 - i))];
  const fleet = `${agentCount.toLocaleString('en-US')} agents`;
  return {
    name: load.name,
    title: load.title,
    caption: `${load.summaryCaption} ${fleet}, too many for a bar each: each strategy's agents ranked from least to most loaded ` +
      '(a flat line is an even spread, read the median at 50%), and below it the most and least loaded agents by id. Every agent\'s figures are in summary.json, and in agents.csv beside it where compare, sweep or merge wrote the report.',
    spec: agentDistributionSpec({
      title: load.title, subtitle: `${load.subtitle}; ${fleet} ranked by load, drawn at up to ${SUMMARY_CURVE_SEGMENTS + 1} evenly spaced ranks`,
      strategies, axisTitle: load.axisTitle, rows, places, extremes,
    }),
  };
}

function mostLoadedPlace(index: number): string {
  return `most loaded #${index + 1}`;
}

function leastLoadedPlace(index: number): string {
  return `least loaded #${index + 1}`;
}

/**
 * Indices of at most `segments` + 1 of `count` points, evenly spaced and both ends included:
 * every index when there are no more than that.
 */
export function evenlySpacedIndices(count: number, segments: number): number[] {
  if (count <= segments + 1) return Array.from({ length: count }, (_, i) => i);
  // (count − 1) / segments > 1: the rounded positions are distinct and increasing.
  return Array.from({ length: segments + 1 }, (_, j) => Math.round((j * (count - 1)) / segments));
}

/**
 * Points of the load per agent ranked least loaded first: `x` the share of the other agents
 * ranked before it (0 for the least loaded, 1 for the most), `y` its load; at most
 * {@link SUMMARY_CURVE_SEGMENTS} + 1, evenly spaced in rank, the least and most loaded included.
 */
export function rankedLoadPoints(loads: readonly number[]): [number, number][] {
  const sorted = [...loads].sort((a, b) => a - b);
  const last = Math.max(1, sorted.length - 1);
  return evenlySpacedIndices(sorted.length, SUMMARY_CURVE_SEGMENTS).map((i) => [i / last, sorted[i]!]);
}

/**
 * The Lorenz curve of `loads` ({@link lorenzPoints}) at most {@link SUMMARY_CURVE_SEGMENTS} + 1
 * of its points, evenly spaced in agent share, (0, 0) and (1, 1) included. Each is a point of
 * the exact curve, which is convex: the chords between them lie above it, so the Gini of the
 * points is at most the exact one and at least that minus the widest step in agent share
 * (each chord adds at most half its step × its rise in area, and the rises add up to 1).
 */
export function reducedLorenzPoints(loads: readonly number[]): [number, number][] {
  const points = lorenzPoints(loads);
  return evenlySpacedIndices(points.length, SUMMARY_CURVE_SEGMENTS).map((i) => points[i]!);
}

/**
 * The `count` most loaded agents (most first) and the `count` least loaded (least last), each
 * with its table row; equal loads in fleet order.
 */
export function extremeAgents(agents: readonly AgentMetrics[], pick: AgentLoad, count: number): Omit<ExtremeAgentRow, 'strategy'>[] {
  const loads = agents.map(pick);
  const positions = agents.map((_, i) => i);
  // Stable sorts: equal loads stay in fleet order at both ends.
  const most = [...positions].sort((a, b) => loads[b]! - loads[a]!).slice(0, count);
  const least = [...positions].sort((a, b) => loads[a]! - loads[b]!).slice(0, count);
  const row = (position: number, place: string) => ({ place, agent: agents[position]!.id, value: loads[position]! });
  return [...most.map((p, i) => row(p, mostLoadedPlace(i))), ...least.map((p, i) => row(p, leastLoadedPlace(i))).reverse()];
}

/**
 * Points of the Lorenz curve of `loads`: (0, 0), then after each agent, least loaded first,
 * the share of agents so far and the share of the load they carry. Empty when the total is 0.
 */
export function lorenzPoints(loads: readonly number[]): [number, number][] {
  const sorted = [...loads].sort((a, b) => a - b);
  const total = sorted.reduce((sum, load) => sum + load, 0);
  if (!(total > 0)) return [];
  const points: [number, number][] = [[0, 0]];
  let cumulative = 0;
  sorted.forEach((load, i) => {
    cumulative += load;
    points.push([(i + 1) / sorted.length, cumulative / total]);
  });
  return points;
}

function sweepChart(doc: ExperimentDocument, info: MetricInfo, strategies: readonly string[]): ChartDef | undefined {
  const title = capitalized(info.title);
  const name = `sweep-${slug(info.path)}`;
  const subtitle = `${info.better === 'lower' ? 'Lower' : 'Higher'} is better; mean over ${counted(doc.replications, 'replication')}`;
  const rows = (position: (cell: CellResult) => Pick<SweepRow, 'x' | 'y'>): SweepRow[] =>
    doc.cells.flatMap((cell) => cell.strategies.flatMap((outcome) => {
      const value = interval(outcome, info.path);
      return value === undefined ? [] : [{ strategy: outcome.strategy, ...value, ...position(cell) }];
    }));
  if (doc.grid.length === 2) {
    const [xParam, yParam] = doc.grid as [typeof doc.grid[0], typeof doc.grid[0]];
    const data = rows((cell) => ({ x: axisValue(cell.params[xParam.path]), y: axisValue(cell.params[yParam.path]) }));
    if (data.length === 0) return undefined;
    return {
      name, title,
      caption: `${title} for each pair of values of ${xParam.path} and ${yParam.path}, one map per strategy (${info.better} is better).`,
      spec: sweepHeatmapSpec({
        title, subtitle, strategies, axisTitle: info.title, xTitle: xParam.path, yTitle: yParam.path,
        xOrder: xParam.values.map(axisValue), yOrder: yParam.values.map(axisValue), digits: info.digits, rows: data,
      }),
    };
  }
  const single = doc.grid.length === 1 ? doc.grid[0]! : undefined;
  const numeric = single !== undefined && single.values.every((value) => typeof value === 'number');
  const position = (cell: CellResult): number | string =>
    single !== undefined ? axisValue(cell.params[single.path]) : cellLabel(cell);
  const data = rows((cell) => ({ x: position(cell) }));
  if (data.length === 0) return undefined;
  const xTitle = single?.path ?? doc.grid.map((parameter) => parameter.path).join(', ');
  return {
    name, title,
    caption: `${title} as ${xTitle} varies, one line per strategy; whiskers are 95% confidence intervals (${info.better} is better).`,
    spec: sweepLineSpec({
      title, subtitle: `${subtitle}; whiskers: 95% confidence interval`, strategies, axisTitle: info.title, xTitle,
      xType: numeric ? 'quantitative' : 'ordinal', xOrder: [...new Set(doc.cells.map(position))], rows: data,
    }),
  };
}

function axisValue(value: ParamValue | undefined): number | string {
  return typeof value === 'number' ? value : String(value);
}

function replicationText(series: readonly SeriesEntry[]): string {
  const pooled = [...new Set(series.map((entry) => entry.replications ?? 1))];
  if (pooled.length === 1 && pooled[0]! > 1) return `mean over ${pooled[0]} replications`;
  const replications = [...new Set(series.map((entry) => entry.replication + 1))];
  return replications.length === 1 ? `replication ${replications[0]}` : 'one replication per strategy';
}

function formatSeconds(seconds: number): string {
  return seconds >= 1 ? `${Number(seconds.toPrecision(4))} s` : `${Number((seconds * 1000).toPrecision(3))} ms`;
}
