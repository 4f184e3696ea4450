/**
 * Non-preemptive priority queues against theory, class by class: the simulator's `byPriority`
 * mean waits against Cobham's formula for M/M/1 with two and three classes at loads 0.5 and 0.8,
 * and against its Erlang C form for M/M/c with classes sharing one service rate. One task type
 * whose priority is drawn per task splits the Poisson arrivals into independent Poisson classes;
 * the queue serves priority 0 first and FIFO within a priority, and nothing preempts.
 */
import { mean } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { cobhamMeanWaits, mmcPriorityMeanWaits } from './theory.js';
import { expectWithinCi, idealFleet, replications } from './simulated.js';

/** A scenario of `servers` servers at 1 task/s each, classes arriving at `rates` (priority 0 first). */
function priorityScenario(name: string, servers: number, rates: readonly number[]): string {
  const total = rates.reduce((sum, rate) => sum + rate, 0);
  const shares = rates.map((rate, k) => `"${k}": ${rate / total}`).join(', ');
  return `
name: ${name}
seed: 16
replications: 10
warmup: { time: 2000 }
stop: { time: 60000 }
${idealFleet(servers, 100, 'late')}
workload:
  arrivals: { process: poisson, rate: ${total} }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, priority: { ${shares} } }]
strategies: [least-connections]`;
}

/**
 * Each class's simulated mean waits against its theoretical wait: theory within the 99.9%
 * interval (several classes and cases are checked, so each gets a stricter level than 95%), and
 * the mean within 5% of theory.
 */
async function expectClassWaits(yaml: string, theory: readonly number[], maxRelativeHalfWidth: number): Promise<void> {
  const runs = await replications(yaml);
  theory.forEach((expected, k) => {
    const waits = runs.map((run) => run.byPriority[String(k)]!.wait.mean!);
    expectWithinCi({ waits, theory: expected }, maxRelativeHalfWidth);
    expect(Math.abs(mean(waits) - expected) / expected, `class ${k}: relative error`).toBeLessThan(0.05);
  });
}

describe('Cobham\'s formula', () => {
  it('agrees with Pollaczek–Khinchine for one class and with the M/M/c form for one server', () => {
    // One class: λ E[S²] / (2(1 − ρ)) with E[S²] = 2 for exponential service of mean 1.
    expect(cobhamMeanWaits([{ arrivalRate: 0.6, meanService: 1, secondMomentService: 2 }])[0]).toBeCloseTo(0.6 / 0.4, 12);
    const rates = [0.2, 0.3, 0.3];
    const cobham = cobhamMeanWaits(rates.map((arrivalRate) => ({ arrivalRate, meanService: 1, secondMomentService: 2 })));
    expect(mmcPriorityMeanWaits(1, rates, 1).map((w, k) => w - cobham[k]!).every((d) => Math.abs(d) < 1e-12)).toBe(true);
    // Class 0 at ρ 0.8 waits W0/(1 − 0.2) = 0.8/0.8 = 1; class 2 waits 0.8/((1 − 0.5)(1 − 0.8)) = 8.
    expect(cobham[0]).toBeCloseTo(1, 12);
    expect(cobham[2]).toBeCloseTo(8, 12);
  });
});

describe('non-preemptive priority M/M/1 against Cobham', () => {
  const cases = [
    { rates: [0.25, 0.25] },
    { rates: [0.4, 0.4] },
    { rates: [0.15, 0.15, 0.2] },
    { rates: [0.2, 0.3, 0.3] },
  ];
  for (const { rates } of cases) {
    const load = rates.reduce((sum, rate) => sum + rate, 0);
    it(`${rates.length} classes at total load ${load} (class loads ${rates.join(', ')})`, async () => {
      const theory = cobhamMeanWaits(rates.map((arrivalRate) => ({ arrivalRate, meanService: 1, secondMomentService: 2 })));
      await expectClassWaits(priorityScenario(`cobham-${rates.join('-')}`, 1, rates), theory, 0.12);
    });
  }
});

describe('non-preemptive priority M/M/c with one service rate', () => {
  const cases = [
    { servers: 2, rates: [0.6, 1.0] },
    { servers: 4, rates: [0.8, 1.2, 1.2] },
  ];
  for (const { servers, rates } of cases) {
    const load = rates.reduce((sum, rate) => sum + rate, 0) / servers;
    it(`M/M/${servers}, ${rates.length} classes at load ${load}`, async () => {
      await expectClassWaits(priorityScenario(`mmc-priority-${servers}`, servers, rates), mmcPriorityMeanWaits(servers, rates, 1), 0.12);
    });
  }
});
