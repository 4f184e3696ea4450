/**
 * The engine's JSON in a snapshot file, written by a compaction without stopping the event
 * loop for long: the live tasks' part is serialised at once (it is small), the settled memory's
 * entries (up to `settledMemory`, 100,000 by default, one step each) a slice per turn.
 */
import { oldestAt, type SettledColumns } from '../engine/settledMemory.js';
import type { EngineSnapshot } from '../engine/snapshot.js';

/** Settled entries serialised per event-loop turn: about a millisecond's work. */
export const SETTLED_ENTRIES_PER_TURN = 10_000;

/**
 * The engine part of a compaction's snapshot: `snapshot` without `settled`, as JSON text (what
 * the next engine is restored from, and the head of the file's text).
 */
export function snapshotHead(snapshot: EngineSnapshot): string {
  const { settled: _settled, ...rest } = snapshot;
  return JSON.stringify(rest);
}

/**
 * The JSON of the whole snapshot, `head` (from {@link snapshotHead}) with the settled entries
 * (`[id, state]` pairs, oldest first) as its `settled`, built over as many event-loop turns as
 * it takes; `JSON.parse` of it equals the engine's `snapshot()` at the time.
 */
export async function snapshotJson(head: string, settled: SettledColumns, perTurn = SETTLED_ENTRIES_PER_TURN): Promise<string> {
  const { ids, states } = settled;
  const slices: string[] = [];
  for (let from = 0; from < ids.length; from += perTurn) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    const pairs: string[] = [];
    const to = Math.min(ids.length, from + perTurn);
    for (let k = from; k < to; k++) {
      const i = oldestAt(settled, k);
      pairs.push(`[${JSON.stringify(ids[i])},${JSON.stringify(states[i])}]`);
    }
    slices.push(pairs.join(','));
  }
  return `${head.slice(0, -1)},"settled":[${slices.join(',')}]}`;
}
