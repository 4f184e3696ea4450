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
    // 100 s × 1.5 tasks/s, and half a calm-and-burst cycle of 400 s: one state switch in two.
    expect(estimateRun(normalize(mmpp)).tasks).toBe(150 + 0.5);
  });

  it('counts an MMPP\'s state switches over the time its arrivals take, and refuses switching that would run for hours', () => {
    const mmpp = (dwell: [number, number], stop: object): ReturnType<typeof normalize> =>
      normalize(withField(withField(generatedScenario(), 'workload.arrivals', { process: 'mmpp', rates: [100, 100], dwell }), 'stop', stop));
    // 100 tasks at 100/s take 1 s: 2 × 1 s / 0.002 s of a cycle = 1,000 switches, whatever stop.time says.
    expect(estimateRun(mmpp([0.001, 0.001], { time: 1e6, tasks: 100 })).tasks).toBeCloseTo(100 + 1000, 6);
    expect(estimateRun(mmpp([0.001, 0.001], { time: 10 })).tasks).toBeCloseTo(1000 + 10_000, 6);
    // A few tasks a second, but a million switches a second for a day: refused, naming the switches.
    expectInputError(() => mmpp([1e-6, 1e-6], { time: 1e5 }), '', /about 100,010,000,000 tasks.*most from workload\.arrivals \(MMPP state switches\).*--allow-huge/);
    expect(() => normalize(withField(withField(generatedScenario(), 'workload.arrivals', { process: 'mmpp', rates: [100, 100], dwell: [1e-6, 1e-6] }), 'stop', { time: 1e5 }), { allowHuge: true })).not.toThrow();
  });

  it('counts the state switches of a workflow\'s MMPP until its instances have come', () => {
    const scenario = withField(generatedScenario(), 'workload.workflows', [
      { name: 'wf', count: 10, arrivals: { process: 'mmpp', rates: [10, 10], dwell: [0.01, 0.01] }, dag: { fanOut: 1, depth: 1 }, nodes: [{ type: 'code', tokens: 10 }] },
    ]);
    const withoutWorkflow = estimateRun(normalize(generatedScenario())).tasks;
    // 10 instances at 10/s take 1 s: 2 × 1 s / 0.02 s = 100 switches; each instance is a node and the join.
    expect(estimateRun(normalize(scenario)).tasks - withoutWorkflow).toBeCloseTo(10 * 2 + 100, 6);
  });

  it('counts listed jobs when nothing is generated', () => {
    expect(estimateRun(normalize(jobScenario())).tasks).toBe(3);
  });

  it('refuses a rate that would generate far more than the budget, stating the estimate', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'workload.arrivals.rate', 1e12)), '', /about 1\.0e\+14 tasks, more than the 100,000,000 a run may have.*--allow-huge/);
  });

  it('refuses stop.time or stop.tasks that would run without end at the file\'s rate', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'stop', { time: 1e15 })), '', /1\.0e\+15 tasks/);
    expectInputError(() => normalize(withField(generatedScenario(), 'stop', { time: 2 ** 52 })), '', /4\.5e\+15 tasks/);
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
