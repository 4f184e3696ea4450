import { describe, expect, it } from 'vitest';
import { runJob, type RunJob } from '../../src/experiments/job.js';
import { decodeJob, decodeResult, encodeJob, encodeResult } from '../../src/distributed/jobCodec.js';
import { parseScenario } from '../../src/scenario/load.js';
import { fleetSmallText } from '../experiments/support.js';

const scenario = parseScenario(fleetSmallText(), 'fleet.yaml');
const job = (replication: number): RunJob => ({ cell: 0, strategy: 0, replication, scenario, decisionSampleEvery: 64, series: true });

describe('experiment jobs through Redis', () => {
  it('name a job by its content: the same job the same id, another replication another id', () => {
    expect(encodeJob(job(0)).id).toBe(encodeJob(job(0)).id);
    expect(encodeJob(job(0)).id).toMatch(/^run-[0-9a-f]{32}$/);
    expect(encodeJob(job(1)).id).not.toBe(encodeJob(job(0)).id);
    expect(encodeJob({ ...job(0), strategy: 1 }).id).not.toBe(encodeJob(job(0)).id);
  });

  it('give back the job, and a result whose metrics are those of the run, bit for bit', async () => {
    const decoded = decodeJob(encodeJob(job(2)).data);
    expect(decoded).toEqual(job(2));
    const result = await runJob(job(2));
    const back = decodeResult(encodeResult(result));
    expect(back.samplesUs).toBeInstanceOf(Float64Array);
    expect(back).toEqual(result);
    expect(JSON.stringify(back.metrics)).toBe(JSON.stringify((await runJob(decoded)).metrics));
  });

  it('keep what JSON would lose: NaN, infinities, typed arrays', () => {
    const result = { metrics: { latencyP95: Number.NaN, ratio: Number.POSITIVE_INFINITY }, samplesUs: new Float64Array([1.5, -0]) };
    const back = decodeResult(encodeResult(result as never)) as unknown as typeof result;
    expect(back.metrics.latencyP95).toBeNaN();
    expect(back.metrics.ratio).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(back.samplesUs[1], -0)).toBe(true);
  });
});
