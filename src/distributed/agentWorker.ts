/**
 * The agent's side of live agents over BullMQ: a BullMQ `Worker` on the agent's own queue
 * (./agentQueues.ts) that runs each attempt the engine started on it through a handler, reports
 * the start as job progress and returns the outcome as the job's result. A handler that throws
 * fails the job (an `agent-error` to the engine); a worker that dies or hangs loses its job's
 * lock, and the stalled-job check fails the job (`maxStalledCount` 0: an attempt runs on one
 * agent once; retrying it is the engine's decision, under a new attempt number).
 *
 * {@link runAgentWorker} is the typed helper for teams; {@link emulatedAgentHandler} is the
 * simulator's agent model behind it (for tests and `fleetsim agent-worker --emulate`).
 */
import { randomUUID } from 'node:crypto';
import { QueueEvents, Worker, type Job } from 'bullmq';
import type { Outcome, StartReport } from '../engine/messages.js';
import type { TaskSpec } from '../engine/task.js';
import { RemoteAgentModel } from '../live/clients/remoteAgentModel.js';
import type { OfferResponse } from '../live/connector.js';
import type { SimAgentConfig } from '../scenario/types.js';
import { outcomeStreams } from '../sim/random.js';
import {
  AGENT_CONTROL_PREFIX, CONTROL_EVENT, HEARTBEAT_REFRESHES, OFFER_ANSWER_EVENT, agentEventsKey, appendEvent, controlMessage, controlStreamKey, livenessKey,
  readEventMessage, streamIdAtOrAfter, type ControlMessage, type FleetsimEventsListener, type OfferAnswerMessage,
} from './agentControl.js';
import { AGENT_QUEUE_PREFIX, agentQueueName, startReportForRedis, type AttemptJobData, type AttemptJobResult } from './agentQueues.js';
import { bullConnectionOptions, checkQueueVersion, connectRedis, parseQueueUrl, queueNameFromFlag } from './connection.js';

/** One attempt as a handler receives it. */
export interface AgentAttempt {
  /** The task as the engine holds it (times in the driver's seconds). */
  readonly task: TaskSpec;
  /** The attempt number (a retry of the task has a higher one). */
  readonly attempt: number;
  /** The engine's id of the agent (`<id>#n` for a later incarnation). */
  readonly agentId: string;
  /**
   * Aborted when the engine gives up on the attempt (it timed out, was cancelled, its agent
   * left): `signal.reason` is the engine's failure reason (`timeout`, `cancelled`, …). The
   * handler should stop at once; whatever it returns then is recorded as stale.
   */
  readonly signal: AbortSignal;
  /** Reports the attempt's start (setup tokens spent, whether the context was resident); at most once, before returning. */
  started(report: StartReport): Promise<void>;
  /**
   * For an agent in virtual time (it answers at once): how many seconds the attempt took on the
   * agent's own clock, returned with the result (`durationSeconds`) for a driver that replays the
   * fleet on a manual clock (`VirtualTimeConnector`). At most once, before returning.
   */
  ranFor(durationSeconds: number): void;
}

/** Runs an attempt; resolves with its outcome (a failure is an outcome too: `{ ok: false, reason }`). */
export type AgentHandler = (attempt: AgentAttempt) => Promise<Outcome>;

/** An attempt a control command names. */
export interface AttemptRef {
  /** The task's id. */
  readonly taskId: string;
  /** The attempt number. */
  readonly attempt: number;
}

/** An offer as a handler receives it. */
export interface AgentOffer {
  /** The offer's id (unique while the engine runs). */
  readonly offerId: string;
  /** The task offered, as the engine holds it. */
  readonly task: TaskSpec;
  /** The engine's id of the agent. */
  readonly agentId: string;
  /** The engine's number of this offer of the task, counted over every agent it was offered to (what the simulator's offer streams are keyed by). */
  readonly offer: number;
  /** The slots the engine counts the agent holding when it made the offer (attempts running plus offers open, this one included). */
  readonly active: number;
  /** Aborted when the offer is withdrawn (another agent claimed the task, or it timed out): no answer is sent then. */
  readonly signal: AbortSignal;
}

/**
 * What an agent does with each engine command. Only `run` is required; a command that has no
 * hook is logged once per kind (an offer without `offer` is declined).
 */
export interface AgentHandlers {
  /** Runs an attempt (the engine's `start`). */
  readonly run: AgentHandler;
  /** Suspends a running attempt: its `run` stays pending (the job keeps running) until it resumes and ends. */
  readonly pause?: (attempt: AttemptRef) => void | Promise<void>;
  /** Continues a paused attempt where it stopped. */
  readonly resume?: (attempt: AttemptRef) => void | Promise<void>;
  /** Loads a context while idle, ahead of need. */
  readonly prewarm?: (context: { readonly contextKey: string; readonly contextTokens: number }) => void | Promise<void>;
  /** Answers an offer (accept or decline, and the tokens spent preparing). */
  readonly offer?: (offer: AgentOffer) => Promise<OfferResponse>;
  /** The agent has left the fleet (drained): the helper has stopped its heartbeat already; shut down. */
  readonly retire?: () => void | Promise<void>;
}

/** Options of {@link runAgentWorker}. */
export interface AgentWorkerOptions {
  /** Attempts run at once (the agent's capacity). @defaultValue 1 */
  readonly concurrency?: number;
  /** Seconds a job's lock lasts without renewal: a worker silent for longer has stalled. @defaultValue 30 */
  readonly lockSeconds?: number;
  /**
   * Seconds the worker's liveness key lives without refresh (refreshed four times per period):
   * a worker silent for longer is an agent gone (the service's `live.heartbeatSeconds`). @defaultValue 30
   */
  readonly heartbeatSeconds?: number;
  /** Milliseconds the first connection may take. @defaultValue 3000 */
  readonly connectTimeoutMs?: number;
  /** When given, the queue is stamped with this fleetsim version, and one stamped by another is refused. */
  readonly version?: string;
  /** One line for what the worker cannot carry out (a command with no hook, a malformed control entry); default: standard error. */
  readonly onLog?: (line: string) => void;
}

/** A running agent worker. */
export interface AgentWorker {
  /** The BullMQ worker (for its events: `completed`, `failed`, `error`). */
  readonly worker: Worker<AttemptJobData, AttemptJobResult>;
  /** Resolves when the engine retires the agent (after the `retire` hook): its owner should close it then. */
  readonly retired: Promise<void>;
  /** Stops taking jobs and commands, removes the liveness key, and waits for the running jobs to end. */
  close(): Promise<void>;
}

const DEFAULT_LOCK_SECONDS = 30;
const DEFAULT_HEARTBEAT_SECONDS = 30;
/** Aborts remembered for jobs not yet running (an abort that overtook the job's start). */
const REMEMBERED_ABORTS = 1000;

/**
 * Runs `handler` for every attempt the engine starts on agent `agentId`, taking jobs from its
 * queue in the Redis at `url` (`redis://HOST:PORT/DB`), and carries out the engine's other
 * commands for the agent through the hooks of `handler` when it is an {@link AgentHandlers}.
 * While it runs, it keeps the agent's liveness key in Redis (its heartbeat).
 * @throws InputError naming `--queue` for a bad URL, an unreachable Redis, a missing DB, or a
 * queue of another fleetsim version; naming `--agent` for an id that cannot name a queue
 */
export async function runAgentWorker(url: string, agentId: string, handler: AgentHandler | AgentHandlers, options: AgentWorkerOptions = {}): Promise<AgentWorker> {
  const queueUrl = parseQueueUrl(url);
  const name = queueNameFromFlag('--agent', agentId, agentQueueName);
  const handlers: AgentHandlers = typeof handler === 'function' ? { run: handler } : handler;
  const client = await connectRedis(queueUrl, options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs });
  let lastControlId: string;
  try {
    if (options.version !== undefined) await checkQueueVersion(client, queueUrl, { prefix: AGENT_QUEUE_PREFIX, queueName: name, version: options.version });
    // Commands are read from the control stream's current end: anything after this point is seen.
    lastControlId = (await client.xrevrange(controlStreamKey(name), '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
  } finally {
    client.disconnect();
  }
  const connection = bullConnectionOptions(queueUrl);
  const concurrency = options.concurrency ?? 1;
  const lockMs = (options.lockSeconds ?? DEFAULT_LOCK_SECONDS) * 1000;
  const heartbeatMs = (options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
  const log = options.onLog ?? ((line: string) => { process.stderr.write(`${line}\n`); });
  const commands = new AgentCommands(name, handlers, log, lastControlId);
  const processor = async (job: Job<AttemptJobData, AttemptJobResult>, _token?: string, signal?: AbortSignal): Promise<AttemptJobResult> => {
    const jobId = job.id!;
    // The commands sent before the start (a prewarm) are carried out before the attempt runs.
    if (job.data.afterControl !== undefined) await commands.caughtUp(job.data.afterControl, lockMs, jobId);
    commands.jobStarted(jobId);
    let startReported = false;
    let durationSeconds: number | undefined;
    const attempt: AgentAttempt = {
      task: job.data.task,
      attempt: job.data.attempt,
      agentId: job.data.agentId,
      signal: signal ?? new AbortController().signal,
      started: async (report) => {
        if (startReported) return;
        startReported = true;
        await job.updateProgress({ started: startReportForRedis(report) });
      },
      ranFor: (seconds) => { durationSeconds ??= seconds; },
    };
    try {
      const outcome = await handlers.run(attempt);
      return durationSeconds === undefined ? { outcome } : { outcome, durationSeconds };
    } finally {
      commands.jobEnded(jobId);
    }
  };
  const workerOptions = { connection, prefix: AGENT_QUEUE_PREFIX, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 0 };
  const worker = new Worker<AttemptJobData, AttemptJobResult>(name, processor, { ...workerOptions, concurrency });
  commands.bind(worker, () => {
    // A BullMQ worker's concurrency cannot grow while it waits for its running jobs: a slot more is a worker more.
    const extra = new Worker<AttemptJobData, AttemptJobResult>(name, processor, { ...workerOptions, concurrency: 1 });
    extra.on('error', (error) => worker.emit('error', error));
    return extra;
  });
  const control = new QueueEvents(name, { connection, prefix: AGENT_CONTROL_PREFIX, lastEventId: lastControlId });
  control.on<FleetsimEventsListener, typeof CONTROL_EVENT>(CONTROL_EVENT, (fields, id) => commands.received(fields, id));
  control.on('error', (error) => worker.emit('error', error));
  const heartbeat = new Heartbeat(worker, livenessKey(name), heartbeatMs);
  try {
    await control.waitUntilReady();
    await heartbeat.start();
  } catch (error) {
    heartbeat.stop();
    await Promise.allSettled([control.close(), worker.close()]);
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    worker,
    // Never rejects: a key that cannot be deleted expires on its own.
    retired: commands.retired.then(() => heartbeat.end().catch((error: unknown) => { worker.emit('error', error as Error); })),
    close: () => {
      closing ??= (async () => {
        await heartbeat.end();
        await control.close();
        // Jobs cut short by closing end through the stalled-job check (lock not renewed).
        await Promise.all([worker.close(), commands.close()]);
      })();
      return closing;
    },
  };
}

/** The agent's liveness key: set now, refreshed {@link HEARTBEAT_REFRESHES} times per period, deleted at the end. */
class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  /** This worker's mark: a new worker of the agent writes another, so the service tells a restart from a pause. */
  private readonly token = randomUUID();

  constructor(private readonly worker: Worker, private readonly key: string, private readonly ttlMs: number) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => this.worker.emit('error', error as Error));
    }, Math.max(1, Math.floor(this.ttlMs / HEARTBEAT_REFRESHES)));
  }

  stop(): void {
    clearInterval(this.timer);
    this.ended = true;
  }

  /** Stops refreshing and removes the key: the agent leaves at the service's next sweep. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.stop();
    await (await this.worker.client).del(this.key);
  }

  private async beat(): Promise<void> {
    if (this.ended) return;
    await (await this.worker.client).set(this.key, this.token, { PX: this.ttlMs });
  }
}

/** Carries out the control commands a worker reads for its agent. */
class AgentCommands {
  /** Resolves on the first `retire`. */
  readonly retired: Promise<void>;
  private onRetire: () => void = () => undefined;
  private worker: Worker | undefined;
  /** Makes a worker of one slot on the agent's queue. */
  private extraSlot: () => Worker = () => { throw new Error('agent commands: not bound to a worker'); };
  /** One worker of one slot per paused job (the slot the engine freed), newest last. */
  private readonly extraSlots: Worker[] = [];
  /** Jobs this worker runs. */
  private readonly running = new Set<string>();
  /** Running jobs paused by the engine: each frees a slot (an extra worker of one slot takes one more job). */
  private readonly paused = new Set<string>();
  /** Aborts of jobs not running here yet, by job id (oldest first). */
  private readonly earlyAborts = new Map<string, string>();
  private readonly offers = new Map<string, AbortController>();
  private readonly loggedKinds = new Set<string>();
  /** The last control entry read (the stream's end when the worker started). */
  private seenControl: string;
  /** Jobs waiting for a control entry to be read, with the entry's id. */
  private readonly controlWaiters: { readonly id: string; readonly wake: () => void }[] = [];
  /** Settles when every prewarm read so far has been carried out. */
  private prewarmed: Promise<unknown> = Promise.resolve();

  constructor(private readonly agentId: string, private readonly handlers: AgentHandlers, private readonly log: (line: string) => void, startControl: string) {
    this.retired = new Promise((resolve) => { this.onRetire = resolve; });
    this.seenControl = startControl;
  }

  /**
   * Resolves once the control entry `id` has been read and every prewarm read so far carried
   * out; after `waitMs` without it, logs and resolves (the attempt runs without it).
   */
  async caughtUp(id: string, waitMs: number, jobId: string): Promise<void> {
    if (!streamIdAtOrAfter(this.seenControl, id)) {
      let timer: NodeJS.Timeout | undefined;
      const read = await new Promise<boolean>((resolve) => {
        const waiter = { id, wake: () => resolve(true) };
        this.controlWaiters.push(waiter);
        timer = setTimeout(() => {
          this.controlWaiters.splice(this.controlWaiters.indexOf(waiter), 1);
          resolve(false);
        }, waitMs);
      });
      clearTimeout(timer);
      if (!read) this.log(`fleetsim agent-worker: ${this.agentId}: job ${jobId} waited ${waitMs / 1000} s for the control entry ${id} sent before it; it runs without`);
    }
    await this.prewarmed.catch(() => undefined);
  }

  bind(worker: Worker, extraSlot: () => Worker): void {
    this.worker = worker;
    this.extraSlot = extraSlot;
  }

  /** Closes the extra slots (each after the job it runs). */
  async close(): Promise<void> {
    await Promise.all(this.extraSlots.splice(0).map((extra) => extra.close()));
  }

  /** A job began here: an abort that came first applies now. */
  jobStarted(jobId: string): void {
    this.running.add(jobId);
    const reason = this.earlyAborts.get(jobId);
    if (reason === undefined) return;
    this.earlyAborts.delete(jobId);
    this.cancel(jobId, reason);
  }

  jobEnded(jobId: string): void {
    this.running.delete(jobId);
    if (this.paused.delete(jobId)) this.shrink();
  }

  /** Aborts the signal of a job running on any of this agent's workers. */
  private cancel(jobId: string, reason: string): boolean {
    return [this.worker, ...this.extraSlots].some((worker) => worker?.cancelJob(jobId, reason) === true);
  }

  /** A control entry as `QueueEvents` emits it, with its id. */
  received(fields: unknown, id: string): void {
    const read = readEventMessage(fields, controlMessage);
    if ('error' in read) {
      this.log(`fleetsim agent-worker: ${this.agentId}: ignored a control entry (${read.error})`);
    } else {
      const done = this.carryOut(read.message).catch((error: unknown) => {
        this.log(`fleetsim agent-worker: ${this.agentId}: ${read.message.kind} failed: ${(error as Error).message}`);
      });
      if (read.message.kind === 'prewarm') this.prewarmed = Promise.all([this.prewarmed, done]);
    }
    this.seenControl = id;
    for (let i = this.controlWaiters.length - 1; i >= 0; i--) {
      const waiter = this.controlWaiters[i]!;
      if (!streamIdAtOrAfter(id, waiter.id)) continue;
      this.controlWaiters.splice(i, 1);
      waiter.wake();
    }
  }

  private async carryOut(message: ControlMessage): Promise<void> {
    switch (message.kind) {
      case 'abort':
        if (this.cancel(message.jobId, message.reason)) return;
        // Not running here (yet): the job may be on its way to this worker.
        this.earlyAborts.set(message.jobId, message.reason);
        if (this.earlyAborts.size > REMEMBERED_ABORTS) this.earlyAborts.delete(this.earlyAborts.keys().next().value!);
        return;
      case 'pause': {
        if (this.handlers.pause === undefined) return this.unhandled('pause');
        await this.handlers.pause({ taskId: message.taskId, attempt: message.attempt });
        if (this.running.has(message.jobId) && !this.paused.has(message.jobId)) {
          this.paused.add(message.jobId);
          this.extraSlots.push(this.extraSlot());
        }
        return;
      }
      case 'resume': {
        if (this.handlers.resume === undefined) return this.unhandled('resume');
        if (this.paused.delete(message.jobId)) this.shrink();
        await this.handlers.resume({ taskId: message.taskId, attempt: message.attempt });
        return;
      }
      case 'prewarm':
        if (this.handlers.prewarm === undefined) return this.unhandled('prewarm');
        await this.handlers.prewarm({ contextKey: message.contextKey, contextTokens: message.contextTokens });
        return;
      case 'retire':
        await this.handlers.retire?.();
        this.onRetire();
        return;
      case 'offer':
        await this.offer(message);
        return;
      case 'withdraw':
        this.offers.get(message.offerId)?.abort('withdrawn');
        this.offers.delete(message.offerId);
        return;
      default: {
        const unreachable: never = message;
        throw new Error(`unknown control ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private async offer(message: Extract<ControlMessage, { kind: 'offer' }>): Promise<void> {
    let response: OfferResponse;
    if (this.handlers.offer === undefined) {
      this.unhandled('offer');
      response = { answer: { accepted: false, reason: 'declined' } };
    } else {
      const controller = new AbortController();
      this.offers.set(message.offerId, controller);
      try {
        const { offerId: id, task, agentId, offer, active } = message;
        response = await this.handlers.offer({ offerId: id, task, agentId, offer, active, signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted) return;
        throw error;
      } finally {
        this.offers.delete(message.offerId);
      }
      if (controller.signal.aborted) return;
    }
    const { answer, setupTokens, delaySeconds } = response;
    const body: OfferAnswerMessage['answer'] = answer.accepted
      ? { accept: true, ...(setupTokens === undefined ? {} : { setupTokens }) }
      : { accept: false, reason: answer.reason, ...(setupTokens === undefined ? {} : { setupTokens }) };
    const reply: OfferAnswerMessage = { offerId: message.offerId, answer: body, ...(delaySeconds === undefined ? {} : { delaySeconds }) };
    await appendEvent(await this.worker!.client, agentEventsKey(this.agentId), OFFER_ANSWER_EVENT, reply);
  }

  /** A paused job no longer is: one extra slot goes (once the job it runs, if any, ends). */
  private shrink(): void {
    const extra = this.extraSlots.pop();
    if (extra !== undefined) void extra.close().catch((error: unknown) => this.worker?.emit('error', error as Error));
  }

  private unhandled(kind: string): void {
    if (this.loggedKinds.has(kind)) return;
    this.loggedKinds.add(kind);
    this.log(`fleetsim agent-worker: ${this.agentId}: the handler has no ${kind} hook: ${kind === 'offer' ? 'offers are declined' : `${kind} commands are not carried out`} (logged once)`);
  }
}

/** Options of the emulated agent's handlers. */
export interface EmulatedAgentOptions {
  /** The scenario's seed (selects the outcome and offer streams). */
  readonly seed: number;
  /** Replication number (selects the streams with the seed); 0 when absent. */
  readonly replication?: number;
  /** K: the model's times are divided by it. */
  readonly speedup: number;
}

/**
 * The simulator's agent model for one scenario agent (the same plans and seeded outcome streams
 * as `fleetsim agents`), with its times divided by `speedup`: reports the start at once, takes
 * the planned duration in real time, then returns the planned outcome. The engine's other
 * commands act as on the simulator's agents (`EmulatedAgents`): a paused attempt's remaining
 * time is kept and runs on after its resume, an offer is answered by the model after the agent's
 * `offerResponseSeconds`, a prewarm loads the context into the model, and an aborted attempt
 * stops at once (the job fails; the engine had given up on it already).
 */
export function emulatedAgentHandlers(config: SimAgentConfig, options: EmulatedAgentOptions): AgentHandlers {
  const model = new RemoteAgentModel(config, outcomeStreams(options.seed, options.replication ?? 0), options.speedup);
  const attempts = new Map<string, EmulatedAttempt>();
  let offers = 0;
  /** Slots held as the engine counts them: attempts running (not paused) plus offers not answered yet. */
  const active = (): number => {
    let running = 0;
    for (const attempt of attempts.values()) if (attempt.timer !== undefined) running++;
    return running + offers;
  };
  const schedule = (attempt: EmulatedAttempt, ms: number): void => {
    attempt.endsAtMs = performance.now() + ms;
    attempt.timer = setTimeout(attempt.finish, ms);
  };
  return {
    run: async ({ task, attempt, signal, started }) => {
      const plan = model.plan(task, attempt, active() + 1);
      const key = emulatedKey(task.id, attempt);
      const running: EmulatedAttempt = { timer: undefined, endsAtMs: 0, remainingMs: 0, finish: () => undefined };
      attempts.set(key, running);
      try {
        await started({ setupTokens: plan.setupTokens, contextHit: plan.contextHit });
        await new Promise<void>((resolve, reject) => {
          const aborted = (): void => {
            clearTimeout(running.timer);
            running.timer = undefined;
            reject(new Error(`${task.id} attempt ${attempt}: aborted (${String(signal.reason)})`));
          };
          if (signal.aborted) {
            aborted();
            return;
          }
          running.finish = resolve;
          signal.addEventListener('abort', aborted, { once: true });
          schedule(running, plan.durationMs);
        });
        return plan.outcome;
      } finally {
        attempts.delete(key);
      }
    },
    pause: ({ taskId, attempt }) => {
      const running = attempts.get(emulatedKey(taskId, attempt));
      if (running?.timer === undefined) return;
      clearTimeout(running.timer);
      running.timer = undefined;
      running.remainingMs = Math.max(0, running.endsAtMs - performance.now());
    },
    resume: ({ taskId, attempt }) => {
      const running = attempts.get(emulatedKey(taskId, attempt));
      if (running === undefined || running.timer !== undefined) return;
      schedule(running, running.remainingMs);
    },
    prewarm: ({ contextKey, contextTokens }) => {
      model.prewarm(contextKey, contextTokens);
    },
    offer: async ({ task, offer, signal }) => {
      const reply = model.answerOffer(task, active() + 1, offer);
      offers++;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, reply.delayMs);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(new Error(`offer ${task.id}: withdrawn`));
          }, { once: true });
        });
      } finally {
        offers--;
      }
      return { answer: reply.answer, setupTokens: reply.setupTokens };
    },
  };
}

/**
 * The run handler of {@link emulatedAgentHandlers} alone (the agent's other commands are then
 * logged as not carried out).
 */
export function emulatedAgentHandler(config: SimAgentConfig, options: EmulatedAgentOptions): AgentHandler {
  return emulatedAgentHandlers(config, options).run;
}

/** An emulated attempt under way. */
interface EmulatedAttempt {
  /** Its end, while it runs (undefined while paused). */
  timer: NodeJS.Timeout | undefined;
  /** When it ends (performance.now() milliseconds), while it runs. */
  endsAtMs: number;
  /** Milliseconds left, while paused. */
  remainingMs: number;
  /** Ends it with its planned outcome. */
  finish: () => void;
}

function emulatedKey(taskId: string, attempt: number): string {
  return `${taskId}\u0000${attempt}`;
}

/**
 * The simulator's agent model for one scenario agent in virtual time, for a driver on a manual
 * clock behind a `VirtualTimeConnector`: `run` plans the attempt (the plans and seeded outcome
 * streams of {@link emulatedAgentHandlers}), reports its start with the agent's context as the
 * simulator reports it (block hits, utilization, resident keys), reports the planned duration
 * (`ranFor`), and returns the outcome at once; `offer` answers at once from the model as the
 * simulator's agent does (the engine's offer number and slot count, the same offer streams) with
 * the agent's `offerResponseSeconds` as the answer's delay (`delaySeconds`); `prewarm` loads the
 * context into the model. Run it one attempt at a time (`concurrency` 1), so the model meets the
 * agent's attempts in the order the engine started them.
 */
export function virtualTimeAgentHandlers(config: SimAgentConfig, options: { readonly seed: number; readonly replication?: number }): AgentHandlers {
  const model = new RemoteAgentModel(config, outcomeStreams(options.seed, options.replication ?? 0), 1);
  return {
    run: async ({ task, attempt, started, ranFor }) => {
      // The slot count an offer answer reads; a start's plan reads only the agent's skills.
      const plan = model.plan(task, attempt, 1);
      const { setupTokens, contextHit, contextBlocksHit, agent } = plan;
      await started(contextBlocksHit === undefined ? { setupTokens, contextHit, agent } : { setupTokens, contextHit, contextBlocksHit, agent });
      ranFor(plan.durationSeconds);
      return plan.outcome;
    },
    offer: ({ task, offer, active }) => {
      const reply = model.answerOffer(task, active, offer);
      return Promise.resolve({ answer: reply.answer, setupTokens: reply.setupTokens, delaySeconds: reply.delaySeconds });
    },
    prewarm: ({ contextKey, contextTokens }) => {
      model.prewarm(contextKey, contextTokens);
    },
  };
}

/** The run handler of {@link virtualTimeAgentHandlers} alone (offers are then declined, prewarms logged and not applied). */
export function virtualTimeAgentHandler(config: SimAgentConfig, options: { readonly seed: number; readonly replication?: number }): AgentHandler {
  return virtualTimeAgentHandlers(config, options).run;
}
