/**
 * What every run builds alike: its end time (the last event when it drains or has no stop time,
 * else the stop time), the conservation check, and the refusal of an unknown strategy.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { assertConservation, createRunEngine, runEndTime } from '../../src/sim/runEngine.js';

const scenario = parseScenario(`
name: ends
stop: { time: 100 }
agents: [{ id: a, speed: 100, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: 100 }]
strategies: [round-robin]`, 'ends.yaml');

function withStop(stop: Partial<Scenario['stop']>): Scenario {
  return { ...scenario, stop: { ...scenario.stop, ...stop } };
}

describe('run setup', () => {
  it('ends at the stop time, or at the last event when the run drains or has no stop time', () => {
    expect(runEndTime(scenario, 97.5)).toBe(100);
    expect(runEndTime(withStop({ drain: true }), 130)).toBe(130);
    expect(runEndTime(withStop({ timeSeconds: Number.POSITIVE_INFINITY, tasks: 10 }), 42)).toBe(42);
  });

  it('throws when the ledger does not balance, naming the scenario and the counts', () => {
    const counts = { submitted: 5, completed: 3, deadLettered: 0, expired: 0, cancelled: 0, rejected: 1, inFlight: 0 };
    expect(() => assertConservation(counts, scenario, 'round-robin', 2)).toThrow(/task conservation broken in ends.yaml \(seed \d+, replication 2, strategy round-robin\): submitted 5, accounted 4/);
    expect(() => assertConservation({ ...counts, inFlight: 1 }, scenario, 'round-robin', 2)).not.toThrow();
  });

  it('refuses a strategy that is not registered', () => {
    expect(() => createRunEngine({ scenario, strategy: { name: 'no-such', label: 'no-such', params: {} }, replication: 0 })).toThrow(/unknown strategy no-such/);
  });
});
