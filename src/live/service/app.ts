/**
 * The HTTP service in front of the live driver (`fleetsim serve`): a scenario's engine driven on
 * the real clock, tasks submitted over HTTP, agents pulling their work by long-poll.
 *
 * Built on Fastify: its JSON routes are among the fastest on Node, it caps bodies itself
 * (`bodyLimit`, 413), parses JSON safely (prototype poisoning refused), and it is mature and
 * maintained, so no HTTP parsing is written here. Every body, query and path parameter is
 * validated with zod (./bodies.ts); one error handler maps everything thrown to a status and
 * `{ error: '<one line>' }`, so no request can crash the service or see a stack trace.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { EngineEvent } from '../../engine/messages.js';
import { MetricsCollector } from '../../metrics/collector.js';
import { RecentMetrics } from '../../metrics/recentMetrics.js';
import type { Scenario } from '../../scenario/types.js';
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { BullmqAgentConnector } from '../../distributed/bullmqConnector.js';
import type { LiveDriverError } from '../driverOptions.js';
import { adminRoutes } from './adminRoutes.js';
import { agentRoutes } from './agentRoutes.js';
import { batchRoutes } from './batchRoutes.js';
import { Authorizer, type Role } from './auth.js';
import { answerClientError } from './clientError.js';
import type { ServiceContext, ServiceProcess } from './context.js';
import { isHttpError } from './httpError.js';
import { LatencyProbe } from './latencyProbe.js';
import { metricsRoutes } from './metricsRoutes.js';
import { PrometheusFold } from './prometheus.js';
import { provisionRoutes } from './provisionRoutes.js';
import { RemoteAgents, externalAgentId } from './remoteAgents.js';
import type { LiveDriver } from '../driver.js';
import type { Journal } from '../journal.js';
import { openServiceDriver, type ServiceDriver } from './serviceDriver.js';
import { TaskRegistry } from './taskRegistry.js';
import { taskRoutes } from './taskRoutes.js';
import { v8PoolSizeOf } from '../v8PoolSize.js';
import { lowerHelperThreads } from '../helperThreads.js';

/** What {@link createService} needs. */
export interface ServiceOptions {
  /** The scenario the service runs (engine settings, strategy, agents). */
  readonly scenario: Scenario;
  /**
   * The data directory (write-ahead log, events file), created or recovered. Absent: nothing
   * persists (for tests and embedding; `fleetsim serve` always has one).
   */
  readonly dataDir?: string;
  /** Whether log writes are fsynced before they count as durable (default true). */
  readonly fsync?: boolean;
  /** Fsyncs of the log under way at once, 1..8 (default 3): fewer make larger groups and fewer fsyncs per input. */
  readonly syncsInFlight?: number;
  /** Group-commit pacing of the log, ms, 0..100 (default 0: none): a group is held until this long after the previous one began. */
  readonly commitIntervalMs?: number;
  /** Bytes of the log zeroed ahead of its writer, so that group commits overwrite instead of appending (default 16 MiB; 0: appends). */
  readonly preallocateBytes?: number;
  /** Inputs between compactions of the data directory (default 100,000); its history survives them. */
  readonly snapshotEveryInputs?: number;
  /** The pid of the process that started this one to serve (`fleetsim serve`'s launcher): recorded in the data directory's lock and shown in `GET /v1/metrics`. */
  readonly launcherPid?: number;
  /**
   * Keep this process's threads other than its main one at this nice value, 1..19
   * (`../helperThreads.ts`: on Linux, so that a helper woken by the loop does not take the loop's
   * core); absent: their priority is left alone.
   */
  readonly helperNice?: number;
  /** Token → role(s); absent: no authentication (listen on 127.0.0.1 only). */
  readonly tokens?: Readonly<Record<string, Role | readonly Role[]>>;
  /** Receives what went wrong inside (driver errors, bugs answered 500); default: kept in `errors`. */
  readonly onError?: (error: Error) => void;
  /**
   * Seconds a provisioner holds a request for a new agent before it is handed out again; default
   * per pool its cold start (`engine.autoscale[].coldStart`) plus `live.heartbeatSeconds`.
   */
  readonly provisionLeaseSeconds?: number;
  /** Milliseconds between heartbeat sweeps; default a quarter of `live.heartbeatSeconds`, between 50 ms and 1 s. */
  readonly sweepIntervalMs?: number;
  /** Whether to time where each task waits and what stalls the loop (`GET /v1/latency`; ./latencyProbe.ts). Default false. */
  readonly latencyProbe?: boolean;
  /**
   * Dispatch to agents over BullMQ queues in this Redis instead of HTTP mailboxes
   * (docs/DISTRIBUTED.md, "Live agents over BullMQ"): the scenario's agents join the fleet at
   * start, each takes its attempts from `fleetsim:agent:<id>`, and the stalled-job check runs
   * every `live.heartbeatSeconds`; an agent whose worker's liveness key is gone leaves, and
   * rejoins when it comes back. The HTTP routes for tasks, admin and metrics stay.
   */
  readonly agentQueues?: {
    /** Where the Redis of the agent queues is. */
    readonly connection: ConnectionOptions;
    /** What the connector ignores or turns into a failure, one line each (default: nowhere). */
    readonly onLog?: (line: string) => void;
    /** Transport errors (a Redis call that failed); default: the service's `onError`. */
    readonly onError?: (error: Error) => void;
  };
}

/** A built service: the Fastify instance (not listening yet) and how to close it. */
export interface Service {
  /** The Fastify instance, not listening yet. */
  readonly app: FastifyInstance;
  /** The service's parts, as routes see them. */
  readonly context: ServiceContext;
  /** The last errors seen inside, when no `onError` was given (at most 100). */
  readonly errors: Error[];
  /** What recovering the data directory found; absent without one. */
  readonly recovery: ServiceDriver['recovery'];
  /** Stops taking requests, ends long-polls, waits for requests in progress, closes the driver. */
  close(): Promise<void>;
}

const KEPT_ERRORS = 100;
/** Longest URL quoted in a 404's message. */
const MAX_QUOTED_URL = 200;

/** Builds the service for a scenario; `app.listen({ host, port })` then serves it. */
export async function createService(options: ServiceOptions): Promise<Service> {
  const { scenario } = options;
  const errors: Error[] = [];
  const onError = options.onError ?? ((error: Error) => {
    errors.push(error);
    if (errors.length > KEPT_ERRORS) errors.shift();
  });
  const { live } = scenario;
  const tasks = new TaskRegistry({ settledTasks: live.settledTasks, historyEvents: live.historyEvents });
  const probe = options.latencyProbe === true ? new LatencyProbe() : undefined;
  const agents = new RemoteAgents({
    heartbeatSeconds: live.heartbeatSeconds, mailboxCommands: live.mailboxCommands,
    // Over BullMQ, pools are provisioned through their queues (docs/DISTRIBUTED.md), not over HTTP.
    provisionLeaseSeconds: options.agentQueues === undefined ? provisionLeases(scenario, options.provisionLeaseSeconds) : new Map(),
    ...(probe === undefined ? {} : { probe }),
  });
  // A scenario's warm-up is a simulation setting (reach steady state before measuring); a live
  // service measures every task from the first, so its metrics never sit empty.
  const collector = new MetricsCollector({ warmupTimeSeconds: 0, warmupTasks: 0 });
  // Feeds the collector itself, keeping beside it what its figures over recent windows need.
  const recent = live.metricsWindowSeconds === 0 ? undefined : new RecentMetrics(collector, {
    intervalSeconds: live.metricsIntervalSeconds, longestWindowSeconds: live.metricsWindowSeconds,
  });
  const metrics = recent ?? collector;
  const prometheus = new PrometheusFold();
  // Loaded only with agent queues, like the connector below: the heartbeat of agents over BullMQ.
  const liveness = options.agentQueues === undefined ? undefined : new (await import('../../distributed/agentLiveness.js')).AgentLiveness({
    // `serve` passes ioredis options (bullConnectionOptions); the sweep opens its own connection with them.
    connection: options.agentQueues.connection as RedisOptions, heartbeatSeconds: live.heartbeatSeconds,
    ...(options.agentQueues.onLog === undefined ? {} : { onLog: options.agentQueues.onLog }),
  });
  const onEvent = (event: EngineEvent): void => {
    tasks.observe(event);
    agents.observe(event);
    liveness?.observe(event);
    metrics.observe(event);
    prometheus.observe(event);
  };
  // Loaded only when asked for: BullMQ and ioredis would add about a second to every HTTP service's start.
  const queued = options.agentQueues === undefined ? undefined : new (await import('../../distributed/bullmqConnector.js')).BullmqAgentConnector({
    connection: options.agentQueues.connection,
    stalledCheckSeconds: live.heartbeatSeconds,
    onError: options.agentQueues.onError ?? onError,
    ...(options.agentQueues.onLog === undefined ? {} : { onLog: options.agentQueues.onLog }),
  });
  const served: ServiceDriver = await openServiceDriver({
    scenario, connector: queued ?? agents, onEvent, onError: (error: LiveDriverError) => onError(error),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.launcherPid === undefined ? {} : { launcherPid: options.launcherPid }),
    ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
    ...(options.syncsInFlight === undefined ? {} : { syncsInFlight: options.syncsInFlight }),
    ...(options.commitIntervalMs === undefined ? {} : { commitIntervalMs: options.commitIntervalMs }),
    ...(options.preallocateBytes === undefined ? {} : { preallocateBytes: options.preallocateBytes }),
    ...(options.snapshotEveryInputs === undefined ? {} : { snapshotEveryInputs: options.snapshotEveryInputs }),
    ...(probe === undefined ? {} : { probe }),
  });
  const { driver, journal } = served;
  for (const agent of driver.engine.agents) agents.adoptSpec(agent.spec);
  agents.bind({
    journal,
    agentLeft: (engineId) => {
      if (driver.state !== 'stopped') driver.agentLeft(engineId);
    },
    engineHasAgent: (engineId) => driver.engine.agents.some((agent) => agent.spec.id === engineId),
  });
  if (queued !== undefined) await startQueuedFleet(scenario, driver, journal, queued);
  if (liveness !== undefined) {
    for (const agent of driver.engine.agents) liveness.adoptSpec(agent.spec);
    liveness.bind({
      agentLeft: (engineId) => {
        if (driver.state !== 'stopped') driver.agentLeft(engineId);
      },
      agentJoined: (spec) => {
        if (driver.state !== 'stopped') driver.agentJoined(spec);
      },
      engineHasAgent: (engineId) => driver.engine.agents.some((agent) => agent.spec.id === engineId),
    });
  }
  const context: ServiceContext = {
    scenario, driver, journal, now: () => served.now(), tasks, agents, collector, ...(recent === undefined ? {} : { recent }), prometheus, auth: new Authorizer(options.tokens, (agentId) => agents.poolOf(agentId)),
    serviceProcess: serviceProcessOf(options.launcherPid, options.helperNice),
    ...(probe === undefined ? {} : { probe }),
  };

  const app = Fastify({
    logger: false,
    bodyLimit: live.maxBodyBytes,
    // Task ids may be up to 256 characters, percent-encoded in paths.
    routerOptions: { maxParamLength: 1024 },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // A path Fastify cannot decode (a bad percent escape) never reaches the error handler below.
    frameworkErrors: (error, _request, reply) => {
      const { status, message } = describeError(error, live.maxBodyBytes);
      // Its generic reply type is the route's, unknown here.
      void (reply as FastifyReply).code(status).send({ error: message });
    },
  });
  // An empty body with a JSON content type (a bodiless POST from a client that always sets it) is
  // no body; anything else goes to Fastify's own parser, which refuses prototype poisoning.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, body.toString(), done);
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const { status, message } = describeError(error, live.maxBodyBytes);
    if (status >= 500 && !isHttpError(error)) onError(error);
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!.slice(0, MAX_QUOTED_URL);
    return reply.code(404).send({ error: `path: no route ${request.method} ${path}` });
  });
  taskRoutes(app, context);
  batchRoutes(app, context);
  agentRoutes(app, context);
  provisionRoutes(app, context);
  adminRoutes(app, context);
  metricsRoutes(app, context);

  const sweepMs = options.sweepIntervalMs ?? Math.min(1000, Math.max(50, (live.heartbeatSeconds * 1000) / 4));
  const sweeper = setInterval(() => {
    // Agents over BullMQ do not poll: their heartbeat is their liveness key in Redis.
    if (liveness !== undefined) {
      liveness.sweep().catch((error: unknown) => (options.agentQueues?.onError ?? onError)(error instanceof Error ? error : new Error(String(error))));
      return;
    }
    try {
      agents.sweep();
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  }, sweepMs);
  sweeper.unref();
  const helpers = options.helperNice === undefined ? undefined : lowerHelperThreads(options.helperNice, onError);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(sweeper);
      helpers?.stop();
      agents.close();
      await app.close();
      await served.close();
      probe?.close();
      await queued?.close();
      liveness?.close();
    })();
    return closing;
  };
  return { app, context, errors, recovery: served.recovery, close };
}

/**
 * The fleet of a service whose agents take work from BullMQ queues: the scenario's agents join
 * unless the recovered engine holds them; then the jobs the engine no longer expects are removed
 * from their queues (after a restart: results applied before it, or stale).
 */
async function startQueuedFleet(scenario: Scenario, driver: LiveDriver, journal: Journal, queued: BullmqAgentConnector): Promise<void> {
  queued.bind(journal);
  const inFleet = new Set(driver.engine.agents.map((agent) => externalAgentId(agent.spec.id)));
  driver.batch(() => {
    for (const config of scenario.agents) if (!inFleet.has(config.spec.id)) driver.agentJoined(config.spec);
  });
  await journal.whenDurable(journal.appendedSeq);
  await queued.reconcile(driver.engine.agents.map((agent) => agent.spec.id));
}

/** Each autoscaled pool's provisioning lease: `seconds` when given, else its cold start plus the heartbeat period. */
function provisionLeases(scenario: Scenario, seconds: number | undefined): Map<string, number> {
  return new Map(Object.entries(scenario.coldStartSeconds).map(([pool, coldStart]) => [pool, seconds ?? coldStart + scenario.live.heartbeatSeconds]));
}

/** This process as `GET /v1/metrics` shows it. */
function serviceProcessOf(launcherPid: number | undefined, helperNice: number | undefined): ServiceProcess {
  const pool = v8PoolSizeOf(process.execArgv, process.env.NODE_OPTIONS);
  return { pid: process.pid, launcherPid: launcherPid ?? null, v8PoolSize: pool.size, v8PoolSizeFrom: pool.from, helperNice: helperNice ?? null };
}

/** The status and one-line message for anything a route or Fastify threw. */
function describeError(error: FastifyError, maxBodyBytes: number): { readonly status: number; readonly message: string } {
  if (isHttpError(error)) return { status: error.statusCode, message: error.message };
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: `body: larger than ${maxBodyBytes} bytes (live.maxBodyBytes)` };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: `body: malformed JSON (${firstLine(error.message)})` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'content-type: expected application/json' };
    case 'FST_ERR_BAD_URL':
      return { status: 400, message: 'path: not a valid URL (a % not followed by two hexadecimal digits, or bytes that are not UTF-8)' };
    default:
      break;
  }
  // A syntax error from the JSON parser, or another client error Fastify raised (bad content length, …).
  if (error instanceof SyntaxError) return { status: 400, message: `body: malformed JSON (${firstLine(error.message)})` };
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return { status, message: `request: ${firstLine(error.message)}` };
  return { status: 500, message: 'internal error (reported in the service\'s log)' };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, MAX_QUOTED_URL);
}
