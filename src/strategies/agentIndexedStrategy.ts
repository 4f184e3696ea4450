/**
 * The base of strategies that keep an index of agents (a heap, an eligible set, a ring):
 * every change the engine reports about an agent (it joined, left, or its load changed) goes
 * through one `sync`, so an index cannot miss a kind of change.
 */
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';

/** A strategy whose agent index is brought up to date by {@link AgentIndexedStrategy.sync}. */
export abstract class AgentIndexedStrategy implements Strategy {
  /** Registry name. */
  abstract readonly name: string;

  /** {@inheritDoc Strategy.pickAgent} */
  abstract pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined;

  /** Brings the index up to date with `agent`'s view. */
  protected abstract sync(agent: AgentView, ctx: DecisionContext): void;

  /** {@inheritDoc Strategy.onAgentJoined} */
  onAgentJoined(agent: AgentView, ctx: DecisionContext): void {
    this.sync(agent, ctx);
  }

  /** {@inheritDoc Strategy.onAgentLeft} */
  onAgentLeft(agent: AgentView, ctx: DecisionContext): void {
    this.sync(agent, ctx);
  }

  /** {@inheritDoc Strategy.onAgentLoadChanged} */
  onAgentLoadChanged(agent: AgentView, ctx: DecisionContext): void {
    this.sync(agent, ctx);
  }
}
