/**
 * The agents that carry every tag of a task's tag set, in fleet order, so that the constraint
 * fallback (`fallbackAgent` in ./delegation.ts) looks only at agents that may take a tagged
 * task instead of scanning the whole fleet: at 1,000 agents that scan was ~50 µs for each task
 * whose strategy picked an agent without its tags, the tail of routing's p99.
 *
 * Agents' tags never change and the fleet only grows (an agent that leaves keeps its place), so
 * a list is extended with the agents added since it was last read, and never rebuilt. It is
 * derived state: not part of a snapshot, rebuilt lazily after a restore.
 */
import { hasTags, type AgentRecord } from './agent.js';

/** Distinct tag sets indexed at most; a task with another set falls back to the fleet scan. */
export const MAX_TAG_SETS = 64;

interface TaggedAgents {
  readonly agents: AgentRecord[];
  /** How many agents of the fleet have been looked at. */
  seen: number;
}

/** Agents by the tag sets tasks ask for (see the module's comment). */
export class TagIndex {
  private readonly sets = new Map<string, TaggedAgents>();

  /**
   * The agents of `fleet` that carry every tag of `tags` (non-empty), in fleet order; the whole
   * fleet when {@link MAX_TAG_SETS} other sets are already indexed (the caller checks tags).
   */
  agentsWith(fleet: readonly AgentRecord[], tags: readonly string[]): readonly AgentRecord[] {
    const key = tags.length === 1 ? tags[0]! : tags.join('\u0000');
    let set = this.sets.get(key);
    if (set === undefined) {
      if (this.sets.size >= MAX_TAG_SETS) return fleet;
      set = { agents: [], seen: 0 };
      this.sets.set(key, set);
    }
    for (; set.seen < fleet.length; set.seen++) {
      const agent = fleet[set.seen]!;
      if (hasTags(agent, tags)) set.agents.push(agent);
    }
    return set.agents;
  }
}
