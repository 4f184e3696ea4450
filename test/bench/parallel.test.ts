/**
 * The parallel bench's critical path of a CLI compare, read from its pool's timeline: when each
 * thread's first run started, when the runs ended, how long one thread had none left, and how long
 * the report took after the last run.
 */
import { describe, expect, it } from 'vitest';
import { criticalPathOf } from '../../bench/parallel.js';
import type { PoolSpan } from '../../src/experiments/poolTimeline.js';

const T0 = 1_000_000;

function span(thread: number, activity: PoolSpan['activity'], startMs: number, endMs: number, cpuSeconds?: number): PoolSpan {
  return { thread, activity, startMs: T0 + startMs, endMs: T0 + endMs, ...(cpuSeconds === undefined ? {} : { cpuSeconds }) };
}

describe('a CLI compare\'s critical path', () => {
  it('is measured from the main thread\'s start, per thread, to the report\'s end', () => {
    const spans = [
      span(0, 'start', 0, 190),
      span(1, 'start', 210, 400),
      span(0, 'run', 220, 2_000),
      span(1, 'run', 420, 2_500),
      span(0, 'run', 2_000, 4_040),
      span(1, 'run', 2_500, 4_100),
      span(0, 'report', 4_100, 4_560, 0.4),
    ];
    expect(criticalPathOf({ spans, osThreads: {} })).toEqual({
      criticalPath: { firstRunSeconds: [0.22, 0.42], runsEndSeconds: 4.1, idleAtEndSeconds: 0.06, reportSeconds: 0.46, reportCpuSeconds: 0.4 },
    });
  });

  it('is absent without runs or without the main thread\'s start, and has no report part without a report span', () => {
    expect(criticalPathOf({ spans: [span(0, 'start', 0, 100)], osThreads: {} })).toEqual({});
    expect(criticalPathOf({ spans: [span(1, 'run', 0, 100)], osThreads: {} })).toEqual({});
    const path = criticalPathOf({ spans: [span(0, 'start', 0, 100), span(0, 'run', 100, 300)], osThreads: {} }).criticalPath!;
    expect(path).toEqual({ firstRunSeconds: [0.1], runsEndSeconds: 0.3, idleAtEndSeconds: 0 });
  });
});
