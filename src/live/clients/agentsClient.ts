/**
 * `fleetsim agents`: a scenario's agents as HTTP clients of a `fleetsim serve`. Each agent
 * registers (`POST /v1/agents`); then the whole fleet shares one {@link AgentLink}: two
 * long-polls of the multi-agent route listing every agent (a poll is each listed agent's
 * heartbeat), and attempt reports and offer answers carried by its re-polls or flushed together. Each agent carries its
 * commands out with the simulator's agent model ({@link RemoteAgentModel}), every time divided by
 * the speedup K on real timers:
 *
 * - `start`: reports `started` (setup tokens, context hit, the blocks hit of a prompt prefix),
 *   then after the planned duration `finished` (ok with a quality, or the failure reason). A start it already runs is ignored; one
 *   it finished has its result sent again ({@link AttemptBook}).
 * - `offer`: answered after the agent's `offerResponseSeconds`; `withdraw` drops the answer.
 * - `abort`: the attempt stops and nothing is reported. `pause` / `resume` stop and continue
 *   its clock. `prewarm` loads a context. `retire`: the agent stops.
 *
 * The service may go away (restart, crash): every request is retried with capped backoff
 * ({@link Backoff}) until it answers; a poll answered 404 (an agent is no longer in the fleet,
 * e.g. after missing its heartbeat) registers that agent again, and when that makes it a new member of the
 * fleet, the attempts of its previous membership are dropped (the engine gave them up). Reports
 * are queued in order per attempt (`started` before `finished`; the link keeps that order, and
 * sends the two as one item when the first is still queued) and retried until answered.
 *
 * Autoscaled pools: once the listed agents registered, a {@link PoolProvisioner} per pool takes
 * the service's requests for new agents; for each it makes the agent the simulator would
 * provision (src/sim/fleetNames.ts: `<pool>-<k>`, the pool's first agent's model), waits the
 * pool's cold start ÷ K (its polls renewing the request's lease meanwhile), and registers it with
 * the request's `provisionId`. It then runs as the listed agents do, on a link of its own;
 * `retire` stops it. A request the service no longer waits for (`gone` from a poll, or its answer
 * refused with 410: answered already, or made before a service restart) stops its agent
 * unregistered; an id in use (409) takes the pool's next name. A provisioned agent that leaves
 * the fleet is not registered again (the autoscaler asks anew).
 */
import type { TaskSpec } from '../../engine/task.js';
import type { Scenario, SimAgentConfig } from '../../scenario/types.js';
import { FleetNames } from '../../sim/fleetNames.js';
import { outcomeStreams, type OutcomeStreams } from '../../sim/random.js';
import { AttemptBook } from './attemptBook.js';
import { Backoff, DEFAULT_BACKOFF, pause, type BackoffOptions } from './backoff.js';
import { RemoteAgentModel } from './remoteAgentModel.js';
import { AgentLink, type AgentOfferAnswer, type AgentReport, type ReportResult } from './agentLink.js';
import { defaultProvisionerName, PoolProvisioner } from './poolProvisioner.js';
import { ServiceClient, ServiceUnavailable, errorText, type ServiceAnswer } from './serviceClient.js';
import type { WireCommand } from '../service/remoteAgents.js';
import type { WireProvisionRequest } from '../service/provisionRequests.js';


/** A finished report's body. */
type FinishedBody = { readonly ok: true; readonly quality: number } | { readonly ok: false; readonly reason: string };

/** What `fleetsim agents` runs. */
export interface AgentsClientOptions {
  /** The scenario whose agents are emulated. */
  readonly scenario: Scenario;
  /** Base URL of the service. */
  readonly url: string;
  /** Bearer token, when the service asks for one. */
  readonly token?: string;
  /** K: service times, offer response times are divided by it, speeds multiplied. */
  readonly speedup: number;
  /** Ids of the scenario's agents to run (default: all). */
  readonly only?: readonly string[];
  /** Outcome streams of this replication of the scenario (default 0). */
  readonly replication?: number;
  /** Long-poll length in seconds (default: the scenario's `live.heartbeatSeconds`, at most 20). */
  readonly pollSeconds?: number;
  /** Retry delays for unreachable or failing requests. */
  readonly backoff?: BackoffOptions;
  /** One-line notes (an agent given up on, a refusal). */
  readonly log?: (line: string) => void;
  /** Whether to take the autoscaled pools' provisioning requests (default true). */
  readonly provision?: boolean;
  /** The name the pools' provisioners give the service (`provisioner` of their polls); default {@link defaultProvisionerName}. */
  readonly provisionerName?: string;
}

/** What the emulated agents did, summed over the fleet. */
export interface AgentsSummary {
  /** Agents run. */
  agents: number;
  /** Attempts run (started here). */
  started: number;
  /** Starts handed out again for an attempt under way here, ignored. */
  duplicateStarts: number;
  /** Starts handed out again for an attempt finished here: the result was sent again. */
  resentResults: number;
  /** Attempts completed. */
  completed: number;
  /** Attempts failed. */
  failed: number;
  /** Attempts stopped by an abort (nothing reported). */
  aborted: number;
  /** Attempts of a previous membership dropped on joining the fleet again. */
  dropped: number;
  /** Offers answered. */
  offersAnswered: number;
  /** Offers withdrawn before they were answered. */
  offersWithdrawn: number;
  /** Registrations after the first (the agent had left the fleet). */
  reregistrations: number;
  /** Requests that found the service unreachable or failing and were retried. */
  retries: number;
  /** Reports the service called stale (they changed nothing). */
  staleReports: number;
  /** Agents retired by the service. */
  retired: number;
  /** Agents (and pool provisioners) that stopped on an answer they cannot act on (a 4xx other than 404 to a poll). */
  gaveUp: number;
  /** Agents provisioned at the service's request that joined the fleet (counted in `agents` too). */
  provisioned: number;
  /** Agents started for a provisioning request the service no longer waited for (its answer refused with 410, or the request `gone` from a poll): stopped unregistered. */
  provisionsRefused: number;
}

/** An attempt under way on one agent. */
interface LocalAttempt {
  readonly taskId: string;
  readonly attempt: number;
  readonly outcome: FinishedBody;
  timer: NodeJS.Timeout | undefined;
  /** When it ends (performance.now() milliseconds), while it runs. */
  endsAtMs: number;
  /** Milliseconds left, while paused. */
  remainingMs: number;
  /**
   * Resumes read while it ran: their pause is still in the other poll's answer (the engine
   * sends a resume only after its pause), and cancels against them when read.
   */
  earlyResumes: number;
}

/** The fleet of emulated agents: resolves once stopped (or every agent retired or gave up). */
export class AgentsClient {
  /** What the agents did so far, updated as they go. */
  readonly summary: AgentsSummary = {
    agents: 0, started: 0, duplicateStarts: 0, resentResults: 0, completed: 0, failed: 0, aborted: 0, dropped: 0, offersAnswered: 0,
    offersWithdrawn: 0, reregistrations: 0, retries: 0, staleReports: 0, retired: 0, gaveUp: 0, provisioned: 0, provisionsRefused: 0,
  };
  private readonly stopping = new AbortController();
  private readonly agents: EmulatedRemoteAgent[];
  private readonly link: AgentLink;
  /** The autoscaled pools' provisioners (none with `provision: false`). */
  readonly provisioners: readonly PoolProvisioner[];
  /** Agents provisioned here, and the runs of their links. */
  private readonly provisionedAgents = new Set<EmulatedRemoteAgent>();
  private readonly provisionedRuns = new Set<Promise<void>>();
  private readonly names: FleetNames;
  /** Requests whose agents are starting (cold start, registration), each aborted when the service no longer waits for it. */
  private readonly starting = new Map<string, { readonly pool: string; readonly gone: AbortController }>();
  private readonly shared: Omit<AgentParts, 'config' | 'model' | 'link'> & { readonly outcomes: OutcomeStreams; readonly pollSeconds: number };

  /** @param options - see {@link AgentsClientOptions}; the agents are chosen (and `only` checked) here. */
  constructor(options: AgentsClientOptions) {
    const { scenario } = options;
    const chosen = selectAgents(scenario, options.only);
    const outcomes = outcomeStreams(scenario.seed, options.replication ?? 0);
    const client = new ServiceClient({ url: options.url, ...(options.token === undefined ? {} : { token: options.token }) });
    const pollSeconds = options.pollSeconds ?? Math.min(20, scenario.live.heartbeatSeconds);
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    const log = options.log ?? (() => undefined);
    this.shared = { client, speedup: options.speedup, backoff, summary: this.summary, signal: this.stopping.signal, log, outcomes, pollSeconds };
    this.names = new FleetNames(scenario);
    this.agents = chosen.map((config) => new EmulatedRemoteAgent({
      ...this.shared, config, model: new RemoteAgentModel(config, outcomes, options.speedup), link: () => this.link,
    }));
    const byId = new Map(this.agents.map((agent) => [agent.id, agent]));
    this.link = new AgentLink({
      client, agentIds: this.agents.map((agent) => agent.id), pollSeconds, backoff, signal: this.stopping.signal, log,
      onCommands: (id, commands) => byId.get(id)?.handle(commands),
      rejoin: (id) => byId.get(id)?.register() ?? Promise.resolve(false),
      onRetry: () => void this.summary.retries++,
      onRefused: (id, reason) => byId.get(id)?.giveUp(reason),
    });
    this.summary.agents = this.agents.length;
    const pools = options.provision === false ? [] : Object.keys(scenario.coldStartSeconds);
    this.provisioners = pools.map((pool) => new PoolProvisioner({
      pool, client, pollSeconds, backoff, signal: this.stopping.signal, provisioner: options.provisionerName ?? defaultProvisionerName(),
      onRequest: (request) => {
        // Handed out again while this process starts its agent (its lease ran out while cut off): already under way.
        if (!this.starting.has(request.provisionId)) this.track(this.provisionAgent(request));
      },
      starting: () => [...this.starting].filter(([, entry]) => entry.pool === pool).map(([provisionId]) => provisionId),
      onGone: (provisionId) => this.starting.get(provisionId)?.gone.abort(),
      onRefused: (reason) => {
        this.summary.gaveUp++;
        log(`${reason}; the provisioner of pool ${pool} stops`);
      },
      onRetry: () => void this.summary.retries++,
    }));
  }

  /** Keeps a provisioned agent's run until it ends, so that {@link AgentsClient.run} waits for it. */
  private track(run: Promise<void>): void {
    const tracked: Promise<void> = run
      .catch((error: unknown) => {
        this.summary.gaveUp++;
        this.shared.log(`provisioning: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.provisionedRuns.delete(tracked));
    this.provisionedRuns.add(tracked);
  }

  /**
   * Starts the agent a provisioning request asks for, as the simulator provisions it: named
   * after the pool, joining after the pool's cold start (÷ K); then runs it until it stops.
   */
  private async provisionAgent(request: WireProvisionRequest): Promise<void> {
    const gone = new AbortController();
    this.starting.set(request.provisionId, { pool: request.pool, gone });
    let joined: { readonly agent: EmulatedRemoteAgent; readonly link: AgentLink } | undefined;
    try {
      joined = await this.startAgent(request, gone.signal);
    } finally {
      this.starting.delete(request.provisionId);
    }
    if (joined === undefined) return;
    this.provisionedAgents.add(joined.agent);
    try {
      await joined.link.run();
    } finally {
      joined.agent.abandon();
      this.provisionedAgents.delete(joined.agent);
    }
  }

  /**
   * Starts the agent of a request and registers it: the agent and its link once it joined, else
   * undefined. `gone` aborts when the service no longer waits for the request.
   */
  private async startAgent(request: WireProvisionRequest, gone: AbortSignal): Promise<{ readonly agent: EmulatedRemoteAgent; readonly link: AgentLink } | undefined> {
    const { signal, log } = this.shared;
    const provisioned = this.names.provisioned(request.pool);
    let { config } = provisioned;
    const { coldStartSeconds } = provisioned;
    await pause((coldStartSeconds * 1000) / this.shared.speedup, AbortSignal.any([signal, gone]));
    for (;;) {
      if (signal.aborted) return undefined;
      if (gone.aborted) {
        this.summary.provisionsRefused++;
        log(`provisioning request ${request.provisionId} of pool ${request.pool}: answered elsewhere, leased to another provisioner, or no longer wanted; its agent stops unregistered`);
        return;
      }
      const agent: EmulatedRemoteAgent = new EmulatedRemoteAgent({
        ...this.shared, config, model: new RemoteAgentModel(config, this.shared.outcomes, this.shared.speedup), link: () => link,
      });
      // Its own link (the fleet's lists its agents once and for all), polling once it joined.
      const link = new AgentLink({
        client: this.shared.client, agentIds: [agent.id], pollSeconds: this.shared.pollSeconds, backoff: this.shared.backoff, signal, log,
        onCommands: (_id, commands) => agent.handle(commands),
        // Out of the fleet: not registered again, as its pool's autoscaler provisions anew if need be.
        rejoin: () => Promise.resolve(false),
        onRetry: () => void this.summary.retries++,
        onRefused: (_id, reason) => agent.giveUp(reason),
      });
      const answer = await agent.registerProvisioned(request.provisionId);
      if (answer === undefined) return;
      if (answer.status === 409) {
        // The name is taken (another process provisioned it, or a previous run of this one): the pool's next.
        config = this.names.newAgentLike(config);
        continue;
      }
      if (answer.status === 410) {
        this.summary.provisionsRefused++;
        log(`agent ${agent.id}: ${errorText(answer)}`);
        return;
      }
      if (answer.status !== 200 && answer.status !== 201) {
        agent.giveUp(`register for provisioning request ${request.provisionId}: ${errorText(answer)}`);
        return;
      }
      this.summary.provisioned++;
      this.summary.agents++;
      return { agent, link };
    }
  }

  /**
   * Runs every agent until {@link AgentsClient.stop} (or until each retired or gave up, and with
   * autoscaled pools, their provisioners were refused).
   */
  async run(): Promise<AgentsSummary> {
    try {
      const joined = await Promise.all(this.agents.map((agent) => agent.register()));
      this.agents.forEach((agent, i) => {
        if (!joined[i]) this.link.remove(agent.id);
      });
      // After the listed agents: the engine counts any agent joining a pool as one it provisioned.
      await Promise.all([this.link.run(), ...this.provisioners.map((provisioner) => provisioner.run())]);
      while (this.provisionedRuns.size > 0) await Promise.all(this.provisionedRuns);
    } finally {
      for (const agent of this.agents) agent.abandon();
      for (const agent of this.provisionedAgents) agent.abandon();
    }
    return this.summary;
  }

  /** Stops every agent: polls and retries end, attempts under way are abandoned unreported. */
  stop(): void {
    this.stopping.abort();
    for (const agent of this.agents) agent.abandon();
    for (const agent of this.provisionedAgents) agent.abandon();
  }
}

/** The scenario's agents named by `only` (all without it); an unknown id is an error naming it. */
export function selectAgents(scenario: Scenario, only: readonly string[] | undefined): SimAgentConfig[] {
  if (only === undefined) return [...scenario.agents];
  const byId = new Map(scenario.agents.map((config) => [config.spec.id, config]));
  return only.map((id) => {
    const config = byId.get(id);
    if (config === undefined) throw new UnknownAgentError(id, [...byId.keys()]);
    return config;
  });
}

/** `--only` named an agent the scenario does not have. */
export class UnknownAgentError extends Error {
  /** The error class's name, as stack traces and `error.name` checks read it. */
  override readonly name = 'UnknownAgentError';
  /** @param id - the unknown id; @param known - the scenario's agent ids. */
  constructor(readonly id: string, readonly known: readonly string[]) {
    super(`no agent ${id} in the scenario`);
  }
}

interface AgentParts {
  readonly config: SimAgentConfig;
  readonly model: RemoteAgentModel;
  readonly client: ServiceClient;
  readonly speedup: number;
  readonly backoff: BackoffOptions;
  readonly summary: AgentsSummary;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
  /** The fleet's link to the service (made after the agents), or a provisioned agent's own. */
  readonly link: () => AgentLink;
}

/** Headroom over the long-poll before a request counts as unanswered. */
const ANSWER_GRACE_MS = 5000;

/** One emulated agent; its polls and attempt reports go through the fleet's shared {@link AgentLink}. */
class EmulatedRemoteAgent {
  readonly id: string;
  private readonly book = new AttemptBook<LocalAttempt, FinishedBody>();
  private readonly offers = new Map<string, NodeJS.Timeout>();
  private registered = false;
  private done = false;

  constructor(private readonly parts: AgentParts) {
    this.id = parts.config.spec.id;
  }

  /** Carries out the commands a poll handed this agent, in order. */
  handle(commands: readonly WireCommand[]): void {
    for (const command of commands) if (!this.done) this.carryOut(command);
  }

  /** Stops everything under way, reporting nothing. */
  abandon(): void {
    this.done = true;
    for (const attempt of this.book.clearUnderWay()) clearTimeout(attempt.timer);
    for (const timer of this.offers.values()) clearTimeout(timer);
    this.offers.clear();
  }

  /**
   * Registers until the service answers; false when it refused (the agent gives up). Joining as
   * a new member of the fleet drops what the previous membership was running.
   */
  async register(): Promise<boolean> {
    if (this.done) return false;
    const { summary } = this.parts;
    const answer = await this.send('/v1/agents', this.registration());
    if (answer === undefined) return false;
    if (answer.status !== 200 && answer.status !== 201) {
      this.giveUp(`register: ${errorText(answer)}`);
      return false;
    }
    if (this.registered) summary.reregistrations++;
    this.registered = true;
    if ((answer.body as { joined?: boolean } | undefined)?.joined === true) {
      for (const attempt of this.book.clearUnderWay()) {
        clearTimeout(attempt.timer);
        summary.dropped++;
      }
      for (const timer of this.offers.values()) clearTimeout(timer);
      this.offers.clear();
    }
    return true;
  }

  /**
   * Registers as the answer to provisioning request `provisionId`, until the service answers:
   * its answer (undefined once stopped), which the provisioner reads.
   */
  async registerProvisioned(provisionId: string): Promise<ServiceAnswer | undefined> {
    const answer = await this.send('/v1/agents', { ...this.registration(), provisionId });
    if (answer?.status === 200 || answer?.status === 201) this.registered = true;
    return answer;
  }

  /** Its registration's body: its id, and its speed × K (the rest is the scenario's). */
  private registration(): { readonly id: string; readonly tokensPerSecond: number } {
    return { id: this.id, tokensPerSecond: this.parts.config.spec.tokensPerSecond * this.parts.speedup };
  }

  /** Stops on an answer it cannot act on, and says so. */
  giveUp(reason: string): void {
    this.parts.summary.gaveUp++;
    this.parts.log(`agent ${this.id}: ${reason}; this agent stops`);
    this.stop();
  }

  /** The agent stops: the link no longer polls for it. */
  private stop(): void {
    this.done = true;
    this.parts.link().remove(this.id);
  }

  /** Sends a POST until the service answers (undefined once stopped). */
  private async send(path: string, body: unknown): Promise<ServiceAnswer | undefined> {
    const { client, signal, summary } = this.parts;
    const backoff = new Backoff(this.parts.backoff);
    while (!signal.aborted) {
      try {
        return await client.request('POST', path, body, ANSWER_GRACE_MS * 2, signal);
      } catch (error) {
        if (signal.aborted) return undefined;
        if (!(error instanceof ServiceUnavailable)) throw error;
        summary.retries++;
        await pause(backoff.nextDelayMs(), signal);
      }
    }
    return undefined;
  }

  /** Sends an offer's answer through the link (retried until answered); counts stale answers, notes refusals. */
  private async answerOffer(answer: Omit<AgentOfferAnswer, 'agent'>): Promise<void> {
    this.noteResult(await this.parts.link().answerOffer({ agent: this.id, ...answer }), `answer to offer ${answer.offerId}`);
  }

  /** Sends an attempt report through the link (retried until answered); counts stale answers, notes refusals. */
  private async report(taskId: string, attempt: number, part: Pick<AgentReport, 'started' | 'finished'>): Promise<void> {
    this.noteResult(await this.parts.link().report({ agent: this.id, task: taskId, attempt, ...part }), `report of attempt ${attempt} of ${taskId}`);
  }

  /** Counts a stale answer, notes a refusal (nothing for one never answered). */
  private noteResult(result: ReportResult | undefined, what: string): void {
    if (result === undefined) return;
    if (result.error !== undefined) this.parts.log(`agent ${this.id}: ${what}: ${result.error}`);
    else if (result.stale) this.parts.summary.staleReports++;
  }

  /** Slots held as the engine counts them: attempts running plus offers not answered yet. */
  private active(): number {
    let running = 0;
    for (const attempt of this.book.underWay()) if (attempt.timer !== undefined) running++;
    return running + this.offers.size;
  }

  private carryOut(command: WireCommand): void {
    const { summary } = this.parts;
    switch (command.kind) {
      case 'start':
        this.start(command.task, command.attempt);
        return;
      case 'abort': {
        const attempt = this.book.drop(command.taskId, command.attempt);
        if (attempt !== undefined) {
          clearTimeout(attempt.timer);
          summary.aborted++;
        }
        return;
      }
      case 'pause': {
        const attempt = this.book.get(command.taskId, command.attempt);
        if (attempt === undefined) return this.book.readEarly(command.taskId, command.attempt, 1);
        if (attempt.timer === undefined) return;
        if (attempt.earlyResumes > 0) {
          attempt.earlyResumes--;
          return;
        }
        clearTimeout(attempt.timer);
        attempt.timer = undefined;
        attempt.remainingMs = Math.max(0, attempt.endsAtMs - performance.now());
        return;
      }
      case 'resume': {
        const attempt = this.book.get(command.taskId, command.attempt);
        if (attempt === undefined) return this.book.readEarly(command.taskId, command.attempt, -1);
        if (attempt.timer !== undefined) attempt.earlyResumes++;
        else this.schedule(attempt, attempt.remainingMs);
        return;
      }
      case 'offer':
        this.offer(command.offerId, command.task);
        return;
      case 'withdraw': {
        const timer = this.offers.get(command.offerId);
        if (timer !== undefined) {
          clearTimeout(timer);
          this.offers.delete(command.offerId);
          summary.offersWithdrawn++;
        }
        return;
      }
      case 'prewarm':
        this.parts.model.prewarm(command.contextKey, command.contextTokens);
        return;
      case 'retire':
        summary.retired++;
        this.stop();
        return;
      default:
        // A newer service's command this client does not know: said, not silently dropped.
        this.parts.log(`agent ${this.id}: ignored a command of unknown kind ${JSON.stringify((command as { kind?: unknown }).kind)}`);
        return;
    }
  }

  private start(spec: TaskSpec, attemptNumber: number): void {
    const { summary } = this.parts;
    const decision = this.book.decide(spec.id, attemptNumber);
    if (decision.kind === 'running' || decision.kind === 'aborted') {
      summary.duplicateStarts++;
      return;
    }
    if (decision.kind === 'finished') {
      summary.resentResults++;
      void this.report(spec.id, attemptNumber, { finished: decision.result as FinishedBody });
      return;
    }
    const plan = this.parts.model.plan(spec, attemptNumber, this.active() + 1);
    const outcome: FinishedBody = plan.outcome.ok ? { ok: true, quality: plan.outcome.quality } : { ok: false, reason: plan.outcome.reason };
    const attempt: LocalAttempt = { taskId: spec.id, attempt: attemptNumber, outcome, timer: undefined, endsAtMs: 0, remainingMs: 0, earlyResumes: 0 };
    this.book.begin(spec.id, attemptNumber, attempt);
    summary.started++;
    const started = {
      setupTokens: plan.setupTokens,
      ...(plan.contextHit === null ? {} : { contextHit: plan.contextHit }),
      ...(plan.contextBlocksHit === undefined ? {} : { contextBlocksHit: plan.contextBlocksHit }),
    };
    void this.report(spec.id, attemptNumber, { started });
    // A pause read before this start holds it at once; a resume read before it cancels the pause still to come.
    const pauses = this.book.takeEarly(spec.id, attemptNumber);
    if (pauses > 0) attempt.remainingMs = plan.durationMs;
    else {
      attempt.earlyResumes = -pauses;
      this.schedule(attempt, plan.durationMs);
    }
  }

  /** Runs the attempt's clock for `ms` more milliseconds, then reports its end. */
  private schedule(attempt: LocalAttempt, ms: number): void {
    attempt.endsAtMs = performance.now() + ms;
    attempt.timer = setTimeout(() => {
      if (this.book.get(attempt.taskId, attempt.attempt) !== attempt) return;
      this.book.finish(attempt.taskId, attempt.attempt, attempt.outcome);
      if (attempt.outcome.ok) this.parts.summary.completed++;
      else this.parts.summary.failed++;
      // Queued at once: the link sends it after the start (in the start's item while that is still queued).
      void this.report(attempt.taskId, attempt.attempt, { finished: attempt.outcome });
    }, ms);
  }

  private offer(offerId: string, spec: TaskSpec): void {
    const reply = this.parts.model.answerOffer(spec, this.active() + 1);
    const answer = reply.answer.accepted
      ? { offerId, accept: true, setupTokens: reply.setupTokens }
      : { offerId, accept: false, reason: reply.answer.reason, setupTokens: reply.setupTokens };
    this.offers.set(offerId, setTimeout(() => {
      if (!this.offers.delete(offerId)) return;
      this.parts.summary.offersAnswered++;
      void this.answerOffer(answer);
    }, reply.delayMs));
  }
}
