import { describe, expect, it } from 'vitest';
import { SeriesCollector, poolSeries, type RunSeries, type SeriesOptions } from '../../src/metrics/series.js';
import { expectQuantile } from '../support/sketchAccuracy.js';
import { EventScript } from './script.js';

const NO_WARMUP = { warmupTimeSeconds: 0, warmupTasks: 0 };

function fold(script: EventScript, end: number, options: Partial<SeriesOptions> = {}) {
  const series = new SeriesCollector({ ...NO_WARMUP, ...options });
  for (const event of script.events) series.observe(event);
  return series.finish(end);
}

describe('queue depth series', () => {
  it('integrates the number of queued tasks per bucket and keeps each bucket\'s maximum', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 2);
    const first = s.submit(0);
    const second = s.submit(1);
    s.dispatch(2.5, first, agent);
    s.dispatch(4, second, agent);
    const { queueDepth } = fold(s, 5, { initialBucketSeconds: 1, maxBuckets: 10 });
    expect(queueDepth.bucketSeconds).toBe(1);
    expect(queueDepth.time).toEqual([0, 1, 2, 3, 4]);
    expect(queueDepth.mean).toEqual([1, 2, 1.5, 1, 0]);
    expect(queueDepth.max).toEqual([1, 2, 2, 1, 0]);
  });

  it('doubles the bucket width when the run outgrows the buckets, keeping means and maxima', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 1);
    const task = s.submit(1);
    s.submit(2);
    s.dispatch(6, task, agent);
    const { queueDepth } = fold(s, 10, { initialBucketSeconds: 1, maxBuckets: 4 });
    // Width 1 → 2 → 4: three buckets cover [0, 10).
    expect(queueDepth.bucketSeconds).toBe(4);
    expect(queueDepth.time).toEqual([0, 4, 8]);
    // [0,4): 1 queued over [1,2), 2 over [2,4) → 5/4. [4,8): 2 over [4,6), 1 over [6,8) → 6/4.
    // [8,10): 1 over the 2 seconds before the end → 1.
    expect(queueDepth.mean).toEqual([5 / 4, 6 / 4, 1]);
    expect(queueDepth.max).toEqual([2, 2, 1]);
  });

  it('counts every way out of the queue: assignment, expiry, cancellation', () => {
    const s = new EventScript();
    s.join(0, 'a', 1);
    const expiring = s.submit(0);
    const cancelled = s.submit(0);
    s.expire(2, expiring);
    s.cancel(3, cancelled);
    const { queueDepth } = fold(s, 4, { initialBucketSeconds: 1 });
    expect(queueDepth.mean).toEqual([2, 2, 1, 0]);
  });

  it('counts a retried task again when it is queued again', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 1);
    const task = s.submit(0);
    s.dispatch(0, task, agent);
    s.fail(1, task, true);
    s.requeue(2, task);
    const { queueDepth } = fold(s, 3, { initialBucketSeconds: 1 });
    expect(queueDepth.mean).toEqual([0, 0, 1]);
    expect(queueDepth.max).toEqual([1, 0, 1]);
  });

  it('can be closed more than once without counting the tail twice', () => {
    const s = new EventScript();
    s.join(0, 'a', 1);
    s.submit(0);
    const series = new SeriesCollector({ ...NO_WARMUP, initialBucketSeconds: 1 });
    for (const event of s.events) series.observe(event);
    expect(series.finish(2).queueDepth.mean).toEqual([1, 1]);
    expect(series.finish(3).queueDepth.mean).toEqual([1, 1, 1]);
  });

  it('stays within maxBuckets for long runs', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 1);
    for (let t = 0; t < 9_990; t += 7) {
      const task = s.submit(t);
      s.dispatch(t + 3, task, agent);
      s.complete(t + 5, task);
    }
    const { queueDepth } = fold(s, 10_000, { maxBuckets: 50 });
    expect(queueDepth.time.length).toBeLessThanOrEqual(50);
    expect(queueDepth.time.length).toBeGreaterThanOrEqual(25);
    expect(Math.max(...queueDepth.max)).toBe(1);
    // 1428 tasks queued for 3 seconds each.
    const width = queueDepth.bucketSeconds;
    const queuedSeconds = queueDepth.mean.reduce((sum, m, i) => sum + m * (Math.min(10_000, (i + 1) * width) - i * width), 0);
    expect(queuedSeconds).toBeCloseTo(1428 * 3, 6);
  });

  it('is empty for a run that ends at time 0', () => {
    const s = new EventScript();
    s.join(0, 'a', 1);
    expect(fold(s, 0).queueDepth).toMatchObject({ time: [], mean: [], max: [] });
  });
});

describe('latency distribution', () => {
  it('gives the latency at evenly spaced shares, interpolating between order statistics (within the sketch accuracy; the ends exact)', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 5);
    // All complete at 5, in an order that gives latencies 5, 1, 3, 4, 2.
    const tasks = [0, 1, 2, 3, 4].map((t) => {
      const task = s.submit(t);
      s.dispatch(t, task, agent);
      return task;
    });
    for (const index of [0, 4, 2, 1, 3]) s.complete(5, tasks[index]!);
    const { latencyCdf } = fold(s, 5, { cdfPoints: 9 });
    expect(latencyCdf.count).toBe(5);
    expect(latencyCdf.share).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5].forEach((exact, i) => expectQuantile(latencyCdf.latency[i], exact));
    expect([latencyCdf.latency[0], latencyCdf.latency[8]]).toEqual([1, 5]);
  });

  it('leaves out warm-up tasks and tasks that did not complete', () => {
    const s = new EventScript();
    const agent = s.join(0, 'a', 5);
    const warm = s.submit(0);
    s.dispatch(0, warm, agent);
    const measured = s.submit(10);
    s.dispatch(10, measured, agent);
    const failed = s.submit(10);
    s.dispatch(10, failed, agent);
    s.complete(12, measured);
    s.fail(13, failed, false);
    s.complete(20, warm);
    const { latencyCdf } = fold(s, 200, { warmupTimeSeconds: 5, cdfPoints: 2 });
    expect(latencyCdf).toEqual({ count: 1, share: [0, 1], latency: [2, 2] });
  });

  it('is empty when nothing completed', () => {
    const s = new EventScript();
    s.join(0, 'a', 1);
    s.submit(0);
    expect(fold(s, 1).latencyCdf).toEqual({ count: 0, share: [], latency: [] });
  });
});

describe('series collector protocol', () => {
  it('rejects events that go back in time and an end before the last event', () => {
    const s = new EventScript();
    s.join(0, 'a', 1);
    s.submit(5);
    const series = new SeriesCollector(NO_WARMUP);
    for (const event of s.events) series.observe(event);
    expect(() => series.finish(4)).toThrow(/before the last event/);
    expect(() => series.submitted(4)).toThrow(/after one at 5/);
  });

  it('rejects bad options', () => {
    expect(() => new SeriesCollector({ ...NO_WARMUP, maxBuckets: 1 })).toThrow(/maxBuckets/);
    expect(() => new SeriesCollector({ ...NO_WARMUP, cdfPoints: 1 })).toThrow(/cdfPoints/);
    expect(() => new SeriesCollector({ ...NO_WARMUP, initialBucketSeconds: 0 })).toThrow(/initialBucketSeconds/);
  });
});

describe('poolSeries', () => {
  const run = (bucketSeconds: number, mean: number[], max: number[], latency: number[], count: number): RunSeries => ({
    queueDepth: { bucketSeconds, time: mean.map((_, i) => i * bucketSeconds), mean, max },
    latencyCdf: { count, share: latency.map((_, i) => i / (latency.length - 1)), latency },
  });

  it('averages the quantile functions and adds up the counts', () => {
    const pooled = poolSeries([run(1, [0], [0], [1, 2, 5], 10), run(1, [0], [0], [3, 4, 9], 30)]);
    expect(pooled.latencyCdf).toEqual({ count: 40, share: [0, 0.5, 1], latency: [2, 3, 7] });
  });

  it('brings queue depths to the widest bucket, then takes the mean over the replications that reached each bucket and the largest maximum', () => {
    const pooled = poolSeries([run(1, [2, 4, 6, 8, 1], [3, 5, 7, 9, 1], [1, 1], 1), run(2, [1, 1], [2, 2], [1, 1], 1)]);
    expect(pooled.queueDepth).toEqual({ bucketSeconds: 2, time: [0, 2, 4], mean: [2, 4, 1], max: [5, 9, 1] });
  });

  it('ignores replications in which nothing completed', () => {
    expect(poolSeries([run(1, [0], [0], [], 0), run(1, [0], [0], [1, 2], 2)]).latencyCdf).toEqual({ count: 2, share: [0, 1], latency: [1, 2] });
  });
});
