/**
 * `fleetsim load`: submits a scenario's workload ({@link workloadSchedule}) to a `fleetsim serve`
 * in real time, scenario times divided by the speedup K (bodies: {@link taskBody}). Every task
 * carries its scenario id as client id, so a submission is retried (capped backoff, across
 * service restarts) until the service acknowledges it (201, or 200 for one it had already
 * accepted) without ever submitting it twice. A task waits for the acknowledgement of the tasks
 * it depends on (they are submitted first) before it is sent. Submissions run concurrently, at
 * most `concurrency` at a time; a late one does not hold back the schedule.
 *
 * Batched (the default, `batchSize` > 1): the submissions that become ready in one event-loop
 * turn go in one `POST /v1/tasks/batch` (at most `batchSize` tasks and {@link MAX_BATCH_BYTES}
 * bytes each), answered after one durability wait; each item's result is its own
 * acknowledgement or refusal, an item answered 503 is sent again, and a batch the service did
 * not answer is sent again whole (its items are idempotent). `batchSize` 1 sends one
 * `POST /v1/tasks` per task.
 */
import type { Scenario } from '../../scenario/types.js';
import { Backoff, DEFAULT_BACKOFF, pause, type BackoffOptions } from './backoff.js';
import { ServiceClient, ServiceUnavailable, errorText } from './serviceClient.js';
import { taskBody, type TaskBody } from './taskBody.js';
import { workloadSchedule } from './workloadSchedule.js';

/** What `fleetsim load` runs. */
export interface LoadClientOptions {
  /** The scenario whose workload is submitted. */
  readonly scenario: Scenario;
  /** Base URL of the service. */
  readonly url: string;
  /** Bearer token, when the service asks for one. */
  readonly token?: string;
  /** K: arrival times, relative deadlines, timeouts and TTLs are divided by it. */
  readonly speedup: number;
  /** Submit at most this many tasks (the earliest); default: the whole workload. */
  readonly maxTasks?: number;
  /** Prefixed to every task id (and dependency), to load one service twice. */
  readonly idPrefix?: string;
  /** Workload of this replication of the scenario (default 0). */
  readonly replication?: number;
  /** Submissions in flight at most (default 256). */
  readonly concurrency?: number;
  /** Tasks per `POST /v1/tasks/batch` at most (default {@link DEFAULT_BATCH_SIZE}); 1: single submissions. */
  readonly batchSize?: number;
  /** Retry delays for unreachable or failing requests. */
  readonly backoff?: BackoffOptions;
  /** Called with each id once the service acknowledged it. */
  readonly onAcknowledged?: (id: string) => void;
  /** One-line notes (refusals, fields left out). */
  readonly log?: (line: string) => void;
}

/** What a load run did. */
export interface LoadSummary {
  /** Tasks whose submission began. */
  submitted: number;
  /** Tasks the service acknowledged (201 or 200). */
  acknowledged: number;
  /** Requests that found the service unreachable or failing and were sent again. */
  retried: number;
  /** Tasks the service refused (4xx: 409 conflicting body, 400, …); named in the log. */
  refused: number;
  /** Tasks not submitted because one they depend on was refused. */
  skipped: number;
  /** Largest lateness of a submission behind its scheduled time, in seconds. */
  maxLagSeconds: number;
  /** Wall-clock seconds the run took. */
  wallSeconds: number;
}

/** Longest a submission may take before it counts as unanswered (and is retried). */
const ANSWER_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 256;
/** Tasks per batch by default. */
export const DEFAULT_BATCH_SIZE = 200;
/** Most tasks per batch (the service's limit on a batch's items). */
export const MAX_BATCH_SIZE = 1000;
/** Largest batch body (the service's default body limit is 64 KiB). */
export const MAX_BATCH_BYTES = 48 * 1024;

/** A submission waiting for the next batch. */
interface Queued {
  readonly body: TaskBody;
  readonly json: string;
  readonly settle: (answer: ItemAnswer) => void;
}

/** How the service answered one submission: acknowledged, refused (with why), or not at all (stopped). */
type ItemAnswer = { readonly kind: 'acknowledged' } | { readonly kind: 'refused'; readonly error: string } | { readonly kind: 'unanswered' };

/** Runs the workload against a service. */
export class LoadClient {
  /** What the run did so far, updated as it goes. */
  readonly summary: LoadSummary = { submitted: 0, acknowledged: 0, retried: 0, refused: 0, skipped: 0, maxLagSeconds: 0, wallSeconds: 0 };
  private readonly stopping = new AbortController();
  private readonly client: ServiceClient;
  private readonly acks = new Map<string, Promise<boolean>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly batchSize: number;
  private readonly queue: Queued[] = [];
  private flushScheduled = false;

  /** @param options - see {@link LoadClientOptions}. */
  constructor(private readonly options: LoadClientOptions) {
    if (!(options.speedup > 0 && Number.isFinite(options.speedup))) throw new Error(`speedup must be a positive number, got ${options.speedup}`);
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new Error(`batch size must be an integer >= 1, got ${this.batchSize}`);
    this.client = new ServiceClient({ url: options.url, ...(options.token === undefined ? {} : { token: options.token }) });
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Submits the workload; resolves once every submission was answered (or the run was stopped).
   * @throws InputError for a trace row found bad as the schedule reads it (the scenario's loader
   * checked every row already: a file changed since), once the submissions under way stopped
   */
  async run(): Promise<LoadSummary> {
    const { scenario, speedup } = this.options;
    const signal = this.stopping.signal;
    const limit = this.options.maxTasks ?? Number.POSITIVE_INFINITY;
    const concurrency = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    const startMs = performance.now();
    try {
      outer: for (const submission of workloadSchedule(scenario, this.options.replication ?? 0)) {
        const dueMs = startMs + (submission.atSeconds * 1000) / speedup;
        // A timer counts from the event loop's cached time, so it may fire a little early: never send before the due time.
        for (let waitMs = dueMs - performance.now(); waitMs > 0 && !signal.aborted; waitMs = dueMs - performance.now()) await pause(waitMs, signal);
        if (signal.aborted) break;
        this.summary.maxLagSeconds = Math.max(this.summary.maxLagSeconds, (performance.now() - dueMs) / 1000);
        for (const spec of submission.specs) {
          if (this.summary.submitted >= limit) break outer;
          while (this.inFlight.size >= concurrency) await Promise.race(this.inFlight);
          if (signal.aborted) break outer;
          this.summary.submitted++;
          this.track(this.submit(taskBody(spec, submission.atSeconds, speedup, this.options.idPrefix)));
        }
      }
    } catch (error) {
      // The schedule failed (a trace row found bad as it is read): submissions still retrying stop, as on a stop signal.
      this.stop();
      await Promise.all(this.inFlight);
      throw error;
    }
    await Promise.all(this.inFlight);
    this.summary.wallSeconds = (performance.now() - startMs) / 1000;
    return this.summary;
  }

  /** Stops submitting: retries end, submissions not acknowledged yet stay so. */
  stop(): void {
    this.stopping.abort();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** One task, sent once every task it depends on (in this run) was acknowledged. */
  private submit(body: TaskBody): Promise<void> {
    let settle: (acknowledged: boolean) => void = () => undefined;
    this.acks.set(body.id, new Promise((resolve) => (settle = resolve)));
    return (async () => {
      const dependencies = await Promise.all((body.dependsOn ?? []).map((id) => this.acks.get(id) ?? Promise.resolve(true)));
      if (!dependencies.every(Boolean)) {
        this.summary.skipped++;
        this.log(`${body.id}: not submitted, a task it depends on was refused`);
        settle(false);
        return;
      }
      const acknowledged = await this.send(body);
      settle(acknowledged);
    })();
  }

  /** Sends until answered (alone or in the next batch): true when acknowledged. */
  private async send(body: TaskBody): Promise<boolean> {
    if (this.batchSize === 1) return this.sendOne(body);
    const answer = await new Promise<ItemAnswer>((settle) => {
      this.queue.push({ body, json: JSON.stringify(body), settle });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
    if (answer.kind === 'acknowledged') {
      this.summary.acknowledged++;
      this.options.onAcknowledged?.(body.id);
      return true;
    }
    if (answer.kind === 'refused') {
      this.summary.refused++;
      this.log(`${body.id}: refused, ${answer.error}`);
    }
    return false;
  }

  /** Sends what was queued this turn, in batches of at most `batchSize` tasks and {@link MAX_BATCH_BYTES}. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queue.length > 0) {
      let bytes = 0;
      let n = 0;
      while (n < this.queue.length && n < this.batchSize && (n === 0 || bytes + this.queue[n]!.json.length + 1 <= MAX_BATCH_BYTES)) bytes += this.queue[n++]!.json.length + 1;
      void this.sendBatch(this.queue.splice(0, n));
    }
  }

  /** Sends one batch until answered; items answered 503 go again, alone in a new batch. */
  private async sendBatch(initial: Queued[]): Promise<void> {
    const signal = this.stopping.signal;
    const backoff = new Backoff(this.options.backoff ?? DEFAULT_BACKOFF);
    let batch = initial;
    while (batch.length > 0 && !signal.aborted) {
      let answer;
      try {
        answer = await this.client.requestRaw('POST', '/v1/tasks/batch', `{"tasks":[${batch.map((queued) => queued.json).join(',')}]}`, ANSWER_TIMEOUT_MS, signal);
      } catch (error) {
        if (signal.aborted) break;
        if (!(error instanceof ServiceUnavailable)) throw error;
        this.summary.retried++;
        await pause(backoff.nextDelayMs(), signal);
        continue;
      }
      if (answer.status !== 200) {
        for (const queued of batch) queued.settle({ kind: 'refused', error: errorText(answer) });
        return;
      }
      const results = (answer.body as { results?: { status?: number; error?: string }[] } | undefined)?.results;
      const again: Queued[] = [];
      batch.forEach((queued, i) => {
        const result = results?.[i];
        if (result?.status === 201 || result?.status === 200) queued.settle({ kind: 'acknowledged' });
        else if (result?.status !== undefined && result.status >= 500) again.push(queued);
        else queued.settle({ kind: 'refused', error: `HTTP ${result?.status ?? '?'}${result?.error === undefined ? '' : `: ${result.error}`}` });
      });
      if (again.length > 0) {
        this.summary.retried++;
        await pause(backoff.nextDelayMs(), signal);
      }
      batch = again;
    }
    for (const queued of batch) queued.settle({ kind: 'unanswered' });
  }

  /** Sends one `POST /v1/tasks` until answered: true when acknowledged. */
  private async sendOne(body: TaskBody): Promise<boolean> {
    const signal = this.stopping.signal;
    const backoff = new Backoff(this.options.backoff ?? DEFAULT_BACKOFF);
    while (!signal.aborted) {
      try {
        const answer = await this.client.request('POST', '/v1/tasks', body, ANSWER_TIMEOUT_MS, signal);
        if (answer.status === 201 || answer.status === 200) {
          this.summary.acknowledged++;
          this.options.onAcknowledged?.(body.id);
          return true;
        }
        this.summary.refused++;
        this.log(`${body.id}: refused, ${errorText(answer)}`);
        return false;
      } catch (error) {
        if (signal.aborted) return false;
        if (!(error instanceof ServiceUnavailable)) throw error;
        this.summary.retried++;
        await pause(backoff.nextDelayMs(), signal);
      }
    }
    return false;
  }
}
