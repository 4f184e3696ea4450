/**
 * Indexes of agents that strategies keep up to date in their hooks (`onAgentJoined`,
 * `onAgentLeft`, `onAgentLoadChanged`), so that a decision reads a handful of agents instead of
 * scanning the fleet:
 *
 * - {@link IndexedMinHeap}: agents by a numeric key (fewest tasks, lowest load…), with a
 *   position map so that a key change is O(log n); ties go to the lowest agent index;
 * - {@link AgentSet}: a set of agents with O(1) add, delete and uniform sampling by position;
 * - {@link AgentQueue}: a FIFO of agents with O(1) append, removal anywhere and head.
 *
 * Every structure holds agent indices (`AgentView.index`), never views: a view is the engine's
 * live record and is read afresh from `ctx.fleet.agents` when a decision needs it. Storage is
 * typed arrays that grow by doubling, so an update allocates only when the fleet outgrows them.
 */
import type { AgentView } from '../engine/agent.js';
import { isEligible, type Binding } from '../engine/strategy.js';

/**
 * The indexes' constants, written in place by the compiler (a const enum: a module constant is a
 * context load at every access, and these are read at every pick and load change).
 */
const enum Index {
  /** Not in the structure (positions and links). */
  Absent = -1,
  /** Children per node of {@link IndexedMinHeap}. */
  Arity = 4,
}

/** The typed arrays that strategies index by agent (`AgentView.index`). */
type AgentIndexed = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/**
 * `array` itself when it has a cell `index`, else a copy grown by doubling (to 8 cells at least)
 * to hold it, new cells set to `fill`. Every per-agent array of the strategies grows through
 * here, so it reallocates only when the fleet outgrows it, never per decision.
 */
export function grownToHold<A extends AgentIndexed>(array: A, index: number, fill = 0): A {
  if (index < array.length) return array;
  let length = Math.max(array.length, 8);
  while (length <= index) length *= 2;
  // A typed array's constructor is its own type's: the copy has the same element type.
  const grown = new (array.constructor as new (length: number) => A)(length);
  grown.fill(fill, array.length);
  grown.set(array);
  return grown;
}

function assertAgentIndex(agent: number): void {
  if (!Number.isInteger(agent) || agent < 0) throw new Error(`agent index must be an integer >= 0, got ${agent}`);
}

/** A set of agent indices: one bit per agent (12.5 KB for 100,000 agents), so a test stays in cache. */
class AgentBits {
  protected words = new Int32Array(8);

  /** True when `agent` is a member. */
  has(agent: number): boolean {
    const word = agent >> 5;
    return word < this.words.length && (this.words[word]! & (1 << (agent & 31))) !== 0;
  }

  /** Sets `agent`'s bit; its word. */
  protected setBit(agent: number): number {
    const word = agent >> 5;
    if (word >= this.words.length) this.words = grownToHold(this.words, word);
    this.words[word]! |= 1 << (agent & 31);
    return word;
  }

  /** Clears `agent`'s bit; what is left of its word. */
  protected clearBit(agent: number): number {
    const word = agent >> 5;
    const bits = this.words[word]! & ~(1 << (agent & 31));
    this.words[word] = bits;
    return bits;
  }
}

/** A plain {@link AgentBits}: adding and removing are a bit each. */
class AgentBitSet extends AgentBits {
  add(agent: number): void {
    this.setBit(agent);
  }

  delete(agent: number): void {
    this.clearBit(agent);
  }
}

/**
 * A set of agent indices that yields its lowest member: one bit per agent, and a summary bit per
 * 32-agent word that is set when the word has a member, so finding the lowest member reads the
 * summary up to its first set bit and one word. Adding, removing and testing are a bit each.
 */
class LowestIndexSet extends AgentBits {
  private summary = new Int32Array(1);
  /** No summary word before this one has a bit set. */
  private firstSummaryWord = 0;
  private count = 0;

  /** Members. */
  get size(): number {
    return this.count;
  }

  /** Adds `agent` (an index >= 0), which must not be a member. */
  add(agent: number): void {
    const word = this.setBit(agent);
    const summaryWord = word >> 5;
    if (summaryWord >= this.summary.length) this.summary = grownToHold(this.summary, summaryWord);
    this.summary[summaryWord]! |= 1 << (word & 31);
    if (summaryWord < this.firstSummaryWord) this.firstSummaryWord = summaryWord;
    this.count++;
  }

  /** Removes `agent`, which must be a member. */
  delete(agent: number): void {
    const word = agent >> 5;
    if (this.clearBit(agent) === 0) this.summary[word >> 5]! &= ~(1 << (word & 31));
    this.count--;
  }

  /** The lowest member, or -1 when empty. */
  lowest(): number {
    if (this.count === 0) return Index.Absent;
    const summary = this.summary;
    let summaryWord = this.firstSummaryWord;
    while (summary[summaryWord] === 0) summaryWord++;
    this.firstSummaryWord = summaryWord;
    const word = (summaryWord << 5) + lowestBit(summary[summaryWord]!);
    return (word << 5) + lowestBit(this.words[word]!);
  }
}

/** Index of the lowest set bit of a non-zero 32-bit integer. */
function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

/**
 * A 4-ary min-heap of agent indices ordered by (key, agent index), with a position map so that
 * insert, update and delete of any member are O(log n) and the minimum is O(1). The order is
 * total: equal keys go to the lower agent index.
 *
 * Each key is stored beside its agent in heap order (`heapKeys[i]` is `heap[i]`'s key), so a
 * sift compares keys read from the positions it visits, not from cells scattered over the fleet
 * by agent index; four children per node halve the levels of a binary heap. In a fleet of
 * 100,000 agents those cells are cache misses (the index behind least-connections sifts at every
 * load change).
 *
 * Members whose key is +0 are not in the heap but in a {@link LowestIndexSet}: under late
 * binding least-connections keeps only agents with a free slot, and with one slot each every
 * such agent's key is 0, so the heap would hold thousands of equal keys ordered by index alone,
 * and take an agent out of it (at every start) by a sift through all its levels. The set does
 * both in a bit. The order is the same: the lowest such index, unless the heap's first member
 * has a key below 0, or -0 (equal to 0) and a lower index.
 */
export class IndexedMinHeap {
  /** Agent indices in heap order. */
  private heap = new Int32Array(8);
  /** Key of the agent at each heap position. */
  private heapKeys = new Float64Array(8);
  /** Position in `heap` of each agent in it, else Index.Absent; read only for agents in `inHeap`. */
  private position = new Int32Array(8).fill(Index.Absent);
  private count = 0;
  /** The members whose key is +0. */
  private readonly zeros = new LowestIndexSet();
  /**
   * The members in the heap (a key other than +0). Membership is read from the two sets, whose
   * bits stay in cache, not from `position`, a cell per agent scattered over 400 KB at 100,000
   * agents: an agent moving between no key and +0 (an attempt's start and finish on a one-slot
   * agent under late binding) touches no cell of it.
   */
  private readonly inHeap = new AgentBitSet();

  /** Members. */
  get size(): number {
    return this.count + this.zeros.size;
  }

  /** True when `agent` is a member. */
  has(agent: number): boolean {
    return this.zeros.has(agent) || this.inHeap.has(agent);
  }

  /** The key of a member. */
  keyOf(agent: number): number {
    if (this.zeros.has(agent)) return 0;
    if (!this.inHeap.has(agent)) throw new Error(`agent ${agent} is not in the heap`);
    return this.heapKeys[this.position[agent]!]!;
  }

  /** The member with the smallest (key, index), or -1 when the heap is empty. */
  peek(): number {
    const zero = this.zeros.lowest();
    if (zero === Index.Absent) return this.count === 0 ? Index.Absent : this.heap[0]!;
    return this.heapFirst(zero) ? this.heap[0]! : zero;
  }

  /** The smallest key, or NaN when the heap is empty. */
  peekKey(): number {
    const zero = this.zeros.lowest();
    if (zero === Index.Absent) return this.count === 0 ? Number.NaN : this.heapKeys[0]!;
    return this.heapFirst(zero) ? this.heapKeys[0]! : 0;
  }

  /** True when the heap's first member precedes `zero`, the lowest member with key +0. */
  private heapFirst(zero: number): boolean {
    return this.count > 0 && precedes(this.heapKeys[0]!, this.heap[0]!, 0, zero);
  }

  /** Inserts `agent` with `key`, or moves it to `key` if it is a member. */
  set(agent: number, key: number): void {
    if (Number.isNaN(key)) throw new Error(`heap key of agent ${agent} is NaN`);
    assertAgentIndex(agent);
    // Object.is, not ===: a -0 key stays in the heap, so that keyOf gives it back as -0.
    if (Object.is(key, 0)) {
      if (this.zeros.has(agent)) return;
      if (this.inHeap.has(agent)) this.removeAt(this.position[agent]!);
      this.zeros.add(agent);
      return;
    }
    if (this.inHeap.has(agent)) {
      const at = this.position[agent]!;
      const old = this.heapKeys[at]!;
      if (key < old) this.siftUp(at, agent, key);
      else if (key > old) this.siftDown(at, agent, key);
      return;
    }
    if (this.zeros.has(agent)) this.zeros.delete(agent);
    // Grown only when the fleet outgrows it: this runs at every load change.
    if (agent >= this.position.length) this.position = grownToHold(this.position, agent, Index.Absent);
    if (this.count >= this.heap.length) {
      this.heap = grownToHold(this.heap, this.count, Index.Absent);
      this.heapKeys = grownToHold(this.heapKeys, this.count);
    }
    this.inHeap.add(agent);
    this.siftUp(this.count++, agent, key);
  }

  /** Removes `agent` if it is a member. */
  delete(agent: number): void {
    if (this.zeros.has(agent)) this.zeros.delete(agent);
    else if (this.inHeap.has(agent)) this.removeAt(this.position[agent]!);
  }

  /** Takes the member at heap position `at` out of the heap. */
  private removeAt(at: number): void {
    const agent = this.heap[at]!;
    this.position[agent] = Index.Absent;
    this.inHeap.delete(agent);
    const lastAt = --this.count;
    if (at === lastAt) return;
    const last = this.heap[lastAt]!;
    const lastKey = this.heapKeys[lastAt]!;
    // The last member fills the hole, then moves up or down to where it belongs.
    if (at > 0 && precedes(lastKey, last, this.heapKeys[(at - 1) >> 2]!, this.heap[(at - 1) >> 2]!)) this.siftUp(at, last, lastKey);
    else this.siftDown(at, last, lastKey);
  }

  /** Checks heap order and the position map; throws on the first breach (tests, debugging). */
  assertValid(): void {
    for (let i = 0; i < this.count; i++) {
      const agent = this.heap[i]!;
      if (this.position[agent] !== i) throw new Error(`heap: agent ${agent} at ${i} but its position says ${this.position[agent]}`);
      const parentAt = (i - 1) >> 2;
      if (i > 0 && precedes(this.heapKeys[i]!, agent, this.heapKeys[parentAt]!, this.heap[parentAt]!)) throw new Error(`heap: order broken at ${i}`);
    }
    let members = 0;
    for (let agent = 0; agent < this.position.length; agent++) {
      const placed = this.position[agent]! !== Index.Absent;
      if (placed) members++;
      if (placed !== this.inHeap.has(agent)) throw new Error(`heap: agent ${agent}'s position and the set of heap members disagree`);
      if (placed && this.zeros.has(agent)) throw new Error(`heap: agent ${agent} is both in the heap and in the set of zero keys`);
    }
    if (members !== this.count) throw new Error(`heap: ${members} agents have positions, ${this.count} are in the heap`);
  }

  private place(agent: number, key: number, at: number): void {
    this.heap[at] = agent;
    this.heapKeys[at] = key;
    this.position[agent] = at;
  }

  /** Puts `agent` with `key` at `at` or above it (`at` is a hole or `agent`'s own position). */
  private siftUp(at: number, agent: number, key: number): void {
    const heap = this.heap;
    const keys = this.heapKeys;
    while (at > 0) {
      const parentAt = (at - 1) >> 2;
      const parent = heap[parentAt]!;
      const parentKey = keys[parentAt]!;
      if (!precedes(key, agent, parentKey, parent)) break;
      this.place(parent, parentKey, at);
      at = parentAt;
    }
    this.place(agent, key, at);
  }

  /** Puts `agent` with `key` at `at` or below it (`at` is a hole or `agent`'s own position). */
  private siftDown(at: number, agent: number, key: number): void {
    const heap = this.heap;
    const keys = this.heapKeys;
    const count = this.count;
    for (;;) {
      const first = Index.Arity * at + 1;
      if (first >= count) break;
      let best = first;
      let bestKey = keys[first]!;
      const end = Math.min(first + Index.Arity, count);
      for (let child = first + 1; child < end; child++) {
        const childKey = keys[child]!;
        if (precedes(childKey, heap[child]!, bestKey, heap[best]!)) {
          best = child;
          bestKey = childKey;
        }
      }
      if (!precedes(bestKey, heap[best]!, key, agent)) break;
      this.place(heap[best]!, bestKey, at);
      at = best;
    }
    this.place(agent, key, at);
  }
}

/** True when (keyA, agentA) comes before (keyB, agentB): smaller key, then lower agent index. */
function precedes(keyA: number, agentA: number, keyB: number, agentB: number): boolean {
  return keyA < keyB || (keyA === keyB && agentA < agentB);
}

/**
 * A set of agent indices stored densely, so that membership changes are O(1) (deletion swaps
 * the last member into the hole) and `at(i)` for a uniform `i` samples a member uniformly. The
 * order of members depends on the history of changes, deterministically.
 */
export class AgentSet {
  private members = new Int32Array(8);
  /** Position of each agent in `members`, or Index.Absent. */
  private slot = new Int32Array(8).fill(Index.Absent);
  private count = 0;

  /** Members. */
  get size(): number {
    return this.count;
  }

  /** True when `agent` is a member. */
  has(agent: number): boolean {
    return agent < this.slot.length && this.slot[agent]! !== Index.Absent;
  }

  /** The member at position `i` (0 ≤ i < size). */
  at(i: number): number {
    if (!(i >= 0 && i < this.count)) throw new Error(`agent set: position ${i} out of range 0..${this.count - 1}`);
    return this.members[i]!;
  }

  /** Adds `agent` (no effect if it is a member). */
  add(agent: number): void {
    assertAgentIndex(agent);
    this.slot = grownToHold(this.slot, agent, Index.Absent);
    if (this.slot[agent] !== Index.Absent) return;
    this.members = grownToHold(this.members, this.count, Index.Absent);
    this.members[this.count] = agent;
    this.slot[agent] = this.count++;
  }

  /** Removes `agent` (no effect if it is not a member). */
  delete(agent: number): void {
    if (!this.has(agent)) return;
    const hole = this.slot[agent]!;
    const last = this.members[--this.count]!;
    this.members[hole] = last;
    this.slot[last] = hole;
    this.slot[agent] = Index.Absent;
  }

  /** Adds or removes `agent` so that its membership is `member`. */
  setMember(agent: number, member: boolean): void {
    if (member) this.add(agent);
    else this.delete(agent);
  }

  /**
   * Exchanges the members at positions `i` and `j`. For sampling without replacement (a partial
   * Fisher–Yates shuffle): swap, read, then swap back in reverse order to leave no trace.
   */
  swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.at(i);
    const b = this.at(j);
    this.members[i] = b;
    this.slot[b] = i;
    this.members[j] = a;
    this.slot[a] = j;
  }
}

/**
 * A first-in first-out queue of agent indices, a doubly linked list over typed arrays: append
 * at the tail, remove any member, and read the head, each O(1).
 */
export class AgentQueue {
  private next = new Int32Array(8).fill(Index.Absent);
  private prev = new Int32Array(8).fill(Index.Absent);
  private member = new Uint8Array(8);
  private head = Index.Absent;
  private tail = Index.Absent;
  private count = 0;

  /** Members. */
  get size(): number {
    return this.count;
  }

  /** True when `agent` is a member. */
  has(agent: number): boolean {
    return agent < this.member.length && this.member[agent] === 1;
  }

  /** The member appended longest ago, or -1 when the queue is empty. */
  peek(): number {
    return this.head;
  }

  /** Appends `agent` at the tail; a member moves to the tail. */
  push(agent: number): void {
    assertAgentIndex(agent);
    this.delete(agent);
    this.next = grownToHold(this.next, agent, Index.Absent);
    this.prev = grownToHold(this.prev, agent, Index.Absent);
    this.member = grownToHold(this.member, agent);
    this.member[agent] = 1;
    this.prev[agent] = this.tail;
    this.next[agent] = Index.Absent;
    if (this.tail === Index.Absent) this.head = agent;
    else this.next[this.tail] = agent;
    this.tail = agent;
    this.count++;
  }

  /** Removes `agent` (no effect if it is not a member). */
  delete(agent: number): void {
    if (!this.has(agent)) return;
    const before = this.prev[agent]!;
    const after = this.next[agent]!;
    if (before === Index.Absent) this.head = after;
    else this.next[before] = after;
    if (after === Index.Absent) this.tail = before;
    else this.prev[after] = before;
    this.member[agent] = 0;
    this.count--;
  }

  /** Members from head to tail (tests, debugging; allocates). */
  toArray(): number[] {
    const out: number[] = [];
    for (let agent = this.head; agent !== Index.Absent && out.length <= this.count; agent = this.next[agent]!) out.push(agent);
    if (out.length !== this.count) throw new Error(`agent queue: ${out.length} linked members, ${this.count} counted`);
    return out;
  }
}

/**
 * The eligible agents (see {@link isEligible}) in an {@link IndexedMinHeap} by `keyOf(agent)`:
 * the index behind least-connections and join-shortest-queue. Call {@link EligibleHeap.sync}
 * from every hook that reports an agent; {@link EligibleHeap.best} is then O(1).
 *
 * An agent reported through {@link EligibleHeap.defer} is brought into the heap lazily, when
 * another agent is reported or a read needs it: under late binding an attempt's finish with a
 * task waiting frees a slot that the waiting task takes within the same engine input, so the
 * agent's load goes 1 → 0 → 1 and an eager heap would take it in and out for no net change. {@link EligibleHeap.best} weighs
 * that pending agent's current view against the heap's first member instead, so every read
 * answers as an eagerly kept heap would (the engine reports every change of a view before the
 * next decision reads it).
 */
export class EligibleHeap {
  private readonly heap = new IndexedMinHeap();
  /** The agent last reported through `defer`, whose place in `heap` may be stale; undefined when none is. */
  private pending: AgentView | undefined = undefined;
  /** The binding `pending` was reported under. */
  private pendingBinding: Binding = 'late';

  /** @param keyOf - the agent's rank, smaller first (read from its view when it changes). */
  constructor(private readonly keyOf: (agent: AgentView) => number) {}

  /** Eligible agents. */
  get size(): number {
    this.settle();
    return this.heap.size;
  }

  /** True when `agent` (an index) is eligible as last reported. */
  has(agent: number): boolean {
    this.settle();
    return this.heap.has(agent);
  }

  /** Brings `agent`'s membership and key up to date with its view. */
  sync(agent: AgentView, binding: Binding): void {
    if (this.pending !== undefined) this.settleBefore(agent);
    this.place(agent, binding);
  }

  /**
   * As {@link sync}, but holds `agent` back as the pending one (see the class comment) until
   * another agent is synced or a read needs it: for a load change likely to be undone before the
   * next sync.
   */
  defer(agent: AgentView, binding: Binding): void {
    const pending = this.pending;
    if (pending !== agent) {
      if (pending !== undefined) this.place(pending, this.pendingBinding);
      this.pending = agent;
    }
    this.pendingBinding = binding;
  }

  /** Brings the pending agent into the heap unless it is `agent`, which the caller places. */
  private settleBefore(agent: AgentView): void {
    const pending = this.pending!;
    this.pending = undefined;
    if (pending !== agent) this.place(pending, this.pendingBinding);
  }

  /** Brings the pending agent, if any, into the heap. */
  private settle(): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    this.place(pending, this.pendingBinding);
  }

  /** Puts `agent` in the heap by its key, or takes it out, as its view says now. */
  private place(agent: AgentView, binding: Binding): void {
    if (isEligible(agent, binding)) this.heap.set(agent.index, this.keyOf(agent));
    else this.heap.delete(agent.index);
  }

  /** The smallest key among the eligible agents, or NaN when none is eligible. */
  bestKey(): number {
    this.settle();
    return this.heap.peekKey();
  }

  /** The eligible agent with the smallest (key, index), or undefined when none is. */
  best(agents: readonly AgentView[]): AgentView | undefined {
    const first = this.heap.peek();
    const index = this.pending === undefined ? first : this.leadingWithPending(first);
    return index < 0 ? undefined : agents[index];
  }

  /** The index of the eligible agent that leads, given the heap's first member `first` and a pending agent. */
  private leadingWithPending(first: number): number {
    const pending = this.pending!;
    if (first === pending.index) {
      // Its place at the top may be stale: the next member could lead.
      this.settle();
      return this.heap.peek();
    }
    if (!isEligible(pending, this.pendingBinding)) return first;
    // The first member is not the pending agent, so it leads the others as they stand.
    const key = this.keyOf(pending);
    if (Number.isNaN(key)) this.settle(); // the heap's own check throws
    return first < 0 || precedes(key, pending.index, this.heap.keyOf(first), first) ? pending.index : first;
  }

  /** As {@link best}, passing over `passedOver` (the next best when it is the best): O(log n). */
  bestOther(agents: readonly AgentView[], passedOver: number): AgentView | undefined {
    this.settle();
    const index = this.heap.peek();
    if (index !== passedOver || index < 0) return index < 0 ? undefined : agents[index];
    const key = this.heap.keyOf(index);
    this.heap.delete(index);
    const next = this.heap.peek();
    this.heap.set(index, key);
    return next < 0 ? undefined : agents[next];
  }

  /** Checks the heap (tests, debugging). */
  assertValid(): void {
    this.settle();
    this.heap.assertValid();
  }
}
