/**
 * deadline-aware: queues serve the earliest deadline first within a priority, and a task goes to
 * the agent expected to finish it first.
 */
import { describe, expect, it } from 'vitest';
import { expectedFinishSeconds } from '../../src/strategies/deadlineAware.js';
import { Harness, OK, agentSpec, taskSpec } from '../support/harness.js';
import { idleAgentView, taskViewOf } from '../support/views.js';

describe('deadline-aware', () => {
  it('starts waiting tasks in deadline order, those without a deadline last', () => {
    const h = new Harness({ strategy: 'deadline-aware', agents: [{ id: 'a' }] });
    h.submit({ id: 'busy' });
    h.submit({ id: 'none' });
    h.submit({ id: 'due30', deadline: 30 });
    h.submit({ id: 'due10', deadline: 10 });
    h.submit({ id: 'due20', deadline: 20 });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.drive();
      const [started] = h.pendingStarts().length > 0 ? h.pendingStarts() : h.liveAttempts().map((a) => a.taskId);
      order.push(started!);
      h.finish(started!, OK);
    }
    expect(order).toEqual(['busy', 'due10', 'due20', 'due30', 'none']);
    h.assertAll();
  });

  it('keeps priority above deadlines: a more urgent task without a deadline goes first', () => {
    const h = new Harness({ strategy: 'deadline-aware', agents: [{ id: 'a' }] });
    h.submit({ id: 'busy' });
    h.submit({ id: 'soon', deadline: 1, priority: 3 });
    h.submit({ id: 'urgent', priority: 0 });
    h.drive();
    h.finish('busy', OK);
    h.drive();
    expect(h.agentOf('urgent')).toBe('a');
    expect(h.state('soon')).toBe('queued');
    h.finish('urgent', OK);
    h.assertAll();
  });

  it('routes to the agent expected to finish first: speed and work in hand both count', () => {
    const task = taskViewOf(taskSpec({ id: 't', tokens: 1000 }));
    const fastButLoaded = idleAgentView(agentSpec({ id: 'fast', tokensPerSecond: 1000 }), 0, { outstandingTokens: 20_000 });
    const slowAndIdle = idleAgentView(agentSpec({ id: 'slow', tokensPerSecond: 100 }), 1);
    expect(expectedFinishSeconds(fastButLoaded, task)).toBe(21);
    expect(expectedFinishSeconds(slowAndIdle, task)).toBe(10);
    const h = new Harness({ strategy: 'deadline-aware', config: { binding: 'early' }, agents: [{ id: 'slow', tokensPerSecond: 100 }, { id: 'fast', tokensPerSecond: 1000 }] });
    h.submit({ id: 'first', tokens: 1000 });
    expect(h.agentOf('first')).toBe('fast');
    const placed: string[] = [];
    for (let i = 0; i < 10; i++) {
      h.submit({ id: `more${i}`, tokens: 1000 });
      placed.push(h.engine.agents[h.engine.task(`more${i}`)!.agentIndex]!.spec.id);
    }
    // The fast agent takes work until its queue makes it no sooner than the idle slow agent
    // (9,000 tokens in hand + 1,000 at 1,000/s = 10 s, a tie, to the lower index); then the
    // slow agent's one task (20 s) sends the next back to the fast one.
    expect(placed).toEqual(['fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'fast', 'slow', 'fast']);
    h.runUntilQuiet(OK);
    h.assertAll();
  });
});
