/**
 * A real `fleetsim serve` data directory: the durable live driver writes events.jsonl while
 * agents with known speeds work through tasks on a manual clock, and calibration reads that file
 * (untagged records, one run) back into those speeds, capacities and failure counts.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateFile } from '../../src/calibrate/calibrateFile.js';
import { loadScenario } from '../../src/scenario/load.js';
import { SERVE_AGENT_CAPACITIES, SERVE_AGENT_SPEEDS, writeServeEventLog } from '../support/serveEventLog.js';

const TASKS = 40;

describe('calibrate a serve data directory', () => {
  it('reads the durable driver\'s events.jsonl: capacities, speeds and the failure count come back exactly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-serve-'));
    const { file, steadyFailures } = await writeServeEventLog(dataDir, TASKS);

    // Its tasks are all submitted at one instant: replayed as a trace (no arrival rate to fit).
    const calibration = calibrateFile({ events: file, out: join(dataDir, 'calibrated.yaml'), synthetic: false });
    const value = (name: string): number => calibration.parameters.find((parameter) => parameter.name === name)!.value;
    expect(calibration.runs).toEqual([{ strategy: null, replication: null }]);
    expect(value('agents[quick].capacity')).toBe(SERVE_AGENT_CAPACITIES.quick);
    expect(value('agents[steady].capacity')).toBe(SERVE_AGENT_CAPACITIES.steady);
    expect(value('agents[quick].speed')).toBeCloseTo(SERVE_AGENT_SPEEDS.quick!, 6);
    expect(value('agents[steady].speed')).toBeCloseTo(SERVE_AGENT_SPEEDS.steady!, 6);
    expect(value('agents[quick].failureRate')).toBe(0);
    const steady = calibration.parameters.find((parameter) => parameter.name === 'agents[steady].failureRate')!;
    expect(steadyFailures).toBeGreaterThan(0);
    expect(steady.value * steady.n).toBeCloseTo(steadyFailures, 9);
  });

  it('submissions all at one instant: replayed as a trace with a note and no rate fitted; refused for a synthetic workload, which needs a rate', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-serve-'));
    const { file } = await writeServeEventLog(dataDir, TASKS);
    const out = join(dataDir, 'calibrated.yaml');
    const calibration = calibrateFile({ events: file, out, synthetic: false });
    expect(calibration.notes).toContain('the submissions all arrive at one instant: no arrival rate is fitted');
    expect(calibration.parameters.some((parameter) => parameter.name.endsWith('.rate'))).toBe(false);
    expect(() => loadScenario(out)).not.toThrow();
    const synthetic = join(dataDir, 'synthetic.yaml');
    expect(() => calibrateFile({ events: file, out: synthetic, synthetic: true }))
      .toThrow(`${file}: the fitted runs' submissions all arrive at one instant (a window of 0 s): a Poisson rate needs them spread over time; calibrate without --synthetic to replay them as a trace`);
    expect(existsSync(synthetic)).toBe(false);
  });
});
