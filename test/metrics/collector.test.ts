import { describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/metrics/collector.js';
import { expectQuantile } from '../support/sketchAccuracy.js';
import { EventScript } from './script.js';

describe('latency and wait', () => {
  it('latency is submit to completion; quantiles interpolate between order statistics (within the sketch accuracy)', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 5);
    const tasks = [0, 1, 2, 3, 4].map((time) => {
      const t = s.submit(time);
      s.dispatch(time, t, a);
      return t;
    });
    // Latencies arrive as 4, 2, 1, 3, 10: the sample is sorted before quantiles are taken.
    s.complete(4, tasks[0]!);
    s.complete(5, tasks[3]!);
    s.complete(5, tasks[4]!);
    s.complete(5, tasks[2]!);
    s.complete(11, tasks[1]!);
    const m = s.collect(11);
    // Sorted 1, 2, 3, 4, 10: p95 sits at rank (5 − 1)·0.95 = 3.8, between 4 and 10.
    expect(m.latency.mean).toBeCloseTo(4, 12);
    expectQuantile(m.latency.p50, 3);
    expectQuantile(m.latency.p95, 4 + 0.8 * 6);
    expectQuantile(m.latency.p99, 4 + 0.96 * 6);
  });

  it('wait is submit to the start of the first attempt', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 5);
    const tasks = [0, 1, 2, 3, 4].map(() => s.submit(0));
    [0, 0.5, 1, 1, 2].forEach((time, i) => s.dispatch(time, tasks[i]!, a));
    const m = s.collect(2);
    // Waits 0, 0.5, 1, 1, 2: p95 at rank 3.8, between 1 and 2.
    expect(m.wait.mean).toBeCloseTo(0.9, 12);
    expectQuantile(m.wait.p95, 1.8);
  });

  it('the wait before an assignment counts, the time between assignment and start does not add to it', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(1);
    s.assign(3, t, a);
    s.start(4, t);
    expect(s.collect(4).wait.mean).toBe(3);
  });

  it('a retried task contributes one wait (its first start) and one latency (submit to final completion)', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0);
    s.dispatch(2, t, a);
    s.fail(3, t, true);
    s.requeue(4, t);
    s.dispatch(5, t, a);
    s.complete(7, t);
    const m = s.collect(7);
    expect(m.wait).toEqual({ mean: 2, p95: 2 });
    expect(m.latency).toEqual({ mean: 7, p50: 7, p95: 7, p99: 7 });
    // The failure frees the slot during the backoff: busy 2…3 and 5…7 of 0…7.
    expect(m.utilization).toBeCloseTo(3 / 7, 12);
  });

  it('a run where nothing completes reports null latency, quality and fairness, not zeros', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(1);
    const m = s.collect(10);
    expect(m.latency).toEqual({ mean: null, p50: null, p95: null, p99: null });
    expect(m.wait).toEqual({ mean: null, p95: null });
    expect(m.quality).toEqual({ mean: null, stddev: null });
    expect(m.gini).toEqual({ tasks: null, tokens: null });
    expect(m.jain).toEqual({ tasks: null, tokens: null });
    expect(m.deadlineSuccess).toBeNull();
    expect(m.contextWaste).toBeNull();
    expect(m.contextHitRate).toBeNull();
    expect(m.priorityRespect).toBeNull();
    expect(m.throughput).toBeCloseTo(0, 12);
    expect(m.tasks).toEqual({ submitted: 1, completed: 0, deadLettered: 0, expired: 0, cancelled: 0, rejected: 0, inFlight: 1 });
  });

  it('a run with no measured task has no window: rates and queue depth are null', () => {
    const s = new EventScript();
    s.join(0, 'a');
    const m = s.collect(10);
    expect(m.utilization).toBeNull();
    expect(m.throughput).toBeNull();
    expect(m.maxQueueDepth).toBeNull();
    expect(m.perAgent).toEqual([{ id: 'a', completed: 0, tokens: 0, busySeconds: 0, drainingSeconds: 0 }]);
  });
});

describe('warm-up', () => {
  it('excludes tasks submitted before the warm-up time and starts the window at the first measured submission', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 3);
    const early = s.submit(5);
    const first = s.submit(12);
    s.dispatch(12, early, a);
    s.dispatch(12, first, a);
    s.complete(13, early);
    s.complete(15, first);
    const m = s.collect(22, { warmupTimeSeconds: 10, warmupTasks: 0 });
    expect(m.tasks.submitted).toBe(1);
    expect(m.tasks.completed).toBe(1);
    expect(m.latency.mean).toBe(3);
    expect(m.wait.mean).toBe(0);
    // Window 12…22: one completion in 10 s.
    expect(m.throughput).toBeCloseTo(0.1, 12);
    expect(m.perAgent[0]!.completed).toBe(1);
  });

  it('a task submitted exactly at the warm-up time is measured', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(10);
    expect(s.collect(20, { warmupTimeSeconds: 10, warmupTasks: 0 }).tasks.submitted).toBe(1);
  });

  it('excludes the first warmupTasks submissions by sequence number', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 4);
    const tasks = [0, 1, 2, 3].map((i) => s.submit(i));
    tasks.forEach((t) => s.dispatch(4, t, a));
    tasks.forEach((t, i) => s.complete(5 + i, t));
    const m = s.collect(10, { warmupTimeSeconds: 0, warmupTasks: 2 });
    // Measured: seq 2 (submitted at 2, done at 7) and seq 3 (at 3, done at 8).
    expect(m.tasks.submitted).toBe(2);
    expect(m.latency.mean).toBe(5);
    // Window 2…10.
    expect(m.throughput).toBeCloseTo(2 / 8, 12);
  });

  it('requires both conditions: a late submission within the first warmupTasks is still warm-up', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(50);
    s.submit(60);
    expect(s.collect(100, { warmupTimeSeconds: 10, warmupTasks: 1 }).tasks.submitted).toBe(1);
  });
});

describe('fairness across agents', () => {
  it('an equal split has Gini 0 and Jain 1', () => {
    const s = new EventScript();
    const agents = [s.join(0, 'a'), s.join(0, 'b')];
    for (let i = 0; i < 4; i++) {
      const t = s.submit(i);
      s.dispatch(i, t, agents[i % 2]!);
      s.complete(i + 0.5, t);
    }
    const m = s.collect(4);
    expect(m.gini).toEqual({ tasks: 0, tokens: 0 });
    expect(m.jain.tasks).toBeCloseTo(1, 12);
    expect(m.perAgent.map((p) => [p.completed, p.tokens])).toEqual([[2, 200], [2, 200]]);
  });

  it('one agent of three doing everything has Gini (n − 1)/n = 2/3 and Jain 1/n', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.join(0, 'b');
    s.join(0, 'c');
    for (let i = 0; i < 3; i++) {
      const t = s.submit(i);
      s.dispatch(i, t, a);
      s.complete(i + 1, t);
    }
    const m = s.collect(3);
    expect(m.gini.tasks).toBeCloseTo(2 / 3, 12);
    expect(m.gini.tokens).toBeCloseTo(2 / 3, 12);
    expect(m.jain.tasks).toBeCloseTo(1 / 3, 12);
  });

  it('task counts and tokens are separate vectors: three small tasks against one large one', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const b = s.join(0, 'b');
    const big = s.submit(0, { tokens: 300 });
    s.dispatch(0, big, a);
    for (let i = 0; i < 3; i++) {
      const t = s.submit(i, { tokens: 100 });
      s.dispatch(i, t, b);
      s.complete(i + 0.5, t);
    }
    s.complete(3, big);
    const m = s.collect(3);
    // Tasks [1, 3]: G = 2(1·1 + 2·3)/(2·4) − 3/2 = 0.25; Jain = 16/(2·10) = 0.8. Tokens [300, 300].
    expect(m.gini.tasks).toBeCloseTo(0.25, 12);
    expect(m.jain.tasks).toBeCloseTo(0.8, 12);
    expect(m.gini.tokens).toBe(0);
    expect(m.jain.tokens).toBeCloseTo(1, 12);
  });
});

describe('deadline success', () => {
  it('counts met, missed, settled without completing, and overdue in flight; leaves out open and deadline-free tasks', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 10);
    const onTime = s.submit(0, { deadline: 10 });
    const late = s.submit(0, { deadline: 10 });
    const overdue = s.submit(0, { deadline: 5 });
    s.submit(0, { deadline: 30 }); // open: may still make it
    s.submit(0, { deadline: 20 }); // due exactly at the end: not passed yet
    const cancelled = s.submit(0, { deadline: 15 });
    const noDeadline = s.submit(0);
    for (const t of [onTime, late, overdue, noDeadline]) s.dispatch(0, t, a);
    s.cancel(3, cancelled);
    s.complete(8, noDeadline);
    s.complete(10, onTime); // exactly at the deadline: met
    s.complete(12, late);
    const m = s.collect(20);
    // Denominator: onTime, late, overdue (in flight, deadline 5 < 20), cancelled. Met: onTime.
    expect(m.deadlineSuccess).toBeCloseTo(1 / 4, 12);
    expect(m.tasks.inFlight).toBe(3);
  });

  it('is null when no measured task had a deadline', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0);
    s.dispatch(0, t, a);
    s.complete(1, t);
    expect(s.collect(2).deadlineSuccess).toBeNull();
  });

  it('leaves out warm-up tasks with deadlines', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(0, { deadline: 1 });
    const t = s.submit(5, { deadline: 100 });
    s.expire(6, t);
    expect(s.collect(10, { warmupTimeSeconds: 5, warmupTasks: 0 }).deadlineSuccess).toBe(0);
  });
});

describe('context', () => {
  it('waste is setup ÷ (setup + task tokens) over started attempts; hit rate ignores tasks without a contextKey', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 3);
    const hit = s.submit(0, { tokens: 100, contextKey: 'k' });
    const miss = s.submit(0, { tokens: 300, contextKey: 'j' });
    const none = s.submit(0, { tokens: 100 });
    s.dispatch(0, hit, a, { setupTokens: 0, contextHit: true });
    s.dispatch(0, miss, a, { setupTokens: 100, contextHit: false });
    s.dispatch(0, none, a, { setupTokens: 0, contextHit: null });
    const m = s.collect(1);
    expect(m.contextWaste).toBeCloseTo(100 / 600, 12);
    expect(m.contextHitRate).toBeCloseTo(0.5, 12);
  });

  it('counts a pre-warm as setup once the window is open: waste unless a task then hits', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.prewarm(0, a, 'before-window', 1000);
    const t = s.submit(1, { tokens: 300, contextKey: 'k' });
    s.prewarm(1, a, 'k', 100);
    s.dispatch(2, t, a, { setupTokens: 0, contextHit: true });
    const m = s.collect(3);
    expect(m.contextWaste).toBeCloseTo(100 / 400, 12);
    expect(m.contextHitRate).toBe(1);
  });

  it('a resumption after a pause is not a start: no second wait, no tokens counted twice', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0, { tokens: 100, contextKey: 'k' });
    s.dispatch(1, t, a, { setupTokens: 100, contextHit: false });
    s.pause(2, t);
    s.resume(5, t);
    s.complete(6, t);
    const m = s.collect(6);
    expect(m.wait).toEqual({ mean: 1, p95: 1 });
    expect(m.contextWaste).toBeCloseTo(0.5, 12);
    expect(m.contextHitRate).toBe(0);
    // A pause frees the slot (for urgent work): busy 1…2 and 5…6 of 0…6.
    expect(m.utilization).toBeCloseTo(2 / 6, 12);
  });

  it('every attempt that starts pays again: a retry reloads', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0, { tokens: 100, contextKey: 'k' });
    s.dispatch(0, t, a, { setupTokens: 50, contextHit: false });
    s.fail(1, t, true);
    s.requeue(2, t);
    s.dispatch(2, t, a, { setupTokens: 0, contextHit: true });
    s.complete(3, t);
    const m = s.collect(3);
    expect(m.contextWaste).toBeCloseTo(50 / 250, 12);
    expect(m.contextHitRate).toBeCloseTo(0.5, 12);
  });
});

describe('quality, priority, retries and counts', () => {
  it('quality mean and population standard deviation over completions', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 3);
    const tasks = [0, 1, 2].map(() => s.submit(0));
    tasks.forEach((t) => s.dispatch(0, t, a));
    [0.5, 0.9, 0.7].forEach((quality, i) => s.complete(i + 1, tasks[i]!, quality));
    const m = s.collect(3);
    expect(m.quality.mean).toBeCloseTo(0.7, 12);
    expect(m.quality.stddev).toBeCloseTo(Math.sqrt(0.08 / 3), 12);
  });

  it('priority respect is the share of measured assignments made with nothing more urgent waiting', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 4);
    const warm = s.submit(0);
    s.assign(1, warm, a, false); // warm-up: not counted
    const tasks = [0, 1, 2].map(() => s.submit(2));
    s.assign(2, tasks[0]!, a, true);
    s.assign(2, tasks[1]!, a, false);
    s.assign(2, tasks[2]!, a, true);
    expect(s.collect(2, { warmupTimeSeconds: 0, warmupTasks: 1 }).priorityRespect).toBeCloseTo(2 / 3, 12);
  });

  it('counts retries of measured tasks and every final state; in flight is the rest', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 5);
    const warm = s.submit(0);
    s.dispatch(0, warm, a);
    s.fail(1, warm, true); // warm-up retry: not counted
    const flaky = s.submit(1);
    const dead = s.submit(1);
    const expiring = s.submit(1);
    const cancelled = s.submit(1);
    s.dispatch(1, flaky, a);
    s.dispatch(1, dead, a);
    s.fail(2, flaky, true);
    s.fail(2, dead, false);
    s.requeue(3, flaky);
    s.dispatch(3, flaky, a);
    s.expire(3, expiring);
    s.cancel(3, cancelled);
    s.fail(4, flaky, true);
    s.reject(4);
    s.submit(4);
    s.requeue(5, flaky);
    s.dispatch(5, flaky, a);
    s.complete(6, flaky);
    const m = s.collect(10, { warmupTimeSeconds: 0, warmupTasks: 1 });
    expect(m.retries).toBe(2);
    expect(m.tasks).toEqual({ submitted: 6, completed: 1, deadLettered: 1, expired: 1, cancelled: 1, rejected: 1, inFlight: 1 });
  });

  it('max queue depth counts warm-up tasks but only during the window', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 10);
    const warm = [0, 1, 2, 3].map(() => s.submit(0)); // depth 4, before the window
    for (const t of warm.slice(0, 3)) s.dispatch(1, t, a); // 1
    const measured = s.submit(5); // 2, the window opens
    s.submit(7); // 3
    s.dispatch(8, measured, a); // 2
    const m = s.collect(10, { warmupTimeSeconds: 5, warmupTasks: 0 });
    expect(m.maxQueueDepth).toBe(3);
  });

  it('max queue depth starts from the depth at the window opening', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 10);
    [0, 1, 2].forEach(() => s.submit(0));
    const first = s.submit(5); // the window opens with 3 queued; this one makes 4
    s.dispatch(5, first, a);
    expect(s.collect(10, { warmupTimeSeconds: 5, warmupTasks: 0 }).maxQueueDepth).toBe(4);
  });
});

describe('utilization', () => {
  it('one agent busy for half the window is 0.5 utilized', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0);
    s.dispatch(0, t, a);
    s.complete(5, t);
    const m = s.collect(10);
    expect(m.utilization).toBeCloseTo(0.5, 12);
    expect(m.perAgent[0]!.busySeconds).toBeCloseTo(5, 12);
    expect(m.throughput).toBeCloseTo(0.1, 12);
  });

  it('a slot is busy from assignment, before the attempt starts', () => {
    const s = new EventScript();
    const a = s.join(0, 'a', 2);
    const t = s.submit(0);
    s.assign(2, t, a);
    s.start(3, t);
    s.complete(6, t);
    // Busy 2…6 of capacity 2 over 0…8.
    expect(s.collect(8).utilization).toBeCloseTo(4 / 16, 12);
  });

  it('counts a warm-up task holding a slot during the window, but not its time before the window', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const done = s.submit(0);
    s.dispatch(0, done, a);
    s.complete(2, done); // busy 0…2, all before the window
    const warm = s.submit(3);
    s.dispatch(3, warm, a);
    const measured = s.submit(10);
    s.complete(15, warm);
    s.dispatch(15, measured, a);
    s.complete(20, measured);
    const m = s.collect(20, { warmupTimeSeconds: 10, warmupTasks: 0 });
    expect(m.utilization).toBeCloseTo(1, 12);
    expect(m.perAgent[0]!.busySeconds).toBeCloseTo(10, 12);
  });

  it('capacity before the window does not count', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    s.join(4, 'b');
    const t = s.submit(10);
    s.dispatch(10, t, a);
    s.complete(20, t);
    // Busy 10 of 2 × 10 slot-seconds.
    expect(s.collect(20, { warmupTimeSeconds: 10, warmupTasks: 0 }).utilization).toBeCloseTo(0.5, 12);
  });

  it('capacity follows agents joining and leaving; a cancelled attempt frees its slot', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t1 = s.submit(0);
    s.dispatch(0, t1, a);
    const b = s.join(5, 'b');
    const t2 = s.submit(5);
    s.dispatch(5, t2, b);
    s.cancel(6, t1);
    s.cancel(8, t2);
    s.leave(8, b);
    const m = s.collect(10);
    // Capacity: a 0…10 (10) + b 5…8 (3) = 13 slot-seconds. Busy: a 0…6 (6), b 5…8 (3).
    expect(m.utilization).toBeCloseTo(9 / 13, 12);
    expect(m.perAgent.map((p) => p.busySeconds)).toEqual([6, 3]);
  });
});

describe('the collector protocol', () => {
  it('refuses an end time before the last event', () => {
    const s = new EventScript();
    s.join(0, 'a');
    s.submit(5);
    expect(() => s.collect(4)).toThrow(/before the last event/);
  });

  it('refuses an event earlier than the one before it', () => {
    const s = new EventScript();
    s.join(5, 'a');
    s.submit(4);
    expect(() => s.collect(10)).toThrow(/event at 4 after one at 5/);
  });

  it('refuses an agent event for an index that never joined', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0);
    s.dispatch(0, t, a);
    const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
    expect(() => s.events.slice(1).forEach((event) => collector.observe(event))).toThrow(/unknown agent index 0/);
  });

  it('finish does not consume the state: a later snapshot includes later events', () => {
    const s = new EventScript();
    const a = s.join(0, 'a');
    const t = s.submit(0);
    s.dispatch(0, t, a);
    const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
    for (const event of s.events) collector.observe(event);
    expect(collector.finish(2).utilization).toBeCloseTo(1, 12);
    s.complete(3, t);
    collector.observe(s.events.at(-1)!);
    const later = collector.finish(6);
    expect(later.utilization).toBeCloseTo(0.5, 12);
    expect(later.latency.mean).toBe(3);
  });
});
