/**
 * A router's memory of prompt prefixes as blocks (Mooncake's `hash_ids`): a trie of block ids
 * whose nodes list the agents a prompt through them was bound to, as SGLang's cache-aware router
 * keeps an approximate radix tree of the text it routed to each worker. Built from the router's
 * own decisions, so it can hold a prefix an agent has since evicted.
 *
 * Memory is bounded by `maxBlocks` nodes, the least recently touched forgotten first. A path is
 * touched from its deepest node up, so a node is always touched after its children: the least
 * recently touched node is a leaf, and forgetting it leaves a trie. The recency order is a list
 * threaded through the nodes, so a touch allocates nothing.
 */

interface PrefixNode {
  readonly block: number;
  readonly parent: PrefixNode | undefined;
  /**
   * Children: one held inline, the others in a map made for the second. Most nodes of a prompt
   * trie are leaves or links of a chain, and a map costs ~200 bytes.
   */
  child: PrefixNode | undefined;
  moreChildren: Map<number, PrefixNode> | undefined;
  /** Agent indices bound a prompt through this node, least recently bound first. */
  readonly holders: number[];
  /** Neighbours in the recency list (older, newer). */
  older: PrefixNode | undefined;
  newer: PrefixNode | undefined;
}

/** Remembered prompt prefixes and the agents they were bound to. */
export class PrefixTree {
  private readonly root: PrefixNode = { block: -1, parent: undefined, child: undefined, moreChildren: undefined, holders: [], older: undefined, newer: undefined };
  /** Ends of the recency list of every node but the root. */
  private oldest: PrefixNode | undefined;
  private newest: PrefixNode | undefined;
  private nodes = 0;
  /** Blocks matched by the last {@link PrefixTree.match}. */
  matchedBlocks = 0;

  /** @param maxBlocks - nodes remembered before the least recently touched is forgotten */
  constructor(private readonly maxBlocks: number) {}

  /** Nodes remembered. */
  get size(): number {
    return this.nodes;
  }

  /**
   * The agent, among those `eligible` accepts, bound the longest leading run of `blocks` (the
   * most recently bound of them on a tie), or -1 when none holds even the first block. Sets
   * {@link PrefixTree.matchedBlocks} to the run's length. Allocates nothing.
   */
  match(blocks: readonly number[], eligible: (agent: number) => boolean): number {
    let best = -1;
    let depth = 0;
    let node = this.root;
    for (const block of blocks) {
      const child = childOf(node, block);
      if (child === undefined) break;
      const holder = mostRecentEligible(child.holders, eligible);
      // Holders of a node were bound a prompt through its parent too: none here, none deeper.
      if (holder < 0) break;
      best = holder;
      depth++;
      node = child;
    }
    this.matchedBlocks = depth;
    return best;
  }

  /** Records that a prompt of `blocks` was bound to `agent`. */
  insert(blocks: readonly number[], agent: number): void {
    let node = this.root;
    for (const block of blocks) {
      let child = childOf(node, block);
      if (child === undefined) {
        child = { block, parent: node, child: undefined, moreChildren: undefined, holders: [agent], older: undefined, newer: undefined };
        if (node.child === undefined) node.child = child;
        else (node.moreChildren ??= new Map()).set(block, child);
        this.nodes++;
      }
      const holders = child.holders;
      if (holders[holders.length - 1] !== agent) {
        const at = holders.indexOf(agent);
        if (at >= 0) holders.splice(at, 1);
        holders.push(agent); // last: most recently bound
      }
      node = child;
    }
    for (let up: PrefixNode | undefined = node; up !== undefined && up !== this.root; up = up.parent) this.touch(up);
    while (this.nodes > this.maxBlocks) this.forgetOldest();
  }

  /** Moves `node` to the newest end of the recency list (appends it if new). */
  private touch(node: PrefixNode): void {
    if (node === this.newest) return;
    this.unlink(node);
    node.older = this.newest;
    node.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
  }

  private unlink(node: PrefixNode): void {
    if (node.older !== undefined) node.older.newer = node.newer;
    else if (this.oldest === node) this.oldest = node.newer;
    if (node.newer !== undefined) node.newer.older = node.older;
    else if (this.newest === node) this.newest = node.older;
    node.older = node.newer = undefined;
  }

  /** Forgets the least recently touched node, a leaf. */
  private forgetOldest(): void {
    const oldest = this.oldest!;
    this.unlink(oldest);
    const parent = oldest.parent!;
    if (parent.child === oldest) parent.child = undefined;
    else parent.moreChildren!.delete(oldest.block);
    this.nodes--;
  }
}

function childOf(node: PrefixNode, block: number): PrefixNode | undefined {
  return node.child?.block === block ? node.child : node.moreChildren?.get(block);
}

function mostRecentEligible(holders: readonly number[], eligible: (agent: number) => boolean): number {
  for (let i = holders.length - 1; i >= 0; i--) if (eligible(holders[i]!)) return holders[i]!;
  return -1;
}
