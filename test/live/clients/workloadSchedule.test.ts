/**
 * workloadSchedule: exactly the submissions a simulated run makes (same ids, specs and times),
 * for generated arrivals, listed jobs, workflow instances (with a supervisor) and trace replays
 * (the library's trace scenarios, read from ../shared/traces), a trace cut at the stop time, and
 * its file closed when the schedule is given up early.
 */
import { readdirSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { workloadSchedule, type Submission } from '../../../src/live/clients/workloadSchedule.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { runSimulation } from '../../../src/sim/simulation.js';
import { tempDir, traceScenario, writeFixture } from '../../traces/traceFixtures.js';

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
  for (const path of [
    'scenarios/specialists.yaml', 'scenarios/supervisor-dag.yaml', 'scenarios/lead-and-specialists.yaml', 'scenarios/azure-conversation.yaml',
    'scenarios/mooncake-prefix-reuse.yaml',
  ]) {
    it(`submits what the simulator submits, in time order: ${path}`, { timeout: 60_000 }, () => {
      const expected = submittedBySimulation(path);
      const { lines, times } = scheduled(path);
      expect(lines.length).toBeGreaterThan(10);
      expect(lines).toEqual(expected);
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });
  }
});

/** Descriptors this process holds open. */
function openFiles(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('workloadSchedule of a trace', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /**
   * A scenario replaying a Mooncake trace of `rows` requests 1 s apart, each a prompt of two blocks
   * (the first shared by all), with `jobs` (YAML) listed beside it.
   */
  function mooncakeScenario(rows: number, stop: string, jobs = '[]'): string {
    dir = tempDir();
    const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ timestamp: i * 1000, input_length: 8, output_length: 3, hash_ids: [0, i % 3 + 1] }));
    writeFixture(dir, 'prefix.jsonl', `${lines.join('\n')}\n`);
    return traceScenario(dir, `{ file: prefix.jsonl, format: mooncake, blockTokens: 4 }\n  jobs: ${jobs}`, { stop });
  }

  it('stops at stop.time as the simulator does, closing the trace once it read past it, and carries the prompt prefix of each task', () => {
    const scenario = loadScenario(mooncakeScenario(20, '{ time: 9.5, drain: true }', '[{ id: last, at: 9.25, type: request, tokens: 1 }]'));
    const before = openFiles();
    const schedule = workloadSchedule(scenario);
    const submissions: Submission[] = [];
    for (let next = schedule.next(); !next.done; next = schedule.next()) {
      submissions.push(next.value);
      // The trace's row after 9 s, read once 9 s was handed out, comes after the stop: the file is closed before the job at 9.25 s.
      if (next.value.atSeconds <= 9) expect(openFiles()).toBeGreaterThan(before);
      else expect(openFiles()).toBe(before);
    }
    expect(submissions.map((s) => s.atSeconds)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9.25]);
    expect(submissions[4]!.specs).toEqual([{ id: 'r4', type: scenario.workload.trace!.type, priority: 2, tokens: 3, contextTokens: 8, contextKey: 'block-2', contextBlocks: [0, 2], contextBlockTokens: 4 }]);
  });

  it('closes the trace when the schedule is given up before its end, and when the trace ends', () => {
    const scenario = loadScenario(mooncakeScenario(50, '{ drain: true }'));
    const before = openFiles();
    const schedule = workloadSchedule(scenario);
    schedule.next();
    expect(openFiles()).toBeGreaterThan(before);
    schedule.return(undefined);
    expect(openFiles()).toBe(before);
    expect([...workloadSchedule(scenario)]).toHaveLength(50);
    expect(openFiles()).toBe(before);
  });
});
