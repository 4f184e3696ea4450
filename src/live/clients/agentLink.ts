/**
 * One process's connection to a `fleetsim serve` for many agents at once, over the multi-agent
 * poll route (`POST /v1/agents/poll`, docs/LIVE.md "The API"):
 *
 * - Two long-polls listing every agent are kept open, so one is always listening while the
 *   other's answer is read. Each is every listed agent's heartbeat.
 * - Attempt reports (`started`, `finished`) and offer answers are queued. The re-poll sent after
 *   a poll answer carries every item queued by then (with a short wait,
 *   {@link CARRYING_POLL_SECONDS}, so that their answers, which come with the poll's, never wait
 *   for a long poll): under load the reports, the offer answers and the next poll are one
 *   request. Items no re-poll took within {@link REPORT_HOLD_MS} go on their own in one
 *   `POST /v1/agents/poll?wait=0` listing the agents they concern (its answer may carry commands
 *   too). One batch is in flight at a time: what is queued meanwhile goes in the next one, so
 *   reports keep their order (`started` before `finished`) and batch themselves under load. An
 *   attempt's `finished` queued while its `started` still waits in the queue joins that item: the
 *   service then has one item for the attempt, and applies its start before its end.
 * - The service may go away (restart, crash): every request is retried with capped backoff until
 *   it answers. An answer 404 names the agent that is no longer in the fleet (`body.agents[i]`);
 *   the link asks its owner to register it again ({@link AgentLinkOptions.rejoin}) and goes on.
 *
 * Many requests per step cost the service far more CPU than the engine's work per task does;
 * this link sends about one request per event-loop turn for the whole fleet.
 */
import { Backoff, pause, type BackoffOptions } from './backoff.js';
import { ServiceUnavailable, errorText, type ServiceAnswer, type ServiceClient } from './serviceClient.js';
import type { WireCommand } from '../service/remoteAgents.js';

/** An attempt report as the multi-agent poll carries it. */
export interface AgentReport {
  /** The agent's id. */
  readonly agent: string;
  /** The task's id. */
  readonly task: string;
  /** The attempt number. */
  readonly attempt: number;
  /** The attempt began: tokens spent loading context, whether it was resident, and for a prompt prefix how many of its blocks were. */
  readonly started?: { readonly setupTokens: number; readonly contextHit?: boolean; readonly contextBlocksHit?: number };
  /** The attempt ended: completed with a quality, or failed with a reason. */
  readonly finished?: { readonly ok: true; readonly quality: number } | { readonly ok: false; readonly reason: string };
}

/** An offer answer as the multi-agent poll carries it: the body of `POST /v1/agents/{id}/offers/{offerId}`, naming its agent and offer. */
export interface AgentOfferAnswer {
  /** The agent's id. */
  readonly agent: string;
  /** The offer's id, as the `offer` command gave it. */
  readonly offerId: string;
  /** Whether the agent takes the task. */
  readonly accept: boolean;
  /** Why it declines (with `accept: false` only). */
  readonly reason?: string;
  /** Tokens the agent would spend loading the task's context. */
  readonly setupTokens?: number;
}

/** How the service answered one report or offer answer: stale parts changed nothing; `error` when it was refused. */
export interface ReportResult {
  /** The report changed nothing (the attempt was already settled or withdrawn). */
  readonly stale: boolean;
  /** Why the service refused the report, when it did. */
  readonly error?: string;
}

/** What an {@link AgentLink} needs. */
export interface AgentLinkOptions {
  /** How requests reach the service (a {@link ServiceClient}, or any transport that throws {@link ServiceUnavailable} when it should be retried). */
  readonly client: Pick<ServiceClient, 'request'>;
  /** Ids of the agents the link speaks for (at most {@link MAX_AGENTS_PER_POLL} per poll; more are split). */
  readonly agentIds: readonly string[];
  /** Long-poll length in seconds. */
  readonly pollSeconds: number;
  /** Long-polls open at once per group of agents (default 2). */
  readonly polls?: number;
  /** Retry delays for unreachable or failing requests. */
  readonly backoff: BackoffOptions;
  /** Stops the polls when aborted. */
  readonly signal: AbortSignal;
  /** The commands a poll handed one agent, in the order the service gave them. */
  readonly onCommands: (agentId: string, commands: readonly WireCommand[]) => void;
  /** A poll was refused (a 4xx other than 404, which retrying does not cure): these agents stop. */
  readonly onRefused: (agentId: string, reason: string) => void;
  /** The agent is no longer in the fleet: register it again; false when it cannot (it is dropped). */
  readonly rejoin: (agentId: string) => Promise<boolean>;
  /** A request found the service unreachable or failing and is retried. */
  readonly onRetry?: () => void;
  /** Writes a one-line note. */
  readonly log: (line: string) => void;
}

/** Agents one poll lists at most (the service's `MAX_BATCH_ITEMS`). */
export const MAX_AGENTS_PER_POLL = 1000;
/**
 * Items (attempt reports, an attempt's two reports in one, offer answers) one flush carries at
 * most (an item is about 100 bytes; the service's default body limit is 64 KB).
 */
export const MAX_REPORTS_PER_FLUSH = 400;
/**
 * Longest a queued report waits for a re-poll to carry it before it is flushed on its own, ms.
 * Under load a poll answer (one per group commit the service makes) comes sooner; an idle
 * service pays this hold once per report batch.
 */
export const REPORT_HOLD_MS = 2;
/** The wait of a poll that carries reports, s: their answers come with the poll's, at most this late. */
export const CARRYING_POLL_SECONDS = 0.05;
/**
 * Items a re-poll carries at most (it lists every agent as well, and must stay within the body
 * limit). A longer queue is a backlog: it goes in flushes, whose answers do not wait for
 * commands, so that reports keep up (one batch is in flight at a time).
 */
export const MAX_REPORTS_PER_POLL = MAX_REPORTS_PER_FLUSH / 2;
/** Headroom over the long-poll before a request counts as unanswered. */
const ANSWER_GRACE_MS = 5000;

type Settle = (result: ReportResult | undefined) => void;

/** A queued attempt report, or offer answer, and who waits for its answer. */
interface Queued {
  readonly agent: string;
  /** The item as the poll's body carries it: a `finished` merged in replaces it. */
  item: AgentReport | AgentOfferAnswer;
  readonly isReport: boolean;
  readonly settle: Settle;
  /** The waiter of a `finished` merged into a queued `started`: each report has its own answer. */
  settleFinished?: Settle;
  /** A `started`-only report's key in {@link AgentLink.startsQueued}, while a `finished` may join it. */
  readonly attemptKey?: string;
}

type ItemError = { readonly error: string; readonly status: number };
type StaleFlag = { readonly stale: boolean };
type ReportAnswer = { readonly started?: StaleFlag; readonly finished?: StaleFlag } | ItemError;

interface MultiPollAnswer {
  readonly commands?: readonly { readonly agent: string; readonly commands: readonly WireCommand[] }[];
  readonly results?: readonly ReportAnswer[];
  readonly offerResults?: readonly (StaleFlag | ItemError)[];
}

/** The multiplexed connection of many agents: long-polls, report flushes, re-registration. */
export class AgentLink {
  private readonly listed = new Set<string>();
  /** Bumped whenever {@link listed} loses an agent, so that poll loops know to list the group afresh. */
  private listedVersion = 0;
  private readonly groups: readonly (readonly string[])[];
  private readonly queue: Queued[] = [];
  /** The queued items holding only an attempt's `started`, by attempt: its `finished` joins them. */
  private readonly startsQueued = new Map<string, Queued>();
  private flushing = false;
  /** The fallback flush's timer, while one is armed. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rejoining = new Map<string, Promise<boolean>>();
  /** Rejoins completed, and each agent's last one by that count: a 404 to a request sent before it is stale. */
  private rejoins = 0;
  private readonly rejoinedAt = new Map<string, number>();

  /** @param options - see {@link AgentLinkOptions}. */
  constructor(private readonly options: AgentLinkOptions) {
    for (const id of options.agentIds) this.listed.add(id);
    const groups: string[][] = [];
    for (let i = 0; i < options.agentIds.length; i += MAX_AGENTS_PER_POLL) groups.push(options.agentIds.slice(i, i + MAX_AGENTS_PER_POLL));
    this.groups = groups;
  }

  /** Polls until the signal aborts or no agent is listed any more. */
  async run(): Promise<void> {
    const polls = this.options.polls ?? 2;
    await Promise.all(this.groups.flatMap((group) => Array.from({ length: polls }, () => this.pollLoop(group))));
  }

  /** Stops speaking for an agent (it retired or gave up): it leaves every later poll. */
  remove(agentId: string): void {
    this.unlist(agentId);
  }

  /** Drops an agent from the listing; true when it was listed. */
  private unlist(agentId: string): boolean {
    if (!this.listed.delete(agentId)) return false;
    this.listedVersion++;
    return true;
  }

  /** Whether the link still speaks for the agent. */
  has(agentId: string): boolean {
    return this.listed.has(agentId);
  }

  /**
   * Queues a report for the next flush (a `finished` whose attempt's `started` is still queued
   * joins its item); resolves with the service's answer, or undefined when it was never answered
   * (the link stopped, or the agent was dropped).
   */
  report(report: AgentReport): Promise<ReportResult | undefined> {
    return new Promise((settle) => {
      const key = `${report.agent}\u0000${report.task}\u0000${report.attempt}`;
      const queuedStart = report.started === undefined ? this.startsQueued.get(key) : undefined;
      if (queuedStart !== undefined && report.finished !== undefined) {
        this.startsQueued.delete(key);
        queuedStart.item = { ...queuedStart.item, finished: report.finished };
        queuedStart.settleFinished = settle;
        return;
      }
      const queued: Queued = { agent: report.agent, item: report, isReport: true, settle, ...(report.finished === undefined ? { attemptKey: key } : {}) };
      if (queued.attemptKey !== undefined) this.startsQueued.set(key, queued);
      this.enqueue(queued);
    });
  }

  /**
   * Queues an offer answer for the next flush, as a report is; resolves with the service's
   * answer, or undefined when it was never answered.
   */
  answerOffer(answer: AgentOfferAnswer): Promise<ReportResult | undefined> {
    return new Promise((settle) => this.enqueue({ agent: answer.agent, item: answer, isReport: false, settle }));
  }

  private enqueue(queued: Queued): void {
    this.queue.push(queued);
    this.scheduleFlush();
  }

  /** Takes the first `count` queued items for a request: a `finished` queued from now on is an item of its own. */
  private take(count: number): Queued[] {
    const taken = this.queue.splice(0, count);
    for (const queued of taken) if (queued.attemptKey !== undefined && this.startsQueued.get(queued.attemptKey) === queued) this.startsQueued.delete(queued.attemptKey);
    return taken;
  }

  /**
   * Arms the fallback flush: the queue goes on its own unless a re-poll takes it within
   * {@link REPORT_HOLD_MS}; a backlog (more than a re-poll carries) goes on the next turn.
   */
  private scheduleFlush(): void {
    if (this.flushing || this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.queue.length > MAX_REPORTS_PER_POLL ? 0 : REPORT_HOLD_MS);
  }

  /** The items a re-poll of `group` carries (taking the in-flight batch's turn), if any. */
  private takeForPoll(group: readonly string[]): Queued[] | undefined {
    // Split groups list different agents: their reports keep to the flushes that list them.
    if (this.flushing || this.queue.length === 0 || this.queue.length > MAX_REPORTS_PER_POLL || this.groups.length !== 1 || this.groups[0] !== group) return undefined;
    this.flushing = true;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    return this.take(this.queue.length);
  }

  /** A batch's turn (flushed or carried) is over: what queued meanwhile is flushed (or carried) next. */
  private batchDone(): void {
    this.flushing = false;
    if (this.options.signal.aborted) for (const queued of this.take(this.queue.length)) settleBoth(queued, undefined);
    else if (this.queue.length > 0) this.scheduleFlush();
  }

  /** Sends the queued items (up to {@link MAX_REPORTS_PER_FLUSH}) until answered, then the next ones. */
  private async flush(): Promise<void> {
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.take(MAX_REPORTS_PER_FLUSH);
    try {
      await this.send(batch);
    } finally {
      this.batchDone();
    }
  }

  private async send(initial: Queued[]): Promise<void> {
    let batch = initial;
    const backoff = new Backoff(this.options.backoff);
    while (batch.length > 0) {
      const agents = [...new Set(batch.map((queued) => queued.agent))];
      const sentAfter = this.rejoins;
      const answer = await this.request('/v1/agents/poll?wait=0', carrying(agents, batch), ANSWER_GRACE_MS * 2, backoff);
      if (answer === undefined) break;
      if (answer.status === 404) {
        // Items of the listed agents may have been applied before the 404: sent again, they are stale.
        const missing = missingAgent(answer, agents);
        if (missing === undefined || !(await this.rejoin(missing, sentAfter))) {
          const dropped = missing ?? agents[0]!;
          for (const queued of batch) if (queued.agent === dropped) settleBoth(queued, undefined);
          batch = batch.filter((queued) => queued.agent !== dropped);
        }
        continue;
      }
      this.settleFrom(answer, batch);
      if (answer.status === 200) this.deliver(answer.body as MultiPollAnswer);
      return;
    }
    for (const queued of batch) settleBoth(queued, undefined);
  }

  /** One long-poll after another for a group of agents, while any of them is listed. */
  private async pollLoop(group: readonly string[]): Promise<void> {
    const { signal, pollSeconds } = this.options;
    const backoff = new Backoff(this.options.backoff);
    const path = `/v1/agents/poll?wait=${pollSeconds}`;
    const carryingSeconds = Math.min(pollSeconds, CARRYING_POLL_SECONDS);
    const carryingPath = `/v1/agents/poll?wait=${carryingSeconds}`;
    // The listed agents of the group, filtered again only when the listing changed (not per poll).
    let agents = group;
    let listedVersion = -1;
    while (!signal.aborted) {
      if (listedVersion !== this.listedVersion) {
        listedVersion = this.listedVersion;
        agents = group.filter((id) => this.listed.has(id));
      }
      if (agents.length === 0) return;
      const reports = this.takeForPoll(group);
      const sentAfter = this.rejoins;
      const answer = reports === undefined
        ? await this.request(path, { agents }, pollSeconds * 1000 + ANSWER_GRACE_MS, backoff)
        : await this.carry(carryingPath, agents, reports, carryingSeconds * 1000 + ANSWER_GRACE_MS * 2, backoff);
      if (answer === undefined) return;
      if (answer.status === 404) {
        const missing = missingAgent(answer, agents);
        if (missing === undefined) {
          this.options.log(`poll: ${errorText(answer)}`);
          await pause(backoff.nextDelayMs(), signal);
        } else if (!(await this.rejoin(missing, sentAfter))) this.unlist(missing);
        continue;
      }
      if (answer.status !== 200) {
        // A 400 or 403 is not cured by retrying: these agents stop.
        for (const id of agents) if (this.unlist(id)) this.options.onRefused(id, `poll: ${errorText(answer)}`);
        return;
      }
      this.deliver(answer.body as MultiPollAnswer);
    }
  }

  /**
   * A poll carrying reports and offer answers; they are settled from its answer, which the poll
   * loop then handles as any poll's. After a 404 they go back to the front of the queue (sent
   * again once the agent rejoined, as a flush does: those applied before the 404 are then
   * stale); after another refusal, or once stopped, they are settled as refused or unanswered.
   */
  private async carry(path: string, agents: readonly string[], items: Queued[], timeoutMs: number, backoff: Backoff): Promise<ServiceAnswer | undefined> {
    const answer = await this.request(path, carrying(agents, items), timeoutMs, backoff);
    if (answer === undefined) for (const queued of items) settleBoth(queued, undefined);
    else if (answer.status === 404) this.queue.unshift(...items);
    else this.settleFrom(answer, items);
    this.batchDone();
    return answer;
  }

  /**
   * Settles a batch from its answer (not a 404): each report's result from a 200's `results`,
   * each offer answer's from its `offerResults`, in the order the body carried them; all refused,
   * and logged, otherwise.
   */
  private settleFrom(answer: ServiceAnswer, batch: readonly Queued[]): void {
    if (answer.status !== 200) {
      this.options.log(`reports: ${errorText(answer)}`);
      for (const queued of batch) settleBoth(queued, { stale: true, error: errorText(answer) });
      return;
    }
    const { results, offerResults } = answer.body as MultiPollAnswer;
    let report = 0;
    let offer = 0;
    for (const queued of batch) {
      if (!queued.isReport) queued.settle(offerResult(offerResults?.[offer++]));
      else if (queued.settleFinished === undefined) queued.settle(reportResult(results?.[report++]));
      else {
        // One item, two reports: each is answered by its own part.
        const result = results?.[report++];
        queued.settle(partResult(result, 'started'));
        if (result === undefined || !('error' in result)) queued.settleFinished(partResult(result, 'finished'));
        else this.requeueFinished(queued, queued.settleFinished);
      }
    }
  }

  /**
   * Queues again, on its own, the `finished` of an item refused whole: the refusal may be its
   * `started`'s alone (the service applies an item's start first, and a start it refuses stops
   * the item), and an end must not be lost with it, as it would not have been in an item of its own.
   */
  private requeueFinished(queued: Queued, settle: Settle): void {
    const { agent, task, attempt, finished } = queued.item as AgentReport;
    this.enqueue({ agent, item: { agent, task, attempt, finished }, isReport: true, settle });
  }

  private deliver(body: MultiPollAnswer): void {
    for (const { agent, commands } of body.commands ?? []) if (this.listed.has(agent)) this.options.onCommands(agent, commands);
  }

  /**
   * One registration at a time per agent, shared by the polls and flushes that found it missing;
   * none for a 404 to a request sent before the agent's last rejoin completed (`sentAfter`: the
   * count of rejoins when it was sent): the two polls in flight when an agent was found gone both
   * answer 404, and the second must not register it once more.
   */
  private rejoin(agentId: string, sentAfter: number): Promise<boolean> {
    if (!this.listed.has(agentId)) return Promise.resolve(false);
    if ((this.rejoinedAt.get(agentId) ?? -1) > sentAfter) return Promise.resolve(true);
    let pending = this.rejoining.get(agentId);
    if (pending === undefined) {
      pending = this.options.rejoin(agentId)
        .then((joined) => {
          if (joined) this.rejoinedAt.set(agentId, ++this.rejoins);
          return joined;
        })
        .finally(() => this.rejoining.delete(agentId));
      this.rejoining.set(agentId, pending);
    }
    return pending;
  }

  /** Sends a POST until the service answers (undefined once stopped). */
  private async request(path: string, body: unknown, timeoutMs: number, backoff: Backoff): Promise<ServiceAnswer | undefined> {
    const { client, signal } = this.options;
    while (!signal.aborted) {
      try {
        const answer = await client.request('POST', path, body, timeoutMs, signal);
        backoff.reset();
        return answer;
      } catch (error) {
        if (signal.aborted) return undefined;
        if (!(error instanceof ServiceUnavailable)) throw error;
        this.options.onRetry?.();
        await pause(backoff.nextDelayMs(), signal);
      }
    }
    return undefined;
  }
}

/** The agent a 404 names (`body.agents[i]: agent … is not in the fleet`). */
function missingAgent(answer: ServiceAnswer, agents: readonly string[]): string | undefined {
  const error = (answer.body as { error?: unknown } | undefined)?.error;
  const match = typeof error === 'string' ? /body\.agents\[(\d+)\]/.exec(error) : null;
  return match === null ? undefined : agents[Number(match[1])];
}

/** The two answers of an accepted report, shared: a link settles thousands per second and they are never changed. */
const FRESH: ReportResult = Object.freeze({ stale: false });
const STALE: ReportResult = Object.freeze({ stale: true });
const UNANSWERED: ReportResult = Object.freeze({ stale: true, error: 'no result for this report' });

/** A report's answer: stale when every part it carried was. */
function reportResult(result: ReportAnswer | undefined): ReportResult {
  if (result === undefined) return UNANSWERED;
  if ('error' in result) return refusal(result);
  return result.started?.stale !== false && result.finished?.stale !== false ? STALE : FRESH;
}

/** The answer of one report of an item that carried both of an attempt's. */
function partResult(result: ReportAnswer | undefined, part: 'started' | 'finished'): ReportResult {
  if (result === undefined) return UNANSWERED;
  if ('error' in result) return refusal(result);
  const flag = result[part];
  return flag === undefined ? UNANSWERED : flag.stale ? STALE : FRESH;
}

function offerResult(result: StaleFlag | ItemError | undefined): ReportResult {
  if (result === undefined) return UNANSWERED;
  if ('error' in result) return refusal(result);
  return result.stale ? STALE : FRESH;
}

function refusal(result: ItemError): ReportResult {
  return { stale: true, error: `HTTP ${result.status}: ${result.error}` };
}

/** Settles an item, and the `finished` merged into it if any, with the same result. */
function settleBoth(queued: Queued, result: ReportResult | undefined): void {
  queued.settle(result);
  queued.settleFinished?.(result);
}

/** The body of a poll listing `agents` that carries `items`: its reports and its offer answers, each list only when it has some. */
function carrying(agents: readonly string[], items: readonly Queued[]): { agents: readonly string[]; reports?: unknown[]; offers?: unknown[] } {
  const body: { agents: readonly string[]; reports?: unknown[]; offers?: unknown[] } = { agents };
  for (const queued of items) (queued.isReport ? (body.reports ??= []) : (body.offers ??= [])).push(queued.item);
  return body;
}
