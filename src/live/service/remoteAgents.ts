/**
 * The {@link AgentConnector} of agents that pull their work over HTTP. The driver's commands go
 * into a bounded mailbox per agent; the agent's long-poll takes them. The agent's reports
 * (`started`, `finished`, offer answers) settle the connector's promises, which the driver turns
 * into engine inputs.
 *
 * Rules:
 * - A command is handed out only once the input that made it is durable
 *   (`journal.whenDurable(seq)`), and only once (a service restart re-delivers what the engine
 *   still waits for).
 * - Polling is the heartbeat: an agent with no poll open and none for `heartbeatSeconds` leaves
 *   the fleet (`agentLeft`), and the engine's rules re-route its work. So does an agent whose
 *   mailbox overflows (it is not keeping up).
 * - An agent that left may register again: the engine never reuses an agent id, so its next
 *   incarnation joins as `<id>#2`, `<id>#3`, … (ids the service's API takes have no `#`).
 * - A report for an attempt (or an offer) the driver no longer waits for is stale: it changes
 *   nothing. One for another agent's attempt is refused.
 * - A provision is a request queued for the pool's provisioners (./provisionRequests.ts); the
 *   registration that answers it brings the agent in.
 */
import { randomUUID } from 'node:crypto';
import type { AgentSpec, AgentView } from '../../engine/agent.js';
import type { EngineEvent, Outcome, StartReport } from '../../engine/messages.js';
import type { TaskSpec, TaskView } from '../../engine/task.js';
import { ConnectorAttemptMap } from '../attemptMap.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferContext, OfferResponse, ProvisionContext, RunContext } from '../connector.js';
import { afterDurable, type Journal } from '../journal.js';
import type { FinishedBody, OfferAnswerBody, StartedBody } from './bodies.js';
import { HttpError } from './httpError.js';
import type { LatencyProbe } from './latencyProbe.js';
import { ProvisionRequests } from './provisionRequests.js';
import { ReusableQueue } from './reusableQueue.js';

/** A command as an agent receives it from a poll. */
export type WireCommand =
  | { readonly kind: 'start'; readonly task: TaskSpec; readonly attempt: number }
  | { readonly kind: 'abort'; readonly taskId: string; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'offer'; readonly offerId: string; readonly task: TaskSpec }
  | { readonly kind: 'withdraw'; readonly offerId: string }
  | { readonly kind: 'pause' | 'resume'; readonly taskId: string; readonly attempt: number }
  | { readonly kind: 'prewarm'; readonly contextKey: string; readonly contextTokens: number }
  | { readonly kind: 'retire' };

/** The commands a poll hands one agent. */
export interface AgentCommands {
  /** The agent's id. */
  readonly agent: string;
  /** Its commands, in order. */
  readonly commands: WireCommand[];
}

/** What a report answers: whether it was stale (and so changed nothing). */
export interface ReportAnswer {
  /** The report changed nothing. */
  readonly stale: boolean;
}

/**
 * Reports answered `{ stale: true }` by the connector, by kind, since the service started. They
 * never reach the engine (so they are neither logged nor among its `staleResult` events): a
 * duplicate start, a report for an attempt the engine gave up on (timed out, cancelled, its agent
 * left) or that is unknown, an answer to an offer withdrawn, answered or unknown.
 */
export interface StaleReportCounts {
  /** `started` reports. */
  readonly started: number;
  /** `finished` reports. */
  readonly finished: number;
  /** Offer answers. */
  readonly offerAnswers: number;
}

/** The answers to a report: shared, as answers are never changed once made. */
const STALE: ReportAnswer = Object.freeze({ stale: true });
const APPLIED: ReportAnswer = Object.freeze({ stale: false });

/** What {@link RemoteAgents} needs. */
export interface RemoteAgentsOptions {
  /** An agent silent (no poll open) for longer than this leaves the fleet. */
  readonly heartbeatSeconds: number;
  /** Commands one agent's mailbox holds before the agent is taken out of the fleet. */
  readonly mailboxCommands: number;
  /** Milliseconds now (injectable for tests); default `performance.now()`. */
  readonly nowMs?: () => number;
  /** Told when each start is queued, made durable and taken by a poll (`--latency-probe`). */
  readonly probe?: Pick<LatencyProbe, 'startQueued' | 'startDurable' | 'startTaken'>;
  /** The autoscaled pools, each with the seconds a provisioner holds one of its requests before it is handed out again; none: no pool is provisioned. */
  readonly provisionLeaseSeconds?: ReadonlyMap<string, number>;
}

/** Where the connector reaches the driver and its journal, once they exist. */
export interface RemoteAgentsBinding {
  /** The input log the reports are appended to. */
  readonly journal: Journal;
  /** Takes an agent out of the fleet (the driver's `agentLeft`). */
  readonly agentLeft: (engineAgentId: string) => void;
  /** Ids of the engine's agents, for choosing an unused one. */
  readonly engineHasAgent: (engineAgentId: string) => boolean;
}

interface Queued {
  readonly command: WireCommand;
  readonly seq: number;
  /** The mailbox it is in (woken once its input is durable). */
  readonly slot: AgentSlot;
  /** With a probe, for a start: when it was queued, and when its input became durable. */
  readonly queuedAt?: number;
  durableAt?: number;
}

interface AgentSlot {
  readonly id: string;
  engineId: string;
  incarnation: number;
  spec: AgentSpec | undefined;
  inFleet: boolean;
  lastSeenMs: number;
  polling: number;
  /** Its queued commands, oldest first. */
  readonly mailbox: ReusableQueue<Queued>;
  /** The poll groups that list this agent: a command for it wakes their waiting polls. */
  readonly groups: ReusableQueue<PollGroup>;
  /** The group of its own polls (`POST /v1/agents/{id}/poll`), made by the first. */
  ownGroup: PollGroup | undefined;
}

/**
 * An attempt awaiting its agent's reports: the context `run` was handed (the driver's own object
 * for the attempt), kept as it is, with the connector's slots of {@link RunContext} in use: its
 * link in {@link RemoteAgents}' {@link ConnectorAttemptMap} and its {@link START_REPORTED} flag. So an attempt
 * in flight costs the connector no object of its own, only its map entry.
 */
type PendingAttempt = RunContext & { connectorNext: PendingAttempt | undefined; connectorFlags: number };

/** {@link PendingAttempt}'s flag: its agent reported its start (a second report is stale). */
const START_REPORTED = 1;

/** The context `run` is handed for an attempt `start` was called with: reports to the caller's context, settles its promise. */
class PromisedAttempt implements RunContext {
  connectorNext: RunContext | undefined = undefined;
  connectorFlags = 0;
  readonly attempt: number;
  readonly task: TaskView;
  readonly agent: AgentView;

  /** @param command - the start; @param context - the caller's; @param resolve - settles `start`'s promise. */
  constructor(command: CommandOf<'start'>, private readonly context: AttemptContext, private readonly resolve: (outcome: Outcome) => void) {
    this.attempt = command.attempt;
    this.task = command.task;
    this.agent = command.agent;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }

  get aborted(): boolean {
    return abandoned(this.context);
  }

  started(report: StartReport): void {
    this.context.started(report);
  }

  finished(outcome: Outcome): void {
    this.resolve(outcome);
  }
}

interface PendingOffer {
  readonly agentId: string;
  readonly key: string;
  readonly resolve: (response: OfferResponse) => void;
}

/** The external id of an engine agent id (`coder#2` → `coder`). */
export function externalAgentId(engineAgentId: string): string {
  const hash = engineAgentId.indexOf('#');
  return hash < 0 ? engineAgentId : engineAgentId.slice(0, hash);
}

function incarnationOf(engineAgentId: string): number {
  const match = /#(\d+)$/.exec(engineAgentId);
  return match === null ? 1 : Number(match[1]);
}

/** Long-polls one agent may hold open at once (more would only pile up connections). */
export const MAX_OPEN_POLLS = 8;

/** Whether the engine gave up on an attempt, without making its signal when the driver need not. */
function abandoned(context: AttemptContext): boolean {
  return context.aborted ?? context.signal.aborted;
}

/** Whether the engine gave up on a pending attempt. */
const isAbandoned = (pending: PendingAttempt): boolean => pending.aborted;

/** Whether an engine agent id is an incarnation of the agent `agentId` (`externalAgentId` without its slice). */
function isIncarnationOf(engineAgentId: string, agentId: string): boolean {
  const hash = engineAgentId.indexOf('#');
  return hash < 0 ? engineAgentId === agentId : hash === agentId.length && engineAgentId.startsWith(agentId);
}

/** Released entries at the front of the queue of commands awaiting durability before it is compacted. */
const COMPACT_UNDURABLE_AFTER = 1024;

/**
 * The agents a poll lists, kept while polls list them again (a process polls with the same list
 * every time): every listed agent's slot knows the group once, and a poll waits by joining its
 * group's queue, instead of adding and removing a wake-up in the slot of each agent it lists
 * (an array emptied that way drops its backing store: a hundred allocations per poll turn).
 */
class PollGroup {
  /** Its polls waiting for a wake-up, in the order they began waiting. */
  private readonly waiting = new ReusableQueue<OpenPoll>();
  /** Polls of this group in progress. */
  open = 0;
  /** No longer the cached group: it leaves its agents' slots once no poll of it is open. */
  retired = false;

  /** @param slots - the agents listed, in the list's order. */
  constructor(readonly slots: readonly AgentSlot[]) {
    for (const slot of slots) slot.groups.push(this);
  }

  /** The poll that has waited longest, if any. */
  first(): OpenPoll | undefined {
    return this.waiting.size > 0 ? this.waiting.at(0) : undefined;
  }

  /** Queues a poll for a wake-up. */
  add(poll: OpenPoll): void {
    this.waiting.push(poll);
  }

  /** Takes a poll out of the queue, keeping the others' order. */
  remove(poll: OpenPoll): void {
    this.waiting.remove(poll);
  }

  /** Leaves its agents' slots (a group replaced in the cache, once its last poll ended). */
  leave(): void {
    for (const slot of this.slots) slot.groups.remove(this);
  }
}

/** A long-poll in progress (see {@link RemoteAgents.openPoll}). */
export interface LongPoll {
  /** The commands it hands out, by agent. */
  readonly answer: Promise<AgentCommands[]>;
  /** Ends it now (the client went away): it answers with what is ready, if anything. A no-op once answered. */
  readonly end: () => void;
}

/**
 * One long-poll: one object, one promise and at most one timer for its whole life, however many
 * times it is woken before it answers.
 */
class OpenPoll implements LongPoll {
  readonly answer: Promise<AgentCommands[]>;
  resolve!: (commands: AgentCommands[]) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Its place among the polls waiting for one agent: the one that began waiting first is woken first. */
  ticket = 0;
  /** In its group's queue. */
  waiting = false;
  /** A turn is queued (woken, not yet run). */
  private scheduled = false;
  answered = false;
  /** Its client went away. */
  gone = false;

  /**
   * @param turn - looks for ready commands, and answers or waits again.
   * @param group - the agents it lists; @param deadlineMs - when it answers with nothing.
   */
  constructor(private readonly turn: (poll: OpenPoll) => void, readonly group: PollGroup, readonly deadlineMs: number) {
    this.answer = new Promise((resolve) => (this.resolve = resolve));
  }

  /** Leaves its group's queue and takes another turn, a microtask later (after every agent woken with it). */
  wake(): void {
    if (this.waiting) {
      this.waiting = false;
      this.group.remove(this);
    }
    if (this.scheduled || this.answered) return;
    this.scheduled = true;
    queueMicrotask(this.run);
  }

  readonly end = (): void => {
    if (this.answered) return;
    this.gone = true;
    this.wake();
  };

  /** The timer ran out: another turn, which answers if the deadline is reached. */
  readonly expire = (): void => {
    this.timer = undefined;
    this.wake();
  };

  private readonly run = (): void => {
    this.scheduled = false;
    this.turn(this);
  };
}

/** Whether any of the agents left the fleet. */
function anyLeft(slots: readonly AgentSlot[]): boolean {
  for (const slot of slots) if (!slot.inFleet) return true;
  return false;
}

/** Agents reached over HTTP: mailboxes, long-polls, heartbeats and pending reports. */
export class RemoteAgents implements AgentConnector {
  private readonly slots = new Map<string, AgentSlot>();
  /** Attempts awaiting reports, by task and attempt number. */
  private readonly attempts = new ConnectorAttemptMap<PendingAttempt>();
  private readonly offers = new Map<string, PendingOffer>();
  private readonly offerIds = new Map<string, string>();
  private nextOffer = 0;
  private promised = 0;
  private staleStarts = 0;
  private staleFinishes = 0;
  private staleOfferAnswers = 0;
  /**
   * Commands queued before their input was durable, in order of input: woken together when a
   * group commit returns (one journal callback per group, not a promise per command).
   */
  private undurable: Queued[] = [];
  private undurableHead = 0;
  /** A journal callback is registered for the oldest of `undurable`. */
  private awaitingDurable = false;
  private binding: RemoteAgentsBinding | undefined;
  private readonly nowMs: () => number;
  private closed = false;
  /** The last list of several agents polled for, and its group. */
  private lastList: readonly string[] | undefined;
  private lastGroup: PollGroup | undefined;
  /** Counts polls' waits, to wake the one that began waiting first. */
  private pollTickets = 0;

  /** Requests for new agents of the autoscaled pools, and their provisioners' polls. */
  readonly provisions: ProvisionRequests;

  /** @param options - see {@link RemoteAgentsOptions}. */
  constructor(private readonly options: RemoteAgentsOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.provisions = new ProvisionRequests({ leaseSeconds: options.provisionLeaseSeconds ?? new Map(), nowMs: this.nowMs, recoveryHoldSeconds: options.heartbeatSeconds });
  }

  /** Connects to the driver once it exists (commands re-delivered before that count as durable). */
  bind(binding: RemoteAgentsBinding): void {
    this.binding = binding;
  }

  /** Follows the fleet from the engine's events (joins and departures, replayed ones included). */
  observe(event: EngineEvent): void {
    if (event.kind === 'agentJoined') {
      const engineId = event.agent.spec.id;
      const slot = this.slotFor(externalAgentId(engineId));
      slot.engineId = engineId;
      slot.incarnation = incarnationOf(engineId);
      slot.spec = event.agent.spec;
      slot.inFleet = true;
      // A joined agent (or one recovered from the log) has a full heartbeat period to poll.
      slot.lastSeenMs = this.nowMs();
    } else if (event.kind === 'agentLeft') {
      const slot = this.slots.get(externalAgentId(event.agent.spec.id));
      if (slot !== undefined && slot.engineId === event.agent.spec.id) {
        slot.inFleet = false;
        this.wake(slot);
      }
      if (event.agent.spec.pool !== undefined) this.provisions.agentLeft(event.agent.spec.id);
    }
  }

  /**
   * The engine's spec of an agent it holds. After a restart from a snapshot the agent's join
   * was rebuilt from its record, which carries only its id, capacity and pool; registrations
   * compare against the whole spec.
   */
  adoptSpec(spec: AgentSpec): void {
    const slot = this.slots.get(externalAgentId(spec.id));
    if (slot !== undefined && slot.engineId === spec.id) slot.spec = spec;
  }

  // ---------------------------------------------------------------- the connector

  /** {@inheritDoc AgentConnector.start} */
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    return new Promise((resolve) => this.run(command, new PromisedAttempt(command, context, resolve)));
  }

  /**
   * {@inheritDoc AgentConnector.run}
   *
   * Waits for reports of the attempt, keeping `context` itself (see {@link PendingAttempt}), and
   * queues its start.
   */
  run(command: CommandOf<'start'>, context: RunContext): void {
    const agentId = externalAgentId(command.agent.spec.id);
    const pending = context as PendingAttempt;
    pending.connectorFlags = 0;
    // Once the engine gives up on it (its signal aborted), later reports are stale: see pendingAttempt.
    this.attempts.set(command.task.spec.id, pending);
    // The engine's spec as is: task specs are never changed once submitted.
    this.enqueue(agentId, { kind: 'start', task: command.task.spec, attempt: command.attempt });
  }

  /**
   * How many reports settled a promise (of `start` or `offer`): the driver feeds those a
   * microtask later, the others (through `run`'s context) at once. See `afterSettlements`.
   */
  get promisedSettlements(): number {
    return this.promised;
  }

  /** {@inheritDoc AgentConnector.offer} */
  offer(command: CommandOf<'offer'>, context: OfferContext): Promise<OfferResponse> {
    const agentId = externalAgentId(command.agent.spec.id);
    const offerId = `o${++this.nextOffer}`;
    const key = `${command.task.spec.id}\u0000${command.agent.spec.id}\u0000${command.offer}`;
    return new Promise((resolve) => {
      this.offers.set(offerId, { agentId, key, resolve });
      this.offerIds.set(key, offerId);
      context.signal.addEventListener('abort', () => this.forgetOffer(offerId), { once: true });
      this.enqueue(agentId, { kind: 'offer', offerId, task: { ...command.task.spec } });
    });
  }

  /** {@inheritDoc AgentConnector.withdraw} */
  withdraw(command: CommandOf<'withdraw'>): void {
    const offerId = this.offerIds.get(`${command.taskId}\u0000${command.agentId}\u0000${command.offer}`);
    if (offerId === undefined) return;
    this.forgetOffer(offerId);
    this.enqueue(externalAgentId(command.agentId), { kind: 'withdraw', offerId });
  }

  /** {@inheritDoc AgentConnector.abort} */
  abort(command: CommandOf<'abort'>): void {
    this.enqueue(externalAgentId(command.agentId), { kind: 'abort', taskId: command.taskId, attempt: command.attempt, reason: command.reason });
  }

  /** {@inheritDoc AgentConnector.pause} */
  pause(command: CommandOf<'pause'>): void {
    this.enqueue(externalAgentId(command.agent.spec.id), { kind: 'pause', taskId: command.task.spec.id, attempt: command.attempt });
  }

  /** {@inheritDoc AgentConnector.resume} */
  resume(command: CommandOf<'resume'>): void {
    this.enqueue(externalAgentId(command.agent.spec.id), { kind: 'resume', taskId: command.task.spec.id, attempt: command.attempt });
  }

  /** {@inheritDoc AgentConnector.prewarm} */
  prewarm(command: CommandOf<'prewarm'>): void {
    this.enqueue(externalAgentId(command.agent.spec.id), { kind: 'prewarm', contextKey: command.contextKey, contextTokens: command.contextTokens });
  }

  /** {@inheritDoc AgentConnector.retire} */
  retire(command: CommandOf<'retire'>): void {
    this.enqueue(externalAgentId(command.agentId), { kind: 'retire' });
  }

  /**
   * {@inheritDoc AgentConnector.provision}
   *
   * Queues a request for the pool's provisioners; settles with the spec of the agent whose
   * registration answers it.
   */
  provision(command: CommandOf<'provision'>, context?: ProvisionContext): Promise<AgentSpec> {
    if (!this.provisions.has(command.pool)) return Promise.reject(new Error(`pool ${command.pool} has no provisioning queue (it is not autoscaled)`));
    const journal = this.binding?.journal;
    return this.provisions.request(command.pool, context?.provisionId ?? randomUUID(), journal, journal?.appendedSeq ?? 0, context?.redelivered === true);
  }

  /** Settles a provision with the spec of the agent that answers it (the driver feeds its join a microtask later: see `afterSettlements`). */
  answerProvision(settle: (spec: AgentSpec) => void, spec: AgentSpec): void {
    this.promised++;
    settle(spec);
  }

  /** The pool of an agent that ever joined (`provisioner:<pool>` tokens act for it), if it has one. */
  poolOf(agentId: string): string | undefined {
    return this.slots.get(agentId)?.spec?.pool;
  }

  // ---------------------------------------------------------------- the HTTP side

  /** The agent's slot, if it ever joined. */
  agent(agentId: string): { readonly engineId: string; readonly spec: AgentSpec | undefined; readonly inFleet: boolean } | undefined {
    return this.slots.get(agentId);
  }

  /** The engine id a new registration of `agentId` joins under (its next incarnation). */
  nextEngineId(agentId: string): string {
    const slot = this.slots.get(agentId);
    let incarnation = slot === undefined ? 1 : slot.incarnation + 1;
    const name = (n: number): string => (n === 1 ? agentId : `${agentId}#${n}`);
    while (this.binding?.engineHasAgent(name(incarnation)) === true) incarnation++;
    return name(incarnation);
  }

  /** The agent proved alive (a registration): its heartbeat restarts. */
  touch(agentId: string): void {
    const slot = this.slots.get(agentId);
    if (slot !== undefined) slot.lastSeenMs = this.nowMs();
  }

  /**
   * Long-poll: the agent's commands that are ready (durable), at once when there are any, else
   * as soon as one is, or none after `waitSeconds`. 404 for an agent not in the fleet, 429 when
   * it already holds {@link MAX_OPEN_POLLS} polls open.
   */
  async poll(agentId: string, waitSeconds: number, gone?: AbortSignal): Promise<WireCommand[]> {
    const answer = await this.pollMany([agentId], waitSeconds, gone, () => 'params.id');
    return answer.length === 0 ? [] : answer[0]!.commands;
  }

  /** {@link RemoteAgents.openPoll}, ended early when `gone` aborts. */
  async pollMany(agentIds: readonly string[], waitSeconds: number, gone: AbortSignal | undefined, field: (index: number) => string): Promise<AgentCommands[]> {
    const poll = this.openPoll(agentIds, waitSeconds, field);
    if (gone === undefined) return poll.answer;
    if (gone.aborted) poll.end();
    else gone.addEventListener('abort', poll.end, { once: true });
    try {
      return await poll.answer;
    } finally {
      gone.removeEventListener('abort', poll.end);
    }
  }

  /**
   * One long-poll for several agents (a process hosting many of them): it is each one's
   * heartbeat, and answers as soon as any of them has ready commands, with those of every agent
   * that has some (agents with none are left out), or with none after `waitSeconds`, or at once
   * when one of them left the fleet or the poll is ended. `field(i)` names `agentIds[i]` in a
   * 404 or 429 (thrown at once).
   *
   * The agents of a list are a poll group, kept while the same list (the same array: the batch
   * route caches the list it validated last) comes again, and for one agent the agent's own.
   */
  openPoll(agentIds: readonly string[], waitSeconds: number, field: (index: number) => string): LongPoll {
    const group = this.groupOf(agentIds, field);
    for (const slot of group.slots) slot.polling++;
    group.open++;
    const now = this.nowMs();
    for (const slot of group.slots) slot.lastSeenMs = now;
    const poll = new OpenPoll(this.pollTurn, group, now + waitSeconds * 1000);
    this.pollTurn(poll);
    return poll;
  }

  /**
   * The poll group of a list, after checking every agent in it (404, 429). A list other than the
   * cached one replaces it; the group it replaces leaves its agents once its polls are over.
   */
  private groupOf(agentIds: readonly string[], field: (index: number) => string): PollGroup {
    const cached = agentIds.length === 1 ? this.slots.get(agentIds[0]!)?.ownGroup : agentIds === this.lastList ? this.lastGroup : undefined;
    const found: AgentSlot[] | undefined = cached === undefined ? [] : undefined;
    for (let i = 0; i < agentIds.length; i++) {
      const agentId = agentIds[i]!;
      const slot = cached === undefined ? this.slots.get(agentId) : cached.slots[i];
      if (slot === undefined || (!slot.inFleet && slot.mailbox.size === 0)) {
        throw new HttpError(404, `${field(i)}: agent ${agentId} is not in the fleet (register with POST /v1/agents)`);
      }
      if (slot.polling >= MAX_OPEN_POLLS) throw new HttpError(429, `${field(i)}: agent ${agentId} already has ${MAX_OPEN_POLLS} polls open`);
      found?.push(slot);
    }
    if (cached !== undefined) return cached;
    const group = new PollGroup(found!);
    if (agentIds.length === 1) {
      found![0]!.ownGroup = group;
      return group;
    }
    const replaced = this.lastGroup;
    if (replaced !== undefined) {
      replaced.retired = true;
      if (replaced.open === 0) replaced.leave();
    }
    this.lastList = agentIds;
    this.lastGroup = group;
    return group;
  }

  /** One turn of a poll: answers with the ready commands, or when it must, or waits for a wake-up. */
  private readonly pollTurn = (poll: OpenPoll): void => {
    const { slots } = poll.group;
    // No array unless some agent has ready commands.
    let ready: AgentCommands[] | undefined;
    for (const slot of slots) {
      const commands = this.take(slot);
      if (commands !== undefined) (ready ??= []).push({ agent: slot.id, commands });
    }
    const left = poll.deadlineMs - this.nowMs();
    if (ready !== undefined || left <= 0 || this.closed || poll.gone || anyLeft(slots)) {
      this.answerPoll(poll, ready ?? []);
      return;
    }
    poll.ticket = ++this.pollTickets;
    poll.waiting = true;
    poll.group.add(poll);
    // One timer per poll; armed again only if it fired before the deadline on this clock.
    poll.timer ??= setTimeout(poll.expire, left);
  };

  private answerPoll(poll: OpenPoll, commands: AgentCommands[]): void {
    poll.answered = true;
    if (poll.timer !== undefined) clearTimeout(poll.timer);
    poll.timer = undefined;
    const { group } = poll;
    const now = this.nowMs();
    for (const slot of group.slots) {
      slot.polling--;
      slot.lastSeenMs = now;
    }
    group.open--;
    if (group.retired && group.open === 0) group.leave();
    poll.resolve(commands);
  }

  /**
   * An agent reports that it began an attempt: the report `body` of the single route, or item
   * `reportIndex` of a batch's reports (named so in a 400's message).
   */
  started(agentId: string, taskId: string, attempt: number, body: StartedBody, reportIndex?: number): ReportAnswer {
    const pending = this.pendingAttempt(agentId, taskId, attempt);
    if (pending === undefined || (pending.connectorFlags & START_REPORTED) !== 0) {
      this.staleStarts++;
      return STALE;
    }
    const { spec } = pending.task;
    const blocksHit = body.contextBlocksHit;
    // A leading run of the task's own blocks: more, or blocks of a task that has none, would count hits that are not.
    if (blocksHit !== undefined && blocksHit > (spec.contextBlocks?.length ?? -1)) {
      const has = spec.contextBlocks === undefined ? 'has no contextBlocks' : `has ${spec.contextBlocks.length} contextBlocks`;
      const where = reportIndex === undefined ? 'body' : `body.reports[${reportIndex}].started`;
      throw new HttpError(400, `${where}.contextBlocksHit: task ${taskId} ${has}, got ${blocksHit} hits`);
    }
    pending.connectorFlags |= START_REPORTED;
    const contextHit = spec.contextKey !== undefined ? (body.contextHit ?? false) : null;
    pending.started(blocksHit === undefined ? { setupTokens: body.setupTokens, contextHit } : { setupTokens: body.setupTokens, contextHit, contextBlocksHit: blocksHit });
    return APPLIED;
  }

  /** An agent reports how an attempt ended (with `run`, fed to the engine before this returns). */
  finished(agentId: string, taskId: string, attempt: number, body: FinishedBody): ReportAnswer {
    const pending = this.pendingAttempt(agentId, taskId, attempt);
    if (pending === undefined) {
      this.staleFinishes++;
      return STALE;
    }
    this.attempts.delete(taskId, attempt);
    // A start re-delivered after a restart and not yet polled is moot now.
    this.unqueue(agentId, (command) => command.kind === 'start' && command.task.id === taskId && command.attempt === attempt);
    const outcome: Outcome = body.ok ? { ok: true, quality: body.quality } : { ok: false, reason: body.reason };
    if (pending instanceof PromisedAttempt) this.promised++;
    pending.finished(outcome);
    return APPLIED;
  }

  /**
   * An agent answers an offer: the body of the single route, or an item of a multi-agent poll
   * whose offer id is at `offerField` (named so in a 403's message).
   */
  answer(agentId: string, offerId: string, body: OfferAnswerBody, offerField = 'params.offerId'): ReportAnswer {
    const pending = this.offers.get(offerId);
    if (pending === undefined) {
      this.staleOfferAnswers++;
      return STALE;
    }
    if (pending.agentId !== agentId) throw new HttpError(403, `${offerField}: offer ${offerId} was made to another agent`);
    this.forgetOffer(offerId);
    this.unqueue(agentId, (command) => command.kind === 'offer' && command.offerId === offerId);
    this.promised++;
    pending.resolve({
      answer: body.accept ? { accepted: true } : { accepted: false, reason: body.reason ?? 'declined' },
      ...(body.setupTokens === undefined ? {} : { setupTokens: body.setupTokens }),
    });
    return APPLIED;
  }

  /**
   * Takes out of the fleet every agent with no poll open that has not been seen for
   * `heartbeatSeconds`. Returns their ids.
   */
  sweep(): string[] {
    this.forgetAbandoned();
    const now = this.nowMs();
    const gone: string[] = [];
    for (const slot of this.slots.values()) {
      if (slot.inFleet && slot.polling === 0 && now - slot.lastSeenMs > this.options.heartbeatSeconds * 1000) {
        gone.push(slot.id);
        this.leave(slot);
      }
    }
    return gone;
  }

  /** Agents in the fleet, commands waiting in their mailboxes, what the driver waits on, and the reports answered stale. */
  stats(): { readonly agents: number; readonly queuedCommands: number; readonly pendingAttempts: number; readonly pendingOffers: number; readonly staleReports: StaleReportCounts } {
    this.forgetAbandoned();
    let agents = 0;
    let queuedCommands = 0;
    for (const slot of this.slots.values()) {
      if (slot.inFleet) agents++;
      queuedCommands += slot.mailbox.size;
    }
    return {
      agents, queuedCommands, pendingAttempts: this.attempts.size, pendingOffers: this.offers.size,
      staleReports: { started: this.staleStarts, finished: this.staleFinishes, offerAnswers: this.staleOfferAnswers },
    };
  }

  /** Ends every long-poll at once (the service is closing), provisioners' included. */
  close(): void {
    this.closed = true;
    this.provisions.close();
    for (const slot of this.slots.values()) this.wake(slot);
  }

  private pendingAttempt(agentId: string, taskId: string, attempt: number): PendingAttempt | undefined {
    const pending = this.attempts.get(taskId, attempt);
    if (pending === undefined) return undefined;
    // Given up by the engine: the report is stale, and the promise never settles (the driver forgot it).
    if (pending.aborted) {
      this.attempts.delete(taskId, attempt);
      return undefined;
    }
    if (!isIncarnationOf(pending.agent.spec.id, agentId)) throw new HttpError(403, `params.task: attempt ${attempt} of task ${taskId} belongs to another agent`);
    return pending;
  }

  /**
   * Forgets the attempts the engine gave up on (their signals aborted). Checked when a report
   * comes and swept with the heartbeats, rather than an abort listener per attempt: registering
   * one cost an allocation-heavy `addEventListener` on every start.
   */
  private forgetAbandoned(): void {
    this.attempts.deleteWhere(isAbandoned);
  }

  private slotFor(agentId: string): AgentSlot {
    let slot = this.slots.get(agentId);
    if (slot === undefined) {
      slot = { id: agentId, engineId: agentId, incarnation: 0, spec: undefined, inFleet: false, lastSeenMs: this.nowMs(), polling: 0, mailbox: new ReusableQueue(), groups: new ReusableQueue(), ownGroup: undefined };
      this.slots.set(agentId, slot);
    }
    return slot;
  }

  private enqueue(agentId: string, command: WireCommand): void {
    const slot = this.slots.get(agentId);
    // The retirement of an agent that already left still reaches it; other commands for it are moot.
    if (slot === undefined || (!slot.inFleet && command.kind !== 'retire')) return;
    if (slot.mailbox.size >= this.options.mailboxCommands) {
      // Not keeping up: out of the fleet (after this input), so that its work goes elsewhere.
      queueMicrotask(() => this.leave(slot));
      return;
    }
    const journal = this.binding?.journal;
    const seq = journal?.appendedSeq ?? 0;
    const { probe } = this.options;
    const queued: Queued = probe === undefined || command.kind !== 'start' ? { command, seq, slot } : { command, seq, slot, queuedAt: probe.startQueued() };
    slot.mailbox.push(queued);
    if (journal === undefined || seq <= journal.durableSeq) {
      if (queued.queuedAt !== undefined) queued.durableAt = probe!.startDurable(queued.queuedAt);
      this.wake(slot);
      return;
    }
    this.undurable.push(queued);
    this.awaitDurable(journal);
  }

  /** Registers for the oldest command still waiting for its input's durability, unless already registered. */
  private awaitDurable(journal: Journal): void {
    if (this.awaitingDurable || this.undurableHead === this.undurable.length) return;
    this.awaitingDurable = true;
    afterDurable(journal, this.undurable[this.undurableHead]!.seq, this.durableReached);
  }

  /** Some inputs became durable: wakes the agents of every command they made, straight from the fsync's return. */
  private readonly durableReached = (): void => {
    this.awaitingDurable = false;
    const journal = this.binding?.journal;
    if (journal === undefined) return;
    const durable = journal.durableSeq;
    const { probe } = this.options;
    let head = this.undurableHead;
    for (; head < this.undurable.length && this.undurable[head]!.seq <= durable; head++) {
      const queued = this.undurable[head]!;
      if (queued.queuedAt !== undefined) queued.durableAt = probe!.startDurable(queued.queuedAt);
      // Waking one agent twice finds no waiter the second time.
      this.wake(queued.slot);
    }
    if (head === this.undurable.length) {
      this.undurable = [];
      this.undurableHead = 0;
    } else if (head > COMPACT_UNDURABLE_AFTER && head * 2 > this.undurable.length) {
      // Under steady load the queue is never empty: drop what was released now and then.
      this.undurable = this.undurable.slice(head);
      this.undurableHead = 0;
    } else {
      this.undurableHead = head;
    }
    this.awaitDurable(journal);
  };

  /** Drops the agent's queued commands that `moot` picks. */
  private unqueue(agentId: string, moot: (command: WireCommand) => boolean): void {
    const mailbox = this.slots.get(agentId)?.mailbox;
    if (mailbox === undefined) return;
    for (let i = mailbox.size - 1; i >= 0; i--) if (moot(mailbox.at(i).command)) mailbox.removeAt(i);
  }

  /** The commands at the front of the mailbox whose inputs are durable, removed from it; undefined (no array) if none. */
  private take(slot: AgentSlot): WireCommand[] | undefined {
    const durable = this.binding?.journal.durableSeq ?? Number.POSITIVE_INFINITY;
    let n = 0;
    const { mailbox } = slot;
    while (n < mailbox.size && mailbox.at(n).seq <= durable) n++;
    if (n === 0) return undefined;
    const { probe } = this.options;
    // Of its exact size: most polls take one command or two of an agent.
    const commands = new Array<WireCommand>(n);
    for (let i = 0; i < n; i++) {
      const queued = mailbox.at(i);
      if (probe !== undefined && queued.durableAt !== undefined) probe.startTaken(queued.durableAt);
      commands[i] = queued.command;
    }
    mailbox.removeFront(n);
    return commands;
  }

  /** Wakes every poll waiting for the agent, the one that began waiting first first (each leaves its group's queue). */
  private wake(slot: AgentSlot): void {
    for (;;) {
      let first: OpenPoll | undefined;
      for (let i = 0; i < slot.groups.size; i++) {
        const candidate = slot.groups.at(i).first();
        if (candidate !== undefined && (first === undefined || candidate.ticket < first.ticket)) first = candidate;
      }
      if (first === undefined) return;
      first.wake();
    }
  }

  private leave(slot: AgentSlot): void {
    if (!slot.inFleet) return;
    // Out first, so that the aborts the departure causes are not queued for an agent that is gone.
    slot.inFleet = false;
    slot.mailbox.clear();
    try {
      this.binding?.agentLeft(slot.engineId);
    } finally {
      this.wake(slot);
    }
  }

  private forgetOffer(offerId: string): void {
    const pending = this.offers.get(offerId);
    if (pending === undefined) return;
    this.offers.delete(offerId);
    this.offerIds.delete(pending.key);
  }
}
