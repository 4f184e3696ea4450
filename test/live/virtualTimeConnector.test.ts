/**
 * The VirtualTimeConnector in process: agents that answer at once, in any order, with their
 * durations (and offers with their delays), replayed on a manual clock, give the simulator's run
 * byte for byte (their answers
 * here come back after a seeded, scrambled number of event-loop turns, so a report released out
 * of start order would show); and what it refuses: a connector on a manual clock that is not
 * wrapped, a wrapper on another clock, an agent that reports no duration, an agent that never
 * answers. test/distributed/liveConformanceManual.test.ts runs it through BullMQ and Redis.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '../../src/engine/agent.js';
import type { Outcome } from '../../src/engine/messages.js';
import { ManualClock } from '../../src/live/clock.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferResponse } from '../../src/live/connector.js';
import { runLive } from '../../src/live/runLive.js';
import { VirtualTimeConnector } from '../../src/live/virtualTimeConnector.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimAgent } from '../../src/sim/agentModel.js';
import { outcomeStreams } from '../../src/sim/random.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { featureScenarios } from '../support/featureScenarios.js';
import { firstDifference, recorded, shortenedLibraryScenario } from '../support/liveConformance.js';

/** Turns to wait for the next event loop phase. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The simulator's agent model as agents elsewhere in virtual time: each attempt is planned when
 * it is started (in the engine's order, as a worker takes its queue's jobs), and answered with
 * its report and duration after 0 to 3 event-loop turns drawn from a seeded stream; each offer is
 * answered with its delay likewise.
 */
class ScrambledAgents implements AgentConnector {
  private readonly agents = new Map<string, SimAgent>();
  private readonly outcomes;
  private readonly turns = seedrandom.alea('virtual-time-connector/scramble');

  constructor(private readonly scenario: Scenario) {
    this.outcomes = outcomeStreams(scenario.seed, 0);
  }

  async start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const plan = this.agent(command.agent.spec).begin(command.task, command.agent, command.attempt, this.outcomes);
    const report = { setupTokens: plan.setupTokens, contextHit: plan.contextHit, contextBlocksHit: plan.contextBlocksHit, agent: plan.agent };
    const { durationSeconds, outcome } = plan;
    await this.scramble();
    context.started(report);
    context.ranFor?.(durationSeconds);
    return outcome;
  }

  async offer(command: CommandOf<'offer'>): Promise<OfferResponse> {
    const reply = this.agent(command.agent.spec).answerOffer(command.task, command.agent, command.offer, this.outcomes);
    await this.scramble();
    return { answer: reply.answer, setupTokens: reply.setupTokens, delaySeconds: reply.delaySeconds };
  }

  /** Waits 0 to 3 turns of the event loop. */
  private async scramble(): Promise<void> {
    for (let turns = Math.floor(this.turns() * 4); turns > 0; turns--) await nextTurn();
  }

  /** The agent's model, made on its first command (an agent added later is like its pool's first). */
  private agent(spec: AgentSpec): SimAgent {
    let agent = this.agents.get(spec.id);
    if (agent === undefined) {
      const template = this.scenario.agents.find((config) => config.spec.id === spec.id || (spec.pool !== undefined && config.spec.pool === spec.pool))!;
      agent = new SimAgent({ ...template, spec });
      this.agents.set(spec.id, agent);
    }
    return agent;
  }
}

const FEATURE = featureScenarios({ prefix: 'virtual', drain: true });
const CONTEXT_PRESSURE = shortenedLibraryScenario('context-pressure.yaml', { seconds: {}, defaultSeconds: 600, tasks: 100 });
/** Offers and their answers' delays in virtual time (lead-and-specialists: delegation by offer). */
const LEAD = shortenedLibraryScenario('lead-and-specialists.yaml', { seconds: {}, defaultSeconds: 600, tasks: 120 });
/** Many starts in one drain (a workflow's tasks submitted at once): their reports must be released in start order. */
const SUPERVISOR_DAG = shortenedLibraryScenario('supervisor-dag.yaml', { seconds: {}, defaultSeconds: 300, tasks: 100 });

describe('VirtualTimeConnector', () => {
  for (const scenario of [FEATURE.operations, FEATURE.offers, FEATURE.broadcast, CONTEXT_PRESSURE, SUPERVISOR_DAG, LEAD]) {
    for (const strategy of scenario.strategies.slice(0, 3)) {
      it(`replays agents that answer in any order as the simulator runs them: ${scenario.name} / ${strategy.label}`, async () => {
        const options = { scenario, strategy, replication: 0 };
        const sim = recorded(runSimulation, options);
        const clock = new ManualClock();
        const connector = new VirtualTimeConnector(new ScrambledAgents(scenario), { clock });
        const live = await recorded((run) => runLive(run, { clock, connector }), options);
        expect(sim.lines.length).toBeGreaterThan(100);
        expect(firstDifference(sim.lines, live.lines)).toBeUndefined();
        expect(live.result.metrics).toStrictEqual(sim.result.metrics);
        expect(live.result.endTimeSeconds).toBe(sim.result.endTimeSeconds);
        expect(connector.inFlight).toBe(0);
      });
    }
  }

  const scenario = FEATURE.operations;
  const options = { scenario, strategy: scenario.strategies[0]!, replication: 0 };

  it('is required for a connector of its own on a manual clock, on the run\'s clock', async () => {
    const clock = new ManualClock();
    await expect(runLive(options, { clock, connector: new ScrambledAgents(scenario) })).rejects.toThrow(/a connector on a manual clock must be wrapped in a VirtualTimeConnector/);
    const other = new VirtualTimeConnector(new ScrambledAgents(scenario), { clock: new ManualClock() });
    await expect(runLive(options, { clock, connector: other })).rejects.toThrow(/runs on another clock than the run/);
  });

  it('fails an attempt whose agent reports no duration, naming it: the agent does not run in virtual time', async () => {
    const clock = new ManualClock();
    const inner: AgentConnector = { start: () => Promise.resolve({ ok: true, quality: 1 }) };
    await expect(runLive(options, { clock, connector: new VirtualTimeConnector(inner, { clock }) }))
      .rejects.toThrow(/virtual-time connector: t\d+ attempt 1 on coder-\d: its agent reported no duration, so it does not run in virtual time/);
  });

  it('stops waiting for an agent that never answers after stallSeconds, naming the attempt', async () => {
    const clock = new ManualClock();
    const inner: AgentConnector = { start: () => new Promise<Outcome>(() => undefined) };
    await expect(runLive(options, { clock, connector: new VirtualTimeConnector(inner, { clock, stallSeconds: 0.2 }) }))
      .rejects.toThrow(/no answer within 0.2 s to 1 attempt\(s\), the first t\d+ attempt 1 on coder-\d \(is its agent running, in virtual time\?\)/);
  });

  it('refuses to pause or resume an attempt it does not hold', () => {
    const connector = new VirtualTimeConnector(new ScrambledAgents(scenario), { clock: new ManualClock() });
    const command = { task: { spec: { id: 't9' } }, attempt: 1 } as unknown as CommandOf<'pause'>;
    expect(() => connector.pause(command)).toThrow(/virtual-time connector: pause of t9 attempt 1, which has no running attempt/);
    expect(() => connector.resume(command as unknown as CommandOf<'resume'>)).toThrow(/virtual-time connector: resume of t9 attempt 1, which was not paused/);
  });
});
