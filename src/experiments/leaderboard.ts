/**
 * Leaderboards: strategies ranked on one metric by their mean over replications, each with its
 * paired difference to the leader, so a reader sees both the order and which places the data
 * can actually tell apart. The first is called the leader only when it is significantly ahead
 * of the second.
 */
import { metricValue } from '../metrics/directions.js';
import { pairedDifference } from './paired.js';
import type { Leaderboard, LeaderboardEntry, MetricInfo, StrategyOutcome } from './types.js';

/** A strategy in a cell, as a leaderboard candidate. */
export interface Contender {
  /** Index of the cell the strategy ran in. */
  readonly cell: number;
  /** The strategy's results in that cell. */
  readonly outcome: StrategyOutcome;
}

/**
 * One leaderboard per metric in `metrics`, over `contenders` (given in cell order, then in the
 * cell's strategy order: that order breaks ties, so rankings are total and reproducible).
 */
export function leaderboards(contenders: readonly Contender[], metrics: readonly MetricInfo[]): Leaderboard[] {
  return metrics.map((info) => leaderboard(contenders, info));
}

function leaderboard(contenders: readonly Contender[], info: MetricInfo): Leaderboard {
  const sign = info.better === 'lower' ? 1 : -1;
  const ranked = contenders
    .map((contender, position) => ({ contender, position, mean: metricValue(contender.outcome.metrics, info.path) }))
    .sort((x, y) => {
      if (x.mean === null || y.mean === null) return (x.mean === null ? 1 : 0) - (y.mean === null ? 1 : 0) || x.position - y.position;
      return sign * (x.mean - y.mean) || x.position - y.position;
    });
  const series = (c: Contender): (number | null)[] => c.outcome.perReplication.map((run) => metricValue(run, info.path));
  // Read once: every entry is paired with the leader (a sweep's board spans every cell).
  const leaderSeries = ranked.length === 0 ? [] : series(ranked[0]!.contender);
  const entries: LeaderboardEntry[] = ranked.map(({ contender, mean }, i) => ({
    rank: i + 1,
    cell: contender.cell,
    strategy: contender.outcome.strategy,
    mean,
    halfWidth: metricValue(contender.outcome.ci95, info.path),
    low: metricValue(contender.outcome.ci95Low, info.path),
    high: metricValue(contender.outcome.ci95High, info.path),
    vsLeader: pairedDifference(series(contender), leaderSeries),
  }));
  return { metric: info.path, title: info.title, better: info.better, leaderSignificant: leadsSignificantly(entries), entries };
}

/**
 * Whether the entry ranked 1 is significantly ahead of the entry ranked 2: the runner-up's
 * paired difference to it is significant, and on the side the ranking puts it. The pairs are
 * the replications both have data in, the means all of each one's, so where one lacks data in
 * some replications the runner-up can be significantly better on the pairs. Renderers ask this
 * of the entries rather than read `leaderSignificant`, which documents written before it existed lack.
 */
export function leadsSignificantly(entries: readonly Pick<LeaderboardEntry, 'mean' | 'vsLeader'>[]): boolean {
  const [first, second] = entries;
  if (first === undefined || second === undefined || first.mean === null || second.mean === null) return false;
  const { significant, mean } = second.vsLeader;
  return significant && mean !== null && Math.sign(mean) === Math.sign(second.mean - first.mean);
}
