/**
 * The most skilled eligible agent for a task type without scanning the fleet: per type, the
 * agents' skill levels in descending order, each level an {@link EligibleHeap} by tasks per
 * slot. The answer is the rule of `moreSkilled` over the eligible agents (the higher skill, then
 * the fewer tasks per slot, then the lowest index), read from the first level with an eligible
 * agent: O(levels) per decision, where a scan was O(n). A type is indexed on first sight (one
 * pass over the fleet); every load change then updates one heap per type seen, O(types × log n).
 */
import { skillFor, type AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import { EligibleHeap } from './agentIndex.js';
import { tasksPerSlot } from './pipeline/estimates.js';

/** One type's agents by skill level. */
interface SkillLadder {
  readonly type: string;
  /** Distinct skills for the type, highest first, and the eligible agents at each. */
  readonly skills: number[];
  readonly levels: EligibleHeap[];
}

/** See the module comment. Keep it current by calling {@link MostSkilledIndex.sync} from every agent hook. */
export class MostSkilledIndex {
  private readonly ladders = new Map<string, SkillLadder>();

  /** Brings `agent`'s place in every ladder up to date with its view. */
  sync(agent: AgentView, ctx: DecisionContext): void {
    for (const ladder of this.ladders.values()) levelOf(ladder, skillFor(agent, ladder.type)).sync(agent, ctx.binding);
  }

  /** The eligible agent `moreSkilled` puts first for `type`, passing over `passedOver` if given. */
  best(type: string, ctx: DecisionContext, passedOver?: AgentView): AgentView | undefined {
    const ladder = this.ladders.get(type) ?? this.ladderOf(type, ctx);
    const skip = passedOver?.index ?? -1;
    for (const level of ladder.levels) {
      const agent = level.bestOther(ctx.fleet.agents, skip);
      if (agent !== undefined) return agent;
    }
    return undefined;
  }

  private ladderOf(type: string, ctx: DecisionContext): SkillLadder {
    const ladder: SkillLadder = { type, skills: [], levels: [] };
    this.ladders.set(type, ladder);
    for (const agent of ctx.fleet.agents) levelOf(ladder, skillFor(agent, type)).sync(agent, ctx.binding);
    return ladder;
  }
}

/** The level of `skill` in `ladder`, added in its place if new. */
function levelOf(ladder: SkillLadder, skill: number): EligibleHeap {
  let at = 0;
  while (at < ladder.skills.length && ladder.skills[at]! > skill) at++;
  if (ladder.skills[at] !== skill) {
    ladder.skills.splice(at, 0, skill);
    ladder.levels.splice(at, 0, new EligibleHeap(tasksPerSlot));
  }
  return ladder.levels[at]!;
}
