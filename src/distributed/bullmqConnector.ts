/**
 * The live driver's {@link AgentConnector} over BullMQ: each agent takes its work from its own
 * queue (./agentQueues.ts). The engine stays the only decision maker; Redis is the transport.
 *
 * - `start` adds one job to the chosen agent's queue, with the attempt in its id, once the input
 *   that made the command is durable (the same rule as the HTTP service's mailboxes). The job's
 *   completion or failure, read from the queue's `QueueEvents` stream, settles the promise the
 *   driver turns into `finished`; a start report sent as job progress becomes `started`.
 * - A job that fails (the agent's handler threw) or stalls (its worker's lock expired: the
 *   worker died or hung; this connector runs BullMQ's stalled-job check on every agent queue
 *   with no second chance, `maxStalledCount` 0) is an `agent-error` outcome: the engine's retry
 *   rules decide what follows.
 * - `abort` removes the job when no worker holds it; for a job already running it sends an
 *   `abort` to the agent's control stream (./agentControl.ts), and the worker aborts the
 *   handler's signal; a result that still comes is fed (the engine records it as stale).
 * - `pause`, `resume`, `prewarm`, `retire`, `offer` and `withdraw` go to the agent's control
 *   stream once the input that made them is durable, in order; an offer's answer comes back on
 *   the agent queue's event stream. `provision` is a job on the pool's provisioning queue
 *   (./agentProvisioning.ts).
 * - Re-delivery after a driver restart adds the same job id again, which BullMQ ignores; the
 *   connector then reads the job's state, so a job that finished while the driver was down is
 *   applied once. {@link BullmqAgentConnector.reconcile} removes, and logs, every job of an
 *   attempt the engine no longer expects.
 * - A job whose result the driver has fed is removed once that input is durable, so the
 *   finished jobs left in Redis are exactly the results not yet in the write-ahead log.
 */
import { Job, Queue, QueueEvents, Worker, type ConnectionOptions } from 'bullmq';
import type { AgentSpec } from '../engine/agent.js';
import type { Outcome, StartReport } from '../engine/messages.js';
import type { AgentConnector, AttemptContext, CommandOf, OfferContext, OfferResponse, ProvisionContext } from '../live/connector.js';
import type { Journal } from '../live/journal.js';
import { externalAgentId } from '../live/service/remoteAgents.js';
import {
  CONTROL_EVENT, OFFER_ANSWER_EVENT, appendEvent, controlStreamKey, offerAnswerMessage, offerId, readEventMessage, type ControlMessage, type FleetsimEventsListener,
} from './agentControl.js';
import { PoolProvisioning } from './agentProvisioning.js';
import {
  AGENT_QUEUE_PREFIX, ATTEMPT_JOB_NAME, agentQueueName, attemptJobId, attemptJobProgress, attemptJobResult, parseAttemptJobId,
  type AttemptJobData, type ParsedStartReport,
} from './agentQueues.js';

/** What {@link BullmqAgentConnector} needs. */
export interface BullmqConnectorOptions {
  /** Redis, as BullMQ takes it (an ioredis options object with host, port, db, …). */
  readonly connection: ConnectionOptions;
  /** Seconds between stalled-job checks of each agent queue (default 30, BullMQ's). */
  readonly stalledCheckSeconds?: number;
  /** Seconds a finished job is kept at most when nobody removes it (default one day). */
  readonly keepFinishedSeconds?: number;
  /** One line for what the connector ignores or turns into a failure (stale jobs, failed jobs). */
  readonly onLog?: (line: string) => void;
  /** Errors of the transport (a Redis call that failed); default: kept in `errors`. */
  readonly onError?: (error: Error) => void;
}

/** An attempt whose job's end the connector waits for. */
interface PendingAttempt {
  readonly taskId: string;
  readonly attempt: number;
  readonly agentId: string;
  readonly context: AttemptContext;
  readonly resolve: (outcome: Outcome) => void;
  /** Settles once the job is in Redis (or adding it failed). */
  enqueued: Promise<void>;
}

/** An offer whose answer the connector waits for. */
interface PendingOffer {
  /** The agent's queue name (its id outside the engine). */
  readonly agentId: string;
  readonly resolve: (response: OfferResponse) => void;
}

/** One agent's queue, its event stream and its stalled-job checker. */
interface AgentQueue {
  readonly queue: Queue<AttemptJobData>;
  readonly events: QueueEvents;
  readonly checker: Worker;
}

const DEFAULT_STALLED_CHECK_SECONDS = 30;
const DEFAULT_KEEP_FINISHED_SECONDS = 86_400;
const KEPT_ERRORS = 100;
/** Jobs read per call while reconciling. */
const RECONCILE_PAGE = 500;
/** Settled jobs remembered, so that a result seen twice is logged as ignored at most once. */
const REMEMBERED_JOBS = 10_000;

/** Agents reached through BullMQ queues in Redis. */
export class BullmqAgentConnector implements AgentConnector {
  /** The last transport errors when no `onError` was given (at most 100). */
  readonly errors: Error[] = [];
  private readonly queues = new Map<string, Promise<AgentQueue>>();
  private readonly pending = new Map<string, PendingAttempt>();
  /** Jobs settled or ignored lately (insertion order, bounded). */
  private readonly settled = new Set<string>();
  /** Offers awaiting their answer, by offer id. */
  private readonly offers = new Map<string, PendingOffer>();
  /**
   * The last control command sent to each agent (the next waits for it: commands keep their
   * order), resolving to the last entry id on the agent's control stream once it is sent.
   */
  private readonly controlTail = new Map<string, Promise<string | undefined>>();
  /** The id of the last entry put on each agent's control stream (by `tell`). */
  private readonly lastControl = new Map<string, string>();
  /** The pools' provisioning queues, once a provision was asked for. */
  private provisioning: PoolProvisioning | undefined;
  private journal: Journal | undefined;
  private closed = false;

  /** @param options - see {@link BullmqConnectorOptions}. */
  constructor(private readonly options: BullmqConnectorOptions) {}

  /**
   * Holds jobs back until the input that made them is durable in `journal` (a service's
   * write-ahead log). Without it a job is added at once.
   */
  bind(journal: Journal): void {
    this.journal = journal;
  }

  /** Attempts whose job's end is awaited. */
  get pendingAttempts(): number {
    return this.pending.size;
  }

  /** {@inheritDoc AgentConnector.start} */
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    const taskId = command.task.spec.id;
    const { attempt } = command;
    const agentId = agentQueueName(externalAgentId(command.agent.spec.id));
    const jobId = attemptJobId(taskId, attempt);
    // Read now, inside the driver's drain: the input that made this command is the last appended.
    const durable = this.journal === undefined ? Promise.resolve() : this.journal.whenDurable(this.journal.appendedSeq);
    const data: AttemptJobData = { task: { ...command.task.spec }, attempt, agentId: command.agent.spec.id };
    // The control commands sent to this agent before this start: its worker carries them out first.
    const afterControl = this.controlTail.get(agentId) ?? this.lastControl.get(agentId);
    return new Promise((resolve) => {
      const pending: PendingAttempt = { taskId, attempt, agentId, context, resolve, enqueued: Promise.resolve() };
      this.pending.set(jobId, pending);
      pending.enqueued = this.enqueue(durable, pending, jobId, data, afterControl).catch((error: unknown) => {
        // The job may or may not be in Redis: the engine's attempt timeout covers the attempt either way.
        this.report(new Error(`bullmq connector: cannot add the job of ${taskId} attempt ${attempt} to agent ${agentId}'s queue: ${(error as Error).message}`));
      });
    });
  }

  /** {@inheritDoc AgentConnector.abort} */
  abort(command: CommandOf<'abort'>): void {
    const jobId = attemptJobId(command.taskId, command.attempt);
    const pending = this.pending.get(jobId);
    if (pending === undefined) return;
    const durable = this.durableNow();
    void pending.enqueued.then(async () => {
      await durable;
      const agentQueue = await this.agentQueue(pending.agentId);
      // 1: removed before any worker took it, so no result will come.
      if ((await agentQueue.queue.remove(jobId)) === 1) {
        if (this.pending.get(jobId) === pending) this.pending.delete(jobId);
        return;
      }
      // 0: running (or gone): its worker is told, and its result, if it still comes, is fed as stale.
      await this.sendControl(pending.agentId, { kind: 'abort', jobId, taskId: command.taskId, attempt: command.attempt, reason: command.reason });
    }).catch((error: unknown) => this.report(error as Error));
  }

  /** {@inheritDoc AgentConnector.pause} */
  pause(command: CommandOf<'pause'>): void {
    this.tellAttempt('pause', command);
  }

  /** {@inheritDoc AgentConnector.resume} */
  resume(command: CommandOf<'resume'>): void {
    this.tellAttempt('resume', command);
  }

  /** {@inheritDoc AgentConnector.prewarm} */
  prewarm(command: CommandOf<'prewarm'>): void {
    this.tell(command.agent.spec.id, { kind: 'prewarm', contextKey: command.contextKey, contextTokens: command.contextTokens });
  }

  /** {@inheritDoc AgentConnector.retire} */
  retire(command: CommandOf<'retire'>): void {
    this.tell(command.agentId, { kind: 'retire', agentId: command.agentId });
  }

  /** {@inheritDoc AgentConnector.offer} */
  offer(command: CommandOf<'offer'>, context: OfferContext): Promise<OfferResponse> {
    const engineAgentId = command.agent.spec.id;
    const id = offerId(command.task.spec.id, engineAgentId, command.offer);
    const message: ControlMessage = { kind: 'offer', offerId: id, task: { ...command.task.spec }, agentId: engineAgentId, offer: command.offer, active: command.agent.active };
    return new Promise((resolve) => {
      this.offers.set(id, { agentId: externalAgentId(engineAgentId), resolve });
      context.signal.addEventListener('abort', () => this.offers.delete(id), { once: true });
      this.tell(engineAgentId, message);
    });
  }

  /** {@inheritDoc AgentConnector.provision} */
  provision(command: CommandOf<'provision'>, context?: ProvisionContext): Promise<AgentSpec> {
    if (this.closed) return Promise.reject(new Error('bullmq connector: closed'));
    this.provisioning ??= new PoolProvisioning(this.options.connection, (error) => this.report(error));
    return this.provisioning.provision(command.pool, this.durableNow(), context?.readyAfter, context?.provisionId);
  }

  /** {@inheritDoc AgentConnector.withdraw} */
  withdraw(command: CommandOf<'withdraw'>): void {
    const id = offerId(command.taskId, command.agentId, command.offer);
    this.offers.delete(id);
    this.tell(command.agentId, { kind: 'withdraw', offerId: id });
  }

  /**
   * After a driver restart (once the durable driver has re-delivered what the engine waits
   * for): every job in the queues of `agentIds` whose attempt the engine no longer expects is
   * removed and logged; a waiting one would run for nothing, a finished one was applied before
   * the restart or is stale. Resolves to the number of jobs removed.
   */
  async reconcile(agentIds: Iterable<string>): Promise<number> {
    let removed = 0;
    for (const agentId of new Set([...agentIds].map(externalAgentId))) {
      const { queue } = await this.agentQueue(agentQueueName(agentId));
      const stale: Job<AttemptJobData>[] = [];
      for (let start = 0; ; start += RECONCILE_PAGE) {
        const jobs = await queue.getJobs(['wait', 'prioritized', 'delayed', 'paused', 'completed', 'failed'], start, start + RECONCILE_PAGE - 1, true);
        stale.push(...jobs.filter((job) => job.id !== undefined && !this.pending.has(job.id)));
        if (jobs.length < RECONCILE_PAGE) break;
      }
      for (const job of stale) {
        const state = await job.getState();
        if ((await queue.remove(job.id!)) !== 1) continue;
        removed++;
        this.ignored(job.id!, agentId, state);
      }
    }
    return removed;
  }

  /** Closes every queue, event stream and checker; pending attempts stay unsettled. */
  async close(): Promise<void> {
    this.closed = true;
    const queues = await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled(queues.flatMap((q) => (q.status === 'fulfilled' ? [q.value.checker.close(), q.value.events.close(), q.value.queue.close()] : [])));
    this.queues.clear();
    await this.provisioning?.close();
  }

  private async enqueue(durable: Promise<void>, pending: PendingAttempt, jobId: string, data: AttemptJobData, afterControl: Promise<string | undefined> | string | undefined): Promise<void> {
    await durable;
    const lastControlId = await afterControl;
    if (lastControlId !== undefined) data = { ...data, afterControl: lastControlId };
    const { queue } = await this.agentQueue(pending.agentId);
    const keep = { age: this.options.keepFinishedSeconds ?? DEFAULT_KEEP_FINISHED_SECONDS };
    // An existing id (a re-delivery) is kept as it is: BullMQ adds nothing.
    await queue.add(ATTEMPT_JOB_NAME, data, { jobId, attempts: 1, removeOnComplete: keep, removeOnFail: keep });
    // It may have ended already (while the driver was down, or before the event stream saw it).
    // The state first: a job read before it ended would lack its result.
    const state = await queue.getJobState(jobId);
    if ((state !== 'completed' && state !== 'failed') || this.pending.get(jobId) !== pending) return;
    const job = await Job.fromId<AttemptJobData>(queue, jobId);
    if (job === undefined || this.pending.get(jobId) !== pending) return;
    this.log(`bullmq connector: ${pending.taskId} attempt ${pending.attempt} was ${state} on agent ${pending.agentId} before the connector saw it end (a re-delivery after a restart, or an agent quicker than the event stream): applied`);
    // Its start report went as progress, which the event stream has not delivered either: it comes first, as it would there.
    this.progressed(jobId, job.progress);
    if (state === 'completed') this.completed(jobId, job.returnvalue);
    else this.failed(jobId, job.failedReason);
  }

  /** The agent's queue, event stream (listening before any job of ours is added) and stalled-job checker. */
  private agentQueue(agentId: string): Promise<AgentQueue> {
    let agentQueue = this.queues.get(agentId);
    if (agentQueue === undefined) {
      agentQueue = this.openAgentQueue(agentId);
      this.queues.set(agentId, agentQueue);
    }
    return agentQueue;
  }

  private async openAgentQueue(agentId: string): Promise<AgentQueue> {
    if (this.closed) throw new Error('bullmq connector: closed');
    const { connection } = this.options;
    const name = agentQueueName(agentId);
    const queue = new Queue<AttemptJobData>(name, { connection, prefix: AGENT_QUEUE_PREFIX });
    queue.on('error', (error) => this.report(error));
    // Events are read from the stream's current end: anything after this point is seen.
    // BullMQ's client interface leaves out stream reads; the client is ioredis underneath.
    const client = (await queue.client) as unknown as { xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<[string, string[]][]> };
    const last = await client.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1);
    const lastEventId = last[0]?.[0] ?? '0-0';
    const events = new QueueEvents(name, { connection, prefix: AGENT_QUEUE_PREFIX, lastEventId });
    events.on('error', (error) => this.report(error));
    events.on('completed', ({ jobId, returnvalue }) => {
      if (this.pending.has(jobId)) this.completed(jobId, returnvalue);
      else this.ignored(jobId, agentId, 'completed');
    });
    events.on('failed', ({ jobId, failedReason }) => {
      if (this.pending.has(jobId)) this.failed(jobId, failedReason);
      else this.ignored(jobId, agentId, 'failed');
    });
    // BullMQ moves a stalled job back to wait (failing it only when a worker takes it again): to the engine the attempt failed now.
    events.on('stalled', ({ jobId }) => this.stalled(jobId));
    events.on('progress', ({ jobId, data }) => this.progressed(jobId, data));
    events.on<FleetsimEventsListener, typeof OFFER_ANSWER_EVENT>(OFFER_ANSWER_EVENT, (fields) => this.answered(agentId, fields));
    await events.waitUntilReady();
    const checker = new Worker(name, undefined, {
      connection, prefix: AGENT_QUEUE_PREFIX, autorun: false, maxStalledCount: 0,
      stalledInterval: (this.options.stalledCheckSeconds ?? DEFAULT_STALLED_CHECK_SECONDS) * 1000,
    });
    checker.on('error', (error) => this.report(error));
    // Connected before anyone may close it: closing a worker whose connections are still opening leaves their commands' rejections unhandled.
    await checker.waitUntilReady();
    void checker.startStalledCheckTimer();
    return { queue, events, checker };
  }

  /** Logs a job of an attempt the engine does not expect (once per job). */
  private ignored(jobId: string, agentId: string, state: string): void {
    if (this.settled.has(jobId)) return;
    this.remember(jobId);
    const attempt = parseAttemptJobId(jobId);
    const what = attempt === undefined ? `job ${jobId}` : `${attempt.taskId} attempt ${attempt.attempt}`;
    this.log(`bullmq connector: ignored ${what} on agent ${agentId}'s queue (${state}): the engine no longer expects it`);
  }

  /** Remembers a settled (or ignored) job, so that its second report (event and state read both) is silent. */
  private remember(jobId: string): void {
    this.settled.add(jobId);
    if (this.settled.size > REMEMBERED_JOBS) this.settled.delete(this.settled.values().next().value!);
  }

  private progressed(jobId: string, data: unknown): void {
    const pending = this.pending.get(jobId);
    if (pending === undefined) return;
    const parsed = attemptJobProgress.safeParse(data);
    if (parsed.success) reportStart(pending, parsed.data.started);
  }

  private completed(jobId: string, returnvalue: unknown): void {
    const pending = this.pending.get(jobId);
    if (pending === undefined) return;
    const parsed = attemptJobResult.safeParse(returnvalue);
    if (!parsed.success) {
      this.log(`bullmq connector: ${pending.taskId} attempt ${pending.attempt} on agent ${pending.agentId}: the job's result is not an attempt result (${parsed.error.issues[0]?.message ?? 'invalid'}): agent-error`);
      this.settle(jobId, pending, { ok: false, reason: 'agent-error' });
      return;
    }
    const { started, outcome, durationSeconds } = parsed.data;
    if (started !== undefined) reportStart(pending, started);
    if (durationSeconds !== undefined) pending.context.ranFor?.(durationSeconds);
    this.settle(jobId, pending, outcome);
  }

  private stalled(jobId: string): void {
    const pending = this.pending.get(jobId);
    if (pending === undefined) return;
    this.log(`bullmq connector: ${pending.taskId} attempt ${pending.attempt} stalled on agent ${pending.agentId} (its worker's lock expired): agent-error`);
    this.settle(jobId, pending, { ok: false, reason: 'agent-error' });
  }

  private failed(jobId: string, failedReason: string): void {
    const pending = this.pending.get(jobId);
    if (pending === undefined) return;
    this.log(`bullmq connector: ${pending.taskId} attempt ${pending.attempt} failed on agent ${pending.agentId}: ${failedReason}: agent-error`);
    this.settle(jobId, pending, { ok: false, reason: 'agent-error' });
  }

  /** Hands the outcome to the driver, then removes the job once the driver's input for it is durable. */
  private settle(jobId: string, pending: PendingAttempt, outcome: Outcome): void {
    this.pending.delete(jobId);
    this.remember(jobId);
    pending.resolve(outcome);
    // The driver feeds the outcome in a promise reaction: by the next macrotask it is appended.
    setImmediate(() => {
      const journal = this.journal;
      const durable = journal === undefined ? Promise.resolve() : journal.whenDurable(journal.appendedSeq);
      void durable
        .then(async () => (this.closed ? undefined : (await this.agentQueue(pending.agentId)).queue.remove(jobId)))
        .catch((error: unknown) => this.report(error as Error));
    });
  }

  /** Sends a command naming an attempt to the agent running it, after the attempt's job was added. */
  private tellAttempt(kind: 'pause' | 'resume', command: CommandOf<'pause' | 'resume'>): void {
    const taskId = command.task.spec.id;
    const jobId = attemptJobId(taskId, command.attempt);
    const enqueued = this.pending.get(jobId)?.enqueued ?? Promise.resolve();
    this.tell(command.agent.spec.id, { kind, jobId, taskId, attempt: command.attempt }, enqueued);
  }

  /**
   * Sends `message` to the agent's control stream once the input that made it is durable (and
   * `after` has settled), in the order the driver gave the commands.
   */
  private tell(engineAgentId: string, message: ControlMessage, after: Promise<void> = Promise.resolve()): void {
    const agentId = externalAgentId(engineAgentId);
    const durable = this.durableNow();
    const previous = this.controlTail.get(agentId) ?? Promise.resolve(this.lastControl.get(agentId));
    const sent = Promise.all([previous, durable, after])
      .then(async ([before]) => (await this.sendControl(agentId, message)) ?? before)
      .catch((error: unknown) => {
        this.report(new Error(`bullmq connector: cannot send ${message.kind} to agent ${agentId}: ${(error as Error).message}`));
        return this.lastControl.get(agentId);
      });
    this.controlTail.set(agentId, sent);
    void sent.then(() => {
      if (this.controlTail.get(agentId) === sent) this.controlTail.delete(agentId);
    });
  }

  /** Appends `message` to the agent's control stream; resolves to the entry's id (undefined once closed). */
  private async sendControl(agentId: string, message: ControlMessage): Promise<string | undefined> {
    if (this.closed) return undefined;
    const { queue } = await this.agentQueue(agentId);
    const id = await appendEvent(await queue.client, controlStreamKey(agentId), CONTROL_EVENT, message);
    this.lastControl.set(agentId, id);
    return id;
  }

  /** Settles when what the driver has appended so far is durable (read inside the driver's drain). */
  private durableNow(): Promise<void> {
    return this.journal === undefined ? Promise.resolve() : this.journal.whenDurable(this.journal.appendedSeq);
  }

  /** An agent's answer to an offer, read from its queue's event stream. */
  private answered(agentId: string, fields: unknown): void {
    const read = readEventMessage(fields, offerAnswerMessage);
    if ('error' in read) {
      this.log(`bullmq connector: ignored an offer answer on agent ${agentId}'s queue (${read.error})`);
      return;
    }
    const { offerId: id, answer, delaySeconds } = read.message;
    const pending = this.offers.get(id);
    if (pending === undefined || pending.agentId !== agentId) {
      this.log(`bullmq connector: ignored agent ${agentId}'s answer to offer ${id}: the offer is closed (withdrawn, timed out, or made to another agent)`);
      return;
    }
    this.offers.delete(id);
    pending.resolve({
      answer: answer.accept ? { accepted: true } : { accepted: false, reason: answer.reason ?? 'declined' },
      ...(answer.setupTokens === undefined ? {} : { setupTokens: answer.setupTokens }),
      ...(delaySeconds === undefined ? {} : { delaySeconds }),
    });
  }

  private log(line: string): void {
    this.options.onLog?.(line);
  }

  private report(error: Error): void {
    if (this.closed) return;
    if (this.options.onError !== undefined) {
      this.options.onError(error);
      return;
    }
    this.errors.push(error);
    if (this.errors.length > KEPT_ERRORS) this.errors.shift();
  }
}

/** Tells the driver the attempt started, from a start report carried by the job (progress or result). */
function reportStart(pending: PendingAttempt, started: ParsedStartReport): void {
  const report: StartReport = { setupTokens: started.setupTokens, contextHit: started.contextHit ?? null };
  const { contextBlocksHit, agent } = started;
  pending.context.started({
    ...report,
    ...(contextBlocksHit === undefined ? {} : { contextBlocksHit }),
    // A fresh set per report: the engine keeps the last one as the agent's observed context.
    ...(agent === undefined ? {} : { agent: { contextUtilization: agent.contextUtilization, residentKeys: new Set(agent.residentKeys) } }),
  });
}
