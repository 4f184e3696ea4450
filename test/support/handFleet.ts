/**
 * Hand-built fleets for strategy tests that call `pickAgent` without an engine: agent views
 * with a given load, a decision context over them, and {@link introduce}, which tells a strategy
 * about the fleet through its hooks as the engine would (strategies that index agents know the
 * fleet only through them).
 */
import type { AgentView } from '../../src/engine/agent.js';
import type { Binding, DecisionContext, Strategy } from '../../src/engine/strategy.js';
import type { TaskSpec, TaskView } from '../../src/engine/task.js';
import { agentSpec, createStrategy, taskSpec } from './harness.js';
import { idleAgentView, taskViewOf } from './views.js';

/** The load of a hand-built agent. */
export interface AgentShape {
  /** Slots: how many tasks it may hold at once. @defaultValue 1 */
  readonly capacity?: number;
  /** Its expected work rate. @defaultValue 100 */
  readonly tokensPerSecond?: number;
  /** Tasks holding a slot (offered, assigned or running). @defaultValue 0 */
  readonly active?: number;
  /** Tasks waiting in the agent's own queue (early binding). @defaultValue 0 */
  readonly queued?: number;
  /** Tokens of the tasks holding a slot and of those in its queue. @defaultValue 0 */
  readonly outstandingTokens?: number;
  /** False for an agent that may not be given work (it left the fleet). @defaultValue true */
  readonly accepting?: boolean;
}

/** A mutable agent view, so that a test can change its load and report it through a hook. */
export type HandAgent = { -readonly [K in keyof AgentView]: AgentView[K] };

/**
 * An agent view at fleet position `index` with the given load.
 * @defaultValue capacity 1, 100 tokens per second, idle, accepting; id `a<index>`.
 */
export function handAgent(index: number, shape: AgentShape = {}): HandAgent {
  const { capacity = 1, tokensPerSecond = 100, accepting = true, active = 0, queued = 0, outstandingTokens = 0 } = shape;
  return idleAgentView(agentSpec({ id: `a${index}`, capacity, tokensPerSecond }), index, { accepting, active, queued, outstandingTokens });
}

/** Agents 0..n−1 with the shapes given (or idle capacity-1 agents). */
export function handAgents(shapes: readonly AgentShape[]): HandAgent[] {
  return shapes.map((shape, i) => handAgent(i, shape));
}

/** A decision context over `agents` with the fleet totals the engine would keep. */
export function handContext(agents: readonly AgentView[], binding: Binding, random: () => number = () => 0.5): DecisionContext {
  const freeSlots = agents.reduce((sum, a) => sum + (a.accepting ? a.spec.capacity - a.active : 0), 0);
  const queuedTasks = agents.reduce((sum, a) => sum + a.queued, 0);
  return { now: 0, random, binding, fleet: { agents, freeSlots, queuedTasks } };
}

/**
 * Tells `strategy` about every agent of `ctx` through its hooks: each joins, a departed one
 * leaves, and its load is reported. Returns `ctx`.
 */
export function introduce(strategy: Strategy, ctx: DecisionContext): DecisionContext {
  for (const agent of ctx.fleet.agents) {
    strategy.onAgentJoined?.(agent, ctx);
    if (!agent.accepting) strategy.onAgentLeft?.(agent, ctx);
    strategy.onAgentLoadChanged?.(agent, ctx);
  }
  return ctx;
}

/** Sets a hand-built agent's load and reports the change to `strategy`, as the engine would. */
export function setLoad(strategy: Strategy, ctx: DecisionContext, agent: HandAgent, shape: AgentShape): void {
  if (shape.active !== undefined) agent.active = shape.active;
  if (shape.queued !== undefined) agent.queued = shape.queued;
  if (shape.accepting !== undefined && shape.accepting !== agent.accepting) {
    agent.accepting = shape.accepting;
    if (!shape.accepting) strategy.onAgentLeft?.(agent, ctx);
  }
  strategy.onAgentLoadChanged?.(agent, ctx);
}

/** The index of the agent a new `strategyName` picks among `agents` for a hand task; undefined for none. */
export function pickedIndex(strategyName: string, agents: readonly AgentView[], binding: Binding = 'late'): number | undefined {
  return createStrategy(strategyName).pickAgent(handTask('t'), handContext(agents, binding))?.index;
}

/** A queued task view; `fields` override the test defaults of {@link taskSpec}. */
export function handTask(id: string, fields: Partial<TaskSpec> = {}): TaskView {
  return taskViewOf(taskSpec({ id, ...fields }));
}
