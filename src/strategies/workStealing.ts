/**
 * work-stealing: tasks are placed on arrival without looking at load (uniformly at random
 * among accepting agents, O(1)); an agent that has a free slot and an empty queue steals the
 * last task (least urgent, newest) of the busiest agent whose last task it can do
 * (skill ≥ `minSkill`; a task assigned by name is never stolen; ties to the lowest index).
 * Stealing from the back leaves the victim's oldest work in place, as in Cilk's and Tokio's
 * schedulers, so the victim keeps the work it was about to start.
 *
 * It is an early-binding strategy: the engine asks `steal` only under early binding. Under late
 * binding there are no agent queues to steal from, and it reduces to random placement on free
 * agents.
 *
 * Nothing scans the fleet. Queued tasks fall into kinds (type and tags; a thief either may take
 * every task of a kind or none), and the agents whose queue ends with a task of a kind are kept
 * in a heap by queue length, updated by the load hook: choosing a victim reads one heap top per
 * kind the thief may take. The same kinds are the steal rules the engine indexes its hungry
 * agents by, so a routed task wakes only an agent that can steal it.
 */
import { z } from 'zod';
import { hasTags, skillFor, type AgentView } from '../engine/agent.js';
import type { DecisionContext, StealRules } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { IndexedMinHeap } from './agentIndex.js';
import { defineStrategy } from './definition.js';
import { share } from './params.js';
import { RandomEligible } from './random.js';

/** Parameters of `work-stealing`. */
export interface WorkStealingParams {
  /** Lowest skill a thief needs for the task type it steals. */
  readonly minSkill: number;
}

/** What a thief must have to take a task of one kind. */
interface Kind {
  readonly type: string;
  readonly tags: readonly string[];
}

/** Placement is `random`'s (inherited); stealing is what this strategy adds. */
class WorkStealing extends RandomEligible implements StealRules {
  /** Kind numbers of untagged tasks by type, and of tagged ones by type and tags. */
  private readonly untagged = new Map<string, number>();
  private readonly tagged = new Map<string, number>();
  private readonly kinds: Kind[] = [];
  /** Per kind: agents whose queue ends with a task of that kind, by (−queued, index). */
  private readonly victims: IndexedMinHeap[] = [];
  /** Per agent: the kind its queue ends with (-1: none) as last synced. */
  private lastKind: number[] = [];
  readonly stealRules: StealRules = this;

  constructor(private readonly params: WorkStealingParams) {
    super('work-stealing');
  }

  kindOf(task: TaskView): number {
    const { assignee, type, tags } = task.spec;
    if (assignee !== undefined) return -1; // a task assigned by name must run on its assignee
    if (tags === undefined || tags.length === 0) return this.untagged.get(type) ?? this.newKind(this.untagged, type, type, []);
    const key = `${type}\u0000${tags.join('\u0000')}`;
    return this.tagged.get(key) ?? this.newKind(this.tagged, key, type, tags);
  }

  mayTake(thief: AgentView, kind: number): boolean {
    const { type, tags } = this.kinds[kind]!;
    return hasTags(thief, tags) && skillFor(thief, type) >= this.params.minSkill;
  }

  steal(thief: AgentView, ctx: DecisionContext): TaskView | undefined {
    let victim = -1;
    let victimQueued = 0;
    for (let kind = 0; kind < this.victims.length; kind++) {
      const heap = this.victims[kind]!;
      if (heap.size === 0 || !this.mayTake(thief, kind)) continue;
      let top = heap.peek();
      if (top === thief.index) {
        // The thief's own queue is no victim: look at the next best of the kind.
        const key = heap.keyOf(top);
        heap.delete(top);
        const next = heap.peek();
        heap.set(top, key);
        top = next;
        if (top < 0) continue;
      }
      const queued = ctx.fleet.agents[top]!.queued;
      if (queued > victimQueued || (queued === victimQueued && top < victim)) {
        victim = top;
        victimQueued = queued;
      }
    }
    return victim < 0 ? undefined : ctx.fleet.lastQueued?.(ctx.fleet.agents[victim]!);
  }

  protected override sync(agent: AgentView, ctx: DecisionContext): void {
    super.sync(agent, ctx);
    const last = agent.queued > 0 ? ctx.fleet.lastQueued?.(agent) : undefined;
    const kind = last === undefined ? -1 : this.kindOf(last);
    const before = this.lastKind[agent.index] ?? -1;
    if (before >= 0 && before !== kind) this.victims[before]!.delete(agent.index);
    if (kind >= 0) this.victims[kind]!.set(agent.index, -agent.queued);
    this.lastKind[agent.index] = kind;
  }

  private newKind(kinds: Map<string, number>, key: string, type: string, tags: readonly string[]): number {
    const kind = this.kinds.length;
    kinds.set(key, kind);
    this.kinds.push({ type, tags: [...tags] });
    this.victims.push(new IndexedMinHeap());
    return kind;
  }
}

/** Registry entry for `work-stealing`. */
export const workStealing = defineStrategy({
  name: 'work-stealing',
  description: 'Random placement; an agent that runs dry steals the newest task of the busiest compatible agent.',
  params: z.strictObject({ minSkill: share.default(0) }),
  create: (params: WorkStealingParams) => new WorkStealing(params),
});
