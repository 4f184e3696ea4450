/**
 * consistent-hash with bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
 * with Bounded Loads", SODA 2018): every accepting agent owns `virtualNodes` points on a hash
 * ring; a task goes to the owner of the first point clockwise from the hash of its contextKey,
 * so every task of a key lands on the same agent and the agent keeps that context resident.
 * An agent may hold at most ⌈loadFactor × (T + 1) / n⌉ tasks in hand (active plus its own
 * queue), where T is the tasks in hand over the n accepting agents and the 1 is the task being
 * placed; an agent at that bound is passed over and the walk goes on clockwise to the next
 * agent under it. A hot key therefore spills to the next agents on the ring instead of piling
 * up on one, and no agent ever holds more than the bound while one under it is eligible.
 *
 * Details:
 * - A task without a contextKey is placed by the hash of its task id: spread evenly, no affinity.
 * - Late binding: agents without a free slot are passed over too. If every agent with a free
 *   slot is at the bound (possible when capacities differ), the first agent with a free slot on
 *   the walk takes the task, so a free slot is never left unused.
 * - Points are hashed from agent ids (`<id>#<k>`), not fleet positions, so an agent owns the same
 *   arc in every run; joining and leaving add and remove only that agent's points, and only the
 *   keys on those arcs move (the point of consistent hashing).
 * - A very large `loadFactor` (1000, say) gives plain consistent hashing, without the bound.
 *
 * Decision cost: a binary search on the ring, then the first point clockwise whose owner
 * qualifies (eligible, and under the bound when an eligible agent is). Under late binding, where
 * at high load few agents have a free slot, the ring's points sit under a min tree of their
 * owners' tasks in hand (∞ for an owner without a free slot), kept by the hooks
 * (`ringKeyIndex.ts`): one descent finds that point in O(log points) however many points of
 * full agents (100 an agent) lie before it. A load change there costs O(points per agent ×
 * levels whose minimum changes), about 1 µs at 1,000 agents, outside the decision; an agent
 * joining makes the next decision rebuild the tree, O(points) (about 1.5 ms at 1,000 agents),
 * and one leaving only takes its key to ∞. Under early binding every accepting agent is
 * eligible and fewer than 1 ÷ loadFactor of them can be at the bound (they hold T tasks between
 * them), so walking the ring point by point meets a qualifying owner within about
 * loadFactor ÷ (loadFactor − 1) points (5 at 1.25); there the tree would only add its upkeep to
 * every decision, as routing a task changes its agent's load. Both ways choose the same agent.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import { isEligible, type DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { grownToHold } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';
import { HashRing, ringHash } from './hashRing.js';
import { tasksInHand } from './pipeline/estimates.js';
import { NO_KEY, RingKeyIndex } from './ringKeyIndex.js';

/** Parameters of `consistent-hash`. */
export interface ConsistentHashParams {
  /**
   * Ring points per agent: more points spread keys more evenly over agents (the spread of an
   * agent's share falls as 1/√virtualNodes) at the cost of memory and join time.
   * @defaultValue 100
   */
  readonly virtualNodes: number;
  /**
   * The bound: an agent may hold at most ⌈loadFactor × average tasks⌉ tasks (the paper's 1 + ε).
   * @defaultValue 1.25
   */
  readonly loadFactor: number;
}

class ConsistentHash extends AgentIndexedStrategy {
  readonly name = 'consistent-hash';
  private readonly ring = new HashRing();
  /** Tasks in hand of each agent as last reported; 0 for agents that do not accept. */
  private tasks = new Int32Array(16);
  /** 1 for agents that may be returned (free slot under late binding, accepting under early). */
  private eligible = new Uint8Array(16);
  /** The ring's points by their owners' keys ({@link ConsistentHash.keyOf}). */
  private readonly points = new RingKeyIndex(this.ring, (owner) => this.keyOf(owner));
  /** 1 while the agent's points are on the ring. */
  private onRing = new Uint8Array(16);
  /** Tasks in hand over the accepting agents. */
  private totalTasks = 0;
  /** Agents whose points are on the ring. */
  private members = 0;
  /** Agents that may be returned. */
  private eligibleAgents = 0;

  constructor(private readonly params: ConsistentHashParams) {
    super();
  }

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    if (this.eligibleAgents === 0) return undefined;
    const bound = Math.ceil((this.params.loadFactor * (this.totalTasks + 1)) / this.members);
    const hash = ringHash(task.spec.contextKey ?? task.spec.id);
    const owner = ctx.binding === 'late' ? this.firstOnTree(hash, bound) : this.firstOnWalk(hash, bound);
    if (owner < 0) throw new Error('consistent-hash: an eligible agent has no point on the ring');
    return ctx.fleet.agents[owner];
  }

  /** Brings the ring membership, load and eligibility of `agent` up to date with its view. */
  protected sync(agent: AgentView, ctx: DecisionContext): void {
    const index = agent.index;
    this.tasks = grownToHold(this.tasks, index);
    this.eligible = grownToHold(this.eligible, index);
    this.onRing = grownToHold(this.onRing, index);
    if (agent.accepting && this.onRing[index] === 0) this.placePoints(agent, true);
    else if (!agent.accepting && this.onRing[index] === 1) this.placePoints(agent, false);
    const tasks = agent.accepting ? tasksInHand(agent) : 0;
    this.totalTasks += tasks - this.tasks[index]!;
    this.tasks[index] = tasks;
    const eligible = isEligible(agent, ctx.binding) ? 1 : 0;
    this.eligibleAgents += eligible - this.eligible[index]!;
    this.eligible[index] = eligible;
    // The tree is kept only under late binding (see the module comment); a late decision after
    // an early hook, which no engine makes, would rebuild it.
    if (ctx.binding === 'late') this.points.setKey(index, this.keyOf(index));
    else this.points.markStale();
  }

  /** Late binding: the owner of the first point from `hash` below the bound, read from the tree. */
  private firstOnTree(hash: number, bound: number): number {
    // When no eligible agent is under the bound (capacities differ), the first eligible agent
    // clockwise takes the task; the tree's minimum tells which case holds.
    const threshold = this.points.minKey() < bound ? Math.min(bound, NO_KEY) : NO_KEY;
    return this.points.firstBelow(hash, threshold);
  }

  /** Early binding: the owner of the first point from `hash` under the bound, walking the ring. */
  private firstOnWalk(hash: number, bound: number): number {
    const ring = this.ring;
    ring.seek(hash);
    for (let step = 0; step < ring.size; step++, ring.advance()) {
      const owner = ring.owner();
      // Every eligible agent under early binding is accepting; at most 1/loadFactor of them
      // are at the bound, so one under it always exists.
      if (this.eligible[owner] === 1 && this.tasks[owner]! < bound) return owner;
    }
    return -1;
  }

  /** An agent's key in the point index: its tasks in hand, or NO_KEY when it may not be returned. */
  private keyOf(index: number): number {
    return this.eligible[index] === 1 ? this.tasks[index]! : NO_KEY;
  }

  /** Adds (or removes) the agent's virtual nodes. */
  private placePoints(agent: AgentView, add: boolean): void {
    for (let k = 0; k < this.params.virtualNodes; k++) {
      const hash = ringHash(`${agent.spec.id}#${k}`);
      if (add) this.ring.add(hash, agent.index);
      else if (!this.ring.remove(hash, agent.index)) throw new Error(`consistent-hash: point ${k} of agent ${agent.spec.id} is not on the ring`);
    }
    this.onRing[agent.index] = add ? 1 : 0;
    this.members += add ? 1 : -1;
    // A leaver's points may stay in the tree: its key is NO_KEY from now on (it accepts
    // nothing), so no decision can stop there; the next rebuild drops them.
    if (add) this.points.markStale();
  }
}

/** Registry entry for `consistent-hash`. */
export const consistentHash = defineStrategy({
  name: 'consistent-hash',
  description: 'A hash ring on the contextKey with virtual nodes and bounded loads (O(log n)).',
  params: z.strictObject({
    virtualNodes: z.number().int().min(1).max(10_000).default(100),
    loadFactor: z.number().min(1).default(1.25),
  }),
  create: (params) => new ConsistentHash(params),
});
