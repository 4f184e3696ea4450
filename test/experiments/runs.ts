/** Hand-built run metrics for tests that need exact figures rather than a simulation. */
import { EMPTY_CLASS, type ClassMetrics } from '../../src/metrics/classes.js';
import type { RunMetrics } from '../../src/metrics/types.js';

/** A complete run; `latencyP95` and `quality` vary the figures the tests rank and compare. */
export function oneRun(vary: { latencyP95?: number | null; quality?: number | null } = {}): RunMetrics {
  return {
    tasks: { submitted: 10, completed: 8, deadLettered: 0, expired: 1, cancelled: 0, rejected: 0, inFlight: 1 },
    latency: { mean: 2, p50: 1.5, p95: vary.latencyP95 === undefined ? 5 : vary.latencyP95, p99: 7 },
    wait: { mean: 0.5, p95: 1 },
    gini: { tasks: 0.1, tokens: 0.2 },
    jain: { tasks: 0.9, tokens: 0.8 },
    tenantFairness: { jain: 1, worstSlowdown: 1.5 },
    deadlineSuccess: 0.75,
    contextWaste: 0.1,
    contextHitRate: 0.6,
    quality: { mean: vary.quality === undefined ? 0.8 : vary.quality, stddev: 0.1 },
    priorityRespect: 1,
    utilization: 0.7,
    throughput: 0.8,
    retries: 2,
    retrySuccess: 1,
    maxQueueDepth: 4,
    delegation: { offersMade: 0, offersRejected: 0, reOffersPerTask: null, broadcastDuplicates: 0 },
    workflows: { completed: 0, failed: 0, latency: { mean: null, p50: null, p95: null, p99: null }, deadlineSuccess: null },
    fleet: { scaleUps: 0, scaleDowns: 0, agentSeconds: 100, drainingSeconds: 0 },
    byType: {},
    byPriority: {},
    byTenant: {},
    perAgent: [{ id: 'a', completed: 8, tokens: 800, busySeconds: 7, drainingSeconds: 0 }],
  };
}

/**
 * `run` with one class per entry of `completedByPriority` in every dimension's table (type
 * `t<priority>`, tenant `default` holding them all): each class completed that many tasks of
 * that many submitted, with a mean latency of that many seconds.
 */
export function withClasses(run: RunMetrics, completedByPriority: Readonly<Record<string, number>>): RunMetrics {
  const classOf = (n: number): ClassMetrics => ({
    ...EMPTY_CLASS, tasks: { ...EMPTY_CLASS.tasks, submitted: n, completed: n }, latency: { mean: n, p50: n, p95: n, p99: n },
  });
  const entries = Object.entries(completedByPriority);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return {
    ...run,
    byType: Object.fromEntries(entries.map(([priority, n]) => [`t${priority}`, classOf(n)])),
    byPriority: Object.fromEntries(entries.map(([priority, n]) => [priority, classOf(n)])),
    byTenant: { default: classOf(total) },
  };
}
