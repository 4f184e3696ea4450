/**
 * The `fair` queue order against hand-computed orders: the oldest task of the tenant with the
 * least virtual token counter goes first (ties by tenant name), an idle tenant is lifted on
 * arrival so it banks no credit, and priority still comes first.
 */
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/engine/task.js';
import { TaskQueue } from '../../src/engine/taskQueue.js';
import { NO_TENANT, TenantCounters } from '../../src/engine/tenantCounters.js';
import { taskSpec } from '../support/harness.js';
import { taskRecordOf } from '../support/views.js';

let seq = 0;
function task(id: string, tenant: string | undefined, tokens: number, priority = 2): TaskRecord {
  return taskRecordOf(taskSpec({ id, priority, tokens, ...(tenant === undefined ? {} : { tenant }) }), { seq: seq++ });
}

/** Shifts every task, charging its tenant as the engine does on dispatch. */
function serve(queue: TaskQueue, counters: TenantCounters, count = Infinity): string[] {
  const ids: string[] = [];
  for (let t = queue.shift(); t !== undefined; t = ids.length < count ? queue.shift() : undefined) {
    counters.charge(t.spec.tenant ?? NO_TENANT, t.spec.tokens);
    ids.push(t.spec.id);
  }
  return ids;
}

describe('the fair queue order', () => {
  it('serves the tenant with the least service first, ties by name, each tenant oldest first', () => {
    const counters = new TenantCounters();
    const queue = new TaskQueue({ next: 0 }, 'fair', counters);
    for (const t of [task('a1', 'A', 10), task('a2', 'A', 10), task('a3', 'A', 10), task('a4', 'A', 10), task('b1', 'B', 30), task('b2', 'B', 30)]) queue.push(t);
    // A 0 / B 0 → a1 (name); A 10 / B 0 → b1; A 10 / B 30 → a2, a3; A 30 / B 30 → a4 (name); then b2.
    expect(serve(queue, counters)).toEqual(['a1', 'b1', 'a2', 'a3', 'a4', 'b2']);
    expect(counters.snapshot()).toEqual({ counters: { A: 40, B: 60 }, virtualTime: 30 });
  });

  it('lifts a tenant that becomes backlogged to the least backlogged counter, or the virtual time', () => {
    const counters = new TenantCounters();
    counters.charge('A', 40);
    counters.charge('B', 30);
    counters.charge('B', 30);
    const queue = new TaskQueue({ next: 0 }, 'fair', counters);
    queue.push(task('c1', 'C', 5)); // nobody backlogged: C lifted from 0 to the virtual time, 30
    queue.push(task('a5', 'A', 10)); // A (40) is above C (30): unchanged
    queue.push(task('d1', 'D', 5)); // D lifted from 0 to C's 30, not left at 0 to run ahead of everyone
    expect([counters.of('C'), counters.of('A'), counters.of('D')]).toEqual([30, 40, 30]);
    expect(serve(queue, counters)).toEqual(['c1', 'd1', 'a5']);
  });

  it('is fair within each priority level: a more urgent task goes first whatever its tenant has had', () => {
    const counters = new TenantCounters();
    counters.charge('heavy', 1000);
    const queue = new TaskQueue({ next: 0 }, 'fair', counters);
    queue.push(task('light-2', 'light', 10, 2));
    queue.push(task('heavy-1', 'heavy', 10, 1));
    queue.push(task('none-2', undefined, 10, 2));
    expect(serve(queue, counters)).toEqual(['heavy-1', 'none-2', 'light-2']);
  });

  it('removes from the middle lazily, sheds the newest task of the most served tenant, and scans heads first', () => {
    const counters = new TenantCounters();
    const queue = new TaskQueue({ next: 0 }, 'fair', counters);
    const tasks = [task('a1', 'A', 10), task('a2', 'A', 10), task('a3', 'A', 10), task('b1', 'B', 10), task('b2', 'B', 10)];
    for (const t of tasks) queue.push(t);
    counters.charge('A', 5);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('a3');
    queue.remove(tasks[1]!);
    expect(queue.size).toBe(4);
    const visited: string[] = [];
    queue.find(10, (t) => (visited.push(t.spec.id), false));
    expect(visited).toEqual(['b1', 'a1', 'b2', 'a3']);
    // A 5 / B 0 → b1; A 5 / B 10 → a1; A 15 / B 10 → b2; then a3.
    expect(serve(queue, counters)).toEqual(['b1', 'a1', 'b2', 'a3']);
  });
});

describe('tenant weights', () => {
  it('charge a tenant tokens ÷ its weight; unlisted tenants and tasks without a tenant weigh 1', () => {
    const counters = new TenantCounters({ heavy: 4 });
    counters.charge('heavy', 100);
    counters.charge('light', 100);
    counters.charge(NO_TENANT, 100);
    expect(counters.snapshot().counters).toEqual({ '': 100, heavy: 25, light: 100 });
  });

  it('serve backlogged tenants tokens in proportion to their weights', () => {
    const counters = new TenantCounters({ A: 2 });
    const queue = new TaskQueue({ next: 0 }, 'fair', counters);
    for (let i = 1; i <= 6; i++) queue.push(task(`a${i}`, 'A', 10));
    for (let i = 1; i <= 3; i++) queue.push(task(`b${i}`, 'B', 10));
    // Each A task adds 5 to A's counter, each B task 10: two of A's for each of B's.
    const firstSix = serve(queue, counters, 6);
    expect(firstSix.filter((id) => id.startsWith('a'))).toHaveLength(4);
    expect(firstSix).toEqual(['a1', 'b1', 'a2', 'a3', 'b2', 'a4']);
  });

  it('refuse a weight that is not a finite number > 0', () => {
    expect(() => new TenantCounters({ A: 0 })).toThrow(/tenant weight of A must be a finite number > 0, got 0/);
    expect(() => new TenantCounters({ A: Number.POSITIVE_INFINITY })).toThrow(/got Infinity/);
  });
});
