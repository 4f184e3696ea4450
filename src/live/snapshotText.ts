/**
 * The engine's JSON in a snapshot file, written by a compaction without stopping the event
 * loop for long: from a capture (`Engine.compactionSnapshot`), the parts of O(agents) at once,
 * the live tasks a slice per turn (each task's record made and serialised), then the settled
 * memory's entries (up to `settledMemory`, 100,000 by default, one step each) a slice per turn.
 */
import { oldestAt } from '../engine/settledMemory.js';
import { capturedTaskSnapshot, inSubmissionOrder, type SnapshotCapture } from '../engine/snapshot.js';

/** Live tasks serialised per event-loop turn: well under a millisecond's work. */
export const TASKS_PER_TURN = 250;

/** Settled entries serialised per event-loop turn: about a millisecond's work. */
export const SETTLED_ENTRIES_PER_TURN = 10_000;

/** How many of each part {@link snapshotJson} serialises per turn. */
export interface SnapshotSlices {
  /** Live tasks serialised per turn. */
  readonly tasksPerTurn: number;
  /** Settled ids serialised per turn. */
  readonly settledPerTurn: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The JSON of the whole snapshot `capture` holds, built over as many event-loop turns as it
 * takes (`settled` last); `JSON.parse` of it equals the engine's `snapshot()` at the time of
 * the capture. Rejects, naming the task, if a task's spec is not plain JSON data.
 */
export async function snapshotJson(capture: SnapshotCapture, slices: SnapshotSlices = { tasksPerTurn: TASKS_PER_TURN, settledPerTurn: SETTLED_ENTRIES_PER_TURN }): Promise<string> {
  const { head, tasks, settled } = capture;
  // The head's keys around `tasks`, apart, so that the tasks' text goes in between.
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  let part = before;
  for (const [key, value] of Object.entries(head)) {
    if (key === 'tasks') part = after;
    else if (key !== 'settled') part[key] = value;
  }
  const text = [`${JSON.stringify(before).slice(0, -1)},"tasks":[`];
  const ordered = inSubmissionOrder(tasks);
  for (let from = 0; from < ordered.length; from += slices.tasksPerTurn) {
    await nextTurn();
    const records = ordered.slice(from, from + slices.tasksPerTurn).map(capturedTaskSnapshot);
    text.push(`${from > 0 ? ',' : ''}${JSON.stringify(records).slice(1, -1)}`);
  }
  text.push(`],${JSON.stringify(after).slice(1, -1)},"settled":[`);
  const { ids, states } = settled;
  for (let from = 0; from < ids.length; from += slices.settledPerTurn) {
    await nextTurn();
    const pairs: string[] = [];
    const to = Math.min(ids.length, from + slices.settledPerTurn);
    for (let k = from; k < to; k++) {
      const i = oldestAt(settled, k);
      pairs.push(`[${JSON.stringify(ids[i])},${JSON.stringify(states[i])}]`);
    }
    text.push(`${from > 0 ? ',' : ''}${pairs.join(',')}`);
  }
  text.push(']}');
  return text.join('');
}
