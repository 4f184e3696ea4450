/**
 * `fleetsim run --driver live`: the scenario run through the live driver with emulated agents on
 * a manual clock gives the simulator's event log byte for byte and the same `--json` document
 * (`timing` aside), run end to end through the command line and the worker pool.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './runCli.js';

/** The document with every `timing` section removed (wall-clock figures differ run to run). */
function withoutTiming(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTiming);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'timing').map(([key, v]) => [key, withoutTiming(v)]));
}

/** Runs `scenario` with `driver`, returning the JSON document (timing removed) and the event log. */
function runWith(scenario: string, driver: string, dir: string): { json: unknown; events: string } {
  const events = join(dir, `${driver}.jsonl`);
  const run = runCli('run', scenario, '--driver', driver, '--replications', '2', '--workers', '2', '--json', '--events', events);
  expect(run.status, run.stderr).toBe(0);
  return { json: withoutTiming(JSON.parse(run.stdout)), events: readFileSync(events, 'utf8') };
}

describe('fleetsim run --driver live', () => {
  // Plain work, delegation with offers and tags, workflows under a supervisor, autoscaling, and
  // operations (a paused type, a drained agent).
  for (const name of ['specialists', 'lead-and-specialists', 'supervisor-dag', 'autoscaled-burst', 'pause-and-drain']) {
    it(`${name}: the same events, byte for byte, and the same result as the simulator`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'fleetsim-driver-'));
      const sim = runWith(`scenarios/${name}.yaml`, 'sim', dir);
      const live = runWith(`scenarios/${name}.yaml`, 'live', dir);
      expect(sim.events.length).toBeGreaterThan(0);
      expect(live.events === sim.events).toBe(true);
      expect(live.json).toEqual(sim.json);
    });
  }

  it('refuses an unknown driver with exit 2, naming the flag', () => {
    const run = runCli('run', 'scenarios/specialists.yaml', '--driver', 'bogus');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('driver');
    expect(run.stderr).not.toContain('    at ');
  });
});
