/**
 * What every route of the service shares: the driver and its journal, the folds of the engine's
 * events (tasks, metrics), the remote agents and the authorizer; and the one rule about
 * answers: nothing is shown to a client before the inputs it reflects are durable.
 */
import type { LiveDriver } from '../driver.js';
import type { Journal } from '../journal.js';
import type { MetricsCollector } from '../../metrics/collector.js';
import type { RecentMetrics } from '../../metrics/recentMetrics.js';
import type { Scenario } from '../../scenario/types.js';
import type { Authorizer } from './auth.js';
import { HttpError } from './httpError.js';
import type { LatencyProbe } from './latencyProbe.js';
import type { PrometheusFold } from './prometheus.js';
import type { RemoteAgents } from './remoteAgents.js';
import type { TaskRegistry } from './taskRegistry.js';
import type { V8PoolSizeSource } from '../v8PoolSize.js';

/** The service's parts, as routes see them. */
export interface ServiceContext {
  /** The scenario the service runs. */
  readonly scenario: Scenario;
  /** The live driver that feeds the engine. */
  readonly driver: LiveDriver;
  /** The input log (durable, or in memory when nothing persists). */
  readonly journal: Journal;
  /** Seconds on the driver's clock. */
  readonly now: () => number;
  /** What the service knows about each task. */
  readonly tasks: TaskRegistry;
  /** The agents reached over HTTP (the connector). */
  readonly agents: RemoteAgents;
  /** Metrics of the engine's events, for `GET /v1/metrics`. */
  readonly collector: MetricsCollector;
  /** What `GET /v1/metrics?window=` needs besides the collector, which it feeds; absent with `live.metricsWindowSeconds: 0`. */
  readonly recent?: RecentMetrics;
  /** Counters for `GET /metrics` (Prometheus). */
  readonly prometheus: PrometheusFold;
  /** Checks each request's bearer token. */
  readonly auth: Authorizer;
  /** Stage timings (`fleetsim serve --latency-probe`); absent: not measured. */
  readonly probe?: LatencyProbe;
  /** The process that serves. */
  readonly serviceProcess: ServiceProcess;
}

/** The process that serves, as `GET /v1/metrics` shows it. */
export interface ServiceProcess {
  /** Process id. */
  readonly pid: number;
  /** The `fleetsim serve` that started this process to give it its V8 pool size; null when none did. */
  readonly launcherPid: number | null;
  /** V8's helper threads in this process (`--v8-pool-size`), and where the size was set. */
  readonly v8PoolSize: number;
  /** Where the V8 pool size was set. */
  readonly v8PoolSizeFrom: V8PoolSizeSource;
  /** The nice value its threads other than the main one are kept at (`--helper-nice`); null: left alone. */
  readonly helperNice: number | null;
}

/** Runs a submission handler's synchronous part, timed by the probe when there is one. */
export function submitting<T>(context: ServiceContext, submitted: number, handler: () => T): T {
  return context.probe === undefined ? handler() : context.probe.submitting(submitted, handler);
}

/**
 * Resolves once every input fed so far is durable: await it before answering with anything
 * those inputs caused. A failed journal is a 503.
 */
export async function durable(context: ServiceContext): Promise<void> {
  try {
    await context.journal.whenDurable(context.journal.appendedSeq);
  } catch {
    throw new HttpError(503, 'journal: the write-ahead log failed; the service cannot acknowledge anything');
  }
}

/**
 * Lets the driver react to the promises reports settled (it feeds their inputs in microtasks)
 * before going on; `promisedBefore` is `agents.promisedSettlements` read before the reports.
 * Reports settled through the contexts of `RemoteAgents.run` (all attempts, when the agents are
 * the driver's connector) were fed before they returned: then there is nothing to wait for.
 */
export function afterSettlements(context: ServiceContext, promisedBefore: number): Promise<void> | undefined {
  if (context.agents.promisedSettlements === promisedBefore) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}
