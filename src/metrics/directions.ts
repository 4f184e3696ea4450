/**
 * Which way each metric improves: the one table that leaderboards, paired comparisons,
 * reports and `fleetsim regress` read. A metric missing here (task counts by state other than
 * the ones below, utilization, …) is descriptive: reported, never ranked or regressed, because
 * "more" is neither better nor worse for it.
 */
import type { Better, MetricInfo } from '../experiments/types.js';

/**
 * The ranked metrics, in report order. The five with `leaderboard: true` are the headline
 * figures (fairness, tail latency, deadlines, context waste, quality).
 */
export const METRIC_TABLE: readonly MetricInfo[] = Object.freeze([
  { path: 'gini.tasks', title: 'gini tasks', better: 'lower', leaderboard: true, digits: 3 },
  { path: 'latency.p95', title: 'latency p95 (s)', better: 'lower', leaderboard: true, digits: 2 },
  { path: 'deadlineSuccess', title: 'deadline success', better: 'higher', leaderboard: true, digits: 3 },
  { path: 'contextWaste', title: 'context waste', better: 'lower', leaderboard: true, digits: 3 },
  { path: 'quality.mean', title: 'quality', better: 'higher', leaderboard: true, digits: 3 },
  { path: 'latency.mean', title: 'latency mean (s)', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'latency.p99', title: 'latency p99 (s)', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'wait.mean', title: 'wait mean (s)', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'wait.p95', title: 'wait p95 (s)', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'gini.tokens', title: 'gini tokens', better: 'lower', leaderboard: false, digits: 3 },
  { path: 'tenantFairness.jain', title: 'tenant fairness (Jain)', better: 'higher', leaderboard: false, digits: 3 },
  { path: 'tenantFairness.worstSlowdown', title: 'worst tenant slowdown', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'contextHitRate', title: 'context hit rate', better: 'higher', leaderboard: false, digits: 3 },
  { path: 'priorityRespect', title: 'priority respect', better: 'higher', leaderboard: false, digits: 3 },
  { path: 'throughput', title: 'throughput (/s)', better: 'higher', leaderboard: false, digits: 4 },
  { path: 'retries', title: 'retries', better: 'lower', leaderboard: false, digits: 1 },
  { path: 'tasks.deadLettered', title: 'dead-lettered', better: 'lower', leaderboard: false, digits: 1 },
  { path: 'tasks.expired', title: 'expired', better: 'lower', leaderboard: false, digits: 1 },
  { path: 'tasks.rejected', title: 'rejected', better: 'lower', leaderboard: false, digits: 1 },
  { path: 'retrySuccess', title: 'retry success', better: 'higher', leaderboard: false, digits: 3 },
  { path: 'delegation.reOffersPerTask', title: 're-offers per task', better: 'lower', leaderboard: false, digits: 3 },
  { path: 'workflows.latency.p95', title: 'workflow latency p95 (s)', better: 'lower', leaderboard: false, digits: 2 },
  { path: 'workflows.deadlineSuccess', title: 'workflow deadline success', better: 'higher', leaderboard: false, digits: 3 },
  { path: 'fleet.agentSeconds', title: 'agent-seconds', better: 'lower', leaderboard: false, digits: 0 },
].map((info) => Object.freeze(info as MetricInfo)));

/** The dotted paths of the ranked metrics, in report order. */
export const RANKED_METRIC_PATHS: readonly string[] = Object.freeze(METRIC_TABLE.map((info) => info.path));

/** The table entry for `path`, or undefined when the metric is not ranked. */
export function metricInfo(path: string): MetricInfo | undefined {
  return METRIC_TABLE.find((info) => info.path === path);
}

/** The metrics that get a leaderboard, in report order. */
export function leaderboardMetrics(): MetricInfo[] {
  return METRIC_TABLE.filter((info) => info.leaderboard);
}

/**
 * The value at dotted `path` in a metrics tree (`latency.p95`).
 * @throws Error when the path does not lead to a number or null (a bug in the caller's table)
 */
export function metricValue(metrics: object, path: string): number | null {
  let node: unknown = metrics;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) {
      throw new Error(`metricValue: no metric at ${path}`);
    }
    node = (node as Readonly<Record<string, unknown>>)[key];
  }
  if (node !== null && typeof node !== 'number') throw new Error(`metricValue: ${path} is not a number`);
  return node;
}

/**
 * How much worse a change `difference` (after − before) is in the metric's own direction:
 * positive when worse, negative when better.
 */
export function worsening(better: Better, difference: number): number {
  return better === 'lower' ? difference : -difference;
}
