/**
 * Live equals simulation, through Redis: the live driver's real-clock conformance run
 * (test/live/runLive.test.ts) with its agents behind the BullMQ connector instead of in the
 * driver's process. The scenario's four agents run in a `fleetsim agent-worker` process (the
 * simulator's agent model, the same seeded outcome streams) and take their attempts from their
 * queues in a real redis-server; every start, start report and outcome crosses Redis.
 *
 * Byte-identity with the simulator cannot hold over a real transport (a start report arrives
 * after the engine's next inputs, not inside the start, and real time orders nothing at equal
 * instants), so this is the real-clock check: the ledger exact (every task completed once), and
 * mean latency, p95 latency, mean wait and utilisation within the simulation's 95% prediction
 * interval for one replication (20 simulated replications).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BullmqAgentConnector } from '../../src/distributed/bullmqConnector.js';
import { bullConnectionOptions, parseQueueUrl } from '../../src/distributed/connection.js';
import { RealClock } from '../../src/live/clock.js';
import { runLive } from '../../src/live/runLive.js';
import { parseScenario } from '../../src/scenario/load.js';
import { eventually, fleetsim, killAll, tempDir } from '../live/clients/processes.js';
import { mmcScenarioText } from '../support/liveScenarios.js';
import { TIME_AND_UTILIZATION_METRICS, expectWithinPredictionInterval, simulatedMetrics } from '../support/predictionInterval.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

// Mean service 0.5 s (500 tokens at 1,000 tokens/s), 4.8 arrivals a second on 4 agents: load 0.6.
// Long against what Redis adds per attempt (a few ms; tens on a loaded machine, see bench/liveBullmq.ts).
const SCENARIO = mmcScenarioText({
  name: 'bullmq-real-clock', seed: 17, tasks: 150, servers: 4, tokensPerSecond: 1000, arrivalsPerSecond: 4.8, meanTokens: 500,
});
const scenario = parseScenario(SCENARIO, 'bullmq-real-clock.yaml');

const REPLICATIONS = 20;

describeWithRedis('runLive through the BullMQ connector, agents in an agent-worker process', () => {
  let server: RedisServer;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    server = await startRedis();
    dir = tempDir({ 'scenario.yaml': SCENARIO });
  });
  afterAll(async () => {
    await killAll();
    await server.stop();
    dir.remove();
  });

  it('completes every task once and agrees with the simulation within its 95% interval for one replication', async () => {
    const workers = fleetsim('agent-worker', '--queue', server.url, '--agent', 'server-0,server-1,server-2,server-3',
      '--emulate', join(dir.path, 'scenario.yaml'), '--lock-seconds', '5');
    await eventually(() => /taking work from/.test(workers.stdout()), 20_000, `agent-worker listening (${workers.stderr()})`);
    const connector = new BullmqAgentConnector({ connection: bullConnectionOptions(parseQueueUrl(server.url)) });
    const strategy = scenario.strategies[0]!;
    const live = await runLive({ scenario, strategy, replication: 0 }, { clock: new RealClock(), connector });
    await connector.close();
    expect(connector.errors).toEqual([]);
    expect(live.counts).toMatchObject({ submitted: 150, completed: 150, inFlight: 0 });

    const simulated = simulatedMetrics(scenario, REPLICATIONS);
    expectWithinPredictionInterval(simulated, live.metrics, TIME_AND_UTILIZATION_METRICS);
    workers.process.kill('SIGTERM');
    expect(await workers.exited).toBe(0);
  }, 90_000);
});
