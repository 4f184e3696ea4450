/**
 * Hand-built views and contexts for the pipeline-part tests.
 */
import seedrandom from 'seedrandom';
import type { AgentSpec, AgentView } from '../../../src/engine/agent.js';
import type { Binding, DecisionContext } from '../../../src/engine/strategy.js';
import type { TaskSpec, TaskView } from '../../../src/engine/task.js';
import { agentSpec, taskSpec } from '../../support/harness.js';
import { idleAgentView, taskViewOf } from '../../support/views.js';

/** What a test may set on an agent: its spec fields and its load fields. */
export type AgentShape = Partial<Omit<AgentSpec, 'id'>> & Partial<Omit<AgentView, 'spec' | 'index'>>;

/** Agent `a<index>` at fleet position `index`. Spec defaults: capacity 4, 100 tokens/s. */
export function agentAt(index: number, shape: AgentShape = {}): AgentView {
  const { capacity = 4, tokensPerSecond = 100, skills = {}, weight, tags = [], contextWindowTokens, ...load } = shape;
  const spec = agentSpec({ id: `a${index}`, capacity, tokensPerSecond, skills, weight: weight ?? capacity, tags, contextWindowTokens });
  return idleAgentView(spec, index, load);
}

/** A fleet: agent i gets `shapes[i]`. */
export function fleet(...shapes: AgentShape[]): AgentView[] {
  return shapes.map((shape, i) => agentAt(i, shape));
}

/** A queued task of type `code` with 1000 tokens, fields overridable. */
export function task(fields: Partial<TaskSpec> = {}, view: Partial<Omit<TaskView, 'spec'>> = {}): TaskView {
  return taskViewOf(taskSpec({ id: 't', ...fields }), view);
}

/** A decision context over `agents`, with a seeded generator. */
export function decision(agents: AgentView[], options: { binding?: Binding; seed?: string; now?: number; random?: () => number } = {}): DecisionContext {
  return {
    now: options.now ?? 0,
    random: options.random ?? seedrandom(options.seed ?? 'pipeline'),
    binding: options.binding ?? 'late',
    fleet: { agents, freeSlots: 0, queuedTasks: 0 },
  };
}
