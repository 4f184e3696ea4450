/**
 * A deterministic driver for engine tests, in the spirit of quinn-proto's test `Pair`: it wraps
 * one {@link Engine}, keeps a fake clock, records every event and command, tracks the timers the
 * engine asked for and the attempts it started, and answers `start` commands when told to.
 *
 * Every input goes through the harness, which drains the engine's event and command queues at
 * once and checks on the way what it can check from the outside: an attempt is never started
 * twice, a task never holds two live attempts (it never runs on two agents at once), no agent
 * holds more live attempts and open offers than its capacity, timers are only cancelled while
 * pending, aborts only name live or paused attempts, and a late-binding strategy only ever picks
 * an agent with a free slot (early binding: an accepting agent). Placement: a task is offered or
 * started only on its assignee (when it names one) and on an agent carrying its tags; a retry
 * goes to an agent failure memory suspects only when no other free agent may take it; a
 * draining agent gets no new offer or start (it may start what it claimed from an offer it
 * held); offers come only under offer or broadcast delegation, numbered as the task counts them,
 * one open at a time unless broadcast, and no more than `maxOffers` (plus one round per claimed
 * retry). Pauses come only from an operator or from preemption (never of a critical task); what an
 * operator paused resumes only after an operator resumed it; nothing completes below the quality
 * floor; no task of a paused type is bound; `provision` only up to the pool's maximum, scaling
 * down only drains pool agents, and `retire` only names a drained agent that holds nothing. A
 * breach throws {@link HarnessInvariantError}, so in a property test every input is checked.
 * {@link Harness.assertConservation}, {@link Harness.assertLegalHistory} and
 * {@link Harness.assertAgreement} check the rest; {@link Harness.settle} drives a run to quiet
 * undoing whatever operators did.
 *
 * Randomness comes from `seedrandom`, never `Math.random`, so a test is a pure function of its
 * seed.
 */
import seedrandom from 'seedrandom';
import { hasFreeSlot, hasTags, type AgentSpec, type AgentView } from '../../src/engine/agent.js';
import { defaultEngineConfig, type EngineConfig, type OverflowPolicy } from '../../src/engine/config.js';
import { createEngine, type Engine, type EngineOptions, type TaskCounts } from '../../src/engine/engine.js';
import { restoreEngine } from '../../src/engine/snapshot.js';
import type { EngineSnapshot } from '../../src/engine/snapshotFormat.js';
import { canTransition } from '../../src/engine/lifecycle.js';
import type { AdminOperation, Command, EngineEvent, OfferAnswer, Outcome, StartReport } from '../../src/engine/messages.js';
import type { Binding, ContextToLoad, DecisionContext, FleetView, Strategy } from '../../src/engine/strategy.js';
import { isFinal, type AgentId, type FailureReason, type RejectionReason, type TaskId, type TaskSpec, type TaskState, type TaskView } from '../../src/engine/task.js';
import { STRATEGIES, findStrategy } from '../../src/strategies/index.js';

// ------------------------------------------------------------------ factories

/**
 * A complete {@link TaskSpec} with test defaults for every field the caller leaves out.
 * @param partial - at least the `id`; any other field overrides the default.
 * @defaultValue type `code`, priority 2, 1000 tokens, no context; no deadline, dependencies,
 * assignee, retries override, timeout or ttl.
 */
export function taskSpec(partial: Partial<TaskSpec> & { readonly id: TaskId }): TaskSpec {
  return { type: 'code', priority: 2, tokens: 1000, contextTokens: 0, ...partial };
}

/**
 * A complete {@link AgentSpec} with test defaults for every field the caller leaves out.
 * @param partial - at least the `id`; any other field overrides the default.
 * @defaultValue capacity 1, 100 tokens per second, no skills, weight equal to the capacity,
 * no tags, no context window.
 */
export function agentSpec(partial: Partial<AgentSpec> & { readonly id: AgentId }): AgentSpec {
  const capacity = partial.capacity ?? 1;
  return { capacity, tokensPerSecond: 100, skills: {}, weight: capacity, tags: [], ...partial };
}

/** Engine settings a test may override; everything else comes from {@link defaultEngineConfig}. */
export interface ConfigOverrides {
  /** Late (one pool queue) or early (per-agent queues) binding; see {@link EngineConfig.binding}. */
  readonly binding?: Binding;
  /** Queue admission limit, overflow policy and dispatch scan limit; each field given replaces its default. */
  readonly queue?: { readonly maxDepth?: number; readonly overflow?: OverflowPolicy; readonly dispatchScanLimit?: number };
  /** Retries of failed attempts; each field given (`backoff`'s one by one) replaces its default. */
  readonly retry?: {
    readonly maxRetries?: number;
    readonly backoff?: { readonly baseSeconds?: number; readonly factor?: number; readonly jitter?: number; readonly maxSeconds?: number };
    readonly minQuality?: number;
  };
  /** Assignment or offers, claim rule, offer timeout and limit; each field given replaces its default. */
  readonly delegation?: Partial<EngineConfig['delegation']>;
  /** What a failed dependency does to its dependents; see {@link EngineConfig.dependencies}. */
  readonly dependencies?: Partial<EngineConfig['dependencies']>;
  /** How long, and for how many (agent, type) pairs, retries avoid an agent that failed them. */
  readonly failureMemory?: Partial<EngineConfig['failureMemory']>;
  /** Whether a critical task that finds every agent busy pauses a running one. */
  readonly preemption?: EngineConfig['preemption'];
  /** Token-bucket rate limit on submissions; each field given replaces its default (no limit). */
  readonly ingress?: Partial<EngineConfig['ingress']>;
  /** Autoscaled pools, in place of the default: none. */
  readonly autoscale?: EngineConfig['autoscale'];
  /** How many settled task ids the engine remembers for later `dependsOn`s. */
  readonly settledMemory?: number;
}

/**
 * A fully specified {@link EngineConfig}: the defaults, deep-merged with `overrides`.
 * @defaultValue {@link defaultEngineConfig}
 */
export function engineConfig(overrides: ConfigOverrides = {}): EngineConfig {
  const base = defaultEngineConfig();
  return {
    binding: overrides.binding ?? base.binding,
    queue: { ...base.queue, ...overrides.queue },
    retry: {
      maxRetries: overrides.retry?.maxRetries ?? base.retry.maxRetries,
      backoff: { ...base.retry.backoff, ...overrides.retry?.backoff },
      minQuality: overrides.retry?.minQuality ?? base.retry.minQuality,
    },
    delegation: { ...base.delegation, ...overrides.delegation },
    dependencies: { ...base.dependencies, ...overrides.dependencies },
    failureMemory: { ...base.failureMemory, ...overrides.failureMemory },
    preemption: overrides.preemption ?? base.preemption,
    ingress: { ...base.ingress, ...overrides.ingress },
    autoscale: overrides.autoscale ?? base.autoscale,
    settledMemory: overrides.settledMemory ?? base.settledMemory,
  };
}

/** A fresh instance of the registered strategy `name` with default parameters. */
export function createStrategy(name: string): Strategy {
  const definition = findStrategy(name);
  if (definition === undefined) throw new Error(`unknown strategy ${name}; known: ${STRATEGIES.map((d) => d.name).join(', ')}`);
  return definition.create(definition.params.parse({}));
}

// ------------------------------------------------------------------ records

/** Thrown when the harness sees the engine break a rule it can check from the outside. */
export class HarnessInvariantError extends Error {
  /** @param message - the rule the engine broke, and the task or agent it broke it on. */
  constructor(message: string) {
    super(message);
    this.name = 'HarnessInvariantError';
  }
}

/** A copy of one event, taken when it was polled (the engine's views are live records). */
export interface RecordedEvent {
  /** The engine event's `kind`. */
  readonly kind: EngineEvent['kind'];
  /** When it was emitted: the fake clock then (seconds). */
  readonly time: number;
  /** The task, for task events and `staleResult`. */
  readonly taskId?: TaskId;
  /** The agent, for agent events and transitions that carry one. */
  readonly agentId?: AgentId;
  /** For `transition`: the state the task left. */
  readonly from?: TaskState;
  /** For `transition`: the state it entered. */
  readonly to?: TaskState;
  /** For `transition` and `staleResult`: the task's attempt number. */
  readonly attempt?: number;
  /** For `transition`: why the task failed or ended (see {@link TaskTransitionEvent.reason}). */
  readonly reason?: FailureReason;
  /** For `transition` to `assigned`: whether no more urgent task was waiting. */
  readonly priorityRespected?: boolean;
  /** For `transition` to `completed`: the result's quality, in [0, 1]. */
  readonly quality?: number;
  /** Tokens spent loading context: for `transition` to `running`, `duplicateClaim`, and `prewarm` (the tokens of the context it loads). */
  readonly setupTokens?: number;
  /** For `transition` to `running`: whether the context was resident (null: the task has none). */
  readonly contextHit?: boolean | null;
  /** For `prewarm`: the context ordered loaded. */
  readonly contextKey?: string;
  /** For `offerAnswered`: whether the agent accepted. */
  readonly accepted?: boolean;
  /** For an `offerAnswered` that turned the offer down: why. */
  readonly rejection?: RejectionReason;
  /** For `scaled`: the autoscaled pool. */
  readonly pool?: string;
  /** For `scaled`: `up` asked for an agent of the pool, `down` began draining one. */
  readonly direction?: 'up' | 'down';
  /** For `admin`: the operation. */
  readonly operation?: AdminOperation;
}

/** A copy of one command, taken when it was polled. */
export type RecordedCommand =
  | { readonly kind: 'start'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly attempt: number }
  | { readonly kind: 'abort'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly attempt: number; readonly reason: FailureReason }
  | { readonly kind: 'setTimer'; readonly time: number; readonly timerId: number; readonly at: number }
  | { readonly kind: 'cancelTimer'; readonly time: number; readonly timerId: number }
  | { readonly kind: 'prewarm'; readonly time: number; readonly agentId: AgentId; readonly contextKey: string; readonly contextTokens: number }
  // One member per kind, so that `commandsOf(kind)` narrows to it.
  | { readonly kind: 'offer'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly offer: number }
  | { readonly kind: 'withdraw'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly offer: number }
  | { readonly kind: 'pause'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly attempt: number }
  | { readonly kind: 'resume'; readonly time: number; readonly taskId: TaskId; readonly agentId: AgentId; readonly attempt: number }
  | { readonly kind: 'provision'; readonly time: number; readonly pool: string }
  | { readonly kind: 'retire'; readonly time: number; readonly agentId: AgentId };

/** An offer the engine made and has not closed. */
export interface OpenOffer {
  /** The task offered. */
  readonly taskId: TaskId;
  /** The agent it was offered to. */
  readonly agentId: AgentId;
  /** The offer's number, which the agent's answer quotes. */
  readonly offer: number;
}

/** Where an attempt the engine ordered stands, as the driver sees it (`paused` holds no slot). */
export type AttemptPhase = 'ordered' | 'started' | 'paused' | 'finished' | 'aborted';

/** One attempt the engine ordered with a `start` command. */
export interface Attempt {
  /** The task it is an attempt of. */
  readonly taskId: TaskId;
  /** The task's attempt number, as the `start` command gave it. */
  readonly attempt: number;
  /** The agent it was ordered on. */
  readonly agentId: AgentId;
  /** Where it stands: moved on as the harness answers the start and the engine's later commands. */
  phase: AttemptPhase;
}

/** True while an attempt holds a slot on its agent. */
function isLive(attempt: Attempt): boolean {
  return attempt.phase === 'ordered' || attempt.phase === 'started';
}

function attemptKey(taskId: TaskId, attempt: number): string {
  return `${taskId}#${attempt}`;
}

// ------------------------------------------------------------------ checking strategy wrapper

/**
 * Wraps a strategy to check every pick it makes (late binding: the agent has a free slot;
 * early binding: it is accepting) and to keep a handle on the engine's decision context. It
 * forwards every hook, and defines `admit`, `steal` and `prewarm` only when the inner strategy does, so the engine
 * behaves exactly as with the inner strategy.
 */
class CheckedStrategy implements Strategy {
  readonly name: string;
  /** The engine's live context, once any hook has seen it. */
  ctx: DecisionContext | undefined;
  /** Picks that returned an agent. */
  picks = 0;
  readonly admit?: (task: TaskView, ctx: DecisionContext) => boolean;
  readonly steal?: (thief: AgentView, ctx: DecisionContext) => TaskView | undefined;
  readonly queueOrder: Strategy['queueOrder'];
  readonly stealRules: Strategy['stealRules'];
  readonly prewarm?: (agent: AgentView, ctx: DecisionContext) => ContextToLoad | undefined;
  /** Tasks stolen. */
  steals = 0;

  constructor(private readonly inner: Strategy) {
    this.name = inner.name;
    this.queueOrder = inner.queueOrder;
    this.stealRules = inner.stealRules;
    if (inner.prewarm !== undefined) {
      const prewarm = inner.prewarm.bind(inner);
      this.prewarm = (agent, ctx) => {
        this.ctx = ctx;
        return prewarm(agent, ctx);
      };
    }
    if (inner.steal !== undefined) {
      const steal = inner.steal.bind(inner);
      this.steal = (thief, ctx) => {
        this.ctx = ctx;
        const loot = steal(thief, ctx);
        if (loot !== undefined) this.steals++;
        return loot;
      };
    }
    if (inner.admit !== undefined) {
      const admit = inner.admit.bind(inner);
      this.admit = (task, ctx) => {
        this.ctx = ctx;
        return admit(task, ctx);
      };
    }
  }

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    this.ctx = ctx;
    const picked = this.inner.pickAgent(task, ctx);
    if (picked === undefined) return undefined;
    this.picks++;
    const fine = ctx.binding === 'late' ? hasFreeSlot(picked) : picked.accepting;
    if (!fine) {
      throw new HarnessInvariantError(
        `strategy ${this.name} (${ctx.binding} binding) picked agent ${picked.spec.id} for task ${task.spec.id}: ` +
          `accepting=${picked.accepting} active=${picked.active}/${picked.spec.capacity}`,
      );
    }
    return picked;
  }

  onAssign(task: TaskView, agent: AgentView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.inner.onAssign?.(task, agent, ctx);
  }

  onSettle(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.inner.onSettle?.(task, agent, outcome, ctx);
  }

  onAgentJoined(agent: AgentView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.loadSeen[agent.index] = loadOf(agent);
    this.inner.onAgentJoined?.(agent, ctx);
  }

  onAgentLeft(agent: AgentView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.inner.onAgentLeft?.(agent, ctx);
  }

  onSubmitted(task: TaskView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.inner.onSubmitted?.(task, ctx);
  }

  onAgentLoadChanged(agent: AgentView, ctx: DecisionContext): void {
    this.ctx = ctx;
    this.loadSeen[agent.index] = loadOf(agent);
    this.inner.onAgentLoadChanged?.(agent, ctx);
  }

  /** Each agent's load as of the last `onAgentJoined` or `onAgentLoadChanged` about it. */
  readonly loadSeen: string[] = [];
}

/** An agent's load fields, as one comparable string. */
function loadOf(agent: AgentView): string {
  return `active ${agent.active}, queued ${agent.queued}, tokens ${agent.outstandingTokens}, accepting ${agent.accepting}`;
}

// ------------------------------------------------------------------ harness

/** How to build a {@link Harness}. */
export interface HarnessOptions {
  /** Engine settings over {@link defaultEngineConfig}. */
  readonly config?: ConfigOverrides;
  /**
   * A registered strategy name or an instance.
   * @defaultValue `round-robin`
   */
  readonly strategy?: string | Strategy;
  /** Agents that join at time 0, in order. */
  readonly agents?: readonly (Partial<AgentSpec> & { readonly id: AgentId })[];
  /**
   * Seed of the strategy's and the engine's generators (two streams derived from it).
   * @defaultValue `fleetsim-test`
   */
  readonly seed?: string;
  /** Replaces the engine's generator (to pin retry jitter). */
  readonly engineRandom?: () => number;
  /** Replaces the strategy's generator. */
  readonly strategyRandom?: () => number;
}

/** How {@link Harness.settle} drives a run to quiet. */
export interface SettleOptions {
  /** How every started attempt ends. @defaultValue {@link OK} */
  readonly outcome?: Outcome;
  /** @defaultValue 10,000 */
  readonly maxRounds?: number;
  /**
   * Consecutive evaluations that change nothing after which only autoscaler timers pending
   * counts as quiet (more than the longest cooldown, in evaluation intervals). @defaultValue 3
   */
  readonly idleFirings?: number;
  /** The agent that answers a `provision` request (its pool is set); none when absent. */
  readonly provision?: () => Partial<AgentSpec> & { readonly id: AgentId };
}

/** Outcome of a successful attempt with quality 1. */
export const OK: Outcome = { ok: true, quality: 1 };

/** The start report of a task without context. */
export const NO_SETUP: StartReport = { setupTokens: 0, contextHit: null };

/** A wrapped engine with a fake clock. See the module comment. */
export class Harness {
  /** The engine driven (replaced by {@link Harness.restart}). */
  engine: Engine;
  /** The engine's configuration: the defaults with the test's overrides. */
  readonly config: EngineConfig;
  /** The fake clock, seconds. Never decreases. */
  now = 0;
  /** Every event, copied when polled, in order. */
  readonly events: RecordedEvent[] = [];
  /** Every command, copied when polled, in order. */
  readonly commands: RecordedCommand[] = [];
  /** Pending timers: id to due time. */
  readonly timers = new Map<number, number>();
  /** Every attempt ever ordered, by `taskId#attempt`. */
  readonly attempts = new Map<string, Attempt>();
  /** Ids of every submitted task, in submission order. */
  readonly submitted: TaskId[] = [];
  /** Each task's state as the events tell it. */
  readonly states = new Map<TaskId, TaskState>();
  /** When each task last entered `queued`. */
  readonly queuedSince = new Map<TaskId, number>();
  private checked: CheckedStrategy;
  /** Builds the strategy again for {@link Harness.restart} (absent when an instance was given). */
  private readonly strategyName: string | undefined;
  /** Start commands not yet answered, oldest first. */
  private readonly unstarted: Attempt[] = [];
  /** Offers made and not yet closed, oldest first. */
  readonly openOffers: OpenOffer[] = [];
  /** Pools the engine asked to provision an agent for, one entry per request no pool agent has joined for yet. */
  readonly pendingProvisions: string[] = [];
  /** Task types an operator paused (`pause-type`) and has not resumed. */
  readonly pausedTypes = new Set<string>();
  /** Attempts (`taskId#attempt`) an operator paused and has not resumed: they must not resume on their own. */
  readonly operatorPaused = new Set<string>();
  /** Agents the engine reported draining (`agentDraining`). */
  readonly drained = new Set<AgentId>();
  /** Agents the engine retired (a `retire` command): drained, holding nothing, gone for good. */
  readonly retired = new Set<AgentId>();
  /** The offer being accepted while its answer is applied (a draining agent may start what it claimed). */
  private claiming: OpenOffer | undefined;
  /** The offer number of each task's last claimed offer. */
  private readonly claimedOffer = new Map<TaskId, number>();
  /** Agents that turned each task down since its last claim (they may be barred from it). */
  private readonly turnedDown = new Map<TaskId, Set<AgentId>>();
  /** Failure memory as the driver sees it: last failure time by `agentId/type` (errors, timeouts, quality). */
  private readonly failedAt = new Map<string, number>();
  /** Priorities an operator set (`set-priority` of a live task), by task. */
  private readonly prioritySet = new Map<TaskId, number>();
  /** When each offer was made, by `taskId/agentId/offer`. */
  private readonly offeredAt = new Map<string, number>();
  /** The operator's action being applied. */
  private operation: AdminOperation | undefined;

  /** Builds the engine with `options` (see {@link HarnessOptions} for the defaults) and joins its agents at time 0. */
  constructor(options: HarnessOptions = {}) {
    const seed = options.seed ?? 'fleetsim-test';
    this.config = engineConfig(options.config);
    this.strategyName = typeof options.strategy === 'object' ? undefined : options.strategy ?? 'round-robin';
    const inner = typeof options.strategy === 'object' ? options.strategy : createStrategy(this.strategyName!);
    this.checked = new CheckedStrategy(inner);
    this.engine = createEngine({
      config: this.config,
      strategy: this.checked,
      strategyRandom: options.strategyRandom ?? seedrandom(`${seed}/strategy`),
      engineRandom: options.engineRandom ?? seedrandom(`${seed}/engine`),
    });
    for (const agent of options.agents ?? []) this.join(agent);
  }

  /**
   * Replaces the engine by one restored from a JSON copy of its snapshot, with a fresh strategy
   * of the same name and generators seeded by `seed`, as a service restarting from a compacted
   * log would; the driver's side (attempts, offers, timers) carries on. Checks that the restored
   * engine's snapshot is the original's and that it waits on the timers, attempts and offers the
   * driver holds. Returns the snapshot.
   */
  restart(seed: string): EngineSnapshot {
    const text = JSON.stringify(this.engine.snapshot());
    const options = this.nextGeneration(seed, 'restart');
    const snapshot = JSON.parse(text) as EngineSnapshot;
    check(!snapshot.poolDirty && snapshot.fallenIdle.length === 0 && snapshot.drainCandidates.length === 0,
      'restart: between inputs the engine has work left over from the last one (a dirty pool, idle or drained agents not looked at)');
    this.engine = restoreEngine(options, snapshot);
    check(JSON.stringify(this.engine.snapshot()) === text, 'restart: the restored engine\'s snapshot differs from the one it was restored from');
    const timers = this.engine.pendingTimers();
    check(timers.length === this.timers.size && timers.every((t) => this.timers.get(t.timerId) === t.at),
      `restart: the restored engine's timers ${JSON.stringify(timers)} are not the driver's ${JSON.stringify([...this.timers])}`);
    const attempts = this.engine.openAttempts().map((a) => `${a.task.spec.id}#${a.attempt}@${a.agent.spec.id}`).sort();
    const held = [...this.attempts.values()].filter((a) => a.phase !== 'finished' && a.phase !== 'aborted').map((a) => `${a.taskId}#${a.attempt}@${a.agentId}`).sort();
    check(JSON.stringify(attempts) === JSON.stringify(held), `restart: the restored engine waits on attempts ${attempts.join(' ')}, the driver holds ${held.join(' ')}`);
    const offers = this.engine.openOffers().map((o) => `${o.task.spec.id}#${o.offer}@${o.agent.spec.id}`).sort();
    const open = this.openOffers.map((o) => `${o.taskId}#${o.offer}@${o.agentId}`).sort();
    check(JSON.stringify(offers) === JSON.stringify(open), `restart: the restored engine waits on offers ${offers.join(' ')}, the driver holds ${open.join(' ')}`);
    const provisions = this.engine.pendingProvisions().flatMap((p) => Array<string>(p.agents).fill(p.pool)).sort();
    check(JSON.stringify(provisions) === JSON.stringify([...this.pendingProvisions].sort()),
      `restart: the restored engine waits on provisions ${provisions.join(' ')}, the driver on ${this.pendingProvisions.join(' ')}`);
    return snapshot;
  }

  /**
   * What a compaction does instead of {@link Harness.restart}: the engine moves in place to the
   * generation a restart with `seed` would build (`Engine.advanceGeneration`), with a fresh
   * strategy of the same name and generators seeded by `seed`.
   */
  advanceGeneration(seed: string): void {
    this.engine.advanceGeneration(this.nextGeneration(seed, 'advanceGeneration'));
  }

  /** The options of a new engine generation: a fresh checked strategy (counts carried over), generators seeded by `seed`. */
  private nextGeneration(seed: string, caller: string): EngineOptions {
    if (this.strategyName === undefined) throw new Error(`${caller} needs a harness built with a strategy name`);
    const { picks, steals } = this.checked;
    this.checked = new CheckedStrategy(createStrategy(this.strategyName));
    this.checked.picks = picks;
    this.checked.steals = steals;
    return { config: this.config, strategy: this.checked, strategyRandom: seedrandom(`${seed}/strategy`), engineRandom: seedrandom(`${seed}/engine`) };
  }

  // ---------------------------------------------------------------- inputs

  /** Submits a task built by {@link taskSpec} at the current time. */
  submit(partial: Partial<TaskSpec> & { readonly id: TaskId }): void {
    const spec = taskSpec(partial);
    this.engine.submit(this.now, spec);
    this.submitted.push(spec.id);
    this.drain();
  }

  /** An agent built by {@link agentSpec} joins at the current time. */
  join(partial: Partial<AgentSpec> & { readonly id: AgentId }): void {
    const spec = agentSpec(partial);
    // As the engine does: any agent of a pool that joins answers one pending request for it.
    const pending = spec.pool === undefined ? -1 : this.pendingProvisions.indexOf(spec.pool);
    if (pending >= 0) this.pendingProvisions.splice(pending, 1);
    this.engine.agentJoined(this.now, spec);
    this.drain();
  }

  /** Answers the oldest pending `provision` command: an agent of that pool joins (false when none is pending). */
  joinProvisioned(partial: Partial<AgentSpec> & { readonly id: AgentId }): boolean {
    const pool = this.pendingProvisions[0];
    if (pool === undefined) return false;
    this.join({ ...partial, pool });
    return true;
  }

  /** An agent leaves at the current time. */
  leave(agentId: AgentId): void {
    this.engine.agentLeft(this.now, agentId);
    this.drain();
  }

  /** Asks the engine to cancel a task at the current time. */
  cancel(taskId: TaskId): void {
    this.engine.cancel(this.now, taskId);
    this.drain();
  }

  /** Reports that the pending `start` of `taskId` began (the task must have one). */
  started(taskId: TaskId, report: StartReport = NO_SETUP): void {
    const at = this.unstarted.findIndex((a) => a.taskId === taskId);
    if (at < 0) throw new Error(`task ${taskId} has no unanswered start command`);
    const [attempt] = this.unstarted.splice(at, 1);
    this.answerStart(attempt!, report);
  }

  /** Reports that the started attempt of `taskId` ended with `outcome`. */
  finish(taskId: TaskId, outcome: Outcome = OK): void {
    const attempt = this.liveAttempt(taskId);
    if (attempt === undefined || attempt.phase !== 'started') throw new Error(`task ${taskId} has no started attempt`);
    this.finishAttempt(taskId, attempt.attempt, outcome);
  }

  /** Reports that the started attempt of `taskId` failed. */
  fail(taskId: TaskId, reason: FailureReason = 'agent-error'): void {
    this.finish(taskId, { ok: false, reason });
  }

  /**
   * Sends `finished` for any attempt, live or not (to test stale results). The harness marks
   * a live attempt finished; the engine decides what the result means.
   */
  finishAttempt(taskId: TaskId, attempt: number, outcome: Outcome): void {
    const record = this.attempts.get(attemptKey(taskId, attempt));
    if (record !== undefined && record.phase === 'started') record.phase = 'finished';
    this.engine.finished(this.now, taskId, attempt, outcome);
    this.drain();
  }

  /** Sends `started` for any attempt, answered or not (to test stale starts). */
  startAttempt(taskId: TaskId, attempt: number, report: StartReport = NO_SETUP): void {
    const record = this.attempts.get(attemptKey(taskId, attempt));
    const at = record === undefined ? -1 : this.unstarted.indexOf(record);
    if (at >= 0) {
      this.unstarted.splice(at, 1);
      this.answerStart(record!, report);
      return;
    }
    this.engine.started(this.now, taskId, attempt, report);
    this.drain();
  }

  /** `agentId` answers its open offer of `taskId` (accepting by default). */
  answerOffer(taskId: TaskId, agentId: AgentId, answer: OfferAnswer = { accepted: true }): void {
    const at = this.openOffers.findIndex((o) => o.taskId === taskId && o.agentId === agentId);
    if (at < 0) throw new Error(`no open offer of ${taskId} to ${agentId}`);
    const [offer] = this.openOffers.splice(at, 1);
    this.claiming = answer.accepted ? offer : undefined;
    try {
      this.engine.offerAnswered(this.now, taskId, agentId, offer!.offer, answer);
      this.drain();
    } finally {
      this.claiming = undefined;
    }
  }

  /** Sends an answer for any offer number, open or not (to test late and duplicate answers). */
  answerOfferNumber(taskId: TaskId, agentId: AgentId, offer: number, answer: OfferAnswer, setupTokens = 0): void {
    const at = this.openOffers.findIndex((o) => o.taskId === taskId && o.agentId === agentId && o.offer === offer);
    if (at >= 0) this.openOffers.splice(at, 1);
    const task = this.engine.task(taskId);
    this.claiming = at >= 0 && answer.accepted ? { taskId, agentId, offer } : undefined;
    try {
      this.engine.offerAnswered(this.now, task ?? taskId, agentId, offer, answer, setupTokens);
      this.drain();
    } finally {
      this.claiming = undefined;
    }
  }

  /**
   * Applies an operator's action at the current time. The harness keeps what the operator
   * paused (types, attempts) so that {@link Harness.settle} can undo it, and checks that an
   * attempt an operator paused resumes only after an operator resumed it.
   */
  admin(operation: AdminOperation): void {
    if (operation.op === 'pause-type') this.pausedTypes.add(operation.type);
    if (operation.op === 'resume-type') this.pausedTypes.delete(operation.type);
    if (operation.op === 'resume') {
      const task = this.engine.task(operation.taskId);
      if (task !== undefined) this.operatorPaused.delete(attemptKey(task.spec.id, task.attempt));
    }
    if (operation.op === 'set-priority' && this.engine.task(operation.taskId) !== undefined) this.prioritySet.set(operation.taskId, operation.priority);
    this.operation = operation;
    try {
      this.engine.admin(this.now, operation);
      this.drain();
    } finally {
      this.operation = undefined;
    }
  }

  /** Moves the clock forward by `seconds`, firing every timer that falls due on the way. */
  advance(seconds: number): void {
    this.advanceTo(this.now + seconds);
  }

  /** Moves the clock to `time`, firing due timers in (due time, id) order at their due times. */
  advanceTo(time: number): void {
    if (time < this.now) throw new Error(`advanceTo(${time}) is before now (${this.now})`);
    for (let fired = 0; ; fired++) {
      if (fired > 100_000) throw new Error('advanceTo: more than 100000 timers fired; a timer loop?');
      const next = this.nextTimer();
      if (next === undefined || next.at > time) break;
      this.fire(next.timerId, next.at);
    }
    this.now = time;
  }

  /** Fires the earliest pending timer at its due time; false when none is pending. */
  fireNextTimer(): boolean {
    const next = this.nextTimer();
    if (next === undefined) return false;
    this.fire(next.timerId, next.at);
    return true;
  }

  // ---------------------------------------------------------------- driving

  /** Answers the oldest unanswered `start` command; false when there was none. */
  step(): boolean {
    const attempt = this.unstarted.shift();
    if (attempt === undefined) return false;
    this.answerStart(attempt, NO_SETUP);
    return true;
  }

  /** Steps until no `start` command is pending. */
  drive(): void {
    while (this.step()) {
      // step() answers one start; an answer never orders another start, so this ends.
    }
  }

  /** Like {@link drive}, but throws after `max` steps instead of spinning forever. */
  driveBounded(max = 100): void {
    for (let steps = 0; this.unstarted.length > 0; steps++) {
      if (steps >= max) throw new Error(`driveBounded: still ${this.unstarted.length} start(s) pending after ${max} steps`);
      this.step();
    }
  }

  /**
   * Runs until nothing can happen: answers every start, finishes every started attempt with
   * `outcome` (one per round, oldest first), and fires the next timer when nothing else is
   * left. Throws after `maxRounds` rounds.
   */
  runUntilQuiet(outcome: Outcome = OK, maxRounds = 10_000): void {
    for (let round = 0; ; round++) {
      if (round >= maxRounds) throw new Error(`runUntilQuiet: not quiet after ${maxRounds} rounds`);
      this.driveBounded(Number.MAX_SAFE_INTEGER);
      const offer = this.openOffers[0];
      if (offer !== undefined) {
        this.answerOffer(offer.taskId, offer.agentId);
        continue;
      }
      const running = this.liveAttempts().find((a) => a.phase === 'started');
      if (running !== undefined) {
        this.finishAttempt(running.taskId, running.attempt, outcome);
        continue;
      }
      if (!this.fireNextTimer()) return;
    }
  }

  /**
   * Drives the run to quiet, undoing what stands in the way of progress: answers every start,
   * accepts every open offer (oldest first), finishes every started attempt with `outcome`,
   * resumes every attempt an operator paused and every type an operator paused, answers
   * every `provision` request with a new agent (when `provision` names one), and fires timers
   * when nothing else is left. An autoscaler's evaluation timer re-arms as long as tasks are
   * live: it stops once only such timers are pending and the last `idleFirings` of them
   * changed nothing (no event, no command but the re-arm). Throws after `maxRounds` rounds.
   */
  settle(options: SettleOptions = {}): void {
    const outcome = options.outcome ?? OK;
    const maxRounds = options.maxRounds ?? 10_000;
    const idleFirings = options.idleFirings ?? 3;
    /** Timers set by an evaluation that changed nothing: an autoscaler re-arming. */
    const rearms = new Set<number>();
    let idle = 0;
    for (let round = 0; ; round++) {
      if (round >= maxRounds) throw new Error(`settle: not quiet after ${maxRounds} rounds`);
      this.driveBounded(Number.MAX_SAFE_INTEGER);
      const offer = this.openOffers[0];
      const running = offer === undefined ? this.liveAttempts().find((a) => a.phase === 'started') : undefined;
      const paused = [...this.operatorPaused][0];
      const type = [...this.pausedTypes][0];
      if (offer !== undefined) this.answerOffer(offer.taskId, offer.agentId);
      else if (running !== undefined) this.finishAttempt(running.taskId, running.attempt, outcome);
      else if (paused !== undefined) this.admin({ op: 'resume', taskId: this.attempts.get(paused)!.taskId });
      else if (type !== undefined) this.admin({ op: 'resume-type', type });
      else if (options.provision !== undefined && this.pendingProvisions.length > 0) this.joinProvisioned(options.provision());
      else {
        const next = this.nextTimer();
        if (next === undefined) return;
        const before = { events: this.events.length, commands: this.commands.length };
        this.fire(next.timerId, next.at);
        const added = this.commands.slice(before.commands);
        const quiet = this.events.length === before.events && added.length === 1 && added[0]!.kind === 'setTimer';
        rearms.delete(next.timerId);
        if (quiet) rearms.add((added[0] as { timerId: number }).timerId);
        idle = quiet ? idle + 1 : 0;
        if (idle >= idleFirings && [...this.timers.keys()].every((id) => rearms.has(id))) return;
        continue;
      }
      idle = 0;
    }
  }

  // ---------------------------------------------------------------- queries

  /** The task's state as the events tell it (also for settled tasks), or undefined. */
  state(taskId: TaskId): TaskState | undefined {
    return this.states.get(taskId);
  }

  /** The transitions of one task, in order. */
  transitions(taskId: TaskId): RecordedEvent[] {
    return this.events.filter((e) => e.kind === 'transition' && e.taskId === taskId);
  }

  /** `from->to` strings of one task's transitions, for readable assertions. */
  path(taskId: TaskId): string[] {
    return this.transitions(taskId).map((e) => `${e.from}->${e.to}`);
  }

  /** The last transition of a task (its reason, agent…). */
  lastTransition(taskId: TaskId): RecordedEvent | undefined {
    return this.transitions(taskId).at(-1);
  }

  /** Events of a kind. */
  eventsOf(kind: EngineEvent['kind']): RecordedEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }

  /** Commands of a kind. */
  commandsOf<K extends RecordedCommand['kind']>(kind: K): Extract<RecordedCommand, { kind: K }>[] {
    return this.commands.filter((c): c is Extract<RecordedCommand, { kind: K }> => c.kind === kind);
  }

  /** Attempts holding a slot (ordered or started), oldest first. */
  liveAttempts(): Attempt[] {
    return [...this.attempts.values()].filter(isLive);
  }

  /** The live attempt of a task, if any. */
  liveAttempt(taskId: TaskId): Attempt | undefined {
    return this.liveAttempts().find((a) => a.taskId === taskId);
  }

  /** Ids of tasks whose start is not answered yet. */
  pendingStarts(): TaskId[] {
    return this.unstarted.map((a) => a.taskId);
  }

  /** The agent that holds a task's live attempt, if any. */
  agentOf(taskId: TaskId): AgentId | undefined {
    return this.liveAttempt(taskId)?.agentId;
  }

  /** The engine's view of an agent, by id. */
  agent(agentId: AgentId): AgentView {
    const agent = this.engine.agents.find((a) => a.spec.id === agentId);
    if (agent === undefined) throw new Error(`unknown agent ${agentId}`);
    return agent;
  }

  /** Live task ids as the events tell it. */
  liveIds(): TaskId[] {
    return this.submitted.filter((id) => !isFinal(this.states.get(id)!));
  }

  /** Strategy picks that returned an agent. */
  get picks(): number {
    return this.checked.picks;
  }

  /** Tasks the strategy stole for an idle agent. */
  get steals(): number {
    return this.checked.steals;
  }

  /** The fleet as the strategy sees it, once any strategy hook ran. */
  get fleet(): FleetView | undefined {
    return this.checked.ctx?.fleet;
  }

  // ---------------------------------------------------------------- assertions

  /**
   * Conservation of tasks: submitted = completed + deadLettered + expired +
   * cancelled + rejected + inFlight; inFlight equals the number of live tasks (the engine's and
   * the events'); and each final-state count equals the number of transitions into that state.
   */
  assertConservation(): TaskCounts {
    const counts = this.engine.counts();
    const sum = counts.completed + counts.deadLettered + counts.expired + counts.cancelled + counts.rejected + counts.inFlight;
    check(counts.submitted === sum, `conservation: submitted ${counts.submitted} != final + in flight ${sum} (${JSON.stringify(counts)})`);
    check(counts.submitted === this.submitted.length, `submitted ${counts.submitted} != harness submissions ${this.submitted.length}`);
    const live = [...this.engine.liveTasks()].length;
    check(counts.inFlight === live, `inFlight ${counts.inFlight} != live tasks ${live}`);
    check(counts.inFlight === this.liveIds().length, `inFlight ${counts.inFlight} != live tasks by events ${this.liveIds().length}`);
    const into = (state: TaskState): number => this.events.filter((e) => e.kind === 'transition' && e.to === state).length;
    const expected: [keyof TaskCounts, TaskState][] = [
      ['completed', 'completed'], ['deadLettered', 'dead-lettered'], ['expired', 'expired'], ['cancelled', 'cancelled'], ['rejected', 'rejected'],
    ];
    for (const [field, state] of expected) {
      check(counts[field] === into(state), `counts.${field} ${counts[field]} != transitions to ${state} ${into(state)}`);
    }
    check(this.eventsOf('submitted').length === counts.submitted, 'one submitted event per submission');
    return counts;
  }

  /**
   * Every transition event starts where the task's previous one ended (the first from
   * `created`, after its `submitted` event), is allowed by the lifecycle, and no task moves
   * after a final state.
   */
  assertLegalHistory(): void {
    const last = new Map<TaskId, TaskState>();
    for (const [i, event] of this.events.entries()) {
      if (event.kind === 'submitted') {
        check(!last.has(event.taskId!), `event ${i}: task ${event.taskId} submitted twice`);
        last.set(event.taskId!, 'created');
        continue;
      }
      if (event.kind !== 'transition') continue;
      const previous = last.get(event.taskId!);
      check(previous !== undefined, `event ${i}: transition of task ${event.taskId} before its submitted event`);
      check(event.from === previous, `event ${i}: task ${event.taskId} moved from ${event.from}, but was ${previous}`);
      check(canTransition(event.from!, event.to!), `event ${i}: illegal transition of task ${event.taskId}: ${event.from} -> ${event.to}`);
      last.set(event.taskId!, event.to!);
    }
  }

  /**
   * The engine's state agrees with what the driver saw: each live task's state matches its
   * events; `assigned` holds exactly one ordered attempt and `running` one started attempt, with
   * the engine's attempt number and agent, and no other state holds a live attempt; `paused`
   * holds a paused attempt on its agent, which has not left; a task is `offered` exactly while it
   * has open offers, all of its current round and none older than the offer timeout; its priority
   * is the submitted one or the one an operator last set. Each agent's `active` equals its live
   * attempts plus open offers and is within capacity, its `paused` its paused attempts; an agent
   * that left holds nothing, a draining one is not accepting and still holds something (or it
   * would have been retired), a retired one drained first. Under early binding each agent's
   * `queued` counts the queued tasks it holds; the fleet's free slots and queued tasks match.
   */
  assertAgreement(): void {
    const agents = this.engine.agents;
    const liveByTask = new Map(this.liveAttempts().map((a) => [a.taskId, a]));
    let queued = 0;
    const queuedOn = new Array<number>(agents.length).fill(0);
    for (const task of this.engine.liveTasks()) {
      const id = task.spec.id;
      check(this.states.get(id) === task.state, `task ${id}: engine says ${task.state}, events say ${this.states.get(id)}`);
      const attempt = liveByTask.get(id);
      if (task.state === 'assigned' || task.state === 'running') {
        const phase = task.state === 'assigned' ? 'ordered' : 'started';
        check(attempt !== undefined && attempt.phase === phase, `task ${id} is ${task.state} but its live attempt is ${attempt?.phase ?? 'missing'}`);
        check(attempt!.attempt === task.attempt, `task ${id}: engine attempt ${task.attempt}, driver attempt ${attempt!.attempt}`);
        check(agents[task.agentIndex]?.spec.id === attempt!.agentId, `task ${id}: engine agent index ${task.agentIndex}, driver agent ${attempt!.agentId}`);
      } else {
        check(attempt === undefined, `task ${id} is ${task.state} yet attempt ${attempt?.attempt} is still live on ${attempt?.agentId}`);
      }
      if (task.state === 'paused') {
        const paused = this.attempts.get(attemptKey(id, task.attempt));
        check(paused?.phase === 'paused', `task ${id} is paused but its attempt is ${paused?.phase ?? 'missing'}`);
        const agent = agents[task.agentIndex];
        check(agent?.spec.id === paused.agentId && (agent.accepting || agent.draining), `paused task ${id} is on ${agent?.spec.id}, its attempt on ${paused.agentId}`);
      }
      const offers = this.openOffers.filter((o) => o.taskId === id);
      check((task.state === 'offered') === (offers.length > 0), `task ${id} is ${task.state} with ${offers.length} open offer(s)`);
      check(offers.every((o) => o.offer === task.offers), `task ${id} (offer ${task.offers}) has open offers of earlier rounds`);
      const timeout = this.config.delegation.offerTimeoutSeconds;
      for (const o of offers) {
        const at = this.offeredAt.get(`${id}/${o.agentId}/${o.offer}`)!;
        check(this.now <= at + timeout, `offer ${o.offer} of ${id} to ${o.agentId}, made at ${at}, still open at ${this.now} (timeout ${timeout})`);
      }
      const priority = this.prioritySet.get(id) ?? task.spec.priority;
      check(task.priority === priority, `task ${id}: priority ${task.priority}, expected ${priority}`);
      const maxOffers = Math.max(this.config.delegation.maxOffers, (this.claimedOffer.get(id) ?? 0) + 1);
      check(task.offers <= maxOffers, `task ${id} had ${task.offers} offers, more than ${maxOffers}`);
      if (task.state === 'queued') {
        queued++;
        if (this.config.binding === 'early' && task.agentIndex >= 0) queuedOn[task.agentIndex]!++;
      }
    }
    for (const a of liveByTask.values()) check(this.engine.task(a.taskId) !== undefined, `attempt ${a.taskId}#${a.attempt} is live but its task is not`);
    let freeSlots = 0;
    for (const agent of agents) {
      // A strategy that indexes agents by load must have been told of every change.
      const seen = this.checked.loadSeen[agent.index];
      check(seen === loadOf(agent), `agent ${agent.spec.id}: load is ${loadOf(agent)}, but the strategy was last told ${seen}`);
      const live = this.liveAttempts().filter((a) => a.agentId === agent.spec.id).length + this.openOffers.filter((o) => o.agentId === agent.spec.id).length;
      check(agent.active === live, `agent ${agent.spec.id}: active ${agent.active} != live attempts and open offers ${live}`);
      check(agent.active <= agent.spec.capacity, `agent ${agent.spec.id}: active ${agent.active} > capacity ${agent.spec.capacity}`);
      const paused = [...this.attempts.values()].filter((a) => a.agentId === agent.spec.id && a.phase === 'paused').length;
      check(agent.paused === paused, `agent ${agent.spec.id}: paused ${agent.paused} != paused attempts ${paused}`);
      if (!agent.accepting && !agent.draining) check(agent.active === 0 && agent.paused === 0, `agent ${agent.spec.id} left but holds ${agent.active} task(s)`);
      check(!(agent.accepting && agent.draining), `agent ${agent.spec.id} is draining yet accepting`);
      // A draining agent leaves as soon as it holds nothing (running, offered or paused).
      if (agent.draining) check(agent.active + agent.paused > 0, `agent ${agent.spec.id} is draining with nothing left, but was not retired`);
      if (this.retired.has(agent.spec.id)) {
        check(this.drained.has(agent.spec.id) && !agent.accepting && !agent.draining, `agent ${agent.spec.id} retired without draining, or came back`);
      }
      if (agent.accepting) freeSlots += agent.spec.capacity - agent.active;
      const expectedQueued = this.config.binding === 'early' ? queuedOn[agent.index]! : 0;
      check(agent.queued === expectedQueued, `agent ${agent.spec.id}: queued ${agent.queued} != ${expectedQueued}`);
    }
    for (const key of this.operatorPaused) check(this.attempts.get(key)?.phase === 'paused', `attempt ${key}, paused by an operator, is ${this.attempts.get(key)?.phase}`);
    const fleet = this.fleet;
    if (fleet !== undefined) {
      check(fleet.freeSlots === freeSlots, `fleet.freeSlots ${fleet.freeSlots} != ${freeSlots}`);
      check(fleet.queuedTasks === queued, `fleet.queuedTasks ${fleet.queuedTasks} != queued tasks ${queued}`);
    }
  }

  /** Every check: conservation, legal history, agreement. */
  assertAll(): void {
    this.assertConservation();
    this.assertLegalHistory();
    this.assertAgreement();
  }

  // ---------------------------------------------------------------- internals

  private answerStart(attempt: Attempt, report: StartReport): void {
    if (attempt.phase === 'ordered') attempt.phase = 'started';
    this.engine.started(this.now, attempt.taskId, attempt.attempt, report);
    this.drain();
  }

  private nextTimer(): { timerId: number; at: number } | undefined {
    let best: { timerId: number; at: number } | undefined;
    for (const [timerId, at] of this.timers) {
      if (best === undefined || at < best.at || (at === best.at && timerId < best.timerId)) best = { timerId, at };
    }
    return best;
  }

  private fire(timerId: number, at: number): void {
    this.timers.delete(timerId);
    this.now = Math.max(this.now, at);
    this.engine.timerFired(this.now, timerId);
    this.drain();
  }

  /**
   * A task goes (start or offer) only to its assignee, if it names one, and to an agent that
   * carries its tags. Late binding with failure memory: a retry goes to an agent that recently
   * failed its type only when no other agent with a free slot may take it.
   */
  private checkPlacement(task: TaskView, agent: AgentView, how: string, retry: boolean): void {
    const id = task.spec.id;
    check(task.spec.assignee === undefined || task.spec.assignee === agent.spec.id, `task ${id} for ${task.spec.assignee} ${how} to ${agent.spec.id}`);
    check(hasTags(agent, task.spec.tags), `task ${id} tagged ${JSON.stringify(task.spec.tags)} ${how} to ${agent.spec.id} tagged ${JSON.stringify(agent.spec.tags)}`);
    const memory = this.config.failureMemory;
    // Checked only while the engine cannot have forgotten a failure to make room for another.
    if (!retry || task.spec.assignee !== undefined || this.config.binding !== 'late' || memory.seconds === 0 || this.failedAt.size >= memory.maxEntries) return;
    const suspect = (other: AgentView): boolean => this.now < (this.failedAt.get(`${other.spec.id}/${task.spec.type}`) ?? Number.NEGATIVE_INFINITY) + memory.seconds;
    if (!suspect(agent)) return;
    const barred = this.turnedDown.get(id);
    const better = this.engine.agents.find((other) => other !== agent && hasFreeSlot(other) && hasTags(other, task.spec.tags) && !suspect(other) &&
      !(barred?.has(other.spec.id) ?? false) && !this.openOffers.some((o) => o.taskId === id && o.agentId === other.spec.id));
    check(better === undefined, `retry of ${id} ${how} to ${agent.spec.id}, which failed a ${task.spec.type} task lately, while ${better?.spec.id} was free`);
  }

  /** Drains both output queues, recording and checking each message. */
  private drain(): void {
    // Events first: the checks of commands read what the events of the same input established
    // (a rejection before the re-offer it caused, a failure before the retry it shapes).
    let messages = 0;
    for (let event = this.engine.pollEvent(); event !== undefined; event = this.engine.pollEvent()) {
      check(++messages < 1_000_000, 'drain: more than a million messages from one input');
      this.onEvent(event);
    }
    for (let command = this.engine.pollCommand(); command !== undefined; command = this.engine.pollCommand()) {
      check(++messages < 2_000_000, 'drain: more than a million messages from one input');
      this.onCommand(command);
    }
  }

  private onCommand(command: Command): void {
    const time = this.now;
    switch (command.kind) {
      case 'start': {
        const taskId = command.task.spec.id;
        const key = attemptKey(taskId, command.attempt);
        check(!this.attempts.has(key), `attempt ${key} was ordered twice`);
        const other = this.liveAttempt(taskId);
        check(other === undefined, `task ${taskId} ordered on ${command.agent.spec.id} while attempt ${other?.attempt} is live on ${other?.agentId}`);
        const agentId = command.agent.spec.id;
        const load = this.liveAttempts().filter((a) => a.agentId === agentId).length;
        check(load < command.agent.spec.capacity, `agent ${agentId} ordered a task beyond its capacity ${command.agent.spec.capacity}`);
        check(command.agent.accepting || command.agent.draining, `agent ${agentId} ordered a task after it left`);
        // A draining agent takes nothing new: it may only start what it claimed from an offer it held.
        const claimed = this.claiming !== undefined && this.claiming.taskId === taskId && this.claiming.agentId === agentId;
        check(command.agent.accepting || claimed, `draining agent ${agentId} ordered task ${taskId}, which it did not claim`);
        if (claimed) {
          this.claimedOffer.set(taskId, this.claiming!.offer);
          this.turnedDown.delete(taskId);
        }
        // A claimed task was placed when it was offered (and checked then).
        if (!claimed) this.checkPlacement(command.task, command.agent, 'ordered', command.attempt > 1);
        const attempt: Attempt = { taskId, attempt: command.attempt, agentId, phase: 'ordered' };
        this.attempts.set(key, attempt);
        this.unstarted.push(attempt);
        this.commands.push({ kind: 'start', time, taskId, agentId, attempt: command.attempt });
        return;
      }
      case 'abort': {
        const key = attemptKey(command.taskId, command.attempt);
        const attempt = this.attempts.get(key);
        check(attempt !== undefined && (isLive(attempt) || attempt.phase === 'paused'), `abort of attempt ${key}, which is ${attempt?.phase ?? 'unknown'}`);
        check(attempt!.agentId === command.agentId, `abort of ${key} names agent ${command.agentId}, it runs on ${attempt!.agentId}`);
        attempt!.phase = 'aborted';
        this.operatorPaused.delete(key);
        const at = this.unstarted.indexOf(attempt!);
        if (at >= 0) this.unstarted.splice(at, 1);
        this.commands.push({ kind: 'abort', time, taskId: command.taskId, agentId: command.agentId, attempt: command.attempt, reason: command.reason });
        return;
      }
      case 'setTimer':
        check(!this.timers.has(command.timerId), `timer ${command.timerId} set twice`);
        check(command.at >= this.now, `timer ${command.timerId} set in the past (${command.at} < ${this.now})`);
        this.timers.set(command.timerId, command.at);
        this.commands.push({ kind: 'setTimer', time, timerId: command.timerId, at: command.at });
        return;
      case 'cancelTimer':
        check(this.timers.has(command.timerId), `cancel of timer ${command.timerId}, which is not pending`);
        this.timers.delete(command.timerId);
        this.commands.push({ kind: 'cancelTimer', time, timerId: command.timerId });
        return;
      case 'prewarm':
        check(command.agent.accepting && command.agent.active === 0 && command.agent.queued === 0, `prewarm of busy or departed agent ${command.agent.spec.id}`);
        this.commands.push({ kind: 'prewarm', time, agentId: command.agent.spec.id, contextKey: command.contextKey, contextTokens: command.contextTokens });
        return;
      case 'offer': {
        const taskId = command.task.spec.id;
        const agentId = command.agent.spec.id;
        const held = this.liveAttempts().filter((a) => a.agentId === agentId).length + this.openOffers.filter((o) => o.agentId === agentId).length;
        check(held < command.agent.spec.capacity, `agent ${agentId} offered a task beyond its capacity`);
        check(command.agent.accepting, `agent ${agentId} offered a task while not accepting (draining or gone)`);
        check(!this.openOffers.some((o) => o.taskId === taskId && o.agentId === agentId), `task ${taskId} offered twice to ${agentId}`);
        const { mode, maxOffers } = this.config.delegation;
        check(mode !== 'assign' && this.config.binding === 'late', `task ${taskId} offered under ${mode} delegation, ${this.config.binding} binding`);
        check(command.offer === command.task.offers, `task ${taskId}: offer number ${command.offer}, the task counts ${command.task.offers}`);
        // The offers count over the task's life: past maxOffers, only a retry after a claim is offered (once more).
        check(command.offer <= Math.max(maxOffers, (this.claimedOffer.get(taskId) ?? 0) + 1), `task ${taskId}: offer ${command.offer} of at most ${maxOffers}, last claimed ${this.claimedOffer.get(taskId)}`);
        check(mode === 'broadcast' || !this.openOffers.some((o) => o.taskId === taskId), `task ${taskId} offered to ${agentId} while another offer of it is open (${mode} delegation)`);
        this.checkPlacement(command.task, command.agent, 'offered', command.task.attempt > 0);
        this.openOffers.push({ taskId, agentId, offer: command.offer });
        this.offeredAt.set(`${taskId}/${agentId}/${command.offer}`, time);
        this.commands.push({ kind: 'offer', time, taskId, agentId, offer: command.offer });
        return;
      }
      case 'withdraw': {
        const at = this.openOffers.findIndex((o) => o.taskId === command.taskId && o.agentId === command.agentId && o.offer === command.offer);
        check(at >= 0, `withdraw of offer ${command.offer} of ${command.taskId} to ${command.agentId}, which is not open`);
        this.openOffers.splice(at, 1);
        this.commands.push({ kind: 'withdraw', time, taskId: command.taskId, agentId: command.agentId, offer: command.offer });
        return;
      }
      case 'pause':
      case 'resume': {
        const taskId = command.task.spec.id;
        const attempt = this.attempts.get(attemptKey(taskId, command.attempt));
        const from = command.kind === 'pause' ? 'started' : 'paused';
        check(attempt !== undefined && attempt.phase === from, `${command.kind} of ${taskId}#${command.attempt}, which is ${attempt?.phase ?? 'unknown'}`);
        check(attempt!.agentId === command.agent.spec.id, `${command.kind} of ${taskId} names ${command.agent.spec.id}, it runs on ${attempt!.agentId}`);
        const key = attemptKey(taskId, command.attempt);
        if (command.kind === 'resume') {
          const load = this.liveAttempts().filter((a) => a.agentId === attempt!.agentId).length + this.openOffers.filter((o) => o.agentId === attempt!.agentId).length;
          check(load < command.agent.spec.capacity, `resume of ${taskId} beyond the capacity of ${attempt!.agentId}`);
          check(!this.operatorPaused.has(key), `task ${taskId} resumed on its own, but an operator paused it`);
        } else if (this.operation?.op === 'pause' && this.operation.taskId === taskId) {
          this.operatorPaused.add(key);
        } else {
          // Only preemption pauses on its own, and never a critical task.
          check(this.config.preemption === 'pause-lowest', `task ${taskId} paused without an operator, preemption ${this.config.preemption}`);
          check(command.task.priority !== 0, `preemption paused critical task ${taskId}`);
        }
        attempt!.phase = command.kind === 'pause' ? 'paused' : 'started';
        this.commands.push({ kind: command.kind, time, taskId, agentId: command.agent.spec.id, attempt: command.attempt });
        return;
      }
      case 'provision':
        check(this.config.autoscale.some((scaler) => scaler.pool === command.pool), `provision of pool ${command.pool}, which no autoscaler scales`);
        this.pendingProvisions.push(command.pool);
        {
          const scaler = this.config.autoscale.find((s) => s.pool === command.pool)!;
          const size = this.engine.agents.filter((a) => a.spec.pool === command.pool && a.accepting).length +
            this.pendingProvisions.filter((p) => p === command.pool).length;
          check(size <= scaler.maxAgents, `pool ${command.pool} provisioned up to ${size} agents, more than ${scaler.maxAgents}`);
        }
        this.commands.push({ kind: 'provision', time, pool: command.pool });
        return;
      case 'retire': {
        const id = command.agentId;
        const held = [...this.attempts.values()].filter((a) => a.agentId === id && (isLive(a) || a.phase === 'paused')).length +
          this.openOffers.filter((o) => o.agentId === id).length;
        check(held === 0, `agent ${id} retired holding ${held} attempt(s) or offer(s)`);
        check(!this.retired.has(id), `agent ${id} retired twice`);
        const agent = this.engine.agents.find((a) => a.spec.id === id);
        check(agent !== undefined && !agent.accepting && !agent.draining && agent.active === 0 && agent.paused === 0,
          `agent ${id} retired, but the engine has it accepting=${agent?.accepting} draining=${agent?.draining} active=${agent?.active} paused=${agent?.paused}`);
        this.retired.add(id);
        this.commands.push({ kind: 'retire', time, agentId: id });
        return;
      }
      default: {
        const unreachable: never = command;
        throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private onEvent(event: EngineEvent): void {
    switch (event.kind) {
      case 'submitted':
        this.states.set(event.task.spec.id, 'created');
        this.events.push({ kind: 'submitted', time: event.time, taskId: event.task.spec.id });
        return;
      case 'transition': {
        const taskId = event.task.spec.id;
        if (event.to === 'failed' && event.agent !== undefined && (event.reason === 'agent-error' || event.reason === 'timeout' || event.reason === 'quality')) {
          this.failedAt.set(`${event.agent.spec.id}/${event.task.spec.type}`, event.time);
        }
        if (event.from === 'queued' && (event.to === 'assigned' || event.to === 'offered')) {
          check(!this.pausedTypes.has(event.task.spec.type), `task ${taskId} of paused type ${event.task.spec.type} was ${event.to}`);
        }
        if (event.to === 'completed') {
          check(event.quality! >= this.config.retry.minQuality, `task ${taskId} completed with quality ${event.quality} below the floor ${this.config.retry.minQuality}`);
        }
        this.states.set(taskId, event.to);
        if (event.to === 'queued') this.queuedSince.set(taskId, event.time);
        this.events.push({
          kind: 'transition', time: event.time, taskId, agentId: event.agent?.spec.id, from: event.from, to: event.to,
          attempt: event.attempt, reason: event.reason, priorityRespected: event.priorityRespected, quality: event.quality,
          setupTokens: event.setupTokens, contextHit: event.contextHit,
        });
        return;
      }
      case 'agentJoined':
      case 'agentLeft':
        this.events.push({ kind: event.kind, time: event.time, agentId: event.agent.spec.id });
        return;
      case 'staleResult':
        this.events.push({ kind: 'staleResult', time: event.time, taskId: event.taskId, attempt: event.attempt });
        return;
      case 'prewarm':
        this.events.push({ kind: 'prewarm', time: event.time, agentId: event.agent.spec.id, contextKey: event.contextKey, setupTokens: event.contextTokens });
        return;
      case 'offerMade':
        this.events.push({ kind: event.kind, time: event.time, taskId: event.task.spec.id, agentId: event.agent.spec.id });
        return;
      case 'offerAnswered':
        if (!event.accepted) {
          const by = this.turnedDown.get(event.task.spec.id) ?? new Set<AgentId>();
          this.turnedDown.set(event.task.spec.id, by.add(event.agent.spec.id));
        }
        this.events.push({ kind: event.kind, time: event.time, taskId: event.task.spec.id, agentId: event.agent.spec.id, accepted: event.accepted, rejection: event.reason });
        return;
      case 'duplicateClaim':
        this.events.push({ kind: event.kind, time: event.time, taskId: event.task.spec.id, agentId: event.agent.spec.id, setupTokens: event.setupTokens });
        return;
      case 'agentDraining':
        this.drained.add(event.agent.spec.id);
        this.events.push({ kind: event.kind, time: event.time, agentId: event.agent.spec.id });
        return;
      case 'scaled':
        check(event.direction === 'up' || event.agent?.spec.pool === event.pool, `pool ${event.pool} scaled down by draining ${event.agent?.spec.id} of pool ${event.agent?.spec.pool}`);
        this.events.push({ kind: event.kind, time: event.time, pool: event.pool, direction: event.direction, agentId: event.agent?.spec.id });
        return;
      case 'admin':
        this.events.push({ kind: event.kind, time: event.time, operation: event.operation });
        return;
      default: {
        const unreachable: never = event;
        throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new HarnessInvariantError(message);
}

/** One line per recorded event, for comparing two runs. */
export function eventLog(harness: Harness): string[] {
  return harness.events.map((e) => JSON.stringify(e));
}
