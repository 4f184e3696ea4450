/**
 * What the engine knows about an agent: its declared shape ({@link AgentSpec}) and its load
 * as the engine sees it ({@link AgentView}). The engine does not model an agent's behaviour;
 * drivers report what they observe (context utilization, resident context) with each start
 * and finish.
 */
import type { AgentId } from './task.js';

/** How an agent declares itself when it joins a fleet. Plain data. */
export interface AgentSpec {
  /** Unique id in the fleet. */
  readonly id: AgentId;
  /** Concurrent task slots (an integer ≥ 1). */
  readonly capacity: number;
  /** Expected work rate in tokens per second (strategies use it to estimate finish times). */
  readonly tokensPerSecond: number;
  /** Skill per task type in [0, 1]; a type that is absent counts as 0. */
  readonly skills: Readonly<Record<string, number>>;
  /** Relative share for weighted strategies (defaults to capacity when the spec omits it). */
  readonly weight: number;
  /** Capability labels (pools). */
  readonly tags: readonly string[];
  /** Context window in tokens, if the agent has one. */
  readonly contextWindowTokens?: number;
  /** The pool the agent belongs to (autoscaling acts on pools). */
  readonly pool?: string;
}

/** The empty set shared by every agent that has no resident context. */
export const NO_RESIDENT_KEYS: ReadonlySet<string> = new Set<string>();

/**
 * What strategies read about an agent. It is the engine's live record typed read-only: do not
 * keep it past a call expecting it to stay the same.
 */
export interface AgentView {
  /** Declared shape. */
  readonly spec: AgentSpec;
  /** Position in the fleet (stable for the agent's life, never reused). */
  readonly index: number;
  /** True while the agent is in the fleet and may be given work. */
  readonly accepting: boolean;
  /** True while the agent finishes its work before leaving (it takes no new work). */
  readonly draining: boolean;
  /** Tasks paused on the agent: they keep its context and resume there, but hold no slot. */
  readonly paused: number;
  /** Tasks holding a slot (offered to it, assigned or running). */
  readonly active: number;
  /** Tasks waiting in the agent's own queue (early binding; 0 under late binding). */
  readonly queued: number;
  /** Tokens of the tasks holding a slot plus those in its own queue. */
  readonly outstandingTokens: number;
  /** Share of the context window in use, in [0, 1], as last reported by the driver. */
  readonly contextUtilization: number;
  /** Context keys resident on the agent, as last reported by the driver. */
  readonly residentKeys: ReadonlySet<string>;
  /** When the driver last reported this agent's context (staleness of the two fields above). */
  readonly observedAt: number;
  /** Tasks the agent completed. */
  readonly completed: number;
}

/** The engine's mutable record of one agent. Internal to `src/engine`. */
export interface AgentRecord extends AgentView {
  /** See {@link AgentView.accepting}. */
  accepting: boolean;
  /** See {@link AgentView.draining}. */
  draining: boolean;
  /** See {@link AgentView.paused}. */
  paused: number;
  /** Gone from the fleet (it left, or finished draining). */
  left: boolean;
  /** See {@link AgentView.active}. */
  active: number;
  /** See {@link AgentView.queued}. */
  queued: number;
  /** See {@link AgentView.outstandingTokens}. */
  outstandingTokens: number;
  /** See {@link AgentView.contextUtilization}. */
  contextUtilization: number;
  /** See {@link AgentView.residentKeys}. */
  residentKeys: ReadonlySet<string>;
  /** See {@link AgentView.observedAt}. */
  observedAt: number;
  /** See {@link AgentView.completed}. */
  completed: number;
}

/**
 * Stored first in a field that will hold fractions, before its real starting value (often the
 * small integer 0): V8 gives a field the representation of the first value stored in it, and
 * the first fraction stored into a small-integer field of a class migrates every object made
 * before, one allocation each (see {@link FleetAgentRecord}; the simulator's agents do the same).
 * Any value that is not a small integer would do.
 */
export const DOUBLE_FIELD_SEED = 0.5;

/**
 * The engine's record of an agent that joined at `observedAt` with nothing in hand (a restored
 * snapshot sets the rest). Its fields are those of a plain object in the same order, so it reads,
 * prints and copies like one.
 *
 * Why a class that stores a fraction first: V8 gives a field the representation of the first
 * value stored in it. An agent joins with `outstandingTokens` 0 and often `observedAt` 0, small
 * integers, and the first fraction stored into either field of any agent (its first task's
 * tokens, the time of its first report) changes the representation for all: every record made
 * before is then migrated, one at a time when next touched, each a runtime call that allocates
 * (at 100,000 agents 33 MB over the first assignments). Stored first as a fraction, both fields
 * are doubles from the first record on. `contextUtilization` is left a small integer: without
 * context windows it stays 0, kept in the record itself rather than in a separate double box
 * touched at every report.
 */
export class FleetAgentRecord implements AgentRecord {
  /** The agent as declared. */
  readonly spec: AgentSpec;
  /** Its position in the fleet (never reused). */
  readonly index: number;
  /** See {@link AgentRecord.accepting}. */
  accepting = true;
  /** See {@link AgentRecord.draining}. */
  draining = false;
  /** See {@link AgentRecord.paused}. */
  paused = 0;
  /** See {@link AgentRecord.left}. */
  left = false;
  /** See {@link AgentRecord.active}. */
  active = 0;
  /** See {@link AgentRecord.queued}. */
  queued = 0;
  /** See {@link AgentRecord.outstandingTokens}; seeded with a fraction (see the class comment). */
  outstandingTokens = DOUBLE_FIELD_SEED;
  /** See {@link AgentRecord.contextUtilization}. */
  contextUtilization = 0;
  /** See {@link AgentRecord.residentKeys}. */
  residentKeys: ReadonlySet<string> = NO_RESIDENT_KEYS;
  /** See {@link AgentRecord.observedAt}; seeded with a fraction (see the class comment). */
  observedAt = DOUBLE_FIELD_SEED;
  /** See {@link AgentRecord.completed}. */
  completed = 0;

  /** @param spec - as declared; @param index - position in the fleet; @param observedAt - when it joined (seconds). */
  constructor(spec: AgentSpec, index: number, observedAt: number) {
    this.spec = spec;
    this.index = index;
    this.outstandingTokens = 0;
    this.observedAt = observedAt;
  }
}

/** Whether a task may go to the agent as far as tags go: it carries every tag the task asks for. */
export function hasTags(agent: AgentView, tags: readonly string[] | undefined): boolean {
  if (tags === undefined || tags.length === 0) return true;
  const own = agent.spec.tags;
  for (const tag of tags) if (!own.includes(tag)) return false;
  return true;
}

/** True when the agent may take one more task now. */
export function hasFreeSlot(agent: AgentView): boolean {
  return agent.accepting && agent.active < agent.spec.capacity;
}

/** Skill of an agent for a task type; a missing skill counts as 0. */
export function skillFor(agent: AgentView, type: string): number {
  return agent.spec.skills[type] ?? 0;
}
