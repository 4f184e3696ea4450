/**
 * A compaction's snapshot text: the JSON of the whole snapshot the capture holds, the same
 * bytes `JSON.stringify` writes (the settled entries last), made a slice of tasks and of settled
 * entries per event-loop turn; a spec JSON cannot carry fails the text, naming the task.
 */
import { describe, expect, it } from 'vitest';
import type { EngineSnapshot } from '../../src/engine/snapshotFormat.js';
import { snapshotJson } from '../../src/live/snapshotText.js';
import { Harness } from '../support/harness.js';

/** An engine with queued, running and settled tasks, one with dependents, and a settled memory. */
function busyHarness(): Harness {
  const h = new Harness({ strategy: 'least-connections', config: { settledMemory: 4 } });
  h.join({ id: 'a', capacity: 2 });
  for (let i = 0; i < 9; i++) h.submit({ id: `t${i}` });
  h.submit({ id: 'after', dependsOn: ['t8'] });
  h.drive();
  for (const id of ['t0', 't1']) h.finish(id);
  h.drive();
  for (const id of ['t2', 't3']) h.finish(id);
  h.drive();
  return h;
}

/** The snapshot's JSON as `JSON.stringify` writes it, with `settled` moved to the end. */
function stringified(snapshot: EngineSnapshot): string {
  const { settled, ...rest } = snapshot;
  return JSON.stringify({ ...rest, settled });
}

describe('snapshotJson', () => {
  it('writes the bytes of the snapshot at the capture, a slice per turn, while the engine goes on', async () => {
    const h = busyHarness();
    const whole = stringified(h.engine.snapshot());
    const capture = h.engine.compactionSnapshot();
    // One count per turn of the event loop: an immediate that queues itself again runs once per
    // turn (a timer would not: the slices may all fit in less than its millisecond).
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const text = snapshotJson(capture, { tasksPerTurn: 2, settledPerTurn: 1 });
    h.submit({ id: 'later' });
    h.drive();
    try {
      expect(await text).toBe(whole);
    } finally {
      counting = false;
    }
    expect(stringified(h.engine.snapshot())).not.toBe(whole);
    expect(capture.tasks.length).toBe(6);
    expect(capture.settled.ids.length).toBe(4);
    // Three slices of two tasks and four of one settled entry, each in a turn of its own.
    expect(turns).toBeGreaterThanOrEqual(7);
  });

  it('fails, naming the task, when a spec holds a number JSON cannot carry', async () => {
    const h = busyHarness();
    h.submit({ id: 'forever', timeoutSeconds: Number.POSITIVE_INFINITY });
    await expect(snapshotJson(h.engine.compactionSnapshot())).rejects.toThrow('engine snapshot: tasks[forever].spec.timeoutSeconds is Infinity, which JSON cannot carry');
  });
});
