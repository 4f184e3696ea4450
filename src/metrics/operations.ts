/**
 * The part of the metrics fold that follows delegation (offers, broadcasts), workflows and fleet
 * operations (scaling, draining). The {@link MetricsCollector} owns one and forwards the events
 * that concern it; kept apart so the per-task hot path of the collector stays small.
 */
import type { AgentView } from '../engine/agent.js';
import type { TaskView } from '../engine/task.js';
import { SampleSketch } from './sampleSketch.js';
import { latencyMetrics, ratio } from './sampleStats.js';
import type { DelegationMetrics, FleetMetrics, WorkflowMetrics } from './types.js';

/**
 * Counts about tasks' and workflows' whole lives, each counted when the life's event came (a
 * task's first offer or a later round, a retried task's or a workflow's end): each only grows,
 * so a window's are differences of two (`recentMetrics.ts`).
 */
export interface LifeTotals {
  /** Measured tasks offered at least once. */
  readonly offeredTasks: number;
  /** Rounds of offers after a task's first. */
  readonly reOffers: number;
  /** Measured tasks that retried and then reached a final state. */
  readonly retriedSettled: number;
  /** Of those, the ones that completed. */
  readonly retriedCompleted: number;
  /** Workflows that ended with every task completed. */
  readonly workflowsCompleted: number;
  /** Workflows that ended with some task not completed. */
  readonly workflowsFailed: number;
  /** Ended workflows with a deadline. */
  readonly workflowDeadlines: number;
  /** Of those, the ones completed by it. */
  readonly workflowDeadlinesMet: number;
}

interface OpenWorkflow {
  readonly startedAt: number;
  open: number;
  failed: boolean;
  deadline: number;
}

/** Delegation, workflow and fleet-operation figures, folded from events. */
export class OperationsFold {
  private offersMade = 0;
  private offersRejected = 0;
  private offeredTasks = 0;
  private reOffers = 0;
  private broadcastDuplicates = 0;

  private readonly workflows = new Map<string, OpenWorkflow>();
  private workflowsCompleted = 0;
  private workflowsFailed = 0;
  private readonly workflowLatencies = new SampleSketch();
  private workflowDeadlines = 0;
  private workflowDeadlinesMet = 0;

  /** Told each completed workflow's latency, seconds (`recentMetrics.ts`). */
  workflowCompleted: ((latencySeconds: number) => void) | undefined;

  private readonly retriedTasks = new Set<TaskView>();
  private retriedSettled = 0;
  private retriedCompleted = 0;

  private scaleUps = 0;
  private scaleDowns = 0;
  /** Agents paid for now (present, draining or being provisioned) and the integral so far. */
  private paidAgents = 0;
  private paidSince = 0;
  private agentSeconds = 0;
  private readonly provisioning = new Map<string, number>();
  private readonly drainingSince: number[] = [];
  private readonly drainingSeconds: number[] = [];
  private windowStart = Number.NaN;

  /** The measurement window opens at `time`: integrals restart. */
  openWindow(time: number): void {
    this.windowStart = time;
    this.agentSeconds = 0;
    this.paidSince = time;
    for (let i = 0; i < this.drainingSince.length; i++) {
      this.drainingSeconds[i] = 0;
      if (!Number.isNaN(this.drainingSince[i]!)) this.drainingSince[i] = time;
    }
  }

  /** A measured task was submitted. */
  submitted(time: number, task: TaskView): void {
    // Most tasks are in no workflow: the test stays small enough to inline into the collector,
    // and the rest, never run, is not inlined at all.
    if (task.spec.workflowId !== undefined) this.workflowTaskSubmitted(time, task, task.spec.workflowId);
  }

  private workflowTaskSubmitted(time: number, task: TaskView, id: string): void {
    const deadline = task.spec.deadline ?? Number.NaN;
    const workflow = this.workflows.get(id);
    if (workflow === undefined) {
      this.workflows.set(id, { startedAt: time, open: 1, failed: false, deadline });
      return;
    }
    workflow.open++;
    // The latest deadline; NaN (none) on either side compares false, so this task's replaces it.
    if (!(deadline <= workflow.deadline)) workflow.deadline = deadline;
  }

  /** A measured task reached a final state. */
  settled(time: number, task: TaskView, completed: boolean): void {
    // Checking the size first spares every other task an identity hash; the common case, no
    // retries and no workflow, is kept small enough to inline into the collector.
    if (this.retriedTasks.size > 0 || task.spec.workflowId !== undefined) this.trackedTaskSettled(time, task, completed);
  }

  private trackedTaskSettled(time: number, task: TaskView, completed: boolean): void {
    if (this.retriedTasks.size > 0 && this.retriedTasks.delete(task)) {
      this.retriedSettled++;
      if (completed) this.retriedCompleted++;
    }
    const id = task.spec.workflowId;
    if (id === undefined) return;
    const workflow = this.workflows.get(id);
    if (workflow === undefined) return;
    if (!completed) workflow.failed = true;
    if (--workflow.open > 0) return;
    this.workflows.delete(id);
    if (!Number.isNaN(workflow.deadline)) {
      this.workflowDeadlines++;
      if (!workflow.failed && time <= workflow.deadline) this.workflowDeadlinesMet++;
    }
    if (workflow.failed) {
      this.workflowsFailed++;
      return;
    }
    this.workflowsCompleted++;
    const latencySeconds = time - workflow.startedAt;
    this.workflowLatencies.add(latencySeconds);
    this.workflowCompleted?.(latencySeconds);
  }

  /** A measured task entered `retrying`. */
  retrying(task: TaskView): void {
    this.retriedTasks.add(task);
  }

  /** A round of offers began for a measured task (`task.offers` is its number). */
  offerRound(task: TaskView): void {
    if (task.offers === 1) this.offeredTasks++;
    else this.reOffers++;
  }

  /** One offer to one agent, of a measured task. */
  offerMade(): void {
    this.offersMade++;
  }

  /** An answer of no (or a withdrawal), of a measured task. */
  offerRejected(): void {
    this.offersRejected++;
  }

  /** A broadcast claim that came too late. */
  duplicateClaim(): void {
    this.broadcastDuplicates++;
  }

  /** An agent joined at `time`. */
  agentJoined(time: number, agent: AgentView): void {
    this.accrue(time);
    const pool = agent.spec.pool;
    const pending = pool === undefined ? 0 : this.provisioning.get(pool) ?? 0;
    // A provisioned agent was paid for since it was asked for; it is already counted.
    if (pending > 0) this.provisioning.set(pool!, pending - 1);
    else this.paidAgents++;
    this.drainingSince[agent.index] = Number.NaN;
    this.drainingSeconds[agent.index] = 0;
  }

  /** An agent left at `time`. */
  agentLeft(time: number, agent: AgentView): void {
    this.accrue(time);
    this.paidAgents--;
    const since = this.drainingSince[agent.index]!;
    if (!Number.isNaN(since)) {
      this.drainingSeconds[agent.index]! += time - since;
      this.drainingSince[agent.index] = Number.NaN;
    }
  }

  /** An agent began draining at `time`. */
  agentDraining(time: number, agent: AgentView): void {
    this.drainingSince[agent.index] = time;
  }

  /** An autoscaler acted at `time`. */
  scaled(time: number, pool: string, direction: 'up' | 'down'): void {
    if (direction === 'down') {
      if (!Number.isNaN(this.windowStart)) this.scaleDowns++;
      return;
    }
    this.accrue(time);
    this.paidAgents++;
    this.provisioning.set(pool, (this.provisioning.get(pool) ?? 0) + 1);
    if (!Number.isNaN(this.windowStart)) this.scaleUps++;
  }

  /** Seconds agent `index` spent draining within the window, up to `endTimeSeconds`. */
  drainingSecondsOf(index: number, endTimeSeconds: number): number {
    const since = this.drainingSince[index] ?? Number.NaN;
    const open = Number.isNaN(since) || Number.isNaN(this.windowStart) ? 0 : endTimeSeconds - Math.max(since, this.windowStart);
    return (this.drainingSeconds[index] ?? 0) + open;
  }

  /** The delegation figures. */
  delegation(): DelegationMetrics {
    return {
      offersMade: this.offersMade,
      offersRejected: this.offersRejected,
      reOffersPerTask: ratio(this.reOffers, this.offeredTasks),
      broadcastDuplicates: this.broadcastDuplicates,
    };
  }

  /** Of measured tasks that retried and are final, the share completed. */
  retrySuccess(): number | null {
    return ratio(this.retriedCompleted, this.retriedSettled);
  }

  /** The workflow figures. */
  workflowMetrics(): WorkflowMetrics {
    return {
      completed: this.workflowsCompleted,
      failed: this.workflowsFailed,
      latency: latencyMetrics(this.workflowLatencies),
      deadlineSuccess: ratio(this.workflowDeadlinesMet, this.workflowDeadlines),
    };
  }

  /** The counts behind re-offers, retry success and workflows so far: each only grows. */
  lifeTotals(): LifeTotals {
    return {
      offeredTasks: this.offeredTasks, reOffers: this.reOffers, retriedSettled: this.retriedSettled, retriedCompleted: this.retriedCompleted,
      workflowsCompleted: this.workflowsCompleted, workflowsFailed: this.workflowsFailed,
      workflowDeadlines: this.workflowDeadlines, workflowDeadlinesMet: this.workflowDeadlinesMet,
    };
  }

  /** The fleet figures, with the window closed at `endTimeSeconds`. */
  fleet(endTimeSeconds: number, agentCount: number): FleetMetrics {
    const windowOpen = !Number.isNaN(this.windowStart);
    let drainingSeconds = 0;
    for (let i = 0; i < agentCount; i++) drainingSeconds += this.drainingSecondsOf(i, endTimeSeconds);
    return {
      scaleUps: this.scaleUps,
      scaleDowns: this.scaleDowns,
      agentSeconds: windowOpen ? this.agentSeconds + this.paidAgents * (endTimeSeconds - this.paidSince) : 0,
      drainingSeconds,
    };
  }

  private accrue(time: number): void {
    if (!Number.isNaN(this.windowStart)) this.agentSeconds += this.paidAgents * (time - this.paidSince);
    this.paidSince = time;
  }
}
