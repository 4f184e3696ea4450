import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/engine/task.js';
import { TaskQueue, type EntryCounter } from '../../src/engine/taskQueue.js';
import { taskSpec } from '../support/harness.js';
import { taskRecordOf } from '../support/views.js';

/** A bare task record, as the engine would keep it, for driving the queue directly. */
function record(id: string, priority = 2, seq = 0, tokens = 10): TaskRecord {
  return taskRecordOf(taskSpec({ id, priority, tokens }), { seq });
}

function drain(queue: TaskQueue): string[] {
  const ids: string[] = [];
  for (let task = queue.shift(); task !== undefined; task = queue.shift()) ids.push(task.spec.id);
  return ids;
}

function newQueue(counter: EntryCounter = { next: 0 }): TaskQueue {
  return new TaskQueue(counter);
}

describe('TaskQueue', () => {
  it('serves the most urgent priority first, then first in first out', () => {
    const queue = newQueue();
    const input: [string, number][] = [['a', 3], ['b', 1], ['c', 3], ['d', 0], ['e', 1], ['f', 4], ['g', 0]];
    input.forEach(([id, p], i) => queue.push(record(id, p, i)));
    expect(queue.size).toBe(7);
    expect(queue.peek()!.spec.id).toBe('d');
    expect(drain(queue)).toEqual(['d', 'g', 'b', 'e', 'a', 'c', 'f']);
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
    expect(queue.shift()).toBeUndefined();
  });

  it('keeps the size and the queued tokens exact', () => {
    const queue = newQueue();
    const a = record('a', 2, 0, 100);
    const b = record('b', 1, 1, 30);
    queue.push(a);
    queue.push(b);
    expect(queue.queuedTokens).toBe(130);
    queue.remove(a);
    expect(queue.size).toBe(1);
    expect(queue.queuedTokens).toBe(30);
    queue.shift();
    expect(queue.queuedTokens).toBe(0);
  });

  it('removes from the middle lazily yet exactly: the size drops at once and the task is never served', () => {
    const queue = newQueue();
    const tasks = ['a', 'b', 'c', 'd', 'e'].map((id, i) => record(id, 2, i));
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[2]!);
    expect(queue.size).toBe(4);
    expect(tasks[2]!.queueEntry).toBe(0);
    queue.remove(tasks[1]!);
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual(['a', 'd', 'e']);
    expect(queue.size).toBe(0);
  });

  it('removes at either end, and a stale entry at an end is skipped', () => {
    const queue = newQueue();
    const tasks = ['a', 'b', 'c', 'd'].map((id, i) => record(id, 1, i));
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[0]!); // front
    queue.remove(tasks[3]!); // back
    queue.remove(tasks[2]!); // now the back
    expect(queue.size).toBe(1);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('b');
    expect(queue.peek()!.spec.id).toBe('b');
  });

  it('refuses to remove a task it does not hold and to push a task twice', () => {
    const queue = newQueue();
    const a = record('a');
    expect(() => queue.remove(a)).toThrow(/not queued/);
    queue.push(a);
    expect(() => queue.push(a)).toThrow(/already queued/);
  });

  it('peekLeastUrgent returns the newest task of the least urgent priority, without removing it', () => {
    const queue = newQueue();
    expect(queue.peekLeastUrgent()).toBeUndefined();
    const input: [string, number][] = [['a', 1], ['b', 3], ['c', 0], ['d', 3], ['e', 2]];
    const tasks = input.map(([id, p], i) => record(id, p, i));
    for (const task of tasks) queue.push(task);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('d');
    expect(queue.size).toBe(5);
    queue.remove(tasks[3]!);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('b');
    queue.remove(tasks[1]!);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('e');
  });

  it('peekLeastUrgent skips a task removed lazily from the middle', () => {
    const queue = newQueue();
    const tasks = ['a', 'b', 'c'].map((id, i) => record(id, 4, i));
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[1]!);
    queue.remove(tasks[2]!);
    expect(queue.peekLeastUrgent()!.spec.id).toBe('a');
  });

  it('find visits in queue order and returns the first accepted task without removing it', () => {
    const queue = newQueue();
    const input: [string, number][] = [['a', 2], ['b', 0], ['c', 2], ['d', 1]];
    input.forEach(([id, p], i) => queue.push(record(id, p, i)));
    const visited: string[] = [];
    const found = queue.find(10, (task) => {
      visited.push(task.spec.id);
      return task.spec.id === 'a';
    });
    expect(found!.spec.id).toBe('a');
    expect(visited).toEqual(['b', 'd', 'a']);
    expect(queue.size).toBe(4);
  });

  it('find visits at most `limit` live tasks, across priorities, skipping removed ones', () => {
    const queue = newQueue();
    const tasks = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, i) => record(id, i % 2, i)); // a c e at 0; b d f at 1
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[2]!); // c, in the middle of priority 0
    const visited: string[] = [];
    const found = queue.find(3, (task) => {
      visited.push(task.spec.id);
      return false;
    });
    expect(found).toBeUndefined();
    expect(visited).toEqual(['a', 'e', 'b']);
    const beyond = queue.find(3, (task) => task.spec.id === 'd');
    expect(beyond).toBeUndefined();
    expect(queue.find(4, (task) => task.spec.id === 'd')!.spec.id).toBe('d');
  });

  it('find with limit 0 visits nothing', () => {
    const queue = newQueue();
    queue.push(record('a'));
    let visits = 0;
    expect(queue.find(0, () => ++visits > 0)).toBeUndefined();
    expect(visits).toBe(0);
  });

  it('grows past 16 tasks of one priority and keeps FIFO order across the wrap', () => {
    const queue = newQueue();
    // Shift a few first so that the ring's head is not at 0 when it grows.
    const early = Array.from({ length: 5 }, (_, i) => record(`x${i}`, 2, i));
    for (const task of early) queue.push(task);
    for (let i = 0; i < 5; i++) queue.shift();
    const ids = Array.from({ length: 100 }, (_, i) => `t${i}`);
    ids.forEach((id, i) => queue.push(record(id, 2, 10 + i)));
    expect(queue.size).toBe(100);
    expect(drain(queue)).toEqual(ids);
  });

  it('grows while holding lazily removed entries and still serves exactly the live ones', () => {
    const queue = newQueue();
    const tasks = Array.from({ length: 40 }, (_, i) => record(`t${i}`, 3, i));
    tasks.slice(0, 15).forEach((task) => queue.push(task));
    for (let i = 1; i < 14; i += 2) queue.remove(tasks[i]!); // stale entries in the middle
    tasks.slice(15).forEach((task) => queue.push(task));
    const expected = tasks.filter((_, i) => !(i >= 1 && i < 14 && i % 2 === 1)).map((t) => t.spec.id);
    expect(queue.size).toBe(expected.length);
    expect(drain(queue)).toEqual(expected);
  });

  it('re-pushes a removed task at the back of its priority, served once', () => {
    const queue = newQueue();
    const tasks = ['a', 'b', 'c'].map((id, i) => record(id, 2, i));
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[1]!); // lazy: b's old entry stays in the ring
    queue.push(tasks[1]!);
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual(['a', 'c', 'b']);
  });

  it('re-pushes a task into another queue that shares the entry counter', () => {
    const counter: EntryCounter = { next: 0 };
    const first = newQueue(counter);
    const second = newQueue(counter);
    const tasks = ['a', 'b', 'c'].map((id, i) => record(id, 2, i));
    for (const task of tasks) first.push(task);
    first.remove(tasks[1]!);
    second.push(tasks[1]!);
    expect(drain(first)).toEqual(['a', 'c']);
    expect(drain(second)).toEqual(['b']);
  });

  it('mostUrgentPriority reports the lowest priority number queued', () => {
    const queue = newQueue();
    expect(queue.mostUrgentPriority()).toBe(5);
    const a = record('a', 3);
    queue.push(a);
    queue.push(record('b', 1));
    expect(queue.mostUrgentPriority()).toBe(1);
    queue.shift();
    expect(queue.mostUrgentPriority()).toBe(3);
    queue.remove(a);
    expect(queue.mostUrgentPriority()).toBe(5);
  });

  it('matches a simple model under a long mixed sequence of pushes, shifts and removals', () => {
    // A deterministic mix (no randomness needed): a linear congruential sequence of operations.
    const queue = newQueue();
    const model: TaskRecord[] = [];
    let x = 12345;
    const next = (): number => (x = (x * 1103515245 + 12345) % 2147483648);
    let seq = 0;
    for (let step = 0; step < 3000; step++) {
      const op = next() % 10;
      if (op < 5) {
        const task = record(`t${seq}`, next() % 5, seq++);
        queue.push(task);
        model.push(task);
      } else if (op < 7 && model.length > 0) {
        const expected = [...model].sort((p, q) => p.spec.priority - q.spec.priority || p.queueEntry - q.queueEntry)[0]!;
        const task = queue.shift()!;
        expect(task).toBe(expected);
        model.splice(model.indexOf(task), 1);
      } else if (model.length > 0) {
        const task = model.splice(next() % model.length, 1)[0]!;
        queue.remove(task);
      }
      expect(queue.size).toBe(model.length);
    }
  });
});

describe('TaskQueue in deadline order', () => {
  function due(id: string, deadline: number | undefined, priority = 2, seq = 0): TaskRecord {
    const task = record(id, priority, seq);
    return { ...task, spec: { ...task.spec, deadline } };
  }

  it('serves the earliest deadline first within a priority; no deadline last; ties in arrival order', () => {
    const queue = new TaskQueue({ next: 0 }, 'deadline');
    for (const task of [due('none', undefined), due('d30', 30), due('d10a', 10), due('d20', 20), due('d10b', 10)]) queue.push(task);
    expect(drain(queue)).toEqual(['d10a', 'd10b', 'd20', 'd30', 'none']);
  });

  it('keeps priority first: a more urgent task due later goes before a less urgent one due sooner', () => {
    const queue = new TaskQueue({ next: 0 }, 'deadline');
    queue.push(due('lax', 1, 3));
    queue.push(due('urgent', 100, 0));
    expect(drain(queue)).toEqual(['urgent', 'lax']);
  });

  it('skips lazily removed entries that an insertion moved, and grows past its first ring', () => {
    const queue = new TaskQueue({ next: 0 }, 'deadline');
    const tasks = Array.from({ length: 40 }, (_, i) => due(`t${i}`, 100 - i));
    for (const task of tasks) queue.push(task);
    queue.remove(tasks[20]!);
    expect(queue.size).toBe(39);
    expect(drain(queue)).toEqual(tasks.filter((_, i) => i !== 20).map((t) => t.spec.id).reverse());
  });
});
