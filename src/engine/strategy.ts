/**
 * The interface every balancing strategy implements (docs/STRATEGIES.md). A strategy is
 * synchronous and pure: it reads views of tasks and agents and returns a decision. It never
 * awaits, never reads a clock, and draws randomness only from `ctx.random`.
 *
 * Picking is not dispatching: the engine may ask for a pick and discard it, so a strategy keeps
 * state only in the hooks (`onAssign`, `onSettle`, `onAgentJoined`, `onAgentLeft`), which run
 * exactly once per real change.
 */
import { hasFreeSlot, type AgentView } from './agent.js';
import type { Outcome } from './messages.js';
import type { TaskView } from './task.js';
import type { QueueOrder } from './taskQueue.js';

/**
 * When a task binds to an agent (`engine.binding` in docs/SCENARIOS.md): `late` keeps one pool
 * and binds when an agent has a free slot; `early` routes on arrival into the agent's own queue.
 */
export type Binding = 'late' | 'early';

/** A context a strategy asks the driver to load on an idle agent. */
export interface ContextToLoad {
  /** The context key to load. */
  readonly contextKey: string;
  /** Its size in tokens. */
  readonly contextTokens: number;
}

/**
 * Whether a strategy may return `agent` under `binding` (the rule of `Strategy.pickAgent`): late
 * binding needs a free slot, early binding an accepting agent (the task joins its queue).
 */
export function isEligible(agent: AgentView, binding: Binding): boolean {
  return binding === 'late' ? hasFreeSlot(agent) : agent.accepting;
}

/**
 * Which thief may steal which queued task, by kinds: tasks of one kind may be stolen by the same
 * agents. A strategy that declares them promises that `steal(thief)` returns a task exactly when
 * some agent other than the thief has, as the last task of its own queue (`lastQueued`), a task
 * whose kind the thief `mayTake`.
 */
export interface StealRules {
  /** The task's kind: a small integer ≥ 0 (kinds are numbered densely from 0), or -1 when it is never stolen. */
  kindOf(task: TaskView): number;
  /** Whether `thief` may steal tasks of `kind` (fixed for the agent's life). */
  mayTake(thief: AgentView, kind: number): boolean;
}

/** What the strategy sees of the whole fleet. */
export interface FleetView {
  /** Every agent that ever joined, by index; agents that left have `accepting` false. */
  readonly agents: readonly AgentView[];
  /** Free slots among accepting agents. */
  readonly freeSlots: number;
  /** Tasks queued, in the pool and in agents' own queues. */
  readonly queuedTasks: number;
  /**
   * The last task in queue order in `agent`'s own queue (early binding), or undefined. The
   * engine's view always has it; views built by hand (tests) may leave it out.
   */
  lastQueued?(agent: AgentView): TaskView | undefined;
}

/** Everything a decision may depend on besides the task. */
export interface DecisionContext {
  /** Current time, seconds. */
  readonly now: number;
  /** Uniform draw in [0, 1) from the strategy's own seeded stream. */
  readonly random: () => number;
  /** The engine's binding mode. */
  readonly binding: Binding;
  /** The fleet. */
  readonly fleet: FleetView;
}

/** A balancing strategy. Only `name` and `pickAgent` are required. */
export interface Strategy {
  /** Registry name, e.g. `least-connections`. */
  readonly name: string;
  /**
   * The agent that should take `task`, or undefined when none should.
   * Late binding: only agents with a free slot (see `hasFreeSlot`) may be returned.
   * Early binding: any accepting agent may be returned; the task joins its queue.
   */
  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined;
  /**
   * Order within a priority level of every queue the engine keeps (pool and agent queues):
   * `fifo` (the default) or `deadline` (earliest deadline first). Read once, at construction.
   */
  readonly queueOrder?: QueueOrder;
  /**
   * Work stealing (early binding only): `thief` has a free slot and nothing left in its own
   * queue. Return a task queued in another agent's own queue (see `FleetView.lastQueued`) to
   * move it to the thief, which starts it at once; undefined to steal nothing. Asked again
   * while the thief has free slots.
   */
  steal?(thief: AgentView, ctx: DecisionContext): TaskView | undefined;
  /**
   * With `steal`: the rules that let the engine index stealing. Without them the engine asks
   * every hungry agent again whenever a task is left waiting (O(fleet) per routed task); with
   * them it asks only agents that can steal something. Read once, at construction.
   */
  readonly stealRules?: StealRules;
  /**
   * Pre-warming: `agent` has just fallen idle (nothing running, nothing queued for it). Return a
   * context to load on it now, before a task needs it, or undefined. The driver loads it (the
   * tokens count as setup, so a warm-up no task uses is context waste).
   */
  prewarm?(agent: AgentView, ctx: DecisionContext): ContextToLoad | undefined;
  /** A task was accepted (before any dependency, admission or routing decision). */
  onSubmitted?(task: TaskView, ctx: DecisionContext): void;
  /** Backpressure: false rejects the task at submission (reason `admission`). */
  admit?(task: TaskView, ctx: DecisionContext): boolean;
  /** A task was bound to `agent` (assigned under late binding, queued to it under early). */
  onAssign?(task: TaskView, agent: AgentView, ctx: DecisionContext): void;
  /** An attempt on `agent` ended. */
  onSettle?(task: TaskView, agent: AgentView, outcome: Outcome, ctx: DecisionContext): void;
  /** An agent joined the fleet. */
  onAgentJoined?(agent: AgentView, ctx: DecisionContext): void;
  /** An agent left the fleet. */
  onAgentLeft?(agent: AgentView, ctx: DecisionContext): void;
  /**
   * An agent's `active`, `queued`, `outstandingTokens` or `accepting` changed (after it
   * joined). Strategies that keep an index of agents by load (a heap, an idle list) update it
   * here, so that a decision need not scan the fleet.
   */
  onAgentLoadChanged?(agent: AgentView, ctx: DecisionContext): void;
}
