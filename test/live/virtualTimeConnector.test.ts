/**
 * The VirtualTimeConnector in process: agents that answer at once, in any order, with their
 * durations (and offers with their delays), replayed on a manual clock, give the simulator's run
 * byte for byte (their answers
 * here come back after a seeded, scrambled number of event-loop turns, so a report released out
 * of start order would show); and what it refuses: a connector on a manual clock that is not
 * wrapped, a wrapper on another clock, an agent that reports no duration, an agent that never
 * answers, a provisioner that reports no cold start. Agents whose starts and other commands travel
 * on two channels (as over BullMQ) show that it keeps each agent's commands in the simulator's
 * order (offers, prewarms) and carries provisions in virtual time.
 * test/distributed/liveConformanceManual.test.ts runs it through BullMQ and Redis.
 */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { AgentSpec, AgentView } from '../../src/engine/agent.js';
import type { Outcome } from '../../src/engine/messages.js';
import type { TaskView } from '../../src/engine/task.js';
import { ManualClock } from '../../src/live/clock.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferResponse, ProvisionContext } from '../../src/live/connector.js';
import { runLive } from '../../src/live/runLive.js';
import { VirtualTimeConnector } from '../../src/live/virtualTimeConnector.js';
import type { Scenario } from '../../src/scenario/types.js';
import { SimAgent } from '../../src/sim/agentModel.js';
import { FleetNames } from '../../src/sim/fleetNames.js';
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

/**
 * The simulator's agent model as agents elsewhere whose commands travel on two channels, as over
 * BullMQ (an agent's queue for its attempts, its control stream for the rest): per agent, the
 * starts are carried out in order, and so are the other commands (offers, prewarms), each after
 * 0 to 3 event-loop turns drawn from a seeded stream; a start waits only for the commands sent
 * before it (the queue's `afterControl`). So an offer or prewarm sent after a start may overtake
 * it unless the VirtualTimeConnector holds it until the start is answered. Provisions are
 * answered after 0 to 3 turns with the agent named as the simulator names it and its pool's
 * cold start.
 */
class ChanneledAgents implements AgentConnector {
  private readonly models = new Map<string, SimAgent>();
  private readonly lanes = new Map<string, { commandsSent: number; commandsDone: number; starts: Promise<unknown>; commands: Promise<unknown> }>();
  private readonly names: FleetNames;
  private readonly outcomes;
  private readonly turns = seedrandom.alea('virtual-time-connector/channels');

  constructor(private readonly scenario: Scenario) {
    this.outcomes = outcomeStreams(scenario.seed, 0);
    this.names = new FleetNames(scenario);
  }

  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const lane = this.lane(command.agent.spec.id);
    const after = lane.commandsSent;
    const run = lane.starts.then(async () => {
      await this.scramble();
      while (lane.commandsDone < after) await nextTurn();
      const plan = this.model(command.agent.spec).begin(command.task, command.agent, command.attempt, this.outcomes);
      context.started({ setupTokens: plan.setupTokens, contextHit: plan.contextHit, contextBlocksHit: plan.contextBlocksHit, agent: plan.agent });
      context.ranFor?.(plan.durationSeconds);
      return plan.outcome;
    });
    lane.starts = run;
    return run;
  }

  offer(command: CommandOf<'offer'>): Promise<OfferResponse> {
    return this.command(command.agent.spec.id, () => {
      const reply = this.model(command.agent.spec).answerOffer(command.task, command.agent, command.offer, this.outcomes);
      return { answer: reply.answer, setupTokens: reply.setupTokens, delaySeconds: reply.delaySeconds };
    });
  }

  prewarm(command: CommandOf<'prewarm'>): void {
    void this.command(command.agent.spec.id, () => this.model(command.agent.spec).prewarm(command.contextKey, command.contextTokens));
  }

  async provision(command: CommandOf<'provision'>, context?: ProvisionContext): Promise<AgentSpec> {
    const { config, coldStartSeconds } = this.names.provisioned(command.pool);
    this.models.set(config.spec.id, new SimAgent(config));
    await this.scramble();
    context?.readyAfter?.(coldStartSeconds);
    return config.spec;
  }

  /** Carries `carryOut` out on the agent's command channel, after the commands before it. */
  private command<T>(agentId: string, carryOut: () => T): Promise<T> {
    const lane = this.lane(agentId);
    lane.commandsSent++;
    const done = lane.commands.then(async () => {
      await this.scramble();
      const result = carryOut();
      lane.commandsDone++;
      return result;
    });
    lane.commands = done;
    return done;
  }

  private lane(agentId: string): { commandsSent: number; commandsDone: number; starts: Promise<unknown>; commands: Promise<unknown> } {
    let lane = this.lanes.get(agentId);
    if (lane === undefined) {
      lane = { commandsSent: 0, commandsDone: 0, starts: Promise.resolve(), commands: Promise.resolve() };
      this.lanes.set(agentId, lane);
    }
    return lane;
  }

  private async scramble(): Promise<void> {
    for (let turns = Math.floor(this.turns() * 4); turns > 0; turns--) await nextTurn();
  }

  /** The agent's model: a declared agent's, or a provisioned one's (made at the provision). */
  private model(spec: AgentSpec): SimAgent {
    let model = this.models.get(spec.id);
    if (model === undefined) {
      model = new SimAgent(this.scenario.agents.find((config) => config.spec.id === spec.id)!);
      this.models.set(spec.id, model);
    }
    return model;
  }
}

const FEATURE = featureScenarios({ prefix: 'virtual', drain: true });
const CONTEXT_PRESSURE = shortenedLibraryScenario('context-pressure.yaml', { seconds: {}, defaultSeconds: 600, tasks: 100 });
/** Offers and their answers' delays in virtual time (lead-and-specialists: delegation by offer). */
const LEAD = shortenedLibraryScenario('lead-and-specialists.yaml', { seconds: {}, defaultSeconds: 600, tasks: 120 });
/** Prewarms of idle agents (predictive) and provisions of an autoscaled pool, with agents drained and retired. */
const HOT_KEYS = shortenedLibraryScenario('hot-keys.yaml', { seconds: {}, defaultSeconds: 600, tasks: 120 });
const AUTOSCALED = shortenedLibraryScenario('autoscaled-burst.yaml', { seconds: {}, defaultSeconds: 2_400, tasks: 120 });
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

  const twoChannels: readonly (readonly [Scenario, string, string])[] = [
    [LEAD, 'capability-match', '"kind":"offerAnswered"'],
    [LEAD, 'least-connections', '"accepted":false'],
    [HOT_KEYS, 'predictive', '"kind":"prewarm"'],
    [AUTOSCALED, 'least-work-left', '"kind":"agentJoined","agent":"burst-5"'],
  ];
  for (const [scenario, label, shown] of twoChannels) {
    it(`keeps each agent's commands in the simulator's order across two channels, and provisions in virtual time: ${scenario.name} / ${label}`, async () => {
      const strategy = scenario.strategies.find((s) => s.label === label)!;
      const options = { scenario, strategy, replication: 0 };
      const sim = recorded(runSimulation, options);
      const clock = new ManualClock();
      const connector = new VirtualTimeConnector(new ChanneledAgents(scenario), { clock });
      const live = await recorded((run) => runLive(run, { clock, connector }), options);
      expect(sim.lines.some((line) => line.includes(shown)), shown).toBe(true);
      expect(firstDifference(sim.lines, live.lines)).toBeUndefined();
      expect(live.result.metrics).toStrictEqual(sim.result.metrics);
      expect(connector.inFlight).toBe(0);
    });
  }

  it('passes an offer, prewarm or retire on only once the agent\'s earlier starts are answered, and a later start only after it', async () => {
    const log: string[] = [];
    const answers = new Map<string, () => void>();
    const inner: AgentConnector = {
      start: (command, context) => {
        const label = `start ${command.task.spec.id}@${command.agent.spec.id}`;
        log.push(label);
        return new Promise((settle) => answers.set(label, () => {
          context.ranFor?.(1);
          settle({ ok: true, quality: 1 });
        }));
      },
      offer: (command) => {
        log.push(`offer ${command.task.spec.id}@${command.agent.spec.id} active ${command.agent.active}`);
        return Promise.resolve({ answer: { accepted: true }, delaySeconds: 0 });
      },
      prewarm: (command) => { log.push(`prewarm ${command.contextKey}@${command.agent.spec.id}`); },
      retire: (command) => { log.push(`retire ${command.agentId}`); },
    };
    const connector = new VirtualTimeConnector(inner, { clock: new ManualClock() });
    const agent = (id: string, active = 1): AgentView => ({ spec: { id }, active }) as unknown as AgentView;
    const task = (id: string): TaskView => ({ spec: { id } }) as unknown as TaskView;
    const context = (): AttemptContext => ({ signal: new AbortController().signal, started: () => undefined });
    const x = agent('x');
    void connector.start({ kind: 'start', task: task('a'), agent: x, attempt: 1 }, context());
    void connector.offer!({ kind: 'offer', task: task('b'), agent: x, offer: 1 }, { signal: new AbortController().signal });
    (x as { active: number }).active = 5;
    connector.prewarm!({ kind: 'prewarm', agent: x, contextKey: 'k', contextTokens: 10 });
    void connector.start({ kind: 'start', task: task('c'), agent: x, attempt: 1 }, context());
    connector.retire!({ kind: 'retire', agentId: 'x' });
    void connector.start({ kind: 'start', task: task('d'), agent: agent('y'), attempt: 1 }, context());
    connector.prewarm!({ kind: 'prewarm', agent: agent('y', 0), contextKey: 'k', contextTokens: 10 });
    // x's offer, prewarm and the start behind them wait for a's answer; y is another agent's lane.
    expect(log).toEqual(['start a@x', 'start d@y']);
    answers.get('start a@x')!();
    await nextTurn();
    // The offer as the agent was when it was made (active 1), then the prewarm, then c; the retire waits for c.
    expect(log).toEqual(['start a@x', 'start d@y', 'offer b@x active 1', 'prewarm k@x', 'start c@x']);
    answers.get('start c@x')!();
    answers.get('start d@y')!();
    await nextTurn();
    expect(log.slice(5)).toEqual(['retire x', 'prewarm k@y']);
  });

  it('throws a command the inner connector refuses to its caller, or, when it was held, to the run at its next wait', async () => {
    let answer: () => void = () => undefined;
    const inner: AgentConnector = {
      start: (_command, context) => new Promise((settle) => {
        answer = () => {
          context.ranFor?.(1);
          settle({ ok: true, quality: 1 });
        };
      }),
      prewarm: () => { throw new Error('no prewarm here'); },
    };
    const connector = new VirtualTimeConnector(inner, { clock: new ManualClock() });
    const x = { spec: { id: 'x' }, active: 0 } as unknown as AgentView;
    expect(() => connector.prewarm!({ kind: 'prewarm', agent: x, contextKey: 'k', contextTokens: 1 })).toThrow(/no prewarm here/);
    void connector.start({ kind: 'start', task: { spec: { id: 'a' } } as unknown as TaskView, agent: x, attempt: 1 }, { signal: new AbortController().signal, started: () => undefined });
    connector.prewarm!({ kind: 'prewarm', agent: x, contextKey: 'k', contextTokens: 1 });
    const idle = connector.idle();
    answer();
    await expect(idle).rejects.toThrow(/no prewarm here/);
    await expect(connector.idle()).rejects.toThrow(/no prewarm here/);
  });

  const scenario = FEATURE.operations;
  const options = { scenario, strategy: scenario.strategies[0]!, replication: 0 };

  it('fails a provision whose provisioner reports no cold start: it does not run in virtual time', async () => {
    const strategy = AUTOSCALED.strategies[0]!;
    const clock = new ManualClock();
    const inner = new ChanneledAgents(AUTOSCALED);
    const connector = new VirtualTimeConnector({ start: (command, context) => inner.start(command, context), provision: (command) => inner.provision(command) }, { clock });
    await expect(runLive({ scenario: AUTOSCALED, strategy, replication: 0 }, { clock, connector }))
      .rejects.toThrow(/virtual-time connector: the provision of burst-1 for pool burst: its provisioner reported no cold start, so it does not run in virtual time/);
  });

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
