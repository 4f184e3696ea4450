/**
 * The live-task index behaves exactly like a Map from id to record, whatever the sequence of
 * additions and deletions (including long probe runs and growth).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/engine/task.js';
import { TaskIndex } from '../../src/engine/taskIndex.js';
import { taskSpec } from '../support/harness.js';
import { taskRecordOf } from '../support/views.js';

function record(id: string): TaskRecord {
  return taskRecordOf(taskSpec({ id }));
}

type Op = { readonly add: boolean; readonly id: string };

describe('TaskIndex', () => {
  it('agrees with a Map after every addition and deletion', () => {
    // Few distinct ids, so that adds and deletes hit the same ids and probe runs form.
    const op = fc.record({ add: fc.boolean(), id: fc.integer({ min: 0, max: 300 }).map((n) => `t${n}`) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 2000 }), (ops: Op[]) => {
        const index = new TaskIndex();
        const model = new Map<string, TaskRecord>();
        for (const { add, id } of ops) {
          if (add && !model.has(id)) {
            const r = record(id);
            expect(index.insert(r)).toBe(true);
            model.set(id, r);
          } else if (add) {
            expect(index.insert(record(id))).toBe(false);
            expect(index.get(id)).toBe(model.get(id));
          } else {
            index.delete(id);
            model.delete(id);
          }
          expect(index.size).toBe(model.size);
        }
        for (let n = 0; n <= 300; n++) expect(index.get(`t${n}`)).toBe(model.get(`t${n}`));
        expect(new Set(index.values())).toEqual(new Set(model.values()));
        expect(index.list()).toEqual([...index.values()]);
      }),
      { seed: 4242, numRuns: 60 },
    );
  });

  it('grows past its first table and still finds every id; deleting an absent id changes nothing', () => {
    const index = new TaskIndex();
    const records = Array.from({ length: 5000 }, (_, i) => record(`task-${i}`));
    for (const r of records) expect(index.insert(r)).toBe(true);
    index.delete('never-added');
    expect(index.size).toBe(5000);
    for (const r of records) expect(index.get(r.spec.id)).toBe(r);
    for (const r of records.slice(0, 4990)) index.delete(r.spec.id);
    expect([...index.values()].map((r) => r.spec.id).sort()).toEqual(records.slice(4990).map((r) => r.spec.id).sort());
    expect(index.has('task-0')).toBe(false);
  });
});
