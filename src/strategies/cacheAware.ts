/**
 * cache-aware: after SGLang's cache-aware router (sgl-router / SGLang Model Gateway, policy
 * `cache_aware`). A task goes to the agent that holds the longest part of its context, so that
 * part need not be loaded again, unless the fleet's load is unbalanced, in which case it goes to
 * the shortest queue. Exactly:
 *
 * 1. load = tasks in hand (active plus its own queue) of each accepting agent; with max and min
 *    over the accepting agents, the fleet is unbalanced when
 *    `max − min > balanceAbsThreshold` and `max > balanceRelThreshold × min` (SGLang's test);
 * 2. what an agent holds is what this strategy bound to it (in `onAssign`). Like SGLang's
 *    approximate radix tree, it is built from the router's own decisions, not from what agents
 *    report: finding the agents whose resident context matches would mean scanning the fleet,
 *    and no hook reports resident context as it changes;
 * 3. a task with `contextBlocks` (a prompt prefix as blocks, Mooncake's `hash_ids`): the
 *    eligible agent bound the longest leading run of its blocks (most recently bound on a tie;
 *    `PrefixTree`) takes it if the fleet is balanced and that run is more than `cacheThreshold`
 *    of its blocks, SGLang's prefix match rate test. The tree remembers `maxBlocks` blocks;
 * 4. a task with only a contextKey: the agent last bound a task of that key (its holder) takes
 *    it if the holder is eligible and the fleet balanced. The `maxKeys` most recently bound keys
 *    are remembered (least recently bound forgotten first, as SGLang evicts its tree);
 * 5. otherwise the eligible agent with the fewest tasks in hand takes it (ties: lowest index),
 *    which then becomes the holder of its key or blocks. SGLang's router, when balanced but
 *    below its cache threshold, picks the worker with the smallest tree instead; here a new
 *    prefix goes to the shortest queue.
 *
 * *Eligible*: a free slot under late binding, accepting under early.
 *
 * SGLang's defaults are `balance_abs_threshold` 64, `balance_rel_threshold` 1.5 and
 * `cache_threshold` 0.3, with load = requests in flight on an inference server that batches
 * hundreds of them. An agent holds a few tasks (capacity 1–4 in fleetsim's scenarios), so 64
 * would mean the balance test never fires; fleetsim keeps the relative threshold 1.5, the cache
 * threshold 0.3, and lowers the absolute one to 2 tasks (see docs/STRATEGIES.md for the
 * measurements behind it).
 *
 * Decision cost: O(1) for a key, O(blocks matched × holders scanned) for blocks. Min and max
 * load come from two indexed heaps over the accepting agents, the shortest queue from a third
 * over the eligible agents, the key holder from a map; the hooks keep them in O(log n) per load
 * change.
 */
import { z } from 'zod';
import type { AgentView } from '../engine/agent.js';
import type { DecisionContext } from '../engine/strategy.js';
import type { TaskView } from '../engine/task.js';
import { EligibleHeap, IndexedMinHeap } from './agentIndex.js';
import { AgentIndexedStrategy } from './agentIndexedStrategy.js';
import { defineStrategy } from './definition.js';
import { PrefixTree } from './prefixTree.js';
import { tasksInHand } from './pipeline/estimates.js';

/** Parameters of `cache-aware`. */
export interface CacheAwareParams {
  /**
   * The fleet is unbalanced only if max − min load exceeds this many tasks (SGLang: 64).
   * @defaultValue 2
   */
  readonly balanceAbsThreshold: number;
  /**
   * …and max load exceeds this multiple of min load (SGLang: 1.5).
   * @defaultValue 1.5
   */
  readonly balanceRelThreshold: number;
  /**
   * Keys whose holder is remembered; the least recently bound is forgotten first.
   * @defaultValue 100000
   */
  readonly maxKeys: number;
  /**
   * A task with blocks goes to the agent holding its longest prefix only if that prefix is more
   * than this share of its blocks (SGLang: 0.3).
   * @defaultValue 0.3
   */
  readonly cacheThreshold: number;
  /**
   * Prefix blocks (tree nodes, ~140 bytes each) remembered; the least recently bound is forgotten first.
   * @defaultValue 250000
   */
  readonly maxBlocks: number;
}

class CacheAware extends AgentIndexedStrategy {
  readonly name = 'cache-aware';
  /** Accepting agents by tasks in hand, for the minimum. */
  private readonly least = new IndexedMinHeap();
  /** Accepting agents by minus tasks in hand, for the maximum. */
  private readonly most = new IndexedMinHeap();
  /** Eligible agents by tasks in hand: the shortest queue. */
  private readonly shortest = new EligibleHeap(tasksInHand);
  /** Holder (agent index) of each remembered key; iteration order is least recently bound first. */
  private readonly holders = new Map<string, number>();
  /** Prompt prefixes (contextBlocks) and the agents they were bound to. */
  private readonly prefixes: PrefixTree;
  private readonly eligible = (agent: number): boolean => this.shortest.has(agent);

  constructor(private readonly params: CacheAwareParams) {
    super();
    this.prefixes = new PrefixTree(params.maxBlocks);
  }

  pickAgent(task: TaskView, ctx: DecisionContext): AgentView | undefined {
    const blocks = task.spec.contextBlocks;
    const key = task.spec.contextKey;
    if (blocks !== undefined && blocks.length > 0) {
      if (!this.unbalanced()) {
        const holder = this.prefixes.match(blocks, this.eligible);
        if (holder >= 0 && this.prefixes.matchedBlocks > this.params.cacheThreshold * blocks.length) return ctx.fleet.agents[holder];
      }
    } else if (key !== undefined) {
      const holder = this.holders.get(key);
      if (holder !== undefined && this.shortest.has(holder) && !this.unbalanced()) return ctx.fleet.agents[holder];
    }
    return this.shortest.best(ctx.fleet.agents);
  }

  onAssign(task: TaskView, agent: AgentView): void {
    const blocks = task.spec.contextBlocks;
    if (blocks !== undefined && blocks.length > 0) {
      this.prefixes.insert(blocks, agent.index);
      return;
    }
    const key = task.spec.contextKey;
    if (key === undefined) return;
    this.holders.delete(key); // re-inserted last: most recently bound
    this.holders.set(key, agent.index);
    if (this.holders.size > this.params.maxKeys) {
      const oldest = this.holders.keys().next();
      if (!oldest.done) this.holders.delete(oldest.value);
    }
  }

  /** SGLang's imbalance test over the accepting agents' tasks in hand. */
  private unbalanced(): boolean {
    if (this.least.size === 0) return false;
    const min = this.least.peekKey();
    const max = -this.most.peekKey();
    return max - min > this.params.balanceAbsThreshold && max > this.params.balanceRelThreshold * min;
  }

  protected sync(agent: AgentView, ctx: DecisionContext): void {
    this.shortest.sync(agent, ctx.binding);
    if (agent.accepting) {
      const tasks = tasksInHand(agent);
      this.least.set(agent.index, tasks);
      this.most.set(agent.index, -tasks);
    } else {
      this.least.delete(agent.index);
      this.most.delete(agent.index);
    }
  }
}

/** Registry entry for `cache-aware`. */
export const cacheAware = defineStrategy({
  name: 'cache-aware',
  description: 'The agent holding the longest prompt prefix (contextBlocks) or the contextKey unless load is unbalanced, then the shortest queue (SGLang router).',
  params: z.strictObject({
    balanceAbsThreshold: z.number().min(0).default(2),
    balanceRelThreshold: z.number().min(1).default(1.5),
    maxKeys: z.number().int().min(1).default(100_000),
    cacheThreshold: z.number().min(0).max(1).default(0.3),
    maxBlocks: z.number().int().min(1).default(250_000),
  }),
  create: (params) => new CacheAware(params),
});
