/**
 * `GET /metrics`: the service's figures in Prometheus' text exposition format (version 0.0.4):
 * queue depth, tasks in flight per state, final states, a histogram of completed tasks'
 * latency (submission to completion), the strategy's decisions, agents and mailboxes, and the
 * reports answered stale. The format is a few lines of text; the counters that are not in the
 * engine's ledger are folded here from its events, or counted by the agents' connector.
 */
import type { TaskCounts } from '../../engine/engine.js';
import type { EngineEvent } from '../../engine/messages.js';
import type { TaskState } from '../../engine/task.js';
import type { StaleReportCounts } from './remoteAgents.js';

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/** What the exposition shows besides the folded counters. */
export interface PrometheusSnapshot {
  /** Tasks by final state, and those in flight. */
  readonly counts: Readonly<TaskCounts>;
  /** Live tasks per state. */
  readonly liveStates: ReadonlyMap<TaskState, number>;
  /** Agents in the fleet. */
  readonly agents: number;
  /** Commands waiting for agents to poll them. */
  readonly queuedCommands: number;
  /** Attempts the driver waits on. */
  readonly pendingAttempts: number;
  /** Offers the driver waits on an answer for. */
  readonly pendingOffers: number;
  /** Sequence number of the last durable input. */
  readonly durableSeq: number;
  /** Agents' reports the connector answered stale since the service started (they never reached the engine). */
  readonly staleReports: StaleReportCounts;
  /** Requests for new agents waiting for an answer, those handed out again after a lease ran out, and answers refused (since the service started). */
  readonly provisions: { readonly pending: number; readonly redelivered: number; readonly refusedAnswers: number };
}

/** Folds the events Prometheus counts that the engine's ledger has not: latencies and decisions. */
export class PrometheusFold {
  private readonly buckets = new Array<number>(LATENCY_BUCKETS_SECONDS.length).fill(0);
  private latencyCount = 0;
  private latencySum = 0;
  private decisions = 0;
  private offers = 0;
  private staleResults = 0;

  /** Folds one engine event in. */
  observe(event: EngineEvent): void {
    if (event.kind === 'transition') {
      if (event.to === 'assigned') this.decisions++;
      else if (event.to === 'completed') this.latency(event.time - event.task.submittedAt);
    } else if (event.kind === 'offerMade') this.offers++;
    else if (event.kind === 'staleResult') this.staleResults++;
  }

  /** The exposition text. */
  text(snapshot: PrometheusSnapshot): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter' | 'histogram', help: string, samples: readonly (readonly [string, number])[]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${formatValue(value)}`);
    };
    const { counts, liveStates } = snapshot;
    metric('fleetsim_queue_depth', 'gauge', 'Tasks waiting for an agent (queued).', [['', liveStates.get('queued') ?? 0]]);
    metric('fleetsim_tasks_in_flight', 'gauge', 'Tasks submitted and not final, by state.',
      [...liveStates].sort(([a], [b]) => a.localeCompare(b)).map(([state, n]) => [`{state="${state}"}`, n] as const));
    metric('fleetsim_tasks_submitted_total', 'counter', 'Tasks submitted.', [['', counts.submitted]]);
    metric('fleetsim_tasks_final_total', 'counter', 'Tasks that reached a final state, by state.', [
      ['{state="completed"}', counts.completed], ['{state="dead-lettered"}', counts.deadLettered], ['{state="expired"}', counts.expired],
      ['{state="cancelled"}', counts.cancelled], ['{state="rejected"}', counts.rejected],
    ]);
    lines.push('# HELP fleetsim_task_latency_seconds Submission to completion of completed tasks.', '# TYPE fleetsim_task_latency_seconds histogram');
    let cumulative = 0;
    LATENCY_BUCKETS_SECONDS.forEach((bound, i) => {
      cumulative += this.buckets[i]!;
      lines.push(`fleetsim_task_latency_seconds_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(`fleetsim_task_latency_seconds_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(`fleetsim_task_latency_seconds_sum ${formatValue(this.latencySum)}`, `fleetsim_task_latency_seconds_count ${this.latencyCount}`);
    metric('fleetsim_decisions_total', 'counter', 'Assignments the strategy made (a task given to an agent).', [['', this.decisions]]);
    metric('fleetsim_offers_total', 'counter', 'Offers made to agents.', [['', this.offers]]);
    metric('fleetsim_stale_results_total', 'counter', 'Results fed to the engine for attempts it no longer waited for (staleResult events).', [['', this.staleResults]]);
    const { staleReports } = snapshot;
    metric('fleetsim_stale_reports_total', 'counter', 'Agent reports answered stale before reaching the engine, since the service started: duplicates, and reports for attempts or offers it had given up on or did not know.', [
      ['{report="started"}', staleReports.started], ['{report="finished"}', staleReports.finished], ['{report="offer-answer"}', staleReports.offerAnswers],
    ]);
    metric('fleetsim_agents', 'gauge', 'Agents in the fleet.', [['', snapshot.agents]]);
    metric('fleetsim_agent_commands_queued', 'gauge', 'Commands waiting in agents\' mailboxes.', [['', snapshot.queuedCommands]]);
    metric('fleetsim_attempts_pending', 'gauge', 'Attempts handed to agents whose result has not come.', [['', snapshot.pendingAttempts]]);
    metric('fleetsim_offers_pending', 'gauge', 'Offers whose answer has not come.', [['', snapshot.pendingOffers]]);
    metric('fleetsim_provisions_pending', 'gauge', 'Requests for a new agent of an autoscaled pool not answered yet.', [['', snapshot.provisions.pending]]);
    metric('fleetsim_provisions_redelivered_total', 'counter', 'Requests for a new agent handed out again after their lease ran out.', [['', snapshot.provisions.redelivered]]);
    metric('fleetsim_provision_answers_refused_total', 'counter', 'Answers to requests for a new agent refused (answered already, or unknown): no agent added.', [['', snapshot.provisions.refusedAnswers]]);
    metric('fleetsim_journal_durable_seq', 'gauge', 'Sequence number of the last durable engine input.', [['', snapshot.durableSeq]]);
    return `${lines.join('\n')}\n`;
  }

  private latency(seconds: number): void {
    this.latencyCount++;
    this.latencySum += seconds;
    const i = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
    if (i >= 0) this.buckets[i]!++;
  }
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
