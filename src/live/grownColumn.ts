/**
 * Growing a typed-array column (the rings and arenas that keep tasks outside the heap keep their
 * fields by slot in such columns).
 */

/** `next`, a larger column, with `old`'s values copied to its start. */
export function grownColumn<T extends Float64Array | Uint32Array | Uint8Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}
