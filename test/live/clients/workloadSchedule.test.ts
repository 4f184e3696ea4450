/**
 * workloadSchedule: exactly the submissions a simulated run makes (same ids, specs and times),
 * for generated arrivals, listed jobs and workflow instances (with a supervisor).
 */
import { describe, expect, it } from 'vitest';
import { workloadSchedule } from '../../../src/live/clients/workloadSchedule.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { runSimulation } from '../../../src/sim/simulation.js';

function submittedBySimulation(path: string): string[] {
  const scenario = loadScenario(path);
  const lines: string[] = [];
  runSimulation({
    scenario, strategy: scenario.strategies[0]!, replication: 1,
    onEvent: (event) => {
      if (event.kind === 'submitted') lines.push(JSON.stringify([event.time, event.task.spec]));
    },
  });
  return lines.sort();
}

function scheduled(path: string): { lines: string[]; times: number[] } {
  const scenario = loadScenario(path);
  const lines: string[] = [];
  const times: number[] = [];
  for (const submission of workloadSchedule(scenario, 1)) {
    times.push(submission.atSeconds);
    for (const spec of submission.specs) lines.push(JSON.stringify([submission.atSeconds, spec]));
  }
  return { lines: lines.sort(), times };
}

describe('workloadSchedule', () => {
  for (const path of ['scenarios/specialists.yaml', 'scenarios/supervisor-dag.yaml', 'scenarios/lead-and-specialists.yaml']) {
    it(`submits what the simulator submits, in time order: ${path}`, () => {
      const expected = submittedBySimulation(path);
      const { lines, times } = scheduled(path);
      expect(lines.length).toBeGreaterThan(10);
      expect(lines).toEqual(expected);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });
  }
});
