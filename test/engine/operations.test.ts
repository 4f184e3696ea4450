/**
 * Operators' actions on a running fleet (`admin` inputs): pausing and resuming a task type,
 * draining an agent, changing a queued task's priority, pausing and resuming a running task,
 * and preemption of the least urgent running task for a critical one. Each scenario ends with
 * `assertAll` (conservation, legal history, engine/driver agreement).
 */
import { describe, expect, it } from 'vitest';
import type { Binding } from '../../src/engine/strategy.js';
import type { TaskId } from '../../src/engine/task.js';
import { Harness, type HarnessOptions } from '../support/harness.js';

/** Task ids in the order they were told to start. */
function startOrder(h: Harness): TaskId[] {
  return h.commandsOf('start').map((c) => c.taskId);
}

/** Agents that were told to start `taskId`, in order. */
function startedOn(h: Harness, taskId: TaskId): string[] {
  return h.commandsOf('start').filter((c) => c.taskId === taskId).map((c) => c.agentId);
}

/** Finishes started attempts one at a time, oldest first, until none is left (bounded). */
function finishAll(h: Harness, max = 1_000): void {
  for (let i = 0; ; i++) {
    if (i >= max) throw new Error('finishAll: not done');
    h.drive();
    const next = h.liveAttempts().find((a) => a.phase === 'started');
    if (next === undefined) return;
    h.finish(next.taskId);
  }
}

function harness(options: HarnessOptions): Harness {
  return new Harness(options);
}

// ------------------------------------------------------------------ pause-type / resume-type

describe('pause-type and resume-type', () => {
  for (const binding of ['late', 'early'] as const satisfies readonly Binding[]) {
    it(`${binding} binding: queued tasks of a paused type are not dispatched while other types are; on resume they run in their original order`, () => {
      const h = harness({ config: { binding }, agents: [{ id: 'a' }, { id: 'b' }] });
      h.submit({ id: 'busyA' });
      h.submit({ id: 'busyB' });
      const reviews = ['r1', 'r2'];
      const code = ['c1', 'c2'];
      h.submit({ id: 'r1', type: 'review' });
      h.submit({ id: 'c1' });
      h.submit({ id: 'r2', type: 'review' });
      h.submit({ id: 'c2' });
      h.admin({ op: 'pause-type', type: 'review' });
      expect(h.eventsOf('admin')).toMatchObject([{ operation: { op: 'pause-type', type: 'review' } }]);
      h.submit({ id: 'r3', type: 'review' }); // arrives while paused
      reviews.push('r3');
      finishAll(h);
      // Every code task ran; no review did, although both agents are idle now.
      for (const id of code) expect(h.state(id), id).toBe('completed');
      for (const id of reviews) expect(h.state(id), id).toBe('queued');
      expect(h.agent('a').active + h.agent('b').active).toBe(0);
      expect(h.agent('a').queued + h.agent('b').queued).toBe(0);
      const resumedAt = h.commands.length;
      h.admin({ op: 'resume-type', type: 'review' });
      finishAll(h);
      const order = startOrder(h);
      expect(order.filter((id) => reviews.includes(id))).toEqual(reviews);
      expect(h.commands.findIndex((c) => c.kind === 'start' && reviews.includes(c.taskId))).toBeGreaterThanOrEqual(resumedAt);
      expect(h.engine.counts()).toMatchObject({ completed: 7, inFlight: 0 });
      h.assertAll();
    });
  }

  it('a paused type only holds its own tasks: a retry of another type still runs', () => {
    const h = harness({ config: { retry: { backoff: { jitter: 0 } } }, agents: [{ id: 'a' }] });
    h.submit({ id: 'c' });
    h.admin({ op: 'pause-type', type: 'review' });
    h.drive();
    h.fail('c');
    h.advance(1);
    expect(h.state('c')).toBe('assigned');
    h.runUntilQuiet();
    h.assertAll();
  });
});

// ------------------------------------------------------------------ drain

describe('drain', () => {
  it('the agent finishes its running work, takes no new work, then leaves (agentLeft and retire only after its last task)', () => {
    const h = harness({ agents: [{ id: 'a', capacity: 2 }, { id: 'b' }] });
    h.submit({ id: 't1' }); // a
    h.submit({ id: 't2' }); // b
    h.drive();
    const drainedAt = h.commands.length;
    h.admin({ op: 'drain', agentId: 'a' });
    expect(h.eventsOf('agentDraining')).toMatchObject([{ agentId: 'a', time: 0 }]);
    expect(h.agent('a')).toMatchObject({ draining: true, accepting: false, active: 1 });
    h.submit({ id: 't3' }); // a has a free slot, but drains
    expect(h.state('t3')).toBe('queued');
    expect(h.eventsOf('agentLeft')).toHaveLength(0);
    expect(h.commandsOf('retire')).toHaveLength(0);
    h.advance(5);
    h.finish('t2');
    expect(h.agentOf('t3')).toBe('b');
    h.advance(5);
    h.finish('t1');
    expect(h.eventsOf('agentLeft')).toMatchObject([{ agentId: 'a', time: 10 }]);
    expect(h.commandsOf('retire')).toEqual([{ kind: 'retire', time: 10, agentId: 'a' }]);
    const t1Done = h.events.findIndex((e) => e.taskId === 't1' && e.to === 'completed');
    expect(h.events.findIndex((e) => e.kind === 'agentLeft')).toBeGreaterThan(t1Done);
    h.submit({ id: 't4' });
    h.runUntilQuiet();
    expect(h.commands.slice(drainedAt).filter((c) => c.kind === 'start' && c.agentId === 'a')).toEqual([]);
    expect(h.engine.counts()).toMatchObject({ submitted: 4, completed: 4, inFlight: 0 });
    h.assertAll();
  });

  it('an idle agent leaves at once', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'b' }] });
    h.admin({ op: 'drain', agentId: 'b' });
    expect(h.eventsOf('agentLeft')).toMatchObject([{ agentId: 'b' }]);
    expect(h.commandsOf('retire')).toMatchObject([{ agentId: 'b' }]);
    h.submit({ id: 't' });
    expect(h.agentOf('t')).toBe('a');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('under early binding, its own queue is routed to the other agents at once and nothing is lost', () => {
    const h = harness({ config: { binding: 'early' }, agents: [{ id: 'a' }, { id: 'b' }] });
    for (let i = 0; i < 6; i++) h.submit({ id: `t${i}` }); // a: t0 (t2, t4 queued); b: t1 (t3, t5 queued)
    h.drive();
    expect(h.agent('a').queued).toBe(2);
    h.admin({ op: 'drain', agentId: 'a' });
    expect(h.agent('a').queued).toBe(0);
    expect(h.agent('b').queued).toBe(4);
    for (let i = 2; i < 6; i++) expect(h.engine.task(`t${i}`)!.agentIndex).toBe(h.agent('b').index);
    h.finish('t0');
    expect(h.commandsOf('retire')).toMatchObject([{ agentId: 'a' }]);
    h.runUntilQuiet();
    for (let i = 1; i < 6; i++) expect(startedOn(h, `t${i}`)).toEqual(['b']);
    expect(h.engine.counts()).toMatchObject({ submitted: 6, completed: 6, inFlight: 0 });
    h.assertAll();
  });

  it('a task paused on a draining agent keeps it until the task resumes and finishes there', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 't' });
    h.drive();
    h.admin({ op: 'pause', taskId: 't' });
    h.admin({ op: 'drain', agentId: 'a' });
    expect(h.commandsOf('retire')).toHaveLength(0);
    h.admin({ op: 'resume', taskId: 't' });
    expect(h.commandsOf('resume')).toMatchObject([{ taskId: 't', agentId: 'a' }]);
    h.finish('t');
    expect(h.commandsOf('retire')).toMatchObject([{ agentId: 'a' }]);
    h.assertAll();
  });
});

// ------------------------------------------------------------------ set-priority

describe('set-priority', () => {
  for (const binding of ['late', 'early'] as const satisfies readonly Binding[]) {
    it(`${binding} binding: a queued task moved to priority 0 is dispatched before older priority-2 tasks, one moved to 4 after them`, () => {
      const h = harness({ config: { binding }, agents: [{ id: 'a' }] });
      h.submit({ id: 'busy' });
      h.submit({ id: 'old1' });
      h.submit({ id: 'old2' });
      h.submit({ id: 'demoted' });
      h.submit({ id: 'promoted' });
      h.admin({ op: 'set-priority', taskId: 'promoted', priority: 0 });
      h.admin({ op: 'set-priority', taskId: 'demoted', priority: 4 });
      h.admin({ op: 'set-priority', taskId: 'old1', priority: 2 }); // unchanged: keeps its place
      expect(h.engine.task('promoted')!.priority).toBe(0);
      expect(h.engine.task('promoted')!.spec.priority).toBe(2);
      finishAll(h);
      expect(startOrder(h)).toEqual(['busy', 'promoted', 'old1', 'old2', 'demoted']);
      h.assertAll();
    });
  }

  it('rejects a priority outside 0..4', () => {
    const h = harness({ agents: [{ id: 'a' }] });
    h.submit({ id: 't' });
    expect(() => h.admin({ op: 'set-priority', taskId: 't', priority: 5 })).toThrow(/priority/);
    expect(() => h.admin({ op: 'set-priority', taskId: 't', priority: 1.5 })).toThrow(/priority/);
  });
});

// ------------------------------------------------------------------ pause / resume of a running task

describe('pause and resume of a running task', () => {
  it('pausing frees the slot for another task; the paused task resumes on the same agent with the same attempt once a slot is free', () => {
    const h = harness({ agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 'busyB', assignee: 'b' });
    h.submit({ id: 't1' }); // a
    h.submit({ id: 't2' }); // waits
    h.drive();
    h.advance(2);
    h.admin({ op: 'pause', taskId: 't1' });
    expect(h.commandsOf('pause')).toEqual([{ kind: 'pause', time: 2, taskId: 't1', agentId: 'a', attempt: 1 }]);
    expect(h.state('t1')).toBe('paused');
    expect(h.agent('a').paused).toBe(1);
    expect(h.agentOf('t2')).toBe('a'); // the freed slot took the next task
    h.admin({ op: 'resume', taskId: 't1' });
    expect(h.state('t1')).toBe('paused'); // a is busy with t2
    expect(h.commandsOf('resume')).toHaveLength(0);
    h.submit({ id: 't3' }); // must not take the slot t1 is waiting for
    h.drive();
    h.advance(3);
    h.finish('t2');
    expect(h.commandsOf('resume')).toEqual([{ kind: 'resume', time: 5, taskId: 't1', agentId: 'a', attempt: 1 }]);
    expect(h.state('t1')).toBe('running');
    expect(h.state('t3')).toBe('queued');
    h.finish('t1');
    expect(h.lastTransition('t1')).toMatchObject({ to: 'completed', agentId: 'a', attempt: 1 });
    expect(startedOn(h, 't1')).toEqual(['a']);
    expect(h.path('t1')).toEqual(['created->queued', 'queued->assigned', 'assigned->running', 'running->paused', 'paused->running', 'running->completed']);
    h.runUntilQuiet();
    h.assertAll();
  });

  it('a paused task stays paused until an operator resumes it, even with its agent idle', () => {
    const h = harness({ agents: [{ id: 'a' }] });
    h.submit({ id: 't' });
    h.drive();
    h.admin({ op: 'pause', taskId: 't' });
    h.advance(100);
    expect(h.state('t')).toBe('paused');
    expect(h.agent('a').active).toBe(0);
    h.admin({ op: 'resume', taskId: 't' });
    expect(h.state('t')).toBe('running');
    h.runUntilQuiet();
    h.assertAll();
  });

  it('the attempt timeout does not run while the task is paused', () => {
    const h = harness({ agents: [{ id: 'a' }] });
    h.submit({ id: 't', timeoutSeconds: 10 });
    h.drive();
    h.advance(8);
    h.admin({ op: 'pause', taskId: 't' });
    h.advance(100);
    expect(h.state('t')).toBe('paused');
    h.admin({ op: 'resume', taskId: 't' });
    const resumedAt = h.now;
    h.advance(20);
    const failed = h.transitions('t').find((e) => e.to === 'failed');
    expect(failed?.reason).toBe('timeout');
    expect(failed!.time).toBeGreaterThan(resumedAt);
    expect(failed!.time).toBeLessThanOrEqual(resumedAt + 10);
    h.runUntilQuiet();
    h.assertAll();
  });

  it('pause applies only to running tasks and resume only to paused ones', () => {
    const h = harness({ agents: [{ id: 'a' }] });
    h.submit({ id: 'runs' });
    h.submit({ id: 'waits' });
    h.admin({ op: 'pause', taskId: 'waits' });
    h.admin({ op: 'resume', taskId: 'runs' });
    expect(h.commandsOf('pause')).toHaveLength(0);
    expect(h.commandsOf('resume')).toHaveLength(0);
    expect(h.state('waits')).toBe('queued');
    h.runUntilQuiet();
    h.assertAll();
  });
});

// ------------------------------------------------------------------ preemption

describe('preemption', () => {
  function busyFleet(preemption: 'none' | 'pause-lowest'): Harness {
    const h = harness({ config: { preemption }, agents: [{ id: 'a' }, { id: 'b' }] });
    h.submit({ id: 'low', priority: 4 }); // a
    h.submit({ id: 'mid', priority: 2 }); // b
    h.drive();
    h.advance(1);
    return h;
  }

  it('pause-lowest: a critical task that finds every slot busy pauses the least urgent running task and runs at once on its agent', () => {
    const h = busyFleet('pause-lowest');
    h.submit({ id: 'crit', priority: 0 });
    expect(h.commandsOf('pause')).toEqual([{ kind: 'pause', time: 1, taskId: 'low', agentId: 'a', attempt: 1 }]);
    expect(h.state('low')).toBe('paused');
    expect(h.state('mid')).toBe('running');
    expect(h.agentOf('crit')).toBe('a');
    expect(h.transitions('crit').find((e) => e.to === 'assigned')!.time).toBe(1);
    h.submit({ id: 'urgent', priority: 1 }); // waits: it does not preempt, and does not take low's place
    h.drive();
    h.advance(2);
    h.finish('crit');
    expect(h.commandsOf('resume')).toEqual([{ kind: 'resume', time: 3, taskId: 'low', agentId: 'a', attempt: 1 }]);
    expect(h.state('low')).toBe('running');
    expect(h.state('urgent')).toBe('queued');
    h.runUntilQuiet();
    expect(h.lastTransition('low')).toMatchObject({ to: 'completed', agentId: 'a', attempt: 1 });
    h.assertAll();
  });

  it('pause-lowest: among equally urgent running tasks it pauses the newest, and never a critical one', () => {
    const h = harness({ config: { preemption: 'pause-lowest' }, agents: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] });
    h.submit({ id: 'old', priority: 3 }); // a
    h.submit({ id: 'new', priority: 3 }); // b
    h.submit({ id: 'crit1', priority: 0 }); // c
    h.drive();
    h.submit({ id: 'crit2', priority: 0 });
    expect(h.commandsOf('pause').map((c) => c.taskId)).toEqual(['new']);
    expect(h.agentOf('crit2')).toBe('b');
    h.drive();
    h.submit({ id: 'crit3', priority: 0 });
    expect(h.commandsOf('pause').map((c) => c.taskId)).toEqual(['new', 'old']);
    h.drive();
    h.submit({ id: 'crit4', priority: 0 }); // only critical tasks run: it waits
    expect(h.commandsOf('pause')).toHaveLength(2);
    expect(h.state('crit4')).toBe('queued');
    h.runUntilQuiet();
    expect(h.engine.counts()).toMatchObject({ completed: 6, inFlight: 0 });
    h.assertAll();
  });

  it("with preemption 'none' the critical task waits for a free slot", () => {
    const h = busyFleet('none');
    h.submit({ id: 'crit', priority: 0 });
    expect(h.state('crit')).toBe('queued');
    expect(h.commandsOf('pause')).toHaveLength(0);
    h.finish('mid');
    expect(h.agentOf('crit')).toBe('b');
    h.runUntilQuiet();
    h.assertAll();
  });
});

describe('backpressure and paused types', () => {
  it('shed-lowest may evict a task held by a paused type: held tasks count against maxDepth', () => {
    const h = harness({ config: { queue: { maxDepth: 2, overflow: 'shed-lowest' } }, agents: [{ id: 'a' }] });
    h.submit({ id: 'busy' });
    h.submit({ id: 'batch1', type: 'batch', priority: 4 });
    h.submit({ id: 'code', priority: 2 });
    h.admin({ op: 'pause-type', type: 'batch' });
    h.submit({ id: 'urgent', priority: 0 });
    expect(h.state('batch1')).toBe('rejected');
    expect(h.lastTransition('batch1')?.reason).toBe('shed');
    expect(h.state('urgent')).toBe('queued');
    h.assertAll();
  });
});
