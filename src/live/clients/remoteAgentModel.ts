/**
 * One scenario agent's behaviour for `fleetsim agents`: the simulator's agent model
 * ({@link SimAgent}: same plans, same seeded outcome streams keyed by task and attempt, same
 * context state), fed from what a poll hands out (a task's spec and attempt number) instead of
 * the engine's live records, with its times divided by the speedup K.
 *
 * What the remote agent cannot see, it keeps itself: the slots it holds (attempts it runs plus
 * offers it has not answered: the engine's `active`, which an offer answer's load term reads),
 * and, when the transport does not say (HTTP), how many offers of each task it has received (the
 * offer number its answer's stream is keyed by; the engine numbers a task's offers across all
 * agents, so under broadcast delegation an agent's answer may then draw from another offer's
 * stream than in a simulation; over BullMQ the offer carries the engine's number).
 */
import type { AgentView } from '../../engine/agent.js';
import type { AgentReport, Outcome } from '../../engine/messages.js';
import type { TaskSpec } from '../../engine/task.js';
import type { TaskView } from '../../engine/task.js';
import type { SimAgentConfig } from '../../scenario/types.js';
import { SimAgent } from '../../sim/agentModel.js';
import type { OutcomeStreams } from '../../sim/random.js';
import type { OfferAnswer } from '../../engine/messages.js';

/** An attempt as the remote agent carries it out. */
export interface ScaledPlan {
  /** Tokens spent loading context before the work began. */
  readonly setupTokens: number;
  /** Whether the task's context was resident; null when the task has none. */
  readonly contextHit: boolean | null;
  /** Real milliseconds from start to end: the model's duration divided by the speedup. */
  readonly durationMs: number;
  /** The model's own duration, in the scenario's seconds (what an agent in virtual time reports). */
  readonly durationSeconds: number;
  /** How the attempt ends. */
  readonly outcome: Outcome;
  /** For a task with `contextBlocks`: the leading blocks found resident (undefined otherwise). */
  readonly contextBlocksHit: number | undefined;
  /** The agent's context after loading (utilization, resident keys), as the simulator reports it. */
  readonly agent: AgentReport;
}

/** An offer answer as the remote agent sends it. */
export interface ScaledOfferReply {
  /** Accept or reject, with the reason for a rejection. */
  readonly answer: OfferAnswer;
  /** Context the agent would load to take the task (what a losing broadcast claim wastes). */
  readonly setupTokens: number;
  /** Real milliseconds before answering: `offerResponseSeconds` divided by the speedup. */
  readonly delayMs: number;
  /** The model's own delay, in the scenario's seconds (what an agent in virtual time reports). */
  readonly delaySeconds: number;
}

/** Most tasks whose offer counts are remembered (the oldest are forgotten first). */
const REMEMBERED_OFFER_TASKS = 10_000;

/** The model of one remote agent. */
export class RemoteAgentModel {
  private readonly agent: SimAgent;
  private readonly offersByTask = new Map<string, number>();

  /**
   * @param config - the agent as the scenario declares it; @param outcomes - the scenario's
   * outcome streams (seed, replication); @param speedup - K, the factor times are divided by.
   */
  constructor(readonly config: SimAgentConfig, private readonly outcomes: OutcomeStreams, private readonly speedup: number) {
    if (!(speedup > 0 && Number.isFinite(speedup))) throw new Error(`speedup must be a positive number, got ${speedup}`);
    this.agent = new SimAgent(config);
  }

  /** Plans attempt `attempt` of `spec` starting now, while the agent holds `active` slots (this one included). */
  plan(spec: TaskSpec, attempt: number, active: number): ScaledPlan {
    const plan = this.agent.begin(taskView(spec, attempt), this.view(active), attempt, this.outcomes);
    return {
      setupTokens: plan.setupTokens, contextHit: plan.contextHit, durationMs: (plan.durationSeconds * 1000) / this.speedup,
      durationSeconds: plan.durationSeconds, outcome: plan.outcome, contextBlocksHit: plan.contextBlocksHit, agent: plan.agent,
    };
  }

  /**
   * Answers an offer of `spec` received while the agent holds `active` slots (the offered one
   * included). `offer` is the engine's number of the offer, when the transport carries it (the
   * simulator keys the offer's stream by it); without it the agent counts the task's offers it
   * received itself.
   */
  answerOffer(spec: TaskSpec, active: number, offer?: number): ScaledOfferReply {
    const reply = this.agent.answerOffer(taskView(spec, 0), this.view(active), offer ?? this.countOffer(spec.id), this.outcomes);
    return { answer: reply.answer, setupTokens: reply.setupTokens, delayMs: (reply.delaySeconds * 1000) / this.speedup, delaySeconds: reply.delaySeconds };
  }

  /** The number of this offer of task `taskId` among those this agent received. */
  private countOffer(taskId: string): number {
    const offer = (this.offersByTask.get(taskId) ?? 0) + 1;
    this.offersByTask.delete(taskId);
    this.offersByTask.set(taskId, offer);
    if (this.offersByTask.size > REMEMBERED_OFFER_TASKS) this.offersByTask.delete(this.offersByTask.keys().next().value!);
    return offer;
  }

  /** Loads a context while idle (a strategy's pre-warming). */
  prewarm(contextKey: string, contextTokens: number): void {
    this.agent.prewarm(contextKey, contextTokens);
  }

  /** The engine's view of this agent, as far as the model reads it (skills, capacity, slots held). */
  private view(active: number): AgentView {
    return {
      spec: this.config.spec, index: 0, accepting: true, draining: false, paused: 0, active, queued: 0, outstandingTokens: 0,
      contextUtilization: this.agent.utilization(), residentKeys: new Set<string>(), observedAt: 0, completed: 0,
    };
  }
}

/** A task record around a spec received over the wire, as far as the model reads it (the spec). */
function taskView(spec: TaskSpec, attempt: number): TaskView {
  return {
    spec, state: 'running', seq: 0, submittedAt: 0, attempt, agentIndex: 0, startedAt: Number.NaN, failureReason: undefined,
    priority: spec.priority, offers: 0, rejectionReason: undefined,
  };
}
