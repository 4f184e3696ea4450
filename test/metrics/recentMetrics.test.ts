import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/messages.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import { RecentMetrics, type RecentMetricsOptions } from '../../src/metrics/recentMetrics.js';
import { expectQuantile } from '../support/sketchAccuracy.js';
import { EventScript } from './script.js';

const NO_WARMUP = { warmupTimeSeconds: 0, warmupTasks: 0 };

/** A fold of 10 s intervals keeping windows of up to 100 s, fed `events` in time order (the scripts write some out of it). */
function folded(events: readonly EngineEvent[], options: RecentMetricsOptions = { intervalSeconds: 10, longestWindowSeconds: 100 }): { recent: RecentMetrics; collector: MetricsCollector } {
  const collector = new MetricsCollector(NO_WARMUP);
  const recent = new RecentMetrics(collector, options);
  for (const event of [...events].sort((p, q) => p.time - q.time)) recent.observe(event);
  return { recent, collector };
}

describe('which tasks a window counts', () => {
  it('starts at the interval boundary at or before end − W and counts the tasks submitted, completed and settled in it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 10);
    // Completions at 15 (before the window), 20 (on its start) and 44; submissions at 5, 12, 18, 30, 41.
    const early = s.submit(5);
    const onStart = s.submit(12);
    const late = s.submit(18);
    const cancelled = s.submit(30);
    const running = s.submit(41);
    for (const task of [early, onStart, late]) s.dispatch(task.submittedAt, task, a);
    s.complete(15, early);
    s.complete(20, onStart);
    s.cancel(31, cancelled);
    s.complete(44, late);
    s.dispatch(42, running, a);
    const { recent } = folded(s.events);

    const { window, metrics } = recent.window(20, 45);

    // 45 − 20 = 25, moved back to the boundary at 20: the window covers 25 s, three intervals (20, 30, 40).
    expect(window).toEqual({ requestedSeconds: 20, intervalSeconds: 10, startSeconds: 20, endSeconds: 45, intervals: 3, wholeHistory: false });
    expect(metrics.tasks).toEqual({ submitted: 2, completed: 2, deadLettered: 0, expired: 0, cancelled: 1, rejected: 0, inFlight: 1 });
    // Latencies of the two completions in the window: 20 − 12 = 8 and 44 − 18 = 26.
    expect(metrics.latency.mean).toBeCloseTo(17, 12);
    expectQuantile(metrics.latency.p50, 17);
    // Waits of the first starts in it: only the task submitted at 41 and started at 42.
    expect(metrics.wait).toEqual({ mean: 1, p95: 1 });
    expect(metrics.throughput).toBeCloseTo(2 / 25, 12);
    expect(metrics.quality).toEqual({ mean: 1, stddev: 0 });
  });

  it('a window longer than the history covers it from the first task and gives the whole-history figures', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 2);
    const b = s.join(1, 'b', 1);
    // Gone before the first task, yet one of the whole history's agents.
    s.leave(2, s.join(1, 'early'));
    const tasks = [3, 4, 6, 13, 27].map((time) => s.submit(time, { deadline: time + 5 }));
    s.dispatch(3, tasks[0]!, a);
    s.dispatch(4, tasks[1]!, b);
    s.complete(7, tasks[0]!, 0.5);
    s.dispatch(7, tasks[2]!, a);
    s.complete(12, tasks[1]!, 0.9);
    s.dispatch(14, tasks[3]!, a);
    s.complete(15, tasks[2]!, 0.7);
    s.fail(16, tasks[3]!, true);
    s.requeue(17, tasks[3]!);
    s.dispatch(18, tasks[3]!, b);
    const { recent, collector } = folded(s.events);

    const { window, metrics } = recent.window(100, 35);
    const whole = collector.finish(35);

    expect(window).toMatchObject({ startSeconds: 3, endSeconds: 35, wholeHistory: true, intervals: 4 });
    expect(metrics.tasks).toEqual(whole.tasks);
    expect(metrics.latency).toEqual(whole.latency);
    expect(metrics.wait).toEqual(whole.wait);
    expect(metrics.quality.mean).toBeCloseTo(whole.quality.mean!, 12);
    expect(metrics.quality.stddev).toBeCloseTo(whole.quality.stddev!, 12);
    for (const key of ['gini', 'jain', 'deadlineSuccess', 'contextWaste', 'contextHitRate', 'priorityRespect', 'utilization', 'throughput', 'retries', 'maxQueueDepth', 'fleet', 'perAgent'] as const) {
      expect(metrics[key], key).toEqual(whole[key]);
    }
    expect(metrics.delegation).toEqual(whole.delegation);
    for (const key of ['byType', 'byPriority', 'byTenant', 'tenantFairness', 'retrySuccess', 'workflows'] as const) expect(metrics[key], key).toEqual(whole[key]);
  });

  it('before any task the window is empty: no rate, no queue figure', () => {
    const s = new EventScript();
    s.join(2, 'a');
    const { recent } = folded(s.events);
    const { window, metrics } = recent.window(30, 12);
    expect(window).toMatchObject({ startSeconds: 12, endSeconds: 12, wholeHistory: true });
    expect(metrics.tasks.submitted).toBe(0);
    expect(metrics.throughput).toBeNull();
    expect(metrics.utilization).toBeNull();
    expect(metrics.maxQueueDepth).toBeNull();
    expect(metrics.latency.p95).toBeNull();
  });
});

describe('time-weighted figures over a window', () => {
  it('utilization and busy seconds are integrated within the window only, across intervals with no event', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(1);
    s.dispatch(5, t, a);
    s.complete(25, t);
    // No event after 25: the intervals 30..60 were never entered.
    const { recent } = folded(s.events);
    const { window, metrics } = recent.window(20, 40);
    expect(window.startSeconds).toBe(20);
    // Busy from 20 to 25 of 20 s of one slot.
    expect(metrics.utilization).toBeCloseTo(5 / 20, 12);
    expect(metrics.perAgent).toEqual([{ id: 'a', completed: 1, tokens: 100, busySeconds: 5, drainingSeconds: 0 }]);
    const later = recent.window(20, 65);
    expect(later.window.startSeconds).toBe(40);
    expect(later.metrics.utilization).toBe(0);
    expect(later.metrics.tasks.completed).toBe(0);
  });

  it('the most tasks queued at once counts the depth at the window start and within it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const queued = [1, 2, 3].map((time) => s.submit(time));
    s.dispatch(4, queued[0]!, a);
    s.complete(5, queued[0]!);
    s.dispatch(33, queued[1]!, a);
    const { recent, collector } = folded(s.events);
    // Three queued at 3; two from 4 to 33 (so at the window's start, 20); one after.
    expect(collector.finish(40).maxQueueDepth).toBe(3);
    expect(recent.window(20, 40).metrics.maxQueueDepth).toBe(2);
    expect(recent.window(5, 40).metrics.maxQueueDepth).toBe(2);
    // 40 − 5 = 35: the window starts at 30, when two were still queued.
    expect(recent.window(5, 40).window.startSeconds).toBe(30);
  });
});

describe('agents and deadlines over a window', () => {
  it('Gini, Jain and the per-agent table cover the agents in the fleet during the window, their work in it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const b = s.join(0, 'b');
    const gone = s.join(0, 'gone');
    const first = s.submit(1);
    s.dispatch(1, first, gone);
    s.complete(2, first);
    s.leave(3, gone);
    const [x, y] = [s.submit(21), s.submit(22)];
    s.dispatch(21, x, a);
    s.dispatch(22, y, b);
    s.complete(23, x);
    s.complete(24, y);
    const { recent, collector } = folded(s.events);
    const { metrics } = recent.window(10, 30);
    expect(metrics.perAgent.map((agent) => agent.id)).toEqual(['a', 'b']);
    expect(metrics.gini).toEqual({ tasks: 0, tokens: 0 });
    expect(metrics.jain).toEqual({ tasks: 1, tokens: 1 });
    // The whole history has the agent that left too, and so does a window reaching back before it left.
    expect(collector.finish(30).perAgent.map((agent) => agent.id)).toEqual(['a', 'b', 'gone']);
    expect(recent.window(30, 30).metrics.perAgent.map((agent) => agent.id)).toEqual(['a', 'b', 'gone']);
  });

  it('keeps per-agent figures in an interval only for the agents not gone by its start, and still counts one that leaves during a window', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const gone = s.join(0, 'gone');
    const later = s.join(0, 'later');
    const [x, y] = [s.submit(1), s.submit(2)];
    s.dispatch(1, x, gone);
    s.complete(4, x);
    s.leave(5, gone);
    s.dispatch(2, y, a);
    s.complete(24, y);
    const z = s.submit(33);
    s.dispatch(33, z, later);
    s.complete(34, z);
    s.leave(35, later);
    s.submit(41);
    const { recent } = folded(s.events);
    // Interval 0 opened before any agent joined; 10, 20 and 30 hold two (gone left at 5), 40 one
    // (later left at 35): 7 agents' figures, where every agent in every interval would be 12.
    expect(recent.agentFiguresKept).toBe(4 * (0 + 2 + 2 + 2 + 1));
    // A window from 30 has a and later (which left at 35, in it), not gone.
    const { metrics } = recent.window(15, 45);
    expect(metrics.perAgent.map((agent) => [agent.id, agent.completed])).toEqual([['a', 0], ['later', 1]]);
    // From 20: a's completion at 24 too.
    expect(recent.window(25, 45).metrics.perAgent.map((agent) => [agent.id, agent.completed])).toEqual([['a', 1], ['later', 1]]);
  });

  it('deadline success counts the deadlines settled in the window and those in flight at its end that fell in it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 3);
    const missedBefore = s.submit(0, { deadline: 5 });
    const met = s.submit(21, { deadline: 30 });
    const overdue = s.submit(22, { deadline: 25 });
    s.submit(23, { deadline: 100 });
    s.dispatch(21, met, a);
    s.complete(24, met);
    s.dispatch(22, overdue, a);
    s.dispatch(1, missedBefore, a);
    const { recent } = folded(s.events);
    // In the window [20, 35]: one met, one in flight past its deadline (25); the one due at 5
    // missed before the window, the one due at 100 has not.
    expect(recent.window(15, 35).metrics.deadlineSuccess).toBeCloseTo(1 / 2, 12);
  });
});

describe('memory and validation', () => {
  it('keeps only the intervals of the longest window: a long quiet spell leaves an empty window and the state at its end', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.dispatch(1, s.submit(1), a);
    s.submit(2);
    const { recent } = folded(s.events, { intervalSeconds: 1, longestWindowSeconds: 5 });
    const { window, metrics } = recent.window(5, 10_000);
    expect(window).toMatchObject({ startSeconds: 9995, intervals: 6, wholeHistory: false });
    expect(metrics.tasks).toMatchObject({ submitted: 0, completed: 0, inFlight: 2 });
    // Its class had tasks in flight all through it: in the table, with nothing done.
    expect(metrics.byType['code']!.tasks).toEqual(metrics.tasks);
    expect(metrics.byType['code']!.share).toEqual({ demand: null, service: null, ratio: null });
    expect(metrics.maxQueueDepth).toBe(1);
    expect(metrics.utilization).toBe(1);
    // A new event after the spell goes on from there.
    const t = s.submit(10_001);
    recent.observe(s.events.at(-2)!);
    recent.observe(s.events.at(-1)!);
    expect(recent.window(1, 10_001.5).metrics.tasks.submitted).toBe(1);
    expect(t.submittedAt).toBe(10_001);
  });

  it('refuses a window outside (0, longest], intervals that are not positive, and a collector with a warm-up', () => {
    const { recent } = folded([]);
    expect(() => recent.window(0, 1)).toThrow(/window must be in \(0, 100\]/);
    expect(() => recent.window(101, 1)).toThrow(/window must be in/);
    expect(() => new RecentMetrics(new MetricsCollector(NO_WARMUP), { intervalSeconds: 0, longestWindowSeconds: 10 })).toThrow(/intervalSeconds/);
    expect(() => new RecentMetrics(new MetricsCollector(NO_WARMUP), { intervalSeconds: 1e-6, longestWindowSeconds: 10 })).toThrow(/more than 100000 intervals/);
    expect(() => new RecentMetrics(new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 3 }), { intervalSeconds: 1, longestWindowSeconds: 10 })).toThrow(/no warm-up/);
  });

  it('places a time on a boundary computed as k·I in interval k whatever the division rounds to', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 5);
    // 0.3 / 0.1 is 2.9999999999999996: the boundary of interval 3 is 3 × 0.1 = 0.30000000000000004.
    const t = s.submit(0.1);
    s.dispatch(0.1, t, a);
    s.complete(0.30000000000000004, t);
    const { recent } = folded(s.events, { intervalSeconds: 0.1, longestWindowSeconds: 1 });
    // 0.38 − 0.05 = 0.33: the window starts at the boundary 0.30000000000000004 and holds the completion on it.
    const { window, metrics } = recent.window(0.05, 0.38);
    expect(window.startSeconds).toBe(0.30000000000000004);
    expect(metrics.tasks.completed).toBe(1);
    expect(metrics.tasks.submitted).toBe(0);
  });
});

describe('class tables over a window', () => {
  /** acme's task before the window, globex's (priority 0, 300 tokens) in [10, 20), acme's again in [20, 30). */
  function twoTenants(): EventScript {
    const s = new EventScript();
    const a = s.join(0, 'a', 2);
    const early = s.submit(1, { tenant: 'acme' });
    s.dispatch(1, early, a);
    s.complete(3, early);
    const other = s.submit(12, { tenant: 'globex', priority: 0, tokens: 300 });
    s.dispatch(12, other, a);
    s.complete(14, other, 0.5);
    const late = s.submit(22, { tenant: 'acme' });
    s.dispatch(22, late, a);
    s.complete(25, late);
    return s;
  }

  it('hold the classes that had a task in the window, each with its figures in it and its share of the window\'s tokens', () => {
    const { recent } = folded(twoTenants().events);

    // From 20: acme's second task only.
    const recentOnly = recent.window(10, 30).metrics;
    expect(Object.keys(recentOnly.byTenant)).toEqual(['acme']);
    expect(recentOnly.byTenant['acme']).toMatchObject({
      tasks: { submitted: 1, completed: 1, inFlight: 0 }, latency: { mean: 3, p50: 3 }, wait: { mean: 0 }, share: { demand: 1, service: 1, ratio: 1 },
    });
    expect(Object.keys(recentOnly.byPriority)).toEqual(['2']);

    // From 10: both tenants' tasks of the window, shares of its 400 tokens.
    const both = recent.window(20, 30).metrics;
    expect(Object.keys(both.byTenant)).toEqual(['acme', 'globex']);
    expect(both.byTenant['acme']!.share).toEqual({ demand: 0.25, service: 0.25, ratio: 1 });
    expect(both.byTenant['globex']).toMatchObject({ tasks: { submitted: 1, completed: 1 }, latency: { mean: 2 }, quality: { mean: 0.5 }, share: { demand: 0.75, service: 0.75 } });
    expect(Object.keys(both.byPriority)).toEqual(['0', '2']);
    // One type all along: its figures are the window's pooled ones.
    expect(both.byType).toEqual({ code: expect.objectContaining({ tasks: both.tasks, latency: both.latency, wait: both.wait }) });
    // Both tenants were served in proportion; acme waited 3 s for 3 s of work, globex 2 for 2.
    expect(both.tenantFairness).toEqual({ jain: 1, worstSlowdown: 1 });
  });

  it('counts a class whose task was in flight at the window\'s start, though nothing of it happened in the window', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.submit(1, { type: 'review' });
    const done = s.submit(2, { type: 'code' });
    s.dispatch(2, done, a);
    s.complete(3, done);
    s.submit(21, { type: 'code' });
    const { recent } = folded(s.events);
    const { byType } = recent.window(5, 25).metrics;
    expect(Object.keys(byType)).toEqual(['code', 'review']);
    expect(byType['review']!.tasks).toEqual({ submitted: 0, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 1 });
    expect(byType['review']!.share.demand).toBe(0);
  });

  it('keeps samples by class only in intervals where a class had one and its dimension had split; none in a run of one class', () => {
    const { recent } = folded(twoTenants().events);
    // [10, 20): globex and priority 0 (the first classes had no sample yet); [20, 30): acme and priority 2.
    expect(recent.classSamplesKept).toBe(4);
    const s = new EventScript();
    const a = s.join(0, 'a');
    for (const time of [1, 11, 21, 31]) {
      const task = s.submit(time);
      s.dispatch(time, task, a);
      s.complete(time + 1, task);
    }
    expect(folded(s.events).recent.classSamplesKept).toBe(0);
  });
});

describe('whole-life figures over a window', () => {
  it('retry success counts the retried tasks that became final in the window, workflows those that ended in it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 3);
    const first = s.submit(1, { workflowId: 'w1', deadline: 20 });
    const second = s.submit(1, { workflowId: 'w1', deadline: 30 });
    s.dispatch(1, first, a);
    s.complete(5, first);
    s.dispatch(1, second, a);
    s.complete(15, second);
    const retried = s.submit(2);
    s.dispatch(2, retried, a);
    s.fail(4, retried, true);
    s.requeue(6, retried);
    s.dispatch(7, retried, a);
    s.complete(16, retried);
    const { recent } = folded(s.events);

    const fromTen = recent.window(10, 20).metrics;
    expect(fromTen.retrySuccess).toBe(1);
    expect(fromTen.workflows).toEqual({ completed: 1, failed: 0, latency: { mean: 14, p50: 14, p95: 14, p99: 14 }, deadlineSuccess: 1 });
    // From 20 nothing ended: no data.
    const later = recent.window(5, 25).metrics;
    expect(later.retrySuccess).toBeNull();
    expect(later.workflows).toEqual({ completed: 0, failed: 0, latency: { mean: null, p50: null, p95: null, p99: null }, deadlineSuccess: null });
    expect(later.delegation.reOffersPerTask).toBeNull();
  });
});
