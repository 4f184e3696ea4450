/**
 * An {@link AgentConnector} whose agents are the simulator's own agent model (`SimAgent`): the
 * same plans, the same seeded outcome and offer streams keyed by task, attempt and offer, the
 * same context state. It takes time on the driver's {@link Clock}: an attempt settles when its
 * planned duration has passed, an answer after the agent's `offerResponseSeconds`, a provisioned
 * agent joins after its pool's cold start. On a {@link ManualClock} that is the simulation
 * itself, run through the live driver; on a {@link RealClock} it is a fleet of stand-in agents
 * that really take their time.
 *
 * Like the simulator, it lets a result come even when the engine gave up on the attempt (a
 * timeout, a lost agent): the engine records it as stale.
 */
import type { AgentSpec } from '../engine/agent.js';
import type { Outcome } from '../engine/messages.js';
import type { Scenario, SimAgentConfig } from '../scenario/types.js';
import { SimAgent } from '../sim/agentModel.js';
import type { FleetNames } from '../sim/fleetNames.js';
import { outcomeStreams, type OutcomeStreams } from '../sim/random.js';
import { AttemptEnds } from './attemptEnds.js';
import type { Clock, TimerHandle } from './clock.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferResponse } from './connector.js';

/** What the emulated fleet needs. */
export interface EmulatedAgentsOptions {
  /** The scenario whose agent model is emulated. */
  readonly scenario: Scenario;
  /** Selects the outcome and offer streams, as in a simulation. */
  readonly replication: number;
  /** The clock attempts' durations and offer answers are timed on. */
  readonly clock: Clock;
  /** Names provisioned agents (shared with whoever adds agents by operation). */
  readonly names: FleetNames;
}

/** The simulator's agent model behind the live driver's connector contract. */
export class EmulatedAgents implements AgentConnector {
  private readonly agents = new Map<string, SimAgent>();
  private readonly ends: AttemptEnds;
  private readonly outcomes: OutcomeStreams;
  private readonly clock: Clock;
  /** Offer answers and provisions not yet come, by their timers (for {@link close}). */
  private readonly pending = new Set<TimerHandle>();

  /** @param options - see {@link EmulatedAgentsOptions}; the scenario's agents are known from the start. */
  constructor(private readonly options: EmulatedAgentsOptions) {
    this.clock = options.clock;
    this.ends = new AttemptEnds(options.clock, 'emulated agents');
    this.outcomes = outcomeStreams(options.scenario.seed, options.replication);
    for (const config of options.scenario.agents) this.addAgent(config);
  }

  /** Makes an agent's model known (before the driver hears that it joined). */
  addAgent(config: SimAgentConfig): void {
    this.agents.set(config.spec.id, new SimAgent(config));
  }

  private agent(id: string): SimAgent {
    const agent = this.agents.get(id);
    if (agent === undefined) throw new Error(`emulated agents: no agent ${id}`);
    return agent;
  }

  /** {@inheritDoc AgentConnector.start} */
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const { task, agent, attempt } = command;
    const plan = this.agent(agent.spec.id).begin(task, agent, attempt, this.outcomes);
    context.started(plan);
    return new Promise((settle) => {
      this.ends.schedule(task.spec.id, attempt, this.clock.now() + plan.durationSeconds, () => settle(plan.outcome));
    });
  }

  /** {@inheritDoc AgentConnector.offer} */
  offer(command: CommandOf<'offer'>): Promise<OfferResponse> {
    const reply = this.agent(command.agent.spec.id).answerOffer(command.task, command.agent, command.offer, this.outcomes);
    return new Promise((settle) => {
      this.after(reply.delaySeconds, () => settle({ answer: reply.answer, setupTokens: reply.setupTokens }));
    });
  }

  /** {@inheritDoc AgentConnector.pause} */
  pause(command: CommandOf<'pause'>): void {
    this.ends.pause(command.task.spec.id, command.attempt);
  }

  /** {@inheritDoc AgentConnector.resume} */
  resume(command: CommandOf<'resume'>): void {
    this.ends.resume(command.task.spec.id, command.attempt);
  }

  /** {@inheritDoc AgentConnector.prewarm} */
  prewarm(command: CommandOf<'prewarm'>): void {
    this.agent(command.agent.spec.id).prewarm(command.contextKey, command.contextTokens);
  }

  /** {@inheritDoc AgentConnector.provision} */
  provision(command: CommandOf<'provision'>): Promise<AgentSpec> {
    const { config, coldStartSeconds } = this.options.names.provisioned(command.pool);
    return new Promise((settle) => {
      this.after(coldStartSeconds, () => {
        this.addAgent(config);
        settle(config.spec);
      });
    });
  }

  /**
   * Clears every timer the fleet has on the clock (attempts' ends, offer answers, provisions):
   * what is in flight never settles. For a run that stops on a real clock with work in flight,
   * so that nothing of it fires later in the process.
   */
  close(): void {
    this.ends.close();
    for (const timer of this.pending) this.clock.clearTimer(timer);
    this.pending.clear();
  }

  /** Calls `happen` `delaySeconds` from now, unless the fleet is closed first. */
  private after(delaySeconds: number, happen: () => void): void {
    const timer = this.clock.setTimer(this.clock.now() + delaySeconds, () => {
      this.pending.delete(timer);
      happen();
    });
    this.pending.add(timer);
  }
}
