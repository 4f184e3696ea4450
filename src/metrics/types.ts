/**
 * The shape of every metric fleetsim reports (docs/EXPERIMENTS.md, "Metrics and their direction"). Plain data: a result is
 * logged, diffed and written as JSON as it is, so key order here is the key order on disk.
 *
 * Conventions shared by every field:
 * - times are seconds on the driver's clock, rates are per second, shares are in [0, 1];
 * - `null` means "no data" (no task completed, no task had a deadline, an empty window…),
 *   never zero, so that a missing figure cannot pass for a perfect or a terrible one;
 * - task-level figures count measured tasks only: a task is measured when it was submitted at
 *   or after the warm-up time and its submission sequence number is at least the warm-up task
 *   count; system-level figures (`utilization`, `maxQueueDepth`, `perAgent[].busySeconds`)
 *   count every task, restricted to the measurement window.
 */
import type { ClassBreakdown } from './classes.js';
import type { TenantFairnessMetrics } from './tenantFairness.js';

/** Measured tasks by final state, and those still in flight at the end. */
export interface TaskCountMetrics {
  /** Measured tasks submitted. */
  readonly submitted: number;
  /** Measured tasks completed. */
  readonly completed: number;
  /** Measured tasks dead-lettered (out of retries or offers). */
  readonly deadLettered: number;
  /** Measured tasks expired (waited queued past their TTL). */
  readonly expired: number;
  /** Measured tasks cancelled. */
  readonly cancelled: number;
  /** Measured tasks rejected (turned away at submission, or shed from a full queue). */
  readonly rejected: number;
  /** Measured tasks in no final state at the end: submitted minus the five final counts. */
  readonly inFlight: number;
}

/** Submit → completed of completed measured tasks, seconds. */
export interface LatencyMetrics {
  /** Mean; null when no measured task completed. */
  readonly mean: number | null;
  /** Quantiles by linear interpolation between order statistics (type 7, as numpy and R). */
  readonly p50: number | null;
  /** 95th percentile. */
  readonly p95: number | null;
  /** 99th percentile. */
  readonly p99: number | null;
}

/** Submit → start of the first attempt (the transition to `running` with attempt 1), seconds. */
export interface WaitMetrics {
  /** Mean; null when no measured task started. */
  readonly mean: number | null;
  /** 95th percentile. */
  readonly p95: number | null;
}

/** An inequality index over agents, of completed measured tasks and of their tokens. */
export interface FairnessMetrics {
  /** Inequality of completed tasks per agent; null when nothing completed. */
  readonly tasks: number | null;
  /** Inequality of completed tokens per agent; null when nothing completed. */
  readonly tokens: number | null;
}

/** Quality reported with each completion of a measured task. */
export interface QualityMetrics {
  /** Mean quality, in [0, 1]; null when nothing completed. */
  readonly mean: number | null;
  /**
   * Population standard deviation (divisor n): the spread of this run's own completed tasks,
   * not an estimate for a larger population; it is 0 for a single task rather than undefined.
   */
  readonly stddev: number | null;
}

/** One agent's share of the work. */
export interface AgentMetrics {
  /** The agent's id. */
  readonly id: string;
  /** Measured tasks the agent completed. */
  readonly completed: number;
  /** Tokens (`spec.tokens`) of those tasks. */
  readonly tokens: number;
  /** Slot-seconds the agent had a task offered, assigned or running, within the window (all tasks). */
  readonly busySeconds: number;
  /** Seconds the agent spent draining (finishing its work before leaving), within the window. */
  readonly drainingSeconds: number;
}

/** Offer/accept and broadcast delegation, over measured tasks. */
export interface DelegationMetrics {
  /** Offers made to agents (a broadcast to n agents is n offers). */
  readonly offersMade: number;
  /** Offers turned down, or withdrawn unanswered (timeout, agent gone). */
  readonly offersRejected: number;
  /** Rounds of offers after the first, per task that was offered at all. */
  readonly reOffersPerTask: number | null;
  /** Broadcast claims that lost to an earlier one (their setup counts as context waste). */
  readonly broadcastDuplicates: number;
}

/**
 * Workflows: measured tasks that share a `workflowId`. A workflow ends when all of its tasks
 * submitted so far are final; it succeeded when every one completed.
 */
export interface WorkflowMetrics {
  /** Workflows that ended with every task completed. */
  readonly completed: number;
  /** Workflows that ended with some task not completed. */
  readonly failed: number;
  /** First submission → last completion of completed workflows, seconds. */
  readonly latency: LatencyMetrics;
  /** Of ended workflows with a deadline (their tasks' latest), the share completed by it. */
  readonly deadlineSuccess: number | null;
}

/** Fleet operations over the window. */
export interface FleetMetrics {
  /** Autoscaler actions: agents asked for, agents set draining. */
  readonly scaleUps: number;
  /** Agents set draining by an autoscaler. */
  readonly scaleDowns: number;
  /** Agent-seconds paid for: agents in the fleet, draining ones and ones being provisioned included. */
  readonly agentSeconds: number;
  /** Seconds agents spent draining, summed over agents. */
  readonly drainingSeconds: number;
}

/** Every metric of a run except the per-agent table: the part summaries average leaf by leaf. */
export interface ScalarMetrics {
  /** Measured tasks by final state. */
  readonly tasks: TaskCountMetrics;
  /** Submit → completed, seconds. */
  readonly latency: LatencyMetrics;
  /** Submit → first start, seconds. */
  readonly wait: WaitMetrics;
  /** Gini coefficient over agents: 0 when all did the same, (n − 1)/n when one did everything. */
  readonly gini: FairnessMetrics;
  /** Jain's fairness index (Σx)² / (n Σx²): 1 when all did the same, 1/n when one did everything. */
  readonly jain: FairnessMetrics;
  /** Fairness across tenants: service share against demand share, worst slowdown (`tenantFairness.ts`). */
  readonly tenantFairness: TenantFairnessMetrics;
  /**
   * Of measured tasks with a deadline that are final, or still in flight with their deadline
   * strictly before the end: the share completed at a time ≤ the deadline.
   */
  readonly deadlineSuccess: number | null;
  /** Setup tokens ÷ (setup tokens + task tokens), over started attempts of measured tasks. */
  readonly contextWaste: number | null;
  /**
   * Share of context found resident at start: among starts of tasks with a contextKey, one unit
   * each; a task with `contextBlocks` (a trace's prompt prefix) counts each block as a unit.
   */
  readonly contextHitRate: number | null;
  /** Quality of completions. */
  readonly quality: QualityMetrics;
  /** Share of assignments of measured tasks made while no more urgent eligible task waited. */
  readonly priorityRespect: number | null;
  /** Busy slot-seconds ÷ capacity slot-seconds over the measurement window. */
  readonly utilization: number | null;
  /** Completed measured tasks per second of measurement window. */
  readonly throughput: number | null;
  /** Transitions of measured tasks to `retrying`. */
  readonly retries: number;
  /** Of measured tasks that retried and are final, the share that completed in the end. */
  readonly retrySuccess: number | null;
  /** Most tasks (measured or not) in state `queued` at once during the window. */
  readonly maxQueueDepth: number | null;
  /** Offers and their answers (offer and broadcast delegation). */
  readonly delegation: DelegationMetrics;
  /** Workflows ended and how. */
  readonly workflows: WorkflowMetrics;
  /** Fleet operations. */
  readonly fleet: FleetMetrics;
}

/** The pooled metrics and the headline metrics of every class of task (`classes.ts`). */
export interface ClassedMetrics extends ScalarMetrics, ClassBreakdown {}

/**
 * The metrics of one replication of one strategy: pooled, by class (`byType`, `byPriority`,
 * `byTenant`: only the classes that had a measured task), and per agent.
 */
export interface RunMetrics extends ClassedMetrics {
  /** One entry per agent that ever joined, by agent index. */
  readonly perAgent: readonly AgentMetrics[];
}

/**
 * Replications of one strategy, combined. Each class table holds every class that any run
 * combined had (a run without the class counts as zero tasks and no data for it), and its
 * class figures follow the same rules as the pooled ones.
 *
 * - `metrics`: every number is the mean over replications. A leaf that is null in some
 *   replications (a run where no task had a deadline, say) is averaged over the replications
 *   where it is not null, and is null only when it is null in all of them. `perAgent` is
 *   averaged per agent id, over the replications that have that agent (in order of first appearance).
 * - `ci95`: every number is the 95% confidence half-width t(0.975, n − 1) · s / √n, where n is
 *   the number of replications in which the leaf is not null and s their sample standard
 *   deviation; it is 0 when n = 1 and null when n = 0. There is no `perAgent` here.
 * - `ci95Low`, `ci95High`: the interval mean ± half-width clipped to the metric's range
 *   ([0, 1] for shares, [0, ∞) for the rest: `src/metrics/ranges.ts`), so that no bound lies
 *   where no value can; null where the mean is null.
 */
export interface Summary {
  /** Means over replications. */
  readonly metrics: RunMetrics;
  /** 95% confidence half-widths. */
  readonly ci95: ClassedMetrics;
  /** Lower ends of the 95% intervals, clipped to the metric's range. */
  readonly ci95Low: ClassedMetrics;
  /** Upper ends of the 95% intervals, clipped to the metric's range. */
  readonly ci95High: ClassedMetrics;
}
