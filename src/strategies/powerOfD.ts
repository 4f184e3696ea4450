/**
 * power-of-d (the power of d choices; Mitzenmacher, Vvedenskaya et al.): sample `d` distinct
 * eligible agents uniformly at random and take the one with the fewest tasks in hand (active
 * plus its own queue, counted absolutely). Ties go to the agent sampled first, so no agent is
 * favoured by its position in the fleet. With early binding over identical agents this is the
 * supermarket model: at d = 2 the mean time in system falls from 1/(1−λ) (random routing, M/M/1)
 * to Σ_{i≥1} λ^((d^i−d)/(d−1)) as the fleet grows, about 2.61 instead of 10 at λ = 0.9.
 *
 * The eligible agents (a free slot under late binding, accepting under early) are kept in an
 * {@link AgentSet} by the hooks, so a decision draws `d` numbers from `ctx.random` and reads at
 * most `d` agents: O(d), whatever the fleet size. None is read after one with no tasks in hand,
 * which no other can beat (the draws are still taken, so the random stream is the same). Sampling without replacement is a partial Fisher–Yates
 * shuffle of that set, undone before returning, so a discarded pick leaves no trace.
 * When fewer than `d` agents are eligible, all of them are sampled.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { defineStrategy } from './definition.js';
import { tasksInHand } from './pipeline/estimates.js';
import { RandomEligible } from './random.js';

/** Parameters of `power-of-d`. */
export interface PowerOfDParams {
  /**
   * Agents sampled per decision (1 is random routing).
   * @defaultValue 2
   */
  readonly d: number;
}

/** The eligible set, and the hooks that keep it, are `random`'s (inherited); d = 1 picks as it does. */
class PowerOfD extends RandomEligible {
  /** Swap partner of each draw, to undo the partial shuffle (scratch, reused). */
  private readonly partners: Int32Array;

  constructor(private readonly d: number) {
    super('power-of-d');
    if (!Number.isInteger(d) || d < 1) throw new Error(`power-of-d: d must be an integer >= 1, got ${d}`);
    this.partners = new Int32Array(d);
  }

  override pickAgent(_task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const eligible = this.eligible;
    const n = eligible.size;
    if (n === 0) return undefined;
    const agents = ctx.fleet.agents;
    const draws = Math.min(this.d, n);
    let best: AgentView | undefined;
    let bestTasks = Number.POSITIVE_INFINITY;
    let swapped = 0;
    for (let i = 0; i < draws; i++) {
      // Draw uniformly among the members not drawn yet (positions i..n−1).
      const partner = i + Math.floor(ctx.random() * (n - i));
      // No agent holds fewer than no tasks: once one is found the rest of the draws are taken
      // (the random stream stays the same) but their agents are not read, a cache line each in
      // a large fleet, where an idle agent is the usual first draw under late binding.
      if (bestTasks === 0) continue;
      const agent = agents[eligible.at(partner)]!;
      const tasks = tasksInHand(agent);
      if (tasks < bestTasks) {
        best = agent;
        bestTasks = tasks;
      }
      if (bestTasks > 0 && i + 1 < draws) {
        this.partners[i] = partner;
        eligible.swap(i, partner);
        swapped = i + 1;
      }
    }
    for (let i = swapped - 1; i >= 0; i--) eligible.swap(i, this.partners[i]!);
    return best;
  }
}

/** Registry entry for `power-of-d`. */
export const powerOfD = defineStrategy<PowerOfDParams>({
  name: 'power-of-d',
  description: 'Sample d eligible agents at random and take the one with the fewest tasks (supermarket model, O(d)).',
  params: z.strictObject({ d: z.number().int().min(1).max(64).default(2) }),
  create: (params) => new PowerOfD(params.d),
});
