/**
 * predictive: learns the arrival mix over a sliding window of the last `windowTasks`
 * submissions (how often each task type and each contextKey arrived) and, when an agent falls
 * idle, pre-warms it: loads the most frequent recent key of the most frequent recent type the
 * agent is skilled for (skill ≥ `minSkill`) that it does not already hold. The load happens
 * while the agent would otherwise wait, so the next task of that key finds it resident.
 *
 * Routing prefers an eligible agent that holds the task's key (resident as last reported, or
 * pre-warmed), then the higher skill for the task type, then the fewer tasks per slot, then the
 * lower index. A routing decision scans the fleet; learning is O(1) per submission, and
 * choosing what to pre-warm scans the keys seen in the window, once per agent falling idle.
 *
 * It breaks when the mix has no memory (every key equally likely, or keys never repeat within
 * the window): pre-warmed contexts then go unused and count as context waste.
 */
import { z } from 'zod';
import { skillFor, type AgentView } from '../engine/agent.js';
import type { ContextToLoad, DecisionContext, Strategy } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { bestEligible, moreSkilled } from './bestAgent.js';
import { defineStrategy } from './definition.js';
import { share } from './params.js';

/** Parameters of `predictive`. */
export interface PredictiveParams {
  /** Submissions remembered: the sliding window the mix is learned over. */
  readonly windowTasks: number;
  /** Lowest skill for a type that an agent is pre-warmed for. */
  readonly minSkill: number;
}

/** Counts of the values in a sliding window, by value. */
class WindowCounts {
  readonly counts = new Map<string, number>();

  add(value: string): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  remove(value: string): void {
    const left = this.counts.get(value)! - 1;
    if (left === 0) this.counts.delete(value);
    else this.counts.set(value, left);
  }
}

class Predictive implements Strategy {
  readonly name = 'predictive';
  // The window as parallel rings of type and key (undefined: the task had no key).
  private readonly types: string[] = [];
  private readonly keys: (string | undefined)[] = [];
  private next = 0;
  private readonly typeCounts = new WindowCounts();
  private readonly keyCounts = new WindowCounts();
  /** What each key needs loaded and which type it belongs to, as last seen. */
  private readonly keyInfo = new Map<string, { readonly type: string; readonly contextTokens: number }>();
  /** The key last pre-warmed on each agent, by agent index. */
  private readonly warmed: (string | undefined)[] = [];

  constructor(private readonly params: PredictiveParams) {}

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    return bestEligible(task, ctx, this.prefers);
  }

  /** Holding the task's key first, then {@link moreSkilled} (allocated once). */
  private readonly prefers = (a: AgentView, b: AgentView, task: TaskView): boolean => {
    const key = task.spec.contextKey;
    const holds = key !== undefined && this.holds(a, key);
    if (holds !== (key !== undefined && this.holds(b, key))) return holds;
    return moreSkilled(a, b, task);
  };

  onSubmitted(task: TaskView): void {
    const { type, contextKey, contextTokens } = task.spec;
    if (this.types.length === this.params.windowTasks) {
      this.typeCounts.remove(this.types[this.next]!);
      const old = this.keys[this.next];
      if (old !== undefined) this.keyCounts.remove(old);
    }
    this.types[this.next] = type;
    this.keys[this.next] = contextKey;
    this.next = (this.next + 1) % this.params.windowTasks;
    this.typeCounts.add(type);
    if (contextKey !== undefined) {
      this.keyCounts.add(contextKey);
      this.keyInfo.set(contextKey, { type, contextTokens });
    }
  }

  prewarm(agent: AgentView): ContextToLoad | undefined {
    const type = this.expectedType(agent);
    if (type === undefined) return undefined;
    let bestKey: string | undefined;
    let bestCount = 0;
    for (const [key, count] of this.keyCounts.counts) {
      if (count <= bestCount || this.keyInfo.get(key)!.type !== type || this.holds(agent, key)) continue;
      bestKey = key;
      bestCount = count;
    }
    if (bestKey === undefined) return undefined;
    this.warmed[agent.index] = bestKey;
    return { contextKey: bestKey, contextTokens: this.keyInfo.get(bestKey)!.contextTokens };
  }

  /** The most frequent recent type with keys that `agent` is skilled enough for. */
  private expectedType(agent: AgentView): string | undefined {
    let best: string | undefined;
    let bestCount = 0;
    for (const [type, count] of this.typeCounts.counts) {
      if (count > bestCount && skillFor(agent, type) >= this.params.minSkill) {
        best = type;
        bestCount = count;
      }
    }
    return best;
  }

  private holds(agent: AgentView, key: string): boolean {
    return agent.residentKeys.has(key) || this.warmed[agent.index] === key;
  }
}

/** Registry entry for `predictive`. */
export const predictive = defineStrategy({
  name: 'predictive',
  description: 'Learns the recent task mix and pre-warms idle agents with the contexts it expects next.',
  params: z.strictObject({ windowTasks: z.number().int().min(1).default(200), minSkill: share.default(0.5) }),
  create: (params: PredictiveParams) => new Predictive(params),
});
