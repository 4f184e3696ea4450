/**
 * A provisioner of one autoscaled pool: one long-poll after another of
 * `POST /v1/pools/{pool}/poll` (docs/LIVE.md "Autoscaled pools"), under its name (`provisioner`),
 * each request it hands out given to the owner, who starts an agent and answers by registering
 * it with the request's `provisionId`. Each poll lists (`renew`) the requests whose agents the
 * owner is still starting, which keeps their leases (across a restart of the service too, which
 * keeps the requests' ids); those the service no longer waits for, or leased to another
 * provisioner, come back as `gone`. Requests are handed out at least once: a request whose lease
 * ran out (the provisioner was cut off) may come to another provisioner, and the service refuses
 * every answer but the first.
 */
import { hostname } from 'node:os';
import { Backoff, pause, type BackoffOptions } from './backoff.js';
import { ServiceUnavailable, errorText, type ServiceClient } from './serviceClient.js';
import { MAX_PROVISIONER_NAME, MAX_REQUESTS_PER_POLL, type PoolPollAnswer, type WireProvisionRequest } from '../service/provisionRequests.js';

/** What a {@link PoolProvisioner} needs. */
export interface PoolProvisionerOptions {
  /** The autoscaled pool. */
  readonly pool: string;
  /** Its name, sent with every poll (the service tells the holder of a lease by it). */
  readonly provisioner: string;
  /** How requests reach the service. */
  readonly client: Pick<ServiceClient, 'request'>;
  /** Long-poll length in seconds. */
  readonly pollSeconds: number;
  /** Retry delays for unreachable or failing requests. */
  readonly backoff: BackoffOptions;
  /** Stops the polls when aborted. */
  readonly signal: AbortSignal;
  /** A request for a new agent of the pool. */
  readonly onRequest: (request: WireProvisionRequest) => void;
  /** The requests whose agents the owner is still starting (listed in each poll to keep their leases). */
  readonly starting: () => readonly string[];
  /** A request the owner is starting an agent for is no longer pending (answered by another, or forgotten in a restart). */
  readonly onGone: (provisionId: string) => void;
  /** The poll was refused (a 4xx, which retrying does not cure): the provisioner stops. */
  readonly onRefused: (reason: string) => void;
  /** A request found the service unreachable or failing and is retried. */
  readonly onRetry?: () => void;
}

/**
 * A provisioner's name for this process: `<host>-<pid>`, its characters outside visible ASCII
 * made `_`, at most {@link MAX_PROVISIONER_NAME} characters (the pid kept).
 */
export function defaultProvisionerName(host: string = hostname(), pid: number = process.pid): string {
  const suffix = `-${pid}`;
  return host.replace(/[^\x21-\x7e]/g, '_').slice(0, MAX_PROVISIONER_NAME - suffix.length) + suffix;
}

/** Headroom over the long-poll before a request counts as unanswered. */
const ANSWER_GRACE_MS = 5000;

/** Polls one pool's provisioning requests. */
export class PoolProvisioner {
  /** @param options - see {@link PoolProvisionerOptions}. */
  constructor(private readonly options: PoolProvisionerOptions) {}

  /** Polls until the signal aborts or the service refuses the poll. */
  async run(): Promise<void> {
    const { client, signal, pollSeconds, pool, provisioner } = this.options;
    const path = `/v1/pools/${encodeURIComponent(pool)}/poll?wait=${pollSeconds}`;
    const backoff = new Backoff(this.options.backoff);
    while (!signal.aborted) {
      let answer;
      const renew = this.options.starting().slice(0, MAX_REQUESTS_PER_POLL);
      try {
        answer = await client.request('POST', path, renew.length === 0 ? { provisioner } : { provisioner, renew }, pollSeconds * 1000 + ANSWER_GRACE_MS, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof ServiceUnavailable)) throw error;
        this.options.onRetry?.();
        await pause(backoff.nextDelayMs(), signal);
        continue;
      }
      backoff.reset();
      if (answer.status !== 200) {
        this.options.onRefused(`poll of pool ${pool}: ${errorText(answer)}`);
        return;
      }
      const { requests, gone } = answer.body as PoolPollAnswer;
      for (const provisionId of gone) this.options.onGone(provisionId);
      for (const request of requests) this.options.onRequest(request);
    }
  }
}
