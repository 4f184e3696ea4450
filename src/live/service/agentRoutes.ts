/**
 * `/v1/agents`: registration, the long-poll for commands (the heartbeat), and the agents' reports
 * on attempts and offers. The poll and the reports, on every task's path, write their 200s
 * themselves (./jsonReply.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AgentSpec } from '../../engine/agent.js';
import {
  agentParams, attemptParams, finishedBody, offerAnswerBody, offerParams, parseRequest, pollQuery, refuseQuery, registrationBody, startedBody, type AgentBody,
} from './bodies.js';
import { afterSettlements, durable, type ServiceContext } from './context.js';
import { HttpError } from './httpError.js';
import { sendJson } from './jsonReply.js';
import { registerProvisioned } from './provisionRoutes.js';
import { guarded } from './taskRoutes.js';
import { FleetNames } from '../../sim/fleetNames.js';

/** Names the agent of a single-agent poll in a 404 or 429. */
const paramsId = (): string => 'params.id';

/** How a registration went: a new member of the fleet, or one that was already in it. */
export interface Registration {
  /** 201 when the agent joined, 200 when it was already in the fleet. */
  readonly status: 200 | 201;
  /** The answer's body: the agent's id, the engine's id of this membership, and whether it joined now. */
  readonly body: { readonly id: string; readonly engineId: string; readonly joined: boolean };
}

/** Registers the agent routes. */
export function agentRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { auth, agents } = context;

  app.post('/v1/agents', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'any' });
    refuseQuery(request.query);
    const { provisionId, ...body } = parseRequest(registrationBody, request.body, 'body');
    // The answer to a provisioning request is the provisioner's to give (./provisionRoutes.ts).
    if (provisionId === undefined) auth.check(request.headers.authorization, { kind: 'agent', agentId: body.id });
    const registration = provisionId === undefined ? register(context, body) : await registerProvisioned(context, request.headers.authorization, body, provisionId);
    await durable(context);
    return reply.code(registration.status).send(registration.body);
  });

  app.post('/v1/agents/:id/poll', async (request, reply) => {
    const { id } = parseRequest(agentParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'agent', agentId: id });
    const { wait } = parseRequest(pollQuery, request.query, 'query');
    const poll = agents.openPoll([id], wait, paramsId);
    // The response closing before it was answered: the client went away. No AbortController
    // (one per poll was 3% of the service's CPU when aborted after each, and an allocation when not).
    reply.raw.on('close', poll.end);
    const answer = await poll.answer;
    sendJson(reply, { commands: answer.length === 0 ? [] : answer[0]!.commands });
  });

  app.post('/v1/agents/:id/attempts/:task/:attempt/started', async (request, reply) => {
    const { id, task, attempt } = parseRequest(attemptParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'agent', agentId: id });
    refuseQuery(request.query);
    const body = parseRequest(startedBody, request.body ?? {}, 'body');
    known(context, id);
    const promised = agents.promisedSettlements;
    const answer = agents.started(id, task, attempt, body);
    await afterSettlements(context, promised);
    await durable(context);
    sendJson(reply, answer);
  });

  app.post('/v1/agents/:id/attempts/:task/:attempt/finished', async (request, reply) => {
    const { id, task, attempt } = parseRequest(attemptParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'agent', agentId: id });
    refuseQuery(request.query);
    const body = parseRequest(finishedBody, request.body, 'body');
    known(context, id);
    const promised = agents.promisedSettlements;
    const answer = agents.finished(id, task, attempt, body);
    await afterSettlements(context, promised);
    await durable(context);
    sendJson(reply, answer);
  });

  app.post('/v1/agents/:id/offers/:offerId', async (request, reply) => {
    const { id, offerId } = parseRequest(offerParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'agent', agentId: id });
    refuseQuery(request.query);
    const body = parseRequest(offerAnswerBody, request.body, 'body');
    known(context, id);
    const promised = agents.promisedSettlements;
    const answer = agents.answer(id, offerId, body);
    await afterSettlements(context, promised);
    await durable(context);
    sendJson(reply, answer);
  });
}

function known(context: ServiceContext, agentId: string): void {
  if (context.agents.agent(agentId) === undefined) throw new HttpError(404, `params.id: no agent ${agentId} ever registered`);
}

/**
 * Brings an agent into the fleet (201), or confirms one already in it with the same spec (200;
 * its heartbeat restarts). Another spec for an agent in the fleet is a 409.
 */
export function register(context: ServiceContext, body: AgentBody): Registration {
  const { agents } = context;
  const current = agents.agent(body.id);
  if (current !== undefined && current.inFleet && current.spec !== undefined) {
    const wanted = agentSpec(context, body, current.engineId);
    if (!sameSpec(wanted, current.spec)) throw new HttpError(409, `body: agent ${body.id} is in the fleet with another spec`);
    agents.touch(body.id);
    return { status: 200, body: { id: body.id, engineId: current.engineId, joined: false } };
  }
  const engineId = agents.nextEngineId(body.id);
  guarded(() => context.driver.agentJoined(agentSpec(context, body, engineId)));
  return { status: 201, body: { id: body.id, engineId, joined: true } };
}

/**
 * The engine's spec of an agent: the body over the scenario's agent of that id (if any), or for
 * an agent provisioned for `pool`, over the pool's first agent (as the simulator provisions).
 */
export function agentSpec(context: ServiceContext, body: AgentBody, engineId: string, pool?: string): AgentSpec {
  const listed = pool === undefined
    ? context.scenario.agents.find((config) => config.spec.id === body.id)?.spec
    : new FleetNames(context.scenario).templateLike(pool).spec;
  const tokensPerSecond = body.tokensPerSecond ?? listed?.tokensPerSecond;
  if (tokensPerSecond === undefined) throw new HttpError(400, `body.tokensPerSecond: required for agent ${body.id}, which the scenario does not list`);
  const capacity = body.capacity ?? listed?.capacity ?? 1;
  const contextWindowTokens = body.contextWindow ?? listed?.contextWindowTokens;
  return {
    id: engineId,
    capacity,
    tokensPerSecond,
    skills: body.skills ?? listed?.skills ?? {},
    weight: body.weight ?? (body.capacity === undefined ? listed?.weight : undefined) ?? capacity,
    tags: body.tags ?? listed?.tags ?? [],
    ...(contextWindowTokens === undefined ? {} : { contextWindowTokens }),
    ...(listed?.pool === undefined ? {} : { pool: listed.pool }),
  };
}

/** Whether two specs are the same agent (a registration repeated). */
export function sameSpec(a: AgentSpec, b: AgentSpec): boolean {
  const skills = (spec: AgentSpec): string => JSON.stringify(Object.entries(spec.skills).sort(([x], [y]) => x.localeCompare(y)));
  return a.capacity === b.capacity && a.tokensPerSecond === b.tokensPerSecond && a.weight === b.weight && a.contextWindowTokens === b.contextWindowTokens &&
    a.pool === b.pool && skills(a) === skills(b) && a.tags.length === b.tags.length && a.tags.every((tag, i) => tag === b.tags[i]);
}
