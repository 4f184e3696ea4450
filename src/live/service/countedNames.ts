/**
 * Names interned by number and counted, for columns that keep a string per slot as a 32-bit
 * index: each distinct name is held once, and is released (its number free for another name)
 * when the last slot that uses it lets it go. So a column of the settled task ring keeps as many
 * strings as distinct names among the tasks remembered, not one per task.
 */
export class CountedNames {
  private readonly names: (string | undefined)[] = [];
  private readonly uses: number[] = [];
  private readonly indexByName = new Map<string, number>();
  private readonly free: number[] = [];

  /** Distinct names held. */
  get size(): number {
    return this.indexByName.size;
  }

  /** The number of `name`, counted once more. */
  use(name: string): number {
    let index = this.indexByName.get(name);
    if (index === undefined) {
      index = this.free.pop() ?? this.names.length;
      this.names[index] = name;
      this.uses[index] = 0;
      this.indexByName.set(name, index);
    }
    this.uses[index]!++;
    return index;
  }

  /** Counts one use of number `index` less; the name is let go with its last use. */
  release(index: number): void {
    const uses = --this.uses[index]!;
    if (uses > 0) return;
    if (uses < 0) throw new Error(`name number ${index} released more often than used`);
    this.indexByName.delete(this.names[index]!);
    this.names[index] = undefined;
    this.free.push(index);
  }

  /** The name of number `index` (in use). */
  name(index: number): string {
    const name = this.names[index];
    if (name === undefined) throw new Error(`name number ${index} is not in use`);
    return name;
  }
}
