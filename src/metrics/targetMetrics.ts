/**
 * The metrics a scenario's `targets` may name: every number of {@link ScalarMetrics} by its
 * dotted path (ranked or descriptive: a target states its own direction with min or max), and
 * `completion`, the share of measured tasks that completed, derived from the task counts; and
 * the same of one class of tasks, `byPriority.0.deadlineSuccess` ({@link CLASS_TARGET_METRICS}).
 * Wall-clock timing is not among them: it differs between runs and machines.
 */
import { CLASS_METRIC_LEAVES, parseClassPath, type ClassBreakdown } from './classes.js';
import { metricValue } from './directions.js';
import { ratio } from './sampleStats.js';
import { classOf, metricLeaves } from './summary.js';
import type { ScalarMetrics } from './types.js';

/** Name of the derived metric tasks.completed ÷ tasks.submitted. */
export const COMPLETION_METRIC = 'completion';

/**
 * A metrics tree of zeros: its leaves are the metric paths. Typed `satisfies ScalarMetrics`,
 * so a metric added to or removed from the type fails to compile here rather than going unlisted.
 */
const SHAPE = {
  tasks: { submitted: 0, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 0 },
  latency: { mean: 0, p50: 0, p95: 0, p99: 0 },
  wait: { mean: 0, p95: 0 },
  gini: { tasks: 0, tokens: 0 },
  jain: { tasks: 0, tokens: 0 },
  tenantFairness: { jain: 0, worstSlowdown: 0 },
  deadlineSuccess: 0,
  contextWaste: 0,
  contextHitRate: 0,
  quality: { mean: 0, stddev: 0 },
  priorityRespect: 0,
  utilization: 0,
  throughput: 0,
  retries: 0,
  retrySuccess: 0,
  maxQueueDepth: 0,
  delegation: { offersMade: 0, offersRejected: 0, reOffersPerTask: 0, broadcastDuplicates: 0 },
  workflows: { completed: 0, failed: 0, latency: { mean: 0, p50: 0, p95: 0, p99: 0 }, deadlineSuccess: 0 },
  fleet: { scaleUps: 0, scaleDowns: 0, agentSeconds: 0, drainingSeconds: 0 },
} satisfies ScalarMetrics;

/** Every metric a target may name, in the order of the JSON metrics, `completion` last. */
export const TARGET_METRICS: readonly string[] = Object.freeze([...metricLeaves(SHAPE).map((leaf) => leaf.path), COMPLETION_METRIC]);

/** What a target may name within one class: every class leaf, and `completion`. */
export const CLASS_TARGET_METRICS: readonly string[] = Object.freeze([...CLASS_METRIC_LEAVES, COMPLETION_METRIC]);

/**
 * The value of target metric `path` in one run's metrics (null: no data in that run). A class
 * the run had no task of has no tasks and no data.
 * @throws Error when `path` is not one of {@link TARGET_METRICS} nor a class path (callers validate first)
 */
export function targetMetricValue(metrics: ScalarMetrics & ClassBreakdown, path: string): number | null {
  const classPath = parseClassPath(path, CLASS_TARGET_METRICS);
  if (classPath === null) throw new Error(`targetMetricValue: no metric at ${path}`);
  if (classPath === undefined) return valueIn(metrics, path);
  return valueIn(classOf(metrics, classPath.key, classPath.name), classPath.leaf);
}

function valueIn(metrics: Pick<ScalarMetrics, 'tasks'>, path: string): number | null {
  if (path === COMPLETION_METRIC) return ratio(metrics.tasks.completed, metrics.tasks.submitted);
  return metricValue(metrics, path);
}
