/**
 * The work budget: a scenario whose runs could not finish (hours of simulation, memory without
 * bound) is refused before it starts, with the estimate, unless `allowHuge` is set.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TASKS_PER_RUN, estimateRun } from '../../src/scenario/budget.js';
import { expectInputError, generatedScenario, jobScenario, normalize, withField } from './helpers.js';

describe('the work budget of one run', () => {
  it('estimates generated tasks as rate × stop.time, capped by stop.tasks', () => {
    expect(estimateRun(normalize(withField(generatedScenario(), 'stop', { time: 1000 }))).tasks).toBe(1000);
    expect(estimateRun(normalize(withField(generatedScenario(), 'stop', { time: 1000, tasks: 10 }))).tasks).toBe(10);
    expect(estimateRun(normalize(withField(generatedScenario(), 'stop', { tasks: 77 }))).tasks).toBe(77);
  });

  it('weights an MMPP\'s rates by its dwell times', () => {
    const mmpp = withField(generatedScenario(), 'workload.arrivals', { process: 'mmpp', rates: [1, 3], dwell: [300, 100] });
    expect(estimateRun(normalize(mmpp)).tasks).toBe(150);
  });

  it('counts listed jobs when nothing is generated', () => {
    expect(estimateRun(normalize(jobScenario())).tasks).toBe(3);
  });

  it('refuses a rate that would generate far more than the budget, stating the estimate', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'workload.arrivals.rate', 1e12)), '', /about 1\.0e\+14 tasks, more than the 100,000,000 a run may have.*--allow-huge/);
  });

  it('refuses stop.time or stop.tasks that would run without end at the file\'s rate', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'stop', { time: 1e15 })), '', /1\.0e\+15 tasks/);
    expectInputError(() => normalize(withField(generatedScenario(), 'stop', { time: 1e300 })), '', /1\.0e\+300 tasks/);
    expectInputError(() => normalize(withField(generatedScenario(), 'stop', { tasks: MAX_TASKS_PER_RUN + 1 })), '', /100,000,001 tasks/);
  });

  it('accepts exactly the budget, and anything with allowHuge', () => {
    expect(() => normalize(withField(generatedScenario(), 'stop', { tasks: MAX_TASKS_PER_RUN }))).not.toThrow();
    expect(() => normalize(withField(generatedScenario(), 'workload.arrivals.rate', 1e12), { allowHuge: true })).not.toThrow();
  });

  it('counts every node of every workflow instance', () => {
    const scenario = withField(generatedScenario(), 'workload.workflows', [
      { name: 'wf', arrivals: { process: 'poisson', rate: 1 }, dag: { fanOut: 16, depth: 4 }, nodes: [{ type: 'code', tokens: 10 }] },
    ]);
    // 100 s × 1 instance/s × 69,904 nodes (+ 1 join) plus the 100 generated tasks.
    expect(estimateRun(normalize(scenario)).tasks).toBe(100 + 100 * 69_905);
  });
});
