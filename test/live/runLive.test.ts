/**
 * runLive on a real clock: a small M/M/4 scenario whose service times are scaled down to
 * tenths of a second, run by the live driver with emulated agents that really take their time
 * (their attempts end on `setTimeout`). Its metrics must fall within the simulation's 95%
 * prediction interval for one replication, derived from 20 simulated replications. The
 * manual-clock runs are proven exact by the conformance suite; this shows the same loop keeps
 * time on the process clock (no lost wake-ups, no systematic delay). A scenario that does not
 * drain stops at its stop time as the simulation does, with what is in flight left in flight and
 * nothing of the run left on the clock.
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/live/clock.js';
import { runLive } from '../../src/live/runLive.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { parseScenario } from '../../src/scenario/load.js';
import { mmcScenarioText } from '../support/liveScenarios.js';
import { TIME_AND_UTILIZATION_METRICS, expectWithinPredictionInterval, simulatedMetrics } from '../support/predictionInterval.js';

// Mean service 0.1 s (100 tokens at 1,000 tokens/s), 24 arrivals a second on 4 agents: load 0.6.
const scenario = parseScenario(mmcScenarioText({
  name: 'live-real-clock', seed: 17, tasks: 240, servers: 4, tokensPerSecond: 1000, arrivalsPerSecond: 24, meanTokens: 100,
}), 'live-real-clock.yaml');

const REPLICATIONS = 20;

describe('runLive on the real clock', () => {
  it('agrees with the simulation within its 95% interval for one replication', async () => {
    const strategy = scenario.strategies[0]!;
    const simulated = simulatedMetrics(scenario, REPLICATIONS);
    const live = await runLive({ scenario, strategy, replication: 0 }, { clock: new RealClock() });
    expect(live.counts).toMatchObject({ submitted: 240, completed: 240, inFlight: 0 });
    expect(live.timing.wallSeconds).toBeLessThan(20);
    expectWithinPredictionInterval(simulated, live.metrics, TIME_AND_UTILIZATION_METRICS);
  }, 30_000);
});

// Mean service 0.1 s on 2 agents, 30 arrivals a second: load 1.5, so work is in flight at the stop.
const overloaded = parseScenario(mmcScenarioText({
  name: 'live-real-clock-stop', seed: 23, tasks: 1_000_000, servers: 2, tokensPerSecond: 1000, arrivalsPerSecond: 30, meanTokens: 100,
}).replace('stop: { tasks: 1000000, drain: true }', 'stop: { tasks: 1000000, time: 2, drain: false }'), 'live-real-clock-stop.yaml');

describe('runLive on the real clock, a scenario that stops at its stop time', () => {
  it('ends at the stop time with the simulation\'s arrivals submitted, work left in flight and no timer left', async () => {
    const strategy = overloaded.strategies[0]!;
    expect(overloaded.stop).toMatchObject({ timeSeconds: 2, drain: false });
    const simulated = runSimulation({ scenario: overloaded, strategy, replication: 0 });
    const clock = new RealClock();
    const live = await runLive({ scenario: overloaded, strategy, replication: 0 }, { clock });
    // The arrivals are the seeded stream's up to the stop time (none of seed 23's falls within 50 ms of it).
    expect(live.counts.submitted).toBe(simulated.counts.submitted);
    expect(live.counts.inFlight).toBeGreaterThan(0);
    const { completed, deadLettered, expired, cancelled, rejected, inFlight, submitted } = live.counts;
    expect(completed + deadLettered + expired + cancelled + rejected + inFlight).toBe(submitted);
    expect(cancelled).toBe(0);
    expect(live.endTimeSeconds).toBe(2);
    expect(live.timing.wallSeconds).toBeGreaterThanOrEqual(2);
    // Nothing of the run fires after it: the agents' ends, the world's and the driver's timers are cleared.
    expect(clock.pending).toBe(0);
  }, 30_000);
});
