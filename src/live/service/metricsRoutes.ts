/**
 * `GET /v1/metrics` (the run metrics document of a simulated run, over the live run so far or,
 * with `?window=W`, over about its last W seconds, beside the ledger, the tasks in flight by
 * state and the process with its uptime),
 * `GET /metrics` (Prometheus text), `GET /healthz`, and with `--latency-probe` `GET /v1/latency`
 * (the probe's figures since its last reset) and `DELETE /v1/latency` (reset them).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TRANSITIONS } from '../../engine/lifecycle.js';
import type { TaskState } from '../../engine/task.js';
import { parseRequest, refuseQuery, TASK_STATES } from './bodies.js';
import type { ServiceContext, ServiceProcess } from './context.js';
import { HttpError } from './httpError.js';
import type { LatencyProbe } from './latencyProbe.js';

/** The states of a task in flight (those with a way out), in the lifecycle's order: the keys of `GET /v1/metrics`'s `inFlight`. */
export const IN_FLIGHT_STATES: readonly TaskState[] = TASK_STATES.filter((state) => TRANSITIONS[state].length > 0);

/** How long `/healthz` waits for the journal to make the inputs so far durable. */
const HEALTH_TIMEOUT_MS = 2000;

/** Registers the metrics and health routes. */
export function metricsRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { auth, driver, journal, agents, tasks } = context;

  const longestWindowSeconds = context.scenario.live.metricsWindowSeconds;
  const windowQuery = z.strictObject({
    window: z.coerce.number().pipe(z.number().positive().max(longestWindowSeconds)).optional(),
  });
  app.get('/v1/metrics', async (request) => {
    auth.check(request.headers.authorization, { kind: 'any' });
    const { recent } = context;
    if (recent === undefined) {
      if (typeof request.query === 'object' && request.query !== null && 'window' in request.query) {
        throw new HttpError(400, 'query.window: the service keeps no windows (live.metricsWindowSeconds is 0)');
      }
      refuseQuery(request.query);
    } else {
      const { window } = parseRequest(windowQuery, request.query, 'query');
      if (window !== undefined) {
        const now = context.now();
        const answer = recent.window(window, now);
        return { timeSeconds: now, window: answer.window, counts: driver.engine.counts(), inFlight: inFlightByState(), metrics: answer.metrics, process: processNow() };
      }
    }
    // One reading of the clock: the document's time is the one its metrics are taken at.
    const now = context.now();
    return { timeSeconds: now, counts: driver.engine.counts(), inFlight: inFlightByState(), metrics: context.collector.finish(now), process: processNow() };
  });

  /** The tasks in flight now by state, every state a task in flight can be in (0 included), in the lifecycle's order. */
  const inFlightByState = (): Record<string, number> => {
    const open = tasks.liveStates();
    return Object.fromEntries(IN_FLIGHT_STATES.map((state) => [state, open.get(state) ?? 0]));
  };
  const processNow = (): ServiceProcess & { readonly uptimeSeconds: number } => ({ ...context.serviceProcess, uptimeSeconds: process.uptime() });

  app.get('/metrics', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'any' });
    const agentStats = agents.stats();
    const text = context.prometheus.text({
      counts: driver.engine.counts(),
      liveStates: tasks.liveStates(),
      ...agentStats,
      provisions: agents.provisions.stats(),
      durableSeq: journal.durableSeq,
    });
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  const probed = (): LatencyProbe => {
    if (context.probe === undefined) throw new HttpError(404, 'path: the service runs without --latency-probe');
    return context.probe;
  };
  app.get('/v1/latency', async (request) => {
    auth.check(request.headers.authorization, { kind: 'admin' });
    refuseQuery(request.query);
    return probed().report();
  });
  app.delete('/v1/latency', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'admin' });
    refuseQuery(request.query);
    probed().reset();
    return reply.code(204).send();
  });

  // Unauthenticated, for load balancers: says only whether the service can take work.
  app.get('/healthz', async (_request, reply) => {
    const journalOk = await Promise.race([
      journal.whenDurable(journal.appendedSeq).then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS).unref()),
    ]);
    const ok = journalOk && driver.state === 'running';
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      driver: driver.state,
      journal: journalOk ? 'durable' : 'failing',
      appendedSeq: journal.appendedSeq,
      durableSeq: journal.durableSeq,
    });
  });
}
