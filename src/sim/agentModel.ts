/**
 * The stochastic agent model (docs/SCENARIOS.md, "Agent model"): how long an attempt takes, whether it
 * fails, the quality of its result and what it costs in context.
 *
 * Context: resident blocks by contextKey (least recently used evicted first when the window
 * overflows) plus history that grows with every task; at `compactThreshold` the agent compacts
 * (clears both) before the next task, which costs `compactSeconds`. Skill s and utilization
 * excess e (0 below `contextDegradeThreshold`, 1 at a full window) shape everything:
 *
 *   work time    = tokens / (speed × (1 − skillSpeedPenalty(1 − s)) × (1 − contextSpeedPenalty·e)) × noise
 *   setup tokens = contextTokens × (1 + lowSkillSetupPenalty(1 − s))   when the key is not resident
 *   setup time   = setup tokens / (speed × prefillSpeedup)
 *   P(failure)   = failureRate + skillFailureRate(1 − s) + contextFailureRate·e
 *   quality      = 1 − skillQualityPenalty(1 − s) − contextQualityPenalty·e + N(0, qualityNoise)
 *
 * With skill 1, no context window, no failure rate, no service noise and no context to load
 * (contextTokens 0, or the key resident), an attempt takes exactly tokens / speed.
 */
import { DOUBLE_FIELD_SEED, NO_RESIDENT_KEYS, skillFor } from '../engine/agent.js';
import type { AgentReport, OfferAnswer, Outcome, StartReport } from '../engine/messages.js';
import type { AgentView } from '../engine/agent.js';
import type { TaskView } from '../engine/task.js';
import type { SimAgentConfig } from '../scenario/types.js';
import { standardNormal, lognormalParameters } from './distributions.js';
import type { OutcomeStreams } from './random.js';

/**
 * What the model decided for one attempt. Mutable so that a driver can recycle plans: the
 * simulator keeps one per attempt in flight and reuses it once the attempt has finished.
 */
export class AttemptPlan implements StartReport {
  /** The task of the attempt. */
  task: TaskView = PLACEHOLDER_TASK;
  /** The attempt number. */
  attempt = 0;
  /** Tokens spent loading context. */
  setupTokens = 0;
  /** Whether the key was resident; null when the task has none. */
  contextHit: boolean | null = null;
  /** For a task with `contextBlocks`: the leading blocks found resident (undefined otherwise). */
  contextBlocksHit: number | undefined = undefined;
  /** Seconds from start until the attempt ends (completes or fails). */
  durationSeconds = 0;
  /** How the attempt ends. */
  outcome: Outcome = { ok: true, quality: 1 };
  /** The agent's context after loading, for the engine's view. */
  agent: AgentReport = { contextUtilization: 0, residentKeys: NO_RESIDENT_KEYS };
  /** When the attempt's finish is due (simulated seconds); kept by drivers that pause attempts. */
  finishAt = 0;
  /** Set when the attempt was paused: its scheduled finish no longer applies. */
  cancelled = false;
  /**
   * This plan's success, rewritten for each attempt the plan serves (see {@link AttemptPlan.succeeded}):
   * with quality noise every attempt has its own quality, and a fresh outcome per attempt was
   * an object and a boxed double per simulated task.
   */
  private readonly success: { ok: true; quality: number } = { ok: true, quality: 1 };

  /** Fills every field; returns the plan. */
  set(task: TaskView, attempt: number, setupTokens: number, contextHit: boolean | null, durationSeconds: number, outcome: Outcome, agent: AgentReport): this {
    this.task = task;
    this.attempt = attempt;
    this.setupTokens = setupTokens;
    this.contextHit = contextHit;
    this.durationSeconds = durationSeconds;
    this.outcome = outcome;
    this.agent = agent;
    this.cancelled = false;
    this.contextBlocksHit = undefined;
    return this;
  }

  /**
   * A success of `quality`, in this plan's own outcome object: valid while the plan is (a driver
   * hands it to the engine's `finished`, which reads it during the call and keeps nothing).
   */
  succeeded(quality: number): Outcome {
    this.success.quality = quality;
    return this.success;
  }

  /** A copy, for the remainder of a paused attempt. */
  copy(): AttemptPlan {
    const plan = new AttemptPlan();
    const outcome = this.outcome.ok ? plan.succeeded(this.outcome.quality) : this.outcome;
    plan.set(this.task, this.attempt, this.setupTokens, this.contextHit, this.durationSeconds, outcome, this.agent);
    plan.finishAt = this.finishAt;
    plan.contextBlocksHit = this.contextBlocksHit;
    return plan;
  }
}

/** How a simulated agent answers an offer, and when the answer arrives. */
export interface OfferReply {
  /** The task offered. */
  readonly task: TaskView;
  /** The agent answering. */
  readonly agentId: string;
  /** The offer number to quote in the answer. */
  readonly offer: number;
  /** Accept or reject, with the reason for a rejection. */
  readonly answer: OfferAnswer;
  /** Context the agent would load to take the task (what a losing broadcast claim wastes). */
  readonly setupTokens: number;
  /** Simulated seconds from the offer to the answer. */
  readonly delaySeconds: number;
}

const PLACEHOLDER_TASK: TaskView = Object.freeze({
  spec: Object.freeze({ id: '', type: '', priority: 0, tokens: 0, contextTokens: 0 }),
  state: 'created', seq: -1, submittedAt: 0, attempt: 0, agentIndex: -1, startedAt: Number.NaN, failureReason: undefined,
  priority: 0, offers: 0, rejectionReason: undefined,
});

/**
 * The resident contexts of every agent that has never loaded one: read-only by convention (only
 * `makeResident` adds, and it swaps in a Map of the agent's own first), so a fleet of 100,000
 * agents without context windows allocates no Map per agent.
 */
const NO_RESIDENT_CONTEXTS = new Map<string, number>();

/** The resident prefix blocks of every agent that has never loaded one: as {@link NO_RESIDENT_CONTEXTS}. */
const NO_RESIDENT_BLOCKS = new Map<number, number>();

/** Every agent's report before its first task: reports are immutable, so one serves the fleet. */
const FIRST_REPORT: AgentReport = Object.freeze({ contextUtilization: 0, residentKeys: NO_RESIDENT_KEYS });

/**
 * An ideal attempt's outcome, one for every plan: the engine reads an outcome during `finished`
 * and keeps nothing. A plan's own outcome object would be one more cache line to fetch at each
 * finish in a large fleet, where ~90,000 plans are in flight.
 */
export const PERFECT_SUCCESS: Outcome = Object.freeze({ ok: true, quality: 1 });

/**
 * The start of an attempt {@link idealPlan} would plan on an agent still at its
 * {@link FIRST_REPORT}: no set-up, no context; the same for every such start, so one object serves.
 */
export const IDEAL_START: StartReport = Object.freeze({ setupTokens: 0, contextHit: null, contextBlocksHit: undefined, agent: FIRST_REPORT });

/**
 * True when `task` has no context to load and no failure recorded by its trace: an ideal server
 * plans it with {@link idealPlan}, without the general model.
 */
export function runsPlainly(task: TaskView): boolean {
  return task.spec.contextKey === undefined && task.spec.contextTokens === 0 && task.spec.traceFailed !== true;
}

/**
 * An ideal server's attempt of a task that {@link runsPlainly}: the general model gives exactly
 * this (every penalty and draw is zero), at a third of the cost.
 */
export function idealPlan(plan: AttemptPlan, task: TaskView, attempt: number, tokensPerSecond: number, report: AgentReport = FIRST_REPORT): AttemptPlan {
  return plan.set(task, attempt, 0, null, task.spec.tokens / tokensPerSecond, PERFECT_SUCCESS, report);
}

/**
 * True when an agent of `config` is an ideal server: no context window, no skill effect, no
 * failure, no noise. A task that {@link runsPlainly} takes it exactly tokens / speed with quality 1.
 */
export function isIdealServer(config: SimAgentConfig): boolean {
  const { spec, model, failureRate } = config;
  return (spec.contextWindowTokens ?? Number.POSITIVE_INFINITY) === Number.POSITIVE_INFINITY && model.skillSpeedPenalty === 0 &&
    model.skillQualityPenalty === 0 && model.skillFailureRate === 0 && failureRate === 0 && model.qualityNoise === 0 &&
    !(model.serviceTimeCv > 0);
}

/** One simulated agent's context state and behaviour. */
export class SimAgent {
  private resident = NO_RESIDENT_CONTEXTS;
  /** Resident prefix blocks (id → tokens), least recently used first; their tokens count in `residentTokens`. */
  private residentBlocks = NO_RESIDENT_BLOCKS;
  // Doubles from the first agent on (then 0 in the constructor): see DOUBLE_FIELD_SEED.
  private residentTokens = DOUBLE_FIELD_SEED;
  /** Leading blocks the last {@link SimAgent.load} found resident (undefined: the task had no blocks). */
  private loadedBlocksHit: number | undefined = undefined;
  /** Whether the last {@link SimAgent.load} found the key resident (null: the task had none). */
  private loadedHit: boolean | null = null;
  private historyTokens = DOUBLE_FIELD_SEED;
  private residentKeys: ReadonlySet<string> = NO_RESIDENT_KEYS;
  private readonly windowTokens: number;
  private readonly serviceNoise: { mu: number; sigma: number } | undefined;
  /**
   * No window, no skill effect, no failure, no noise: a task with no context to load takes
   * exactly tokens / speed with quality 1, which `begin` then plans without the general model.
   */
  private readonly idealServer: boolean;
  // A copy of the config value an ideal server's start reads, so it touches this object only
  // (at 100,000 agents the config and its spec are cache misses of their own).
  private readonly tokensPerSecond: number;
  // Reports are immutable, so an unchanged one is reused rather than reallocated.
  private lastReport = FIRST_REPORT;
  /** The terms of a windowless attempt at the skill of this agent's last one (see {@link SimAgent.beginWindowless}). */
  private windowless = NO_WINDOWLESS_TERMS;
  private static readonly AGENT_ERROR: Outcome = Object.freeze({ ok: false, reason: 'agent-error' });

  /** @param config - the agent as the scenario declares it. */
  constructor(readonly config: SimAgentConfig) {
    this.residentTokens = 0;
    this.historyTokens = 0;
    this.windowTokens = config.spec.contextWindowTokens ?? Number.POSITIVE_INFINITY;
    this.tokensPerSecond = config.spec.tokensPerSecond;
    const cv = config.model.serviceTimeCv;
    this.serviceNoise = cv > 0 ? lognormalParameters(1, cv) : undefined;
    this.idealServer = isIdealServer(config);
  }

  /** The {@link plainSpeed} of a new agent of `config`, without making one. */
  static plainSpeedOf(config: SimAgentConfig): number {
    return isIdealServer(config) ? config.spec.tokensPerSecond : 0;
  }

  /**
   * Plans attempt `attempt` of `task` starting now, into `plan` (a fresh one by default). The
   * attempt's own outcome stream is requested from `outcomes` only when the model needs
   * randomness (an ideal server needs none).
   */
  begin(task: TaskView, agent: AgentView, attempt: number, outcomes: OutcomeStreams, plan = new AttemptPlan()): AttemptPlan {
    if (this.idealServer && runsPlainly(task)) {
      // The M/M/c validation and the speed benchmark run here. History tokens count only against
      // a window, and an ideal server has none: they are never read, so not kept (at 100,000
      // agents their boxed double is a cache line of its own at every start).
      return idealPlan(plan, task, attempt, this.tokensPerSecond, this.report(0));
    }
    const skill = skillFor(agent, task.spec.type);
    if (this.windowTokens === Number.POSITIVE_INFINITY && runsPlainly(task)) return this.beginWindowless(task, skill, attempt, outcomes, plan);
    const { model, failureRate, spec } = this.config;
    plan.contextBlocksHit = undefined;
    const compactSeconds = this.compactIfDue();
    const setupTokens = this.load(task, skill);
    this.historyTokens += task.spec.tokens * model.historyGrowth;
    const utilization = this.utilization();
    // A threshold of 1 means "never degrade" (and would otherwise divide 0 by 0).
    const threshold = model.contextDegradeThreshold;
    const excess = threshold >= 1 ? 0 : Math.max(0, utilization - threshold) / (1 - threshold);
    const contextHit = this.loadedHit;
    const speedFactor = (1 - model.skillSpeedPenalty * (1 - skill)) * (1 - model.contextSpeedPenalty * excess);
    const speed = spec.tokensPerSecond;
    let workSeconds = task.spec.tokens / (speed * speedFactor);
    const setupSeconds = setupTokens === 0 ? 0 : setupTokens / (speed * model.prefillSpeedup);
    // A request its trace records as failed fails here too, whatever the model says.
    const failureProbability = task.spec.traceFailed === true ? 1 : clamp01(failureRate + model.skillFailureRate * (1 - skill) + model.contextFailureRate * excess);
    const meanQuality = 1 - model.skillQualityPenalty * (1 - skill) - model.contextQualityPenalty * excess;
    const report = this.report(utilization);
    const needsDraws = failureProbability > 0 || model.qualityNoise > 0 || this.serviceNoise !== undefined;
    if (!needsDraws) {
      const durationSeconds = compactSeconds + setupSeconds + workSeconds;
      return this.withBlocks(plan.set(task, attempt, setupTokens, contextHit, durationSeconds, plan.succeeded(clamp01(meanQuality)), report));
    }
    // Fixed draw positions (0 fail, 1 fail point, 2–3 quality noise, 4–5 service noise), so an
    // attempt's luck does not depend on which agent runs it. Draws are counter-based: without a
    // failure probability the first two are skipped, and the others are the same as if taken.
    const mayFail = failureProbability > 0;
    const random = outcomes.forAttempt(task.spec.id, attempt, mayFail ? 0 : Draw.FirstNoise);
    const failed = mayFail && random() < failureProbability;
    const failPoint = mayFail ? random() : 1;
    const quality = clamp01(meanQuality + model.qualityNoise * standardNormal(random));
    if (this.serviceNoise !== undefined) workSeconds *= Math.exp(this.serviceNoise.mu + this.serviceNoise.sigma * standardNormal(random));
    const base = compactSeconds + setupSeconds;
    if (failed) {
      return this.withBlocks(plan.set(task, attempt, setupTokens, contextHit, base + workSeconds * failPoint, SimAgent.AGENT_ERROR, report));
    }
    return this.withBlocks(plan.set(task, attempt, setupTokens, contextHit, base + workSeconds, plan.succeeded(quality), report));
  }

  /**
   * `begin`'s general lines for an agent without a window and a task with nothing to load (the
   * default model's M/M/c case), from the terms of `skill` computed once ({@link WindowlessTerms}):
   * the same expressions on the same values, so the same plan to the bit, without reading the
   * model's coefficients for every attempt. The draws are `begin`'s own lines, repeated: one
   * method for both, tried, cost the default model's task ~55–170 instructions more (callgrind,
   * V8 inlining less of it), up to 2% of a task; test/sim/agentModel.test.ts holds the
   * two to the bit, draw positions included.
   */
  private beginWindowless(task: TaskView, skill: number, attempt: number, outcomes: OutcomeStreams, plan: AttemptPlan): AttemptPlan {
    let terms = this.windowless;
    if (terms.skill !== skill) terms = this.windowless = windowlessTerms(this.config, skill);
    // Nothing compacts and nothing loads: the setup cost keeps the general lines' sign of zero,
    // and its seconds are 0 (as `setupTokens === 0` makes them there). History counts only
    // against a window, so it is not kept (as for an ideal server).
    const setupTokens = task.spec.contextTokens * terms.setupFactor;
    this.loadedBlocksHit = undefined;
    this.loadedHit = null;
    // The general lines' compact and setup seconds, both 0: adding them turns a work of -0 into 0.
    const base = 0;
    let workSeconds = task.spec.tokens / terms.effectiveSpeed;
    const report = this.report(0);
    if (!terms.needsDraws) return plan.set(task, attempt, setupTokens, null, base + workSeconds, plan.succeeded(terms.clampedMeanQuality), report);
    const mayFail = terms.failureProbability > 0;
    const random = outcomes.forAttempt(task.spec.id, attempt, mayFail ? 0 : Draw.FirstNoise);
    const failed = mayFail && random() < terms.failureProbability;
    const failPoint = mayFail ? random() : 1;
    const quality = clamp01(terms.meanQuality + terms.qualityNoise * standardNormal(random));
    if (this.serviceNoise !== undefined) workSeconds *= Math.exp(this.serviceNoise.mu + this.serviceNoise.sigma * standardNormal(random));
    if (failed) return plan.set(task, attempt, setupTokens, null, base + workSeconds * failPoint, SimAgent.AGENT_ERROR, report);
    return plan.set(task, attempt, setupTokens, null, base + workSeconds, plan.succeeded(quality), report);
  }

  /** The plan with the block hits of the last load. */
  private withBlocks(plan: AttemptPlan): AttemptPlan {
    plan.contextBlocksHit = this.loadedBlocksHit;
    return plan;
  }

  /**
   * Answers offer `offer` of `task`: no when the agent has skill 0 for its type (`lacks-skill`),
   * otherwise no with probability rejectBase + rejectLoad × (slots held ÷ capacity) +
   * rejectContext × utilization (`context-full` when the context term is the larger one, else
   * `overloaded`, or `declined` for the base rate alone). One draw from the offer's own stream,
   * so every strategy's offer of the same task gets the same luck.
   */
  answerOffer(task: TaskView, agent: AgentView, offer: number, outcomes: OutcomeStreams): OfferReply {
    const { model } = this.config;
    const skill = skillFor(agent, task.spec.type);
    const { contextKey } = task.spec;
    // What loading the task's context would cost this agent, as `load` charges a start.
    const setupTokens = task.spec.contextBlocks !== undefined
      ? this.blockSetupCost(task, skill, this.residentPrefix(task.spec.contextBlocks))
      : contextKey !== undefined && this.resident.has(contextKey) ? 0 : this.setupCost(task, skill);
    const reply = (answer: OfferAnswer): OfferReply => ({ task, agentId: agent.spec.id, offer, answer, setupTokens, delaySeconds: model.offerResponseSeconds });
    if (skill === 0) return reply({ accepted: false, reason: 'lacks-skill' });
    // The offered slot itself is held already: load counts the others.
    const loadTerm = model.rejectLoad * Math.max(0, agent.active - 1) / agent.spec.capacity;
    const contextTerm = model.rejectContext * this.utilization();
    const probability = clamp01(model.rejectBase + loadTerm + contextTerm);
    if (probability === 0 || outcomes.forOffer(task.spec.id, offer, agent.spec.id)() >= probability) return reply({ accepted: true });
    const reason = loadTerm === 0 && contextTerm === 0 ? 'declined' : contextTerm > loadTerm ? 'context-full' : 'overloaded';
    return reply({ accepted: false, reason });
  }

  /**
   * This agent's speed while its next attempt of a task that {@link runsPlainly} is
   * `idealPlan(plan, task, attempt, plainSpeed)` and leaves it unchanged (an ideal server that has
   * never held a context, so its report is the fleet's first), else 0. A driver may plan such
   * attempts itself without reading this object, as long as it asks again after any other call.
   */
  get plainSpeed(): number {
    return this.idealServer && this.lastReport === FIRST_REPORT && this.residentKeys === NO_RESIDENT_KEYS ? this.tokensPerSecond : 0;
  }

  private report(utilization: number): AgentReport {
    const last = this.lastReport;
    if (last.contextUtilization === utilization && last.residentKeys === this.residentKeys) return last;
    return (this.lastReport = { contextUtilization: utilization, residentKeys: this.residentKeys });
  }

  /**
   * Loads a context while the agent is idle (a strategy's pre-warming). It takes no simulated
   * time: an idle agent has time to spare, and a task that arrives meanwhile finds it loaded.
   */
  prewarm(contextKey: string, contextTokens: number): void {
    if (!this.resident.has(contextKey)) this.makeResident(contextKey, contextTokens);
  }

  /** Adds a block that is not resident, evicting the least recently used ones that overflow. */
  private makeResident(contextKey: string, contextTokens: number): void {
    if (this.resident === NO_RESIDENT_CONTEXTS) this.resident = new Map();
    this.resident.set(contextKey, contextTokens);
    this.residentTokens += contextTokens;
    this.evictOverflow(contextKey);
    // Copy on write: the engine keeps the previous set as its last observation.
    this.residentKeys = new Set(this.resident.keys());
  }

  /** Share of the context window in use (0 without a window). */
  utilization(): number {
    if (this.windowTokens === Number.POSITIVE_INFINITY) return 0;
    return Math.min(1, (this.residentTokens + this.historyTokens) / this.windowTokens);
  }

  private compactIfDue(): number {
    if (this.windowTokens === Number.POSITIVE_INFINITY || this.utilization() < this.config.model.compactThreshold) return 0;
    this.resident.clear();
    this.residentBlocks.clear();
    this.residentTokens = 0;
    this.historyTokens = 0;
    this.residentKeys = NO_RESIDENT_KEYS;
    return this.config.model.compactSeconds;
  }

  /** Tokens to load `task`'s context at `skill`: contextTokens·(1 + lowSkillSetupPenalty·(1 − s)). */
  private setupCost(task: TaskView, skill: number): number {
    return task.spec.contextTokens * (1 + this.config.model.lowSkillSetupPenalty * (1 - skill));
  }

  /**
   * Loads the task's context if it is not resident; returns the setup tokens spent and leaves
   * whether it was a hit in `loadedHit` (no result object: this runs once per attempt).
   */
  private load(task: TaskView, skill: number): number {
    const { contextKey, contextTokens, contextBlocks } = task.spec;
    if (contextBlocks !== undefined) return this.loadBlocks(task, contextBlocks, skill);
    this.loadedBlocksHit = undefined;
    const cost = this.setupCost(task, skill);
    if (contextKey === undefined) {
      this.loadedHit = null;
      return cost;
    }
    const size = this.resident.get(contextKey);
    if (size !== undefined) {
      // Refresh recency: a Map iterates in insertion order, so re-insert at the back.
      this.resident.delete(contextKey);
      this.resident.set(contextKey, size);
      this.loadedHit = true;
      return 0;
    }
    this.makeResident(contextKey, contextTokens);
    this.loadedHit = false;
    return cost;
  }

  /** Leading blocks of `blocks` resident here. */
  private residentPrefix(blocks: readonly number[]): number {
    let hit = 0;
    while (hit < blocks.length && this.residentBlocks.has(blocks[hit]!)) hit++;
    return hit;
  }

  /**
   * Tokens to load the blocks after the first `hit`: the prompt's tokens past the resident
   * prefix, at the skill's setup penalty. (Blocks resident after a missing one are loaded again:
   * a prefix cache reuses a block only behind its whole prefix.)
   */
  private blockSetupCost(task: TaskView, skill: number, hit: number): number {
    const { contextTokens, contextBlockTokens = 0 } = task.spec;
    const missing = Math.max(0, contextTokens - hit * contextBlockTokens);
    return missing * (1 + this.config.model.lowSkillSetupPenalty * (1 - skill));
  }

  /**
   * Loads a prompt prefix: the leading resident blocks are hits; every block of the task ends
   * resident and most recently used; least recently used blocks of other prompts are evicted
   * while the window overflows.
   */
  private loadBlocks(task: TaskView, blocks: readonly number[], skill: number): number {
    const { contextTokens, contextBlockTokens = 0 } = task.spec;
    const hit = this.residentPrefix(blocks);
    if (this.residentBlocks === NO_RESIDENT_BLOCKS) this.residentBlocks = new Map();
    const resident = this.residentBlocks;
    for (let i = 0; i < blocks.length; i++) {
      const id = blocks[i]!;
      const size = resident.get(id);
      if (size !== undefined) {
        resident.delete(id);
        resident.set(id, size);
      } else {
        const tokens = Math.max(0, Math.min(contextBlockTokens, contextTokens - i * contextBlockTokens));
        resident.set(id, tokens);
        this.residentTokens += tokens;
      }
    }
    // The task's own blocks are the most recent `blocks.length` entries; only older ones go.
    let evictable = resident.size - blocks.length;
    for (const [id, size] of resident) {
      if (evictable-- <= 0 || this.residentTokens + this.historyTokens <= this.windowTokens) break;
      resident.delete(id);
      this.residentTokens -= size;
    }
    this.loadedHit = hit > 0;
    this.loadedBlocksHit = hit;
    return this.blockSetupCost(task, skill, hit);
  }

  private evictOverflow(keep: string): void {
    for (const [key, size] of this.resident) {
      if (this.residentTokens + this.historyTokens <= this.windowTokens) return;
      if (key === keep) continue;
      this.resident.delete(key);
      this.residentTokens -= size;
    }
  }
}

/**
 * What `begin`'s general lines compute from an agent's model and one skill alone when the agent
 * has no window and the task nothing to load (utilization and its excess 0): the same for every
 * such attempt at that skill, so an agent computes them when its skill for the task changes.
 */
interface WindowlessTerms {
  /** The skill they are for (NaN: none yet). */
  readonly skill: number;
  /** Tokens per second of work: the agent's speed times the skill's and the (zero) excess's factors. */
  readonly effectiveSpeed: number;
  /** Setup tokens per context token: 1 + lowSkillSetupPenalty·(1 − s). */
  readonly setupFactor: number;
  readonly failureProbability: number;
  readonly meanQuality: number;
  readonly clampedMeanQuality: number;
  readonly qualityNoise: number;
  /** Whether an attempt draws from its outcome stream (a failure probability or noise). */
  readonly needsDraws: boolean;
}

/** No terms yet: a skill is never NaN's equal, so the first attempt computes its own. */
const NO_WINDOWLESS_TERMS: WindowlessTerms = Object.freeze({
  skill: Number.NaN, effectiveSpeed: 0, setupFactor: 0, failureProbability: 0, meanQuality: 0, clampedMeanQuality: 0, qualityNoise: 0, needsDraws: false,
});

/** The {@link WindowlessTerms} of an agent of `config` at `skill`, by `begin`'s general expressions with an excess of 0. */
function windowlessTerms(config: SimAgentConfig, skill: number): WindowlessTerms {
  const { model, failureRate, spec } = config;
  const excess = 0;
  const speedFactor = (1 - model.skillSpeedPenalty * (1 - skill)) * (1 - model.contextSpeedPenalty * excess);
  const failureProbability = clamp01(failureRate + model.skillFailureRate * (1 - skill) + model.contextFailureRate * excess);
  const meanQuality = 1 - model.skillQualityPenalty * (1 - skill) - model.contextQualityPenalty * excess;
  return {
    skill,
    effectiveSpeed: spec.tokensPerSecond * speedFactor,
    setupFactor: 1 + model.lowSkillSetupPenalty * (1 - skill),
    failureProbability,
    meanQuality,
    clampedMeanQuality: clamp01(meanQuality),
    qualityNoise: model.qualityNoise,
    needsDraws: failureProbability > 0 || model.qualityNoise > 0 || model.serviceTimeCv > 0,
  };
}

/** Draw positions in an attempt's stream, written in place by the compiler (a const enum, not a context load per attempt). */
const enum Draw {
  /** The quality noise's first draw (after fail and fail point). */
  FirstNoise = 2,
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
