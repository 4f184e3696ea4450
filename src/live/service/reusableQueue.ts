/**
 * A first-in-first-out list that keeps its backing store when it empties. V8 drops an array's
 * backing store when its length is set to 0 (or popped or spliced down to 0), and the next push
 * allocates a new one (16 slots): an agent's mailbox emptied by every poll that takes it all, or
 * a poll group's queue of waiting polls, would allocate one each time it fills again.
 */
export class ReusableQueue<T> {
  /** The items, then spent slots (`undefined`, so that nothing removed is kept alive). */
  private readonly items: (T | undefined)[] = [];
  private count = 0;

  /** Items queued. */
  get size(): number {
    return this.count;
  }

  /** The item at `index` (0: the oldest); `index` must be below {@link size}. */
  at(index: number): T {
    return this.items[index] as T;
  }

  /** Adds an item at the end. */
  push(item: T): void {
    if (this.count < this.items.length) this.items[this.count] = item;
    else this.items.push(item);
    this.count++;
  }

  /** Removes the first `n` items (at most {@link size}). */
  removeFront(n: number): void {
    const kept = this.count - n;
    for (let i = 0; i < kept; i++) this.items[i] = this.items[i + n];
    for (let i = Math.max(kept, 0); i < this.count; i++) this.items[i] = undefined;
    this.count = Math.max(kept, 0);
  }

  /** Removes the item at `index`, keeping the others' order. */
  removeAt(index: number): void {
    for (let i = index; i < this.count - 1; i++) this.items[i] = this.items[i + 1];
    this.items[--this.count] = undefined;
  }

  /** Removes `item` (its first occurrence); returns whether it was there. */
  remove(item: T): boolean {
    const at = this.items.indexOf(item);
    if (at < 0 || at >= this.count) return false;
    this.removeAt(at);
    return true;
  }

  /** Removes every item. */
  clear(): void {
    this.removeFront(this.count);
  }
}
