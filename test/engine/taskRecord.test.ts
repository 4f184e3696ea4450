/**
 * The compact task record reads and writes like the plain record it replaced: every field
 * starts at the engine's defaults, and any sequence of writes to the rare fields (offers,
 * dependencies, pauses, failures) reads back as the same writes to a plain object would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/engine/task.js';
import { CompactTaskRecord } from '../../src/engine/taskRecord.js';
import { taskSpec } from '../support/harness.js';
import { taskRecordOf } from '../support/views.js';

const RARE = ['failureReason', 'offers', 'rejectionReason', 'offeredTo', 'rejectedBy', 'resumeReady', 'unmetDependencies', 'dependents'] as const;
type RareField = (typeof RARE)[number];

/** Every field a strategy, a driver or the engine reads, as plain data. */
function fieldsOf(task: TaskRecord): Record<string, unknown> {
  const { owner, spec, state, seq, submittedAt, attempt, agentIndex, startedAt, priority, maxRetries, queueEntry, timerId, liveSlot } = task;
  const rare = Object.fromEntries(RARE.map((field) => [field, task[field]]));
  return { owner, spec, state, seq, submittedAt, attempt, agentIndex, startedAt, priority, maxRetries, queueEntry, timerId, liveSlot, ...rare };
}

describe('CompactTaskRecord', () => {
  it('starts as the plain record of a task just submitted', () => {
    const owner = {};
    const spec = taskSpec({ id: 'a', priority: 3 });
    const record = new CompactTaskRecord(owner, spec, 7, 1.5, 2);
    const plain = taskRecordOf(spec, { owner, state: 'created', seq: 7, submittedAt: 1.5, maxRetries: 2 });
    expect(fieldsOf(record)).toEqual(fieldsOf(plain));
    expect(record.priority).toBe(3);
  });

  it('reads back any sequence of writes to its rare fields as a plain object does', () => {
    const value: Record<RareField, fc.Arbitrary<unknown>> = {
      failureReason: fc.constantFrom(undefined, 'timeout', 'agent-error'),
      offers: fc.nat(5),
      rejectionReason: fc.constantFrom(undefined, 'declined', 'overloaded'),
      offeredTo: fc.option(fc.array(fc.nat(9)), { nil: undefined }),
      rejectedBy: fc.option(fc.array(fc.nat(9)), { nil: undefined }),
      resumeReady: fc.boolean(),
      unmetDependencies: fc.nat(4),
      dependents: fc.constantFrom(undefined, []),
    };
    const write = fc.constantFrom(...RARE).chain((field) => value[field].map((v) => [field, v] as const));
    fc.assert(
      fc.property(fc.array(write, { maxLength: 30 }), (writes) => {
        const spec = taskSpec({ id: 'a' });
        const record = new CompactTaskRecord({}, spec, 0, 0, 0);
        const plain = taskRecordOf(spec, { state: 'created', owner: record.owner });
        for (const [field, v] of writes) {
          (record as unknown as Record<string, unknown>)[field] = v;
          (plain as unknown as Record<string, unknown>)[field] = v;
          expect(fieldsOf(record)).toEqual(fieldsOf(plain));
        }
      }), { seed: 1 },
    );
  });

  it('copies itself as it stands: the copy reads the same, and writes to either leave the other as it was', () => {
    const spec = taskSpec({ id: 'a' });
    const [live, settled] = [new CompactTaskRecord({}, taskSpec({ id: 'b' }), 1, 0, 0), new CompactTaskRecord({}, taskSpec({ id: 'c' }), 2, 0, 0)];
    const record = new CompactTaskRecord({}, spec, 0, 0.5, 2);
    const plain = new CompactTaskRecord({}, spec, 0, 0.5, 2);
    expect(fieldsOf(record.copy(() => true))).toEqual(fieldsOf(record));
    record.state = 'offered';
    record.offeredTo = [3, 4];
    record.rejectedBy = [5];
    record.dependents = [live, settled];
    record.failureReason = 'timeout';
    const copy = record.copy((task) => task === live);
    expect(copy).toBeInstanceOf(CompactTaskRecord);
    expect(fieldsOf(copy)).toEqual({ ...fieldsOf(record), dependents: [live] });
    const before = fieldsOf(copy);
    record.state = 'queued';
    record.offeredTo.push(6);
    record.rejectedBy.push(7);
    record.dependents.push(plain);
    record.failureReason = undefined;
    record.attempt = 3;
    expect(fieldsOf(copy)).toEqual(before);
    copy.offeredTo!.push(8);
    copy.resumeReady = true;
    expect(record.offeredTo).toEqual([3, 4, 6]);
    expect(record.resumeReady).toBe(false);
  });
});
