/**
 * Live equals simulation through Redis, byte for byte: the live driver on a manual clock with its
 * agents behind the BullMQ connector and a real redis-server, wrapped in the VirtualTimeConnector.
 * The agents are emulated agent workers in virtual time (`runAgentWorker` with
 * `virtualTimeAgentHandlers`: the simulator's agent model, which answers attempts and offers at
 * once with the planned duration or the answer's delay, and applies prewarms), and autoscaled
 * pools have a provisioner (`runProvisioner`) that starts a new agent's worker at once and
 * reports the pool's cold start; so every start, start report, outcome, offer, answer, prewarm,
 * provision and retire crosses Redis, and the engine's events must still be the simulator's, as
 * JSON lines in the same order, with the metrics, ledger and end time deep-equal.
 *
 * Every library scenario, shortened further than in test/live/conformance.test.ts (each attempt
 * costs a few Redis round trips, and the clock waits for them), with a representative subset of
 * strategies (REPRESENTATIVE below: every strategy the library uses appears at least once; all
 * of them would take minutes), plus the operations feature scenario (pauses, preemption, agents
 * added and removed, timeouts, retries), which the VirtualTimeConnector carries on the virtual
 * clock, and a scenario routed by the agents' reported context (utilization, resident keys).
 * Each run has fresh workers (fresh agent models, as each simulation has) on a flushed database.
 * Four runs are repeated with the agents in a real `fleetsim agent-worker --virtual-time` process
 * (needs the build in dist/). About 30 s on a shared 2-core machine at load average 3 to 4.
 *
 * What cannot conform through BullMQ would be in KNOWN_GAPS, reported in the test names, never
 * silently skipped; it is empty.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProvisioner, type Provisioner } from '../../src/distributed/agentProvisioning.js';
import { runAgentWorker, virtualTimeAgentHandlers, type AgentWorker } from '../../src/distributed/agentWorker.js';
import { BullmqAgentConnector } from '../../src/distributed/bullmqConnector.js';
import { bullConnectionOptions, parseQueueUrl } from '../../src/distributed/connection.js';
import { ManualClock } from '../../src/live/clock.js';
import { runLive } from '../../src/live/runLive.js';
import { VirtualTimeConnector } from '../../src/live/virtualTimeConnector.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario, SimAgentConfig } from '../../src/scenario/types.js';
import { FleetNames } from '../../src/sim/fleetNames.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { featureScenarios } from '../support/featureScenarios.js';
import { eventually, fleetsim, killAll } from '../live/clients/processes.js';
import { firstDifference, LIBRARY, libraryFiles, recorded, shortenedLibraryScenario, type Horizons } from '../support/liveConformance.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redisServer.js';

/**
 * Shorter than the in-process conformance's: a hundred to a few hundred attempts a run, except
 * pause-and-drain, whose operations run from 1,800 s to 3,060 s (about 1,100 attempts).
 */
const HORIZONS: Horizons = {
  seconds: {
    'azure-conversation': 80,
    'azure-conversation-2x': 40,
    'identical-high-load': 6,
    'mmc-check': 60,
    'mooncake-prefix-reuse': 60,
    'pause-and-drain': 3_100,
    'autoscaled-burst': 1_500,
    'small-vs-large': 150,
    'supervisor-dag': 250,
    'team-targets': 300,
    'tenant-burst': 120,
  },
  defaultSeconds: 400,
  tasks: 120,
};

/** Strategies run per scenario (all of them when a scenario is not listed). */
const REPRESENTATIVE: Readonly<Record<string, readonly string[]>> = {
  'azure-conversation': ['weighted-round-robin'],
  'azure-conversation-2x': ['power-of-d'],
  'bursty-deadlines': ['deadline-aware'],
  'context-pressure': ['consistent-hash#2', 'cache-aware', 'context-batching'],
  'failure-prone': ['latency-ewma', 'performance-based#2'],
  'first-look': ['skill-weighted'],
  'heterogeneous-specialists': ['capability-match#2'],
  'one-agent-hoards': ['random'],
  'hot-keys': ['consistent-hash', 'predictive'],
  'identical-high-load': ['power-of-d#2'],
  'lead-and-specialists': ['capability-match'],
  'mmc-check': ['least-connections'],
  'mooncake-prefix-reuse': ['cache-aware#2'],
  'pause-and-drain': ['work-stealing'],
  'small-vs-large': ['least-loaded-tokens', 'least-work-left'],
  'specialists-under-pressure': ['round-robin'],
  'supervisor-dag': ['deadline-aware'],
  'team-targets': ['join-shortest-queue'],
  'tenant-burst': ['fair-share'],
  'autoscaled-burst': ['least-work-left'],
};

/** What cannot conform through BullMQ yet, by scenario (every strategy) or scenario and strategy: none today. */
const KNOWN_GAPS: readonly { readonly scenario: string; readonly strategy?: string; readonly reason: string }[] = [];

/**
 * The engine event each of these runs must show, so that what crosses Redis besides attempts is
 * really exercised: offers answered (some declined) over the control stream, agents provisioned,
 * joined and retired, contexts prewarmed.
 */
const MUST_SHOW: Readonly<Record<string, readonly string[]>> = {
  'lead-and-specialists / capability-match': ['"kind":"offerAnswered"', '"accepted":false'],
  'autoscaled-burst / least-work-left': ['"direction":"up"', '"kind":"agentJoined","agent":"burst-1"', '"kind":"agentLeft"'],
  'hot-keys / predictive': ['"kind":"prewarm"'],
};

const FEATURE = featureScenarios({ prefix: 'bullmq', drain: true });

/**
 * Routing by the agents' context as their start reports describe it (utilization, resident
 * keys), which no library strategy reads: the report must cross Redis whole.
 */
const CONTEXT_REPORT = parseScenario(`
name: bullmq-context-report
seed: 5
stop: { time: 500 }
agentModel: { historyGrowth: 0.5 }
agents: [{ pool: agent, count: 6, capacity: 2, speed: 50, skills: { session: 1 }, contextWindow: 60000 }]
workload:
  arrivals: { process: poisson, rate: 0.25 }
  tasks: [{ type: session, tokens: { dist: lognormal, mean: 2500, sd: 2500 }, contextTokens: 12000, contextKeys: { count: 24, zipf: 0.8 } }]
strategies:
  - { name: scored, params: { filters: [{ name: context-below, max: 0.9 }], scorers: [{ name: affinity, weight: 2 }, { name: context }, { name: load }] } }
`, 'bullmq-context-report.yaml');

/**
 * Runs repeated with the agents in a real `fleetsim agent-worker --virtual-time` process (one per
 * run, for fresh models): context keys and resident keys (context-pressure), prompt-prefix
 * blocks and their hits (mooncake-prefix-reuse) cross the process boundary in the start report;
 * offers and their answers' delays (lead-and-specialists); agents provisioned by the process
 * (`--provision`) and retired, their workers closed (autoscaled-burst).
 */
const IN_A_PROCESS: readonly (readonly [file: string, strategy: string])[] = [
  ['context-pressure.yaml', 'cache-aware'],
  ['mooncake-prefix-reuse.yaml', 'cache-aware#2'],
  ['lead-and-specialists.yaml', 'capability-match'],
  ['autoscaled-burst.yaml', 'least-work-left'],
];

/** The configs of every agent a run may have: the scenario's and those its `add` operations bring (named as the run names them). */
function fleetConfigs(scenario: Scenario): SimAgentConfig[] {
  const names = new FleetNames(scenario);
  const added = [...scenario.operations].sort((a, b) => a.atSeconds - b.atSeconds).flatMap((operation) => {
    if (operation.op !== 'add') return [];
    const template = names.templateLike(operation.like);
    return Array.from({ length: operation.count }, () => names.newAgentLike(template));
  });
  return [...scenario.agents, ...added];
}

/** The strategies run on `scenario`: its representatives (all its strategies when it has none listed), known gaps included. */
function runStrategies(scenario: Scenario): Scenario['strategies'] {
  const wanted = REPRESENTATIVE[scenario.name];
  return scenario.strategies.filter((strategy) => wanted === undefined || wanted.includes(strategy.label));
}

/** Starts the agents of one run; resolves to what stops them. */
type StartAgents = (url: string) => Promise<() => Promise<void>>;

/**
 * Agents as BullMQ workers in this process, each with a fresh emulated model in virtual time, and
 * a provisioner per autoscaled pool that starts a new agent's worker at once and answers with its
 * spec and the pool's cold start (named as the simulator names it), as `--virtual-time --provision` does.
 */
function inProcessAgents(scenario: Scenario): StartAgents {
  return async (url) => {
    const workers: AgentWorker[] = [];
    const provisioners: Provisioner[] = [];
    const stop = async (): Promise<void> => {
      await Promise.all(provisioners.map((provisioner) => provisioner.close()));
      await Promise.all(workers.map((worker) => worker.close()));
    };
    // One attempt at a time: the model meets the agent's attempts in the engine's order.
    const startWorker = async (config: SimAgentConfig): Promise<void> => {
      workers.push(await runAgentWorker(url, config.spec.id, virtualTimeAgentHandlers(config, { seed: scenario.seed }), { concurrency: 1 }));
    };
    const names = new FleetNames(scenario);
    try {
      for (const config of fleetConfigs(scenario)) await startWorker(config);
      for (const pool of Object.keys(scenario.coldStartSeconds)) {
        provisioners.push(await runProvisioner(url, pool, async ({ readyAfter }) => {
          const { config, coldStartSeconds } = names.provisioned(pool);
          await startWorker(config);
          readyAfter(coldStartSeconds);
          return config.spec;
        }));
      }
    } catch (error) {
      await stop();
      throw error;
    }
    return stop;
  };
}

/** The scenario's agents in one `fleetsim agent-worker --virtual-time` process. */
function agentWorkerProcess(file: string, scenario: Scenario): StartAgents {
  return async (url) => {
    const ids = scenario.agents.map((config) => config.spec.id).join(',');
    const pools = Object.keys(scenario.coldStartSeconds);
    const provision = pools.length === 0 ? [] : ['--provision', pools.join(',')];
    const workers = fleetsim('agent-worker', '--queue', url, '--agent', ids, ...provision, '--emulate', `${LIBRARY}/${file}`, '--virtual-time');
    await eventually(() => /taking work from .* \(virtual time\)/.test(workers.stdout()), 30_000, `agent-worker listening (${workers.stderr()})`);
    return async () => {
      workers.process.kill('SIGTERM');
      expect(await workers.exited).toBe(0);
    };
  };
}

/**
 * Runs `strategy` on `scenario` in the simulator, then through the live driver on a manual clock
 * with the agents `startAgents` starts behind the BullMQ connector, on a flushed database; the
 * two must agree byte for byte.
 */
async function expectConformance(scenario: Scenario, strategy: Scenario['strategies'][number], server: RedisServer, admin: Redis, startAgents: StartAgents): Promise<void> {
  const options = { scenario, strategy, replication: 0 };
  const sim = recorded(runSimulation, options);
  await admin.flushdb();
  const stopAgents = await startAgents(server.url);
  const inner = new BullmqAgentConnector({ connection: bullConnectionOptions(parseQueueUrl(server.url)) });
  try {
    const clock = new ManualClock();
    const connector = new VirtualTimeConnector(inner, { clock });
    const live = await recorded((run) => runLive(run, { clock, connector }), options);
    expect(sim.lines.length).toBeGreaterThan(100);
    for (const shown of MUST_SHOW[`${scenario.name} / ${strategy.label}`] ?? []) expect(sim.lines.some((line) => line.includes(shown)), shown).toBe(true);
    expect(firstDifference(sim.lines, live.lines)).toBeUndefined();
    expect(live.result.metrics).toStrictEqual(sim.result.metrics);
    expect(live.result.counts).toStrictEqual(sim.result.counts);
    expect(live.result.endTimeSeconds).toBe(sim.result.endTimeSeconds);
    expect(inner.errors).toEqual([]);
  } finally {
    await inner.close();
    await stopAgents();
  }
}

describeWithRedis('live driver on a manual clock through the BullMQ connector reproduces the simulator', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    await killAll();
    admin.disconnect();
    await server.stop();
  });

  const scenarios = [...libraryFiles().map((file) => shortenedLibraryScenario(file, HORIZONS)), FEATURE.operations, CONTEXT_REPORT];
  it('covers the whole library, and every strategy the library uses', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
    const byName = new Map(scenarios.map((scenario) => [scenario.name, scenario]));
    for (const [name, labels] of Object.entries(REPRESENTATIVE)) {
      expect(byName.get(name)?.strategies.map((s) => s.label), name).toEqual(expect.arrayContaining([...labels]));
    }
    const used = new Set(scenarios.flatMap((scenario) => scenario.strategies.map((s) => s.name)));
    const run = new Set(scenarios.flatMap((scenario) => runStrategies(scenario).map((s) => s.name)));
    expect([...used].filter((name) => !run.has(name))).toEqual([]);
  });

  describe('agents as workers in the test process', () => {
    for (const scenario of scenarios) {
      for (const strategy of runStrategies(scenario)) {
        const gap = KNOWN_GAPS.find((g) => g.scenario === scenario.name && (g.strategy === undefined || g.strategy === strategy.label));
        it.skipIf(gap !== undefined)(`${scenario.name} / ${strategy.label}${gap === undefined ? '' : ` (known gap: ${gap.reason})`}`, async () => {
          await expectConformance(scenario, strategy, server, admin, inProcessAgents(scenario));
        });
      }
    }
  });

  describe('agents in a fleetsim agent-worker --virtual-time process', () => {
    for (const [file, label] of IN_A_PROCESS) {
      const scenario = shortenedLibraryScenario(file, HORIZONS);
      it(`${scenario.name} / ${label}`, async () => {
        const strategy = scenario.strategies.find((s) => s.label === label)!;
        await expectConformance(scenario, strategy, server, admin, agentWorkerProcess(file, scenario));
      });
    }
  });
});
