/**
 * The points of a {@link HashRing} in clockwise order under a min segment tree of their owners'
 * keys, so that "the first point clockwise from a hash whose owner's key is below a threshold"
 * is O(log points) however many points in between fail the test. consistent-hash keys an owner
 * by its tasks in hand (∞ while it may not take a task) and asks for the first point below its
 * load bound: the walk it replaces passed every point of a full agent, 100 points an agent.
 *
 * The tree's leaves are blocks of 8 consecutive points, each holding its least key; a query
 * scans at most the block it starts in and the block it descends to. Why blocks: an owner's
 * points are scattered over the ring, so a key change touches as many leaves as the owner has
 * points, each a likely cache miss; a tree an eighth the size stays in cache (at 1,000 agents ×
 * 100 points, an update took 2.3 µs with a leaf per point and 1.2 µs with blocks, a rebuild
 * 2.4 and 1.4 ms: CPU time of a scratch loop on the shared machine).
 *
 * A key change updates the blocks of the owner's points and the levels above them whose
 * minimum changes, often few. Points added to the ring mark the index stale, and the next
 * query rebuilds it from the ring in O(points): a fleet joining at start costs one rebuild, not
 * one per agent. Points removed from the ring need no rebuild if their owner's key is set to
 * {@link NO_KEY}, which no query returns; the next rebuild drops them. Memory: three typed arrays
 * the size of the ring, two with a cell per owner, and the tree (about a quarter of the ring's
 * size), reused across rebuilds.
 */
import { grownToHold } from './agentIndex.js';
import type { HashRing } from './hashRing.js';

/** The key of an owner that no query may return (and of the tree's padding leaves). */
export const NO_KEY = 0x7fffffff;

/** Points per block: the tree's leaves are blocks of consecutive points, scanned when reached. */
const BLOCK_BITS = 3;
const BLOCK = 1 << BLOCK_BITS;

/** A min tree over ring points by owner key; see the module comment. */
export class RingKeyIndex {
  /** Point hashes in clockwise order (ties by owner, as on the ring). */
  private hashes = new Uint32Array(0);
  /** Owner of each point, in the same order. */
  private owners = new Int32Array(0);
  /** Positions of each owner's points: `positions[start[o]] .. positions[start[o + 1] - 1]`. */
  private positions = new Int32Array(0);
  private start = new Int32Array(0);
  /** Each owner's key as last set (or read at the rebuild). */
  private ownerKeys = new Int32Array(0);
  /** Block b's least key at `leaves + b`; node i's children at 2i and 2i + 1; tree[1] is the minimum. */
  private tree = new Int32Array(2);
  private leaves = 1;
  private count = 0;
  private stale = true;

  /**
   * @param ring - the ring whose points are indexed.
   * @param keyOf - an owner's current key (read for every owner when the index is rebuilt).
   */
  constructor(private readonly ring: HashRing, private readonly keyOf: (owner: number) => number) {}

  /** Points were added to the ring (or removed from it): the next query rebuilds from it. */
  markStale(): void {
    this.stale = true;
  }

  /**
   * Sets the key of every point of `owner`. While the index is stale only the key is kept: the
   * rebuild reads every key afresh.
   */
  setKey(owner: number, key: number): void {
    // An owner past the last rebuild's has no points indexed; the next rebuild reads its key.
    if (owner >= this.ownerKeys.length) return;
    const old = this.ownerKeys[owner]!;
    if (old === key) return;
    this.ownerKeys[owner] = key;
    if (this.stale || owner + 1 >= this.start.length) return;
    const tree = this.tree;
    const leaves = this.leaves;
    const to = this.start[owner + 1]!;
    for (let p = this.start[owner]!; p < to; p++) {
      let node = leaves + (this.positions[p]! >> BLOCK_BITS);
      const least = key < tree[node]! ? key : tree[node] === old ? this.blockMin(node - leaves) : tree[node]!;
      if (least === tree[node]) continue;
      tree[node] = least;
      // Up while the minimum changes: above a node whose minimum stays, nothing changes.
      for (node >>= 1; node >= 1; node >>= 1) {
        const left = tree[2 * node]!;
        const right = tree[2 * node + 1]!;
        const parent = left < right ? left : right;
        if (tree[node] === parent) break;
        tree[node] = parent;
      }
    }
  }

  /** The least key over the ring's points ({@link NO_KEY} when there are none). */
  minKey(): number {
    if (this.stale) this.rebuild();
    return this.tree[1]!;
  }

  /** The owner of the first point at or clockwise after `hash` whose key is below `threshold`, or -1 when none is. */
  firstBelow(hash: number, threshold: number): number {
    if (!(this.minKey() < threshold)) return -1;
    const from = this.lowerBound(hash);
    const found = from < this.count ? this.firstFrom(from, threshold) : -1;
    return this.owners[found >= 0 ? found : this.firstFrom(0, threshold)]!;
  }

  /** First position ≥ `from` whose owner's key is below `threshold`, or -1. */
  private firstFrom(from: number, threshold: number): number {
    const block = from >> BLOCK_BITS;
    const inBlock = this.scanBlock(from, threshold);
    if (inBlock >= 0) return inBlock;
    // Up until a right sibling holds a key below the threshold, then down its leftmost path.
    const tree = this.tree;
    let node = this.leaves + block;
    for (;;) {
      if (node === 1) return -1;
      if ((node & 1) === 0 && tree[node + 1]! < threshold) break;
      node >>= 1;
    }
    node++;
    while (node < this.leaves) node = tree[2 * node]! < threshold ? 2 * node : 2 * node + 1;
    return this.scanBlock((node - this.leaves) << BLOCK_BITS, threshold);
  }

  /** First position from `from` to the end of its block whose owner's key is below `threshold`, or -1. */
  private scanBlock(from: number, threshold: number): number {
    const end = Math.min(((from >> BLOCK_BITS) + 1) << BLOCK_BITS, this.count);
    for (let p = from; p < end; p++) if (this.ownerKeys[this.owners[p]!]! < threshold) return p;
    return -1;
  }

  /** The least key over the points of block `block`. */
  private blockMin(block: number): number {
    const end = Math.min((block + 1) << BLOCK_BITS, this.count);
    let least = NO_KEY;
    for (let p = block << BLOCK_BITS; p < end; p++) {
      const key = this.ownerKeys[this.owners[p]!]!;
      if (key < least) least = key;
    }
    return least;
  }

  /** First position whose hash is not below `hash` (`count` when none is). */
  private lowerBound(hash: number): number {
    const hashes = this.hashes;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Copies the ring's points in order, groups them by owner and builds the tree. */
  private rebuild(): void {
    const count = this.ring.size;
    if (this.hashes.length < count) {
      this.hashes = new Uint32Array(count);
      this.owners = new Int32Array(count);
      this.positions = new Int32Array(count);
    }
    let maxOwner = -1;
    let at = 0;
    this.ring.forEachPoint((hash, owner) => {
      this.hashes[at] = hash;
      this.owners[at++] = owner;
      if (owner > maxOwner) maxOwner = owner;
    });
    this.count = count;
    // Counting sort of positions by owner (start[o + 1] counts o's points, then prefix sums).
    this.start = grownToHold(this.start, maxOwner + 1);
    this.start.fill(0, 0, maxOwner + 2);
    for (let p = 0; p < count; p++) this.start[this.owners[p]! + 1]!++;
    for (let o = 0; o <= maxOwner; o++) this.start[o + 1]! += this.start[o]!;
    const next = this.start.slice(0, maxOwner + 1);
    for (let p = 0; p < count; p++) this.positions[next[this.owners[p]!]!++] = p;
    this.start.fill(count, maxOwner + 2);
    this.ownerKeys = grownToHold(this.ownerKeys, maxOwner, NO_KEY);
    for (let o = 0; o < this.ownerKeys.length; o++) this.ownerKeys[o] = o <= maxOwner ? this.keyOf(o) : NO_KEY;
    const blocks = (count + BLOCK - 1) >> BLOCK_BITS;
    let leaves = 1;
    while (leaves < blocks) leaves *= 2;
    if (this.tree.length < 2 * leaves) this.tree = new Int32Array(2 * leaves);
    this.leaves = leaves;
    const tree = this.tree;
    for (let b = 0; b < leaves; b++) tree[leaves + b] = b < blocks ? this.blockMin(b) : NO_KEY;
    for (let node = leaves - 1; node >= 1; node--) {
      const left = tree[2 * node]!;
      const right = tree[2 * node + 1]!;
      tree[node] = left < right ? left : right;
    }
    this.stale = false;
  }
}
