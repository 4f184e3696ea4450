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
 * Decision cost: a binary search on the ring, then a walk that passes over agents at the bound
 * or (late binding) full. The walk reads the strategy's own load array and eligibility heap,
 * kept by the hooks, and one agent view, the one returned. It visits about n ÷ q ring points
 * when q agents qualify, and never more than the ring: under early binding most agents are
 * under the bound, so the walk is a few points; under late binding at high load q is the number
 * of agents with a free slot. With no eligible agent the decision returns at once, and the
 * heap's minimum says up front whether any eligible agent is under the bound.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { EligibleHeap, grownToHold } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';
import { HashRing, ringHash } from './hashRing.js';
import { tasksInHand } from './pipeline/estimates.js';

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
  /** Agents that may be returned (free slot under late binding, accepting under early), by tasks in hand. */
  private readonly eligible = new EligibleHeap(tasksInHand);
  /** 1 while the agent's points are on the ring. */
  private onRing = new Uint8Array(16);
  /** Tasks in hand over the accepting agents. */
  private totalTasks = 0;
  /** Agents whose points are on the ring. */
  private members = 0;

  constructor(private readonly params: ConsistentHashParams) {
    super();
  }

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const eligible = this.eligible;
    if (eligible.size === 0) return undefined;
    const bound = Math.ceil((this.params.loadFactor * (this.totalTasks + 1)) / this.members);
    // When no eligible agent is under the bound (late binding, capacities differ), the first
    // eligible agent on the walk takes the task; the heap's minimum tells which case holds.
    const anyUnderBound = eligible.bestKey() < bound;
    const ring = this.ring;
    ring.seek(ringHash(task.spec.contextKey ?? task.spec.id));
    for (let step = 0; step < ring.size; step++, ring.advance()) {
      const owner = ring.owner();
      if (eligible.has(owner) && (!anyUnderBound || this.tasks[owner]! < bound)) return ctx.fleet.agents[owner];
    }
    throw new Error('consistent-hash: an eligible agent has no point on the ring');
  }

  /** Brings the ring membership, load and eligibility of `agent` up to date with its view. */
  protected sync(agent: AgentView, ctx: DecisionContext): void {
    const index = agent.index;
    this.tasks = grownToHold(this.tasks, index);
    this.onRing = grownToHold(this.onRing, index);
    if (agent.accepting && this.onRing[index] === 0) this.placePoints(agent, true);
    else if (!agent.accepting && this.onRing[index] === 1) this.placePoints(agent, false);
    const tasks = agent.accepting ? tasksInHand(agent) : 0;
    this.totalTasks += tasks - this.tasks[index]!;
    this.tasks[index] = tasks;
    this.eligible.sync(agent, ctx.binding);
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
  }
}

/** Registry entry for `consistent-hash`. */
export const consistentHash = defineStrategy({
  name: 'consistent-hash',
  description: 'A hash ring on the contextKey with virtual nodes and bounded loads (O(log n) plus a short walk).',
  params: z.strictObject({
    virtualNodes: z.number().int().min(1).max(10_000).default(100),
    loadFactor: z.number().min(1).default(1.25),
  }),
  create: (params) => new ConsistentHash(params),
});
