/**
 * The engine's `provision` over HTTP: each autoscaled pool has a queue of requests for a new
 * agent, which provisioners take by long-poll (`POST /v1/pools/{pool}/poll?wait=S`) and answer
 * by registering the agent they started (`POST /v1/agents` with the request's `provisionId`).
 *
 * Rules:
 * - A request is handed out only once the input that made it is durable.
 * - A request's id is the driver's id of its provision (`ProvisionContext.provisionId`): a
 *   restart asks again for the provisions still pending under the ids they had.
 * - Delivery is at least once: a request handed out is leased to its taker (the provisioner that
 *   polled, by name) for `leaseSeconds`; not answered by then, it is handed out again (to any
 *   provisioner of the pool). The provisioner holding the lease keeps it, while it still starts
 *   the agent, by listing the request in its next polls (`renew`): a poll holds the leases it
 *   lists while it is open, and renews them for `leaseSeconds` when it ends. A listed request
 *   that is no longer pending, or whose lease another provisioner holds, is answered at once as
 *   `gone`. A request free (never handed out, or its lease ran out) is taken by a provisioner
 *   that lists it.
 * - A restart forgets who held which lease, not that one may be held: a request the driver asks
 *   again for on recovery (`ProvisionContext.redelivered`) is held for whoever lists it in
 *   `renew` (only a provisioner that took it before the restart knows its id) for
 *   `recoveryHoldSeconds` from then (the time any client has to come back), and handed out
 *   to the pool's polls only after that.
 * - The first answer settles the request (the agent joins the fleet), whoever brings it. Any later
 *   answer (the request was handed out twice) is refused: no second agent joins for one request.
 *   The provisioner stops the agent it started for it. An answer repeated for the agent it
 *   already brought (a retried request) is confirmed instead.
 */
import type { AgentSpec } from '../../engine/agent.js';
import { afterDurable, type Journal } from '../journal.js';
import { HttpError } from './httpError.js';

/** A request as a provisioner receives it from a poll. */
export interface WireProvisionRequest {
  /** Names the request in the answer (`POST /v1/agents` `provisionId`); the same after a restart of the service, never the same for two requests. */
  readonly provisionId: string;
  /** The pool the agent is for. */
  readonly pool: string;
  /** Seconds the taker has to answer before the request is handed out again. */
  readonly leaseSeconds: number;
  /** 1 the first time the request is handed out, 2 the second, … */
  readonly delivery: number;
}

/** A request the engine waits for. */
interface PendingProvision {
  readonly provisionId: string;
  readonly pool: string;
  /** Its input is durable: it may be handed out. */
  ready: boolean;
  /** Until when (milliseconds now) its last taker holds it (with no holder: the hold after a restart); 0 while never handed out. */
  leasedUntilMs: number;
  /** The provisioner its lease is for (the last to take it); undefined while no poll of this process took it. */
  holder: string | undefined;
  /** Open polls that list it in `renew`: while any is, its lease holds. */
  holders: number;
  deliveries: number;
  readonly resolve: (spec: AgentSpec) => void;
}

/** What a provisioner's poll answers. */
export interface PoolPollAnswer {
  /** Requests handed out to it. */
  readonly requests: WireProvisionRequest[];
  /** Ids of its `renew` list no longer pending (answered, or unknown here), or leased to another provisioner: stop the agents started for them. */
  readonly gone: string[];
}

/** A provisioner's long-poll waiting for requests of one pool. */
interface PoolPoll {
  readonly pool: string;
  /** The provisioner polling. */
  readonly provisioner: string;
  readonly deadlineMs: number;
  readonly resolve: (answer: PoolPollAnswer) => void;
  /** The requests of its `renew` list pending when it began (it holds their leases). */
  readonly held: PendingProvision[];
  /** Ids of its `renew` list not pending, or leased to another provisioner. */
  readonly gone: string[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What a provisioned registration finds (see {@link ProvisionRequests.claim}). */
export type ProvisionClaim =
  | { readonly kind: 'pending'; readonly pool: string; readonly settle: (spec: AgentSpec) => void }
  | { readonly kind: 'answered'; readonly pool: string; readonly agentId: string }
  | { readonly kind: 'unknown' };

/** Long-polls one pool may have open at once (more would only pile up connections). */
export const MAX_OPEN_POOL_POLLS = 8;

/** Requests of one pool handed out by one poll at most, and listed in its `renew` at most. */
export const MAX_REQUESTS_PER_POLL = 100;

/** Longest provisioner name, in characters. */
export const MAX_PROVISIONER_NAME = 128;

/** What {@link ProvisionRequests} needs. */
export interface ProvisionRequestsOptions {
  /** The pools that may be polled (the autoscaled ones, when agents are reached over HTTP) and each one's lease in seconds. */
  readonly leaseSeconds: ReadonlyMap<string, number>;
  /** Milliseconds now. */
  readonly nowMs: () => number;
  /** Seconds a request asked again after a restart is kept for its old taker's renewal before it is handed out (the heartbeat: the time a client has to come back). */
  readonly recoveryHoldSeconds: number;
}

/** The pools' provisioning queues: requests, long-polls, leases and answers. */
export class ProvisionRequests {
  /** Requests the engine waits for, by id, in the order they were made. */
  private readonly pending = new Map<string, PendingProvision>();
  /** Answered requests whose agent is in the fleet: the engine id of the agent each one brought. */
  private readonly answered = new Map<string, { readonly pool: string; readonly agentId: string }>();
  private readonly polls = new Set<PoolPoll>();
  private redeliveries = 0;
  private refusedAnswers = 0;
  private closed = false;

  /** @param options - see {@link ProvisionRequestsOptions}. */
  constructor(private readonly options: ProvisionRequestsOptions) {}

  /** Whether `pool` is autoscaled (its requests may be polled). */
  has(pool: string): boolean {
    return this.options.leaseSeconds.has(pool);
  }

  /**
   * Queues request `provisionId` for an agent of `pool`, handed out once input `seq` of `journal`
   * is durable (at once without a journal); resolves with the spec its answer registers. A
   * request `redelivered` (asked again after a restart) is first held for
   * {@link ProvisionRequestsOptions.recoveryHoldSeconds}: taken by a renewal, handed out to no
   * poll. An id already pending throws.
   */
  request(pool: string, provisionId: string, journal: Journal | undefined, seq: number, redelivered = false): Promise<AgentSpec> {
    if (this.pending.has(provisionId)) throw new Error(`provisioning request ${provisionId} is pending already`);
    // A hold is a lease with no holder: `poll` lets any renewal take it, `turn` hands it out once it runs out.
    const leasedUntilMs = redelivered ? this.options.nowMs() + this.options.recoveryHoldSeconds * 1000 : 0;
    return new Promise((resolve) => {
      const request: PendingProvision = { provisionId, pool, ready: false, leasedUntilMs, holder: undefined, holders: 0, deliveries: 0, resolve };
      this.pending.set(request.provisionId, request);
      const release = (): void => {
        request.ready = true;
        this.wake(pool);
      };
      if (journal === undefined || seq <= journal.durableSeq) release();
      else afterDurable(journal, seq, release);
    });
  }

  /**
   * Long-poll of provisioner `provisioner` for `pool`'s requests: those ready and not leased (or
   * whose lease ran out), at once when there are any, else as soon as one is, or none after
   * `waitSeconds`. Each is leased to the caller. The requests listed in `renew` whose lease the
   * caller holds (or that are free, or held since a restart for whoever took them before it)
   * are leased to it while the poll is open and for their lease after it; the others (no longer
   * pending, or leased to another provisioner) make it answer at once, in `gone`. 404 for a pool not provisioned over HTTP, 429 when it already has
   * {@link MAX_OPEN_POOL_POLLS} polls open.
   */
  poll(pool: string, provisioner: string, waitSeconds: number, renew: readonly string[] = [], closed?: AbortSignal): Promise<PoolPollAnswer> {
    if (!this.has(pool)) throw new HttpError(404, `params.pool: pool ${pool} is not provisioned over HTTP (the scenario's engine.autoscale does not scale it, or agents take their work from BullMQ)`);
    let open = 0;
    for (const poll of this.polls) if (poll.pool === pool) open++;
    if (open >= MAX_OPEN_POOL_POLLS) throw new HttpError(429, `params.pool: pool ${pool} already has ${MAX_OPEN_POOL_POLLS} polls open`);
    const held: PendingProvision[] = [];
    const gone: string[] = [];
    const now = this.options.nowMs();
    for (const provisionId of renew) {
      const request = this.pending.get(provisionId);
      if (request === undefined || request.pool !== pool) gone.push(provisionId);
      else if (request.holder !== provisioner && request.holder !== undefined && (request.holders > 0 || request.leasedUntilMs > now)) gone.push(provisionId);
      else {
        // Its lease, a request held since a restart for its old taker, or one free: the caller holds it.
        request.holder = provisioner;
        request.holders++;
        held.push(request);
      }
    }
    return new Promise((resolve) => {
      const poll: PoolPoll = { pool, provisioner, deadlineMs: now + waitSeconds * 1000, resolve, held, gone, timer: undefined };
      this.polls.add(poll);
      closed?.addEventListener('abort', () => this.answer(poll, []), { once: true });
      this.turn(poll);
    });
  }

  /**
   * What a registration naming `provisionId` answers: a request still pending (its `settle`
   * brings the agent in and forgets the request), one already answered (with the agent it
   * brought), or one unknown here (answered before a restart, or never asked for).
   */
  claim(provisionId: string): ProvisionClaim {
    const request = this.pending.get(provisionId);
    if (request !== undefined) {
      return {
        kind: 'pending', pool: request.pool,
        settle: (spec) => {
          this.pending.delete(provisionId);
          this.answered.set(provisionId, { pool: request.pool, agentId: spec.id });
          request.resolve(spec);
          // Polls that hold it learn that it is gone.
          this.wake(request.pool);
        },
      };
    }
    const answered = this.answered.get(provisionId);
    return answered === undefined ? { kind: 'unknown' } : { kind: 'answered', ...answered };
  }

  /**
   * The agent left the fleet: the request it answered is forgotten (an answer repeated now is
   * refused as unknown, as it would be as answered), so that the answers kept do not grow with
   * the agents ever provisioned.
   */
  agentLeft(engineAgentId: string): void {
    for (const [provisionId, answered] of this.answered) {
      if (answered.agentId === engineAgentId) this.answered.delete(provisionId);
    }
  }

  /** Counts an answer refused (a request answered already, or unknown). */
  refused(): void {
    this.refusedAnswers++;
  }

  /** Requests waiting for an answer, requests handed out again after a lease ran out, and answers refused. */
  stats(): { readonly pending: number; readonly redelivered: number; readonly refusedAnswers: number } {
    return { pending: this.pending.size, redelivered: this.redeliveries, refusedAnswers: this.refusedAnswers };
  }

  /** Ends every long-poll at once (the service is closing); pending requests stay unanswered. */
  close(): void {
    this.closed = true;
    for (const poll of [...this.polls]) this.answer(poll, []);
  }

  /** Answers the poll with the requests it may take, or when it must; else waits for a wake-up or a lease running out. */
  private turn(poll: PoolPoll): void {
    if (!this.polls.has(poll)) return;
    const now = this.options.nowMs();
    const taken: WireProvisionRequest[] = [];
    let nextLeaseEndMs = Number.POSITIVE_INFINITY;
    const leaseSeconds = this.options.leaseSeconds.get(poll.pool)!;
    for (const request of this.pending.values()) {
      if (request.pool !== poll.pool || !request.ready || request.holders > 0) continue;
      if (request.leasedUntilMs > now) {
        nextLeaseEndMs = Math.min(nextLeaseEndMs, request.leasedUntilMs);
        continue;
      }
      if (taken.length === MAX_REQUESTS_PER_POLL) break;
      if (request.deliveries > 0) this.redeliveries++;
      request.deliveries++;
      request.leasedUntilMs = now + leaseSeconds * 1000;
      request.holder = poll.provisioner;
      taken.push({ provisionId: request.provisionId, pool: request.pool, leaseSeconds, delivery: request.deliveries });
    }
    for (const request of poll.held) if (!this.pending.has(request.provisionId) && !poll.gone.includes(request.provisionId)) poll.gone.push(request.provisionId);
    if (taken.length > 0 || poll.gone.length > 0 || now >= poll.deadlineMs || this.closed) {
      this.answer(poll, taken);
      return;
    }
    if (poll.timer !== undefined) clearTimeout(poll.timer);
    // Woken at its deadline, or when a lease runs out, whichever comes first.
    poll.timer = setTimeout(() => this.turn(poll), Math.max(0, Math.min(poll.deadlineMs, nextLeaseEndMs) - now));
  }

  private answer(poll: PoolPoll, requests: WireProvisionRequest[]): void {
    if (!this.polls.delete(poll)) return;
    if (poll.timer !== undefined) clearTimeout(poll.timer);
    const now = this.options.nowMs();
    const leaseSeconds = this.options.leaseSeconds.get(poll.pool)!;
    let released = false;
    for (const request of poll.held) {
      request.holders--;
      request.leasedUntilMs = Math.max(request.leasedUntilMs, now + leaseSeconds * 1000);
      released ||= request.holders === 0;
    }
    poll.resolve({ requests, gone: poll.gone });
    // The other polls' timers did not count the leases it held.
    if (released) this.wake(poll.pool);
  }

  /** A request of `pool` became ready: its polls take another turn (the first to wait takes it). */
  private wake(pool: string): void {
    for (const poll of [...this.polls]) if (poll.pool === pool) this.turn(poll);
  }
}
