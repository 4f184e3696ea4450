/**
 * Vega-Lite specifications of the report's charts. Each builder takes plain rows (already
 * taken out of a result document by `charts.ts`) and returns a complete, self-contained spec:
 * inline data, fixed sizes, the shared {@link CHART_CONFIG}, and one colour per strategy in the
 * order given, so that a strategy has the same colour in every chart.
 *
 * Builders are pure and deterministic: the same rows give the same spec, key order included.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './chartSpec.js';
import { textWidth } from './textWidth.js';

/** Font stack of every chart: DejaVu Sans ships with Debian, so PNGs rendered here match. */
export const CHART_FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

/** Default width of a chart's plotting area, pixels. */
export const CHART_WIDTH = 480;

/** Default height of a chart's plotting area, pixels. */
export const CHART_HEIGHT = 280;

/** Width of the plotting area of a metric's bar chart: two fit side by side on a laptop screen. */
export const BAR_CHART_WIDTH = 400;

const LABEL_FONT_SIZE = 12;

/** The look shared by every chart: readable type sizes, white background, no label truncation. */
export const CHART_CONFIG = {
  background: 'white',
  padding: 12,
  font: CHART_FONT,
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#444', anchor: 'start', offset: 10 },
  axis: { labelFontSize: LABEL_FONT_SIZE, titleFontSize: 13, labelLimit: 360, titlePadding: 8 },
  legend: { labelFontSize: LABEL_FONT_SIZE, titleFontSize: 13, labelLimit: 360, symbolSize: 120 },
  header: { labelFontSize: 13, titleFontSize: 13, labelLimit: 360 },
  view: { stroke: '#ddd' },
} satisfies Config;

/** A strategy's mean with its 95% confidence interval. */
export interface IntervalRow {
  /** Strategy label. */
  readonly strategy: string;
  /** Mean over replications. */
  readonly mean: number;
  /** mean − half-width. */
  readonly low: number;
  /** mean + half-width. */
  readonly high: number;
}

/** One point of a line per strategy. */
export interface PointRow {
  /** Strategy label. */
  readonly strategy: string;
  /** Position along the x axis. */
  readonly x: number;
  /** Value on the y axis. */
  readonly y: number;
}

/** One agent's load under one strategy. */
export interface AgentRow {
  /** Strategy label. */
  readonly strategy: string;
  /** Agent id. */
  readonly agent: string;
  /** The agent's load figure. */
  readonly value: number;
}

/** A value of the swept parameter(s) and a strategy's mean and interval there. */
export interface SweepRow extends IntervalRow {
  /** Position on the x axis: the parameter value, or a label for several parameters. */
  readonly x: number | string;
  /** Second parameter, for heat maps. */
  readonly y?: number | string;
}

/** Title, subtitle and the strategies (in colour order) that every builder takes. */
export interface ChartFrame {
  /** Chart title. */
  readonly title: string;
  /** Line under the title, if any. */
  readonly subtitle?: string;
  /** Every strategy of the experiment, in order: fixes the colours. */
  readonly strategies: readonly string[];
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

function frame(chart: ChartFrame): Pick<TopLevelSpec, '$schema' | 'config'> & { title: { text: string; subtitle?: string } } {
  const title = chart.subtitle === undefined ? { text: chart.title } : { text: chart.title, subtitle: chart.subtitle };
  return { $schema: SCHEMA, title, config: CHART_CONFIG };
}

function strategyColor(strategies: readonly string[], legend: boolean) {
  return {
    field: 'strategy',
    type: 'nominal' as const,
    scale: { domain: [...strategies] },
    legend: legend ? { title: 'strategy', orient: 'right' as const } : null,
  };
}

/** A strategy's paired difference to the baseline, with its 95% interval. */
export interface DifferenceRow extends IntervalRow {
  /** Significant at 95% (`PairedDifference.significant`): drawn filled, else hollow. */
  readonly significant: boolean;
}

/**
 * Ticks on a quantitative x axis: labels that would overlap are dropped (the greedy strategy
 * keeps as many as fit, a few pixels apart).
 */
const X_AXIS = { labelOverlap: 'greedy' as const, labelSeparation: 6 };

/** Whiskers from `low` to `high` with end ticks, on a strategy axis `y`. */
function whiskers(y: object, color: object = { value: '#222' }) {
  const x = { field: 'low', type: 'quantitative' as const };
  return [
    { mark: { type: 'rule' as const, strokeWidth: 1.5 }, encoding: { y, x, x2: { field: 'high' }, color } },
    { mark: { type: 'tick' as const, thickness: 1.5, size: 14, orient: 'vertical' as const }, encoding: { y, x, color } },
    { mark: { type: 'tick' as const, thickness: 1.5, size: 14, orient: 'vertical' as const }, encoding: { y, x: { field: 'high', type: 'quantitative' as const }, color } },
  ];
}

/** What the charts of one row per strategy share: the frame, size, inline rows and the strategy axis `y`. */
function strategyRows(chart: ChartFrame, rows: readonly object[]) {
  const y = { field: 'strategy', type: 'nominal' as const, sort: [...chart.strategies], title: null };
  return { y, base: { ...frame(chart), width: BAR_CHART_WIDTH, height: { step: 30 }, data: { values: rows.map((row) => ({ ...row })) } } };
}

/**
 * One metric per strategy: a dot at the mean with 95% confidence whiskers. The axis does not
 * start at zero (bars would have to), so differences of a few thousandths in a share stay
 * visible.
 * @param axisTitle - the metric and its unit, e.g. `latency p95 (s)`.
 */
export function metricIntervalsSpec(chart: ChartFrame & { readonly axisTitle: string; readonly rows: readonly IntervalRow[] }): ChartSpec {
  const { y, base } = strategyRows(chart, chart.rows);
  return {
    ...base,
    layer: [
      ...whiskers(y),
      {
        mark: { type: 'point', filled: true, size: 110, opacity: 1 },
        encoding: {
          y, x: { field: 'mean', type: 'quantitative', title: chart.axisTitle, scale: { zero: false }, axis: X_AXIS }, color: strategyColor(chart.strategies, false),
        },
      },
    ],
  } satisfies TopLevelSpec;
}

/**
 * Paired differences to the baseline on one metric: per strategy a dot at the mean difference
 * with its 95% whiskers, filled when significant and hollow when not, and a rule at 0.
 */
export function pairedDifferenceSpec(chart: ChartFrame & { readonly axisTitle: string; readonly rows: readonly DifferenceRow[] }): ChartSpec {
  const { y, base } = strategyRows(chart, chart.rows);
  const color = strategyColor(chart.strategies, false);
  return {
    ...base,
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      ...whiskers(y, color),
      {
        mark: { type: 'point', size: 110, strokeWidth: 2, opacity: 1 },
        encoding: {
          y,
          x: { field: 'mean', type: 'quantitative', title: chart.axisTitle, axis: X_AXIS },
          color,
          fill: { condition: { test: 'datum.significant', field: 'strategy', type: 'nominal', scale: { domain: [...chart.strategies] }, legend: null }, value: 'white' },
        },
      },
    ],
  } satisfies TopLevelSpec;
}

/** A strategy's mean and 95% interval for one class of tasks. */
export interface ClassRow extends IntervalRow {
  /** The class (`0`, `code`, `team-a`). */
  readonly class: string;
}

/**
 * One metric by class: a row per class, and in it a dot per strategy at the mean with its 95%
 * whiskers, strategies side by side in their colours.
 * @param classTitle - the dimension, e.g. `priority`; `classes` the rows in order
 */
export function classIntervalsSpec(chart: ChartFrame & {
  readonly axisTitle: string; readonly classTitle: string; readonly classes: readonly string[]; readonly rows: readonly ClassRow[];
}): ChartSpec {
  const y = { field: 'class', type: 'nominal' as const, sort: [...chart.classes], title: chart.classTitle };
  const yOffset = { field: 'strategy', type: 'nominal' as const, sort: [...chart.strategies] };
  const color = strategyColor(chart.strategies, true);
  const x = { field: 'low', type: 'quantitative' as const, title: chart.axisTitle, scale: { zero: false }, axis: X_AXIS };
  return {
    ...frame(chart),
    width: BAR_CHART_WIDTH,
    height: { step: 14 * Math.max(1, chart.strategies.length) },
    data: { values: chart.rows.map((row) => ({ ...row })) },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { y, yOffset, x, x2: { field: 'high' }, color } },
      { mark: { type: 'point', filled: true, size: 60, opacity: 1 }, encoding: { y, yOffset, x: { ...x, field: 'mean' }, color } },
    ],
  } satisfies TopLevelSpec;
}

/** Cumulative distribution of latency, one line per strategy (`x` latency, `y` share). */
export function latencyCdfSpec(chart: ChartFrame & { readonly rows: readonly PointRow[] }): ChartSpec {
  return {
    ...frame(chart),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: chart.rows.map((row) => ({ ...row })) },
    mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'latency (s)', axis: X_AXIS },
      y: { field: 'y', type: 'quantitative', title: 'share of completed tasks', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: strategyColor(chart.strategies, true),
    },
  } satisfies TopLevelSpec;
}

/**
 * Grouped bars of a load figure per agent, one bar per strategy in each group.
 * @param agents - agent ids in fleet order (the x axis).
 */
export function agentLoadSpec(chart: ChartFrame & { readonly axisTitle: string; readonly agents: readonly string[]; readonly rows: readonly AgentRow[] }): ChartSpec {
  const bars = chart.agents.length * chart.strategies.length;
  const width = Math.min(1040, Math.max(CHART_WIDTH, bars * 10));
  // Agent ids go upright while they fit under their group of bars, else slanted.
  let widest = 0;
  for (const agent of chart.agents) widest = Math.max(widest, textWidth(agent, LABEL_FONT_SIZE, false));
  const slanted = widest + 8 > width / Math.max(1, chart.agents.length);
  // Fleet order as a field, not a sort list: Vega compiles a list into one nested expression per
  // entry, which overflows the stack at about a thousand agents.
  const position = new Map(chart.agents.map((agent, i) => [agent, i]));
  return {
    ...frame(chart),
    width,
    height: CHART_HEIGHT,
    data: { values: chart.rows.map((row) => ({ ...row, position: position.get(row.agent) ?? chart.agents.length })) },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'agent', type: 'nominal', sort: { field: 'position', op: 'min' }, title: 'agent',
        axis: { labelAngle: slanted ? -45 : 0, labelOverlap: true },
      },
      xOffset: { field: 'strategy', type: 'nominal', sort: [...chart.strategies], scale: { domain: [...chart.strategies] } },
      y: { field: 'value', type: 'quantitative', title: chart.axisTitle },
      color: strategyColor(chart.strategies, true),
    },
  } satisfies TopLevelSpec;
}

/** One of the most or least loaded agents of a strategy, for the table under a {@link agentDistributionSpec}. */
export interface ExtremeAgentRow {
  /** Strategy label. */
  readonly strategy: string;
  /** The table's row: `most loaded #1` (the most loaded) … `least loaded #1` (the least loaded). */
  readonly place: string;
  /** Agent id. */
  readonly agent: string;
  /** The agent's load figure. */
  readonly value: number;
}

/**
 * A load figure per agent for fleets too large for a bar per agent: per strategy, the agents
 * ranked from least to most loaded (`x` the share of agents ranked before, 0 to 1; `y` the
 * load), then a table naming the most and least loaded agents. A ranked curve rather than
 * quantile bands: it is the per-agent load's whole quantile function (read the median at 50%,
 * the p90 at 90%, the idle agents as a flat start at 0), on the same axis as the Lorenz curve
 * beside it, with one line per strategy whatever the fleet size; five quantiles would hide a
 * cluster of idle or swamped agents between two of them.
 * @param places - the table's rows, in order (`most loaded #1`, …).
 */
export function agentDistributionSpec(chart: ChartFrame & {
  readonly axisTitle: string; readonly rows: readonly PointRow[]; readonly places: readonly string[]; readonly extremes: readonly ExtremeAgentRow[];
}): ChartSpec {
  const color = strategyColor(chart.strategies, true);
  const quiet = { ticks: false, domain: false, title: null, labelAngle: 0 };
  return {
    ...frame(chart),
    vconcat: [
      {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        data: { values: chart.rows.map((row) => ({ ...row })) },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: 'share of agents, least loaded first', axis: { ...X_AXIS, format: '.0%' }, scale: { domain: [0, 1] } },
          y: { field: 'y', type: 'quantitative', title: chart.axisTitle },
          color,
        },
      },
      {
        width: { step: 200 },
        height: { step: 18 },
        view: { stroke: null },
        data: { values: chart.extremes.map((row) => ({ ...row })) },
        // d3-format in Vega's expression: the same text on every machine, whatever its locale.
        transform: [{ calculate: "datum.agent + ': ' + format(datum.value, ',.1~f')", as: 'label' }],
        mark: { type: 'text', limit: 190 },
        encoding: {
          x: { field: 'strategy', type: 'nominal', sort: [...chart.strategies], axis: { ...quiet, orient: 'top' } },
          y: { field: 'place', type: 'ordinal', sort: [...chart.places], axis: quiet },
          text: { field: 'label', type: 'nominal' },
          color,
        },
      },
    ],
  } satisfies TopLevelSpec;
}

/**
 * Lorenz curves of the load over agents: `x` the share of agents (least loaded first), `y`
 * the share of the load they carry. The diagonal is perfect equality; the Gini coefficient is
 * twice the area between it and a curve.
 */
export function lorenzSpec(chart: ChartFrame & { readonly axisTitle: string; readonly rows: readonly PointRow[] }): ChartSpec {
  const share = (title: string) => ({ type: 'quantitative' as const, title, axis: { format: '.0%' }, scale: { domain: [0, 1] } });
  // A dot per agent while there are few enough agents to tell the dots apart.
  const perStrategy = Math.max(0, ...chart.strategies.map((strategy) => chart.rows.filter((row) => row.strategy === strategy).length));
  const line = perStrategy <= 21 ? { type: 'line' as const, strokeWidth: 2, point: { size: 30 } } : { type: 'line' as const, strokeWidth: 2 };
  return {
    ...frame(chart),
    width: CHART_HEIGHT,
    height: CHART_HEIGHT,
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4], strokeWidth: 1 },
        encoding: { x: { field: 'x', ...share('share of agents, least loaded first') }, y: { field: 'y', ...share(chart.axisTitle) } },
      },
      {
        data: { values: chart.rows.map((row) => ({ ...row })) },
        mark: line,
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: strategyColor(chart.strategies, true) },
      },
    ],
  } satisfies TopLevelSpec;
}

/** Queued tasks over time, one step line per strategy (`x` bucket start, `y` mean depth). */
export function queueDepthSpec(chart: ChartFrame & { readonly rows: readonly PointRow[] }): ChartSpec {
  return {
    ...frame(chart),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: chart.rows.map((row) => ({ ...row })) },
    mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-after' },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'simulated time (s)', axis: X_AXIS },
      y: { field: 'y', type: 'quantitative', title: 'queued tasks (mean per bucket)' },
      color: strategyColor(chart.strategies, true),
    },
  } satisfies TopLevelSpec;
}

/**
 * A metric over one swept parameter (or over the cells, labelled, for several): a line per
 * strategy with 95% confidence whiskers.
 * @param xType - `quantitative` when every value is a number, else `ordinal` in `xOrder`.
 */
export function sweepLineSpec(
  chart: ChartFrame & {
    readonly axisTitle: string; readonly xTitle: string; readonly xType: 'quantitative' | 'ordinal';
    readonly xOrder: readonly (number | string)[]; readonly rows: readonly SweepRow[];
  },
): ChartSpec {
  // Whole-number parameters (agent counts) get whole-number ticks, not 2.5.
  const integers = chart.xOrder.every((value) => Number.isInteger(value));
  const x = chart.xType === 'quantitative'
    ? { field: 'x', type: 'quantitative' as const, title: chart.xTitle, axis: integers ? { ...X_AXIS, tickMinStep: 1, format: 'd' } : X_AXIS }
    : { field: 'x', type: 'ordinal' as const, title: chart.xTitle, sort: chart.xOrder.map(String), axis: { labelAngle: -30 } };
  const color = strategyColor(chart.strategies, true);
  return {
    ...frame(chart),
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    data: { values: chart.rows.map((row) => ({ strategy: row.strategy, x: chart.xType === 'ordinal' ? String(row.x) : row.x, mean: row.mean, low: row.low, high: row.high })) },
    layer: [
      { mark: { type: 'line', strokeWidth: 2, point: { size: 40 } }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: chart.axisTitle }, color } },
      { mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 }, encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
    ],
  } satisfies TopLevelSpec;
}

/**
 * A metric over two swept parameters: one heat map per strategy, each cell labelled with its
 * mean. Darker is higher whichever way the metric improves; the subtitle says which is better.
 */
export function sweepHeatmapSpec(
  chart: ChartFrame & {
    readonly axisTitle: string; readonly xTitle: string; readonly yTitle: string;
    readonly xOrder: readonly (number | string)[]; readonly yOrder: readonly (number | string)[];
    readonly digits: number; readonly rows: readonly SweepRow[];
  },
): ChartSpec {
  const means = chart.rows.map((row) => row.mean);
  const middle = means.length === 0 ? 0 : (Math.min(...means) + Math.max(...means)) / 2;
  const x = { field: 'x', type: 'ordinal' as const, title: chart.xTitle, sort: chart.xOrder.map(String), axis: { labelAngle: 0 } };
  const y = { field: 'y', type: 'ordinal' as const, title: chart.yTitle, sort: chart.yOrder.map(String) };
  return {
    ...frame(chart),
    data: { values: chart.rows.map((row) => ({ strategy: row.strategy, x: String(row.x), y: String(row.y), mean: row.mean })) },
    facet: { column: { field: 'strategy', type: 'nominal', sort: [...chart.strategies], title: null } },
    spec: {
      width: { step: 56 },
      height: { step: 36 },
      layer: [
        { mark: 'rect', encoding: { x, y, color: { field: 'mean', type: 'quantitative', title: chart.axisTitle, scale: { scheme: 'blues' } } } },
        {
          mark: { type: 'text', fontSize: 11 },
          encoding: {
            x, y,
            text: { field: 'mean', type: 'quantitative', format: `.${chart.digits}f` },
            color: { condition: { test: `datum.mean > ${middle}`, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  } satisfies TopLevelSpec;
}
