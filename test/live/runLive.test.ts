/**
 * runLive on a real clock: a small M/M/4 scenario whose service times are scaled down to
 * tenths of a second, run by the live driver with emulated agents that really take their time
 * (their attempts end on `setTimeout`). Its metrics must fall within the simulation's 95%
 * prediction interval for one replication, derived from 20 simulated replications. The
 * manual-clock runs are proven exact by the conformance suite; this shows the same loop keeps
 * time on the process clock (no lost wake-ups, no systematic delay).
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/live/clock.js';
import { runLive } from '../../src/live/runLive.js';
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
