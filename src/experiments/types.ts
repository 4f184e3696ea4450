/**
 * The documents `fleetsim compare` and `fleetsim sweep` write as `summary.json` (and print with
 * `--json`), and from which every report (CSV, Markdown, HTML) is rendered. Plain data: key
 * order here is key order on disk. The format is stable: a change that a reader would notice
 * bumps {@link DOCUMENT_VERSION}.
 *
 * Shape in one picture:
 *
 * ```
 * document ─ scenario, seed, replications, warnings, baseline, metrics (the ranked metric table), grid
 *          ├ cells[]  ─ index, params (the swept values), baseline
 *          │          ├ strategies[] ─ metrics (mean), ci95, ci95Low, ci95High, perReplication[], paired (vs baseline)
 *          │          ├ leaderboards[] (one per ranked metric, within the cell)
 *          │          └ targets (when the scenario has them: each strategy × check, pass or fail)
 *          ├ leaderboards[] (one per ranked metric, across all cells)
 *          └ timing (wall clock: the only part that differs between identical runs)
 * ```
 *
 * A compare is a sweep of one cell with no swept parameters, so both kinds share one shape.
 * Everything outside `timing` is byte-identical for the same scenario, seed and flags, whatever
 * the number of workers, and whether the cells ran in one process or in shards merged later.
 */
import type { SeriesEntry } from '../metrics/series.js';
import type { ClassedMetrics, RunMetrics } from '../metrics/types.js';
import type { TargetCheck } from '../scenario/types.js';
import type { DecisionTiming } from '../sim/decisionTimer.js';

/** Version of the document format. */
export const DOCUMENT_VERSION = 1 as const;

/** Which way a metric improves. */
export type Better = 'lower' | 'higher';

/** A metric that experiments rank, compare and check for regressions (see ./metrics.ts). */
export interface MetricInfo {
  /** Dotted path into {@link ScalarMetrics}, e.g. `latency.p95`. */
  readonly path: string;
  /** Column title for people, e.g. `latency p95 (s)`. */
  readonly title: string;
  /** Whether higher or lower values are better. */
  readonly better: Better;
  /** Whether the metric gets a leaderboard (the headline metrics). */
  readonly leaderboard: boolean;
  /** Digits after the point when printed. */
  readonly digits: number;
}

/**
 * A paired difference `a − b` over replications: replication r of both ran on the same random
 * numbers, so the differences d_r are paired, and the 95% interval is
 * mean(d) ± t(0.975, n − 1) · sd(d) / √n (rules for degenerate intervals: `paired.ts`).
 */
export interface PairedDifference {
  /** Mean of the differences; null when no replication has both values. */
  readonly mean: number | null;
  /** 95% confidence half-width of the mean difference (0 for one pair or identical differences, null for none). */
  readonly halfWidth: number | null;
  /**
   * The difference is significant at the 95% level: the interval excludes 0 and is not
   * degenerate (never for one pair; identical differences only from 6 pairs on, by the sign test),
   * and, when at least half the differences are 0, the sign test over the others agrees.
   */
  readonly significant: boolean;
  /** Replications in which both values are present (not null). */
  readonly n: number;
}

/** One strategy in one cell. */
export interface StrategyOutcome {
  /** Label, unique in the cell (the registry name, or name#2 when listed twice). */
  readonly strategy: string;
  /** Registry name. */
  readonly name: string;
  /** Parameters after validation, defaults applied. */
  readonly params: unknown;
  /** Mean over replications of every metric (`perAgent` averaged per agent index). */
  readonly metrics: RunMetrics;
  /** 95% confidence half-width of every metric (of the Student-t interval before clipping). */
  readonly ci95: ClassedMetrics;
  /** Lower bound of every metric's 95% interval, clipped to its range (`src/metrics/ranges.ts`). */
  readonly ci95Low: ClassedMetrics;
  /** Upper bound of every metric's 95% interval, clipped to its range. */
  readonly ci95High: ClassedMetrics;
  /** Each replication's metrics in replication order, per-agent loads included. */
  readonly perReplication: readonly RunMetrics[];
  /**
   * Difference to the cell's baseline strategy (this − baseline) for every metric leaf, keyed
   * by dotted path in the order of the metric tree: the pooled leaves, then every class's
   * (`byPriority.0.latency.p95`; every class any strategy of the cell had). The baseline's own
   * entries are all 0.
   */
  readonly paired: Readonly<Record<string, PairedDifference>>;
}

/** One place on a leaderboard. */
export interface LeaderboardEntry {
  /** 1 for the best mean; ties keep the order of cells, then of strategies in the cell. */
  readonly rank: number;
  /** Index of the cell the strategy ran in (always 0 in a compare). */
  readonly cell: number;
  /** Strategy label. */
  readonly strategy: string;
  /** Mean over replications; null without data. */
  readonly mean: number | null;
  /** 95% confidence half-width; null without data. */
  readonly halfWidth: number | null;
  /** The 95% interval's bounds, clipped to the metric's range; null without data. */
  readonly low: number | null;
  /** Upper bound of the interval. */
  readonly high: number | null;
  /**
   * Paired difference to the entry ranked 1 (this − leader); not significant means this entry
   * cannot be told apart from the leader at 95%.
   */
  readonly vsLeader: PairedDifference;
}

/** Strategies ranked on one metric, best first; entries whose mean is null come last. */
export interface Leaderboard {
  /** Dotted metric path. */
  readonly metric: string;
  /** The metric's title, for tables and charts. */
  readonly title: string;
  /** Whether higher or lower values are better. */
  readonly better: Better;
  /**
   * The entry ranked 1 is significantly better than the one ranked 2 (their paired difference
   * is significant, with the second behind): only then is it a leader. False with fewer than two
   * entries with data.
   */
  readonly leaderSignificant: boolean;
  /** Every strategy with its place, best first. */
  readonly entries: readonly LeaderboardEntry[];
}

/** A swept value as written after `=` in `--param`: YAML scalars. */
export type ParamValue = string | number | boolean | null;

/** One swept parameter: its path in the scenario file and its values in sweep order. */
export interface GridParameter {
  /** Path as given to `--param`, e.g. `agents[0].count`. */
  readonly path: string;
  /** Its values, in sweep order. */
  readonly values: readonly ParamValue[];
}

/**
 * One target judged for one strategy: the metric's mean and 95% interval [low, high] over
 * replications. It passes when the interval lies within the target: low >= min, high <= max.
 */
export interface TargetOutcome extends TargetCheck {
  /** Mean over the replications with data; null when no replication has any (a fail). */
  readonly mean: number | null;
  /** 95% confidence half-width (0 for one replication). */
  readonly halfWidth: number | null;
  /** mean − halfWidth: the bound judged against `min`. */
  readonly low: number | null;
  /** mean + halfWidth: the bound judged against `max`. */
  readonly high: number | null;
  /** Whether the interval lies within the target. */
  readonly pass: boolean;
}

/** Every target judged for one strategy of a cell. */
export interface StrategyTargets {
  /** Strategy label. */
  readonly strategy: string;
  /** Listed in `targets.strategies`: `fleetsim check` fails when such a strategy misses a target. */
  readonly targeted: boolean;
  /** Every target met. */
  readonly pass: boolean;
  /** Each target, judged. */
  readonly checks: readonly TargetOutcome[];
}

/** A cell's targets (the scenario's `targets` section) and how each strategy fared. */
export interface CellTargets {
  /** Labels of the strategies held to the targets. */
  readonly strategies: readonly string[];
  /** The targets, as the scenario sets them. */
  readonly checks: readonly TargetCheck[];
  /** One per strategy of the cell, in the cell's order. */
  readonly results: readonly StrategyTargets[];
}

/** One point of the grid: the scenario with one value per swept parameter. */
export interface CellResult {
  /** Position in the grid (row-major: the last `--param` varies fastest). */
  readonly index: number;
  /** The swept values of this cell by path, in `--param` order; `{}` in a compare. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Label of the strategy the paired differences are taken against. */
  readonly baseline: string;
  /** Every strategy's results in this cell, in scenario order. */
  readonly strategies: readonly StrategyOutcome[];
  /** One per ranked metric: the strategies of this cell. */
  readonly leaderboards: readonly Leaderboard[];
  /** The scenario's targets judged for every strategy; absent when the scenario has none. */
  readonly targets?: CellTargets;
}

/** Wall-clock cost of one strategy in one cell, over its replications. */
export interface StrategyTimingEntry {
  /** Index of the cell. */
  readonly cell: number;
  /** Strategy label. */
  readonly strategy: string;
  /** Sum of the replications' wall-clock times (CPU-seconds of workers, not elapsed time). */
  readonly wallSeconds: number;
  /** Submitted tasks simulated per wall-clock second of a worker. */
  readonly tasksPerSecond: number;
  /** Routing cost per decision. */
  readonly routing: DecisionTiming;
}

/** One process that ran (part of) the experiment: the whole run, or one shard. */
export interface TimingPart {
  /** `i/n` for a shard, null for an unsharded run. */
  readonly shard: string | null;
  /** Elapsed wall-clock seconds. */
  readonly wallSeconds: number;
  /** Worker threads it ran runs on. */
  readonly workers: number;
}

/** Wall-clock figures: the only part of a document that differs between identical runs. */
export interface ExperimentTiming {
  /** Each process that ran part of the experiment. */
  readonly parts: readonly TimingPart[];
  /** Each strategy in each cell. */
  readonly strategies: readonly StrategyTimingEntry[];
}

/** Which part of a sharded sweep a document holds (`--shard i/n`, i from 1). */
export interface ShardInfo {
  /** Which shard, from 1. */
  readonly index: number;
  /** Shards in all. */
  readonly count: number;
}

/** What `compare` and `sweep` documents share. */
export interface ExperimentDocumentBase {
  /** Marks the file as a fleetsim experiment document. */
  readonly format: 'fleetsim-experiment';
  /** Document format version. */
  readonly version: typeof DOCUMENT_VERSION;
  /** Scenario name (from the file). */
  readonly scenario: string;
  /** Base seed of the runs. */
  readonly seed: number;
  /** Replications per strategy. */
  readonly replications: number;
  /**
   * What the reader should know before trusting the figures, one sentence each (too few
   * replications for the intervals to mean much: `warnings.ts`); empty when nothing.
   */
  readonly warnings: readonly string[];
  /** Baseline strategy label: `--baseline`, or the first strategy. */
  readonly baseline: string;
  /** The metrics that are ranked and compared, with their direction. */
  readonly metrics: readonly MetricInfo[];
  /** The swept parameters (empty in a compare). */
  readonly grid: readonly GridParameter[];
  /** The cells held, by index (all of them unless this is one shard). */
  readonly cells: readonly CellResult[];
  /** One per ranked metric: every strategy of every cell held. */
  readonly leaderboards: readonly Leaderboard[];
  /** Wall-clock figures (the only part that differs between identical runs). */
  readonly timing: ExperimentTiming;
  /**
   * Queue depth over time and latency distribution of each strategy, pooled over its
   * replications, for the HTML report's charts (a compare only). Not metrics: merge and regress
   * ignore them.
   */
  readonly series?: readonly SeriesEntry[];
}

/** `fleetsim compare`: every strategy of one scenario, one cell. */
export interface CompareDocument extends ExperimentDocumentBase {
  /** Made by `fleetsim compare`. */
  readonly kind: 'compare';
}

/** `fleetsim sweep`: every strategy in every cell of a grid. */
export interface SweepDocument extends ExperimentDocumentBase {
  /** Made by `fleetsim sweep`. */
  readonly kind: 'sweep';
  /** Present only in the document of one shard (`--shard i/n`); `fleetsim merge` drops it. */
  readonly shard?: ShardInfo;
}

/** A `summary.json` document. */
export type ExperimentDocument = CompareDocument | SweepDocument;
