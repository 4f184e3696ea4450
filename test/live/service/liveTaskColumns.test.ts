/**
 * The live tasks' columns answer, for every open slot, what an object per task holding the same
 * fields would, whatever the sequence of opens, transitions, drops and closes (slots reused and
 * beyond the columns' first size), and a closed slot holds no spec; and they count the open slots
 * in each state as counting those objects would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FailureReason, TaskSpec, TaskState } from '../../../src/engine/task.js';
import { LiveTaskColumns } from '../../../src/live/service/liveTaskColumns.js';

interface Fields {
  spec: TaskSpec;
  ordinal: number;
  state: TaskState;
  agent: string | undefined;
  attempts: number;
  failureReason: FailureReason | undefined;
  historyDropped: number;
}

type Operation =
  | { readonly kind: 'open'; readonly slot: number; readonly ordinal: number }
  | { readonly kind: 'transition'; readonly pick: number; readonly state: TaskState; readonly attempts: number; readonly agent: string | undefined; readonly failureReason: FailureReason | undefined }
  | { readonly kind: 'dropped'; readonly pick: number }
  | { readonly kind: 'close'; readonly pick: number }
  | { readonly kind: 'restore'; readonly slot: number; readonly fields: Omit<Fields, 'spec'> };

const STATES: readonly TaskState[] = ['queued', 'assigned', 'running', 'completed'];
const REASONS: readonly (FailureReason | undefined)[] = [undefined, 'timeout', 'agent-error'];
const AGENTS: readonly (string | undefined)[] = [undefined, 'a1', 'a2'];
// Slots around the columns' first size (1,024) and well beyond it.
const slot = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1020, max: 1030 }), fc.integer({ min: 4000, max: 5000 }));
const pick = fc.nat({ max: 1000 });
const attempts = fc.nat({ max: 1_000_000 });
const ordinal = fc.nat({ max: 2 ** 40 });

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('open' as const), slot, ordinal }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('transition' as const), pick, state: fc.constantFrom(...STATES), attempts, agent: fc.constantFrom(...AGENTS), failureReason: fc.constantFrom(...REASONS),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dropped' as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), pick }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('restore' as const), slot,
      fields: fc.record({
        ordinal, state: fc.constantFrom(...STATES), agent: fc.constantFrom(...AGENTS), attempts, failureReason: fc.constantFrom(...REASONS), historyDropped: fc.nat({ max: 1000 }),
      }),
    }),
  },
);

function specOf(n: number): TaskSpec {
  return { id: `t${n}`, type: 'job', tokens: 1, priority: 2, contextTokens: 0 } as TaskSpec;
}

describe('LiveTaskColumns', () => {
  it('answers what an object per open slot would', () => {
    fc.assert(fc.property(fc.array(operation, { maxLength: 80 }), (operations) => {
      const columns = new LiveTaskColumns();
      const model = new Map<number, Fields>();
      const closed = new Set<number>();
      let made = 0;
      for (const op of operations) {
        const open = [...model.keys()];
        const chosen = open.length === 0 || !('pick' in op) ? undefined : open[op.pick % open.length]!;
        if (op.kind === 'open' || op.kind === 'restore') {
          if (model.has(op.slot)) continue;
          const spec = specOf(made++);
          if (op.kind === 'open') {
            columns.open(op.slot, spec, op.ordinal, 'queued');
            model.set(op.slot, { spec, ordinal: op.ordinal, state: 'queued', agent: undefined, attempts: 0, failureReason: undefined, historyDropped: 0 });
          } else {
            const f = op.fields;
            columns.restore(op.slot, spec, f.ordinal, f.state, f.agent, f.attempts, f.failureReason, f.historyDropped);
            model.set(op.slot, { spec, ...f });
          }
          closed.delete(op.slot);
        } else if (chosen !== undefined) {
          const fields = model.get(chosen)!;
          if (op.kind === 'transition') {
            columns.transition(chosen, op.state, op.attempts, op.agent, op.failureReason);
            fields.state = op.state;
            fields.attempts = op.attempts;
            if (op.agent !== undefined) fields.agent = op.agent;
            if (op.failureReason !== undefined) fields.failureReason = op.failureReason;
          } else if (op.kind === 'dropped') {
            columns.dropped(chosen);
            fields.historyDropped++;
          } else {
            columns.close(chosen);
            model.delete(chosen);
            closed.add(chosen);
          }
        }
        for (const [at, fields] of model) {
          expect({
            spec: columns.spec(at), ordinal: columns.ordinal(at), state: columns.state(at), agent: columns.agent(at), attempts: columns.attempts(at),
            failureReason: columns.failureReason(at), historyDropped: columns.historyDropped(at),
          }).toEqual(fields);
        }
        for (const at of closed) expect(columns.spec(at)).toBeUndefined();
        const byState = new Map<TaskState, number>();
        for (const fields of model.values()) byState.set(fields.state, (byState.get(fields.state) ?? 0) + 1);
        expect(columns.openByState()).toEqual(byState);
      }
    }), { seed: 11, numRuns: 200 });
  });
});
