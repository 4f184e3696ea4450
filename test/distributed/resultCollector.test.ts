import { describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/experiments/job.js';
import { ResultCollector } from '../../src/distributed/experimentQueue.js';
import { encodeResult } from '../../src/distributed/jobCodec.js';

const result = (submitted: number): JobResult => ({ metrics: {} as JobResult['metrics'], submitted, wallSeconds: 0, decisions: 0, samplesUs: new Float64Array() });
const jobs = [{ id: 'run-a', data: '' }, { id: 'run-b', data: '' }, { id: 'run-c', data: '' }];

describe('ResultCollector', () => {
  it('counts a job once however often its result arrives, and ignores ids of other experiments', () => {
    const done: [number, number][] = [];
    const collector = new ResultCollector(jobs, (count, index) => done.push([count, index]));
    collector.accept('run-b', encodeResult(result(2)));
    collector.accept('run-b', encodeResult(result(2)));
    collector.accept('run-z', encodeResult(result(9)));
    expect(collector.complete).toBe(false);
    expect(collector.outstanding()).toEqual(['run-a', 'run-c']);
    collector.accept('run-c', encodeResult(result(3)));
    collector.accept('run-a', encodeResult(result(1)));
    expect(collector.complete).toBe(true);
    expect(done).toEqual([[1, 1], [2, 2], [3, 0]]);
    expect(collector.results().map((r) => r.submitted)).toEqual([1, 2, 3]);
  });

  it('gives one result to every index of a job that appears twice', () => {
    const collector = new ResultCollector([jobs[0]!, jobs[1]!, jobs[0]!]);
    collector.accept('run-a', encodeResult(result(1)));
    collector.accept('run-b', encodeResult(result(2)));
    expect(collector.results().map((r) => r.submitted)).toEqual([1, 2, 1]);
  });

  it('refuses to give results before every job has one', () => {
    const collector = new ResultCollector(jobs);
    collector.accept('run-a', encodeResult(result(1)));
    expect(() => collector.results()).toThrow(/no result for job 1/);
  });
});
