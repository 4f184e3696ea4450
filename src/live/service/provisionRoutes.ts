/**
 * Provisioning over HTTP (./provisionRequests.ts): `POST /v1/pools/{pool}/poll?wait=S`
 * `{ provisioner?, renew? }`, the provisioners' long-poll for requests for new agents, and the answer to a request, which is the
 * registration of the agent started for it (`POST /v1/agents` with its `provisionId`, routed
 * here from ./agentRoutes.ts).
 *
 * The answer is a registration rather than a route of its own: the agent must be registered to
 * poll anyway, and one request that does both leaves no moment, nor crash, between an answered
 * request and a registered agent.
 */
import type { FastifyInstance } from 'fastify';
import { agentSpec, sameSpec, type Registration } from './agentRoutes.js';
import { parseRequest, poolParams, poolPollBody, pollQuery, type AgentBody } from './bodies.js';
import { afterSettlements, type ServiceContext } from './context.js';
import { HttpError } from './httpError.js';

/** Registers the provisioners' poll route. */
export function provisionRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { auth, agents } = context;

  app.post('/v1/pools/:pool/poll', async (request, reply) => {
    const { pool } = parseRequest(poolParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'provisioner', pool });
    const { wait } = parseRequest(pollQuery, request.query, 'query');
    const { provisioner, renew } = parseRequest(poolPollBody, request.body ?? {}, 'body');
    // The response closing before it was answered: the provisioner went away, its poll ends.
    const closed = new AbortController();
    reply.raw.once('close', () => closed.abort());
    return agents.provisions.poll(pool, auth.provisionerIdentity(request.headers.authorization, provisioner), wait, renew, closed.signal);
  });
}

/**
 * Answers provisioning request `provisionId` with the agent `body` registers:
 * - still pending: the agent joins the fleet under a new id (409 when `body.id` is in the fleet
 *   already), its spec being the body over its pool's first agent; 201.
 * - answered already by this very agent, still in the fleet with the same spec (a registration
 *   repeated, also across a service restart, which forgets answered requests): 200, nothing changes.
 * - otherwise (answered by another agent, or no longer wanted): 410, the agent is not added, and
 *   its provisioner should stop it.
 * Whoever brings the agent first answers: the lease decides who keeps starting an agent, not
 * whose agent is taken (one already started is worth more than the lease).
 * Needs a token that may provision the request's pool.
 */
export async function registerProvisioned(context: ServiceContext, authorization: string | undefined, body: AgentBody, provisionId: string): Promise<Registration> {
  const { agents, auth } = context;
  const claim = agents.provisions.claim(provisionId);
  const current = agents.agent(body.id);
  const currentPool = current?.inFleet === true ? current.spec?.pool : undefined;
  auth.check(authorization, { kind: 'provisioner', pool: claim.kind === 'unknown' ? currentPool : claim.pool });
  if (claim.kind === 'pending') {
    if (current?.inFleet === true) throw new HttpError(409, `body.id: agent ${body.id} is in the fleet already: an agent provisioned needs an id of its own`);
    const engineId = agents.nextEngineId(body.id);
    const spec = agentSpec(context, body, engineId, claim.pool);
    const promised = agents.promisedSettlements;
    agents.answerProvision(claim.settle, spec);
    // The driver feeds the join a microtask after the answer.
    await afterSettlements(context, promised);
    return { status: 201, body: { id: body.id, engineId, joined: true } };
  }
  const repeated = current !== undefined && current.inFleet && current.spec !== undefined && currentPool !== undefined
    && (claim.kind === 'unknown' || claim.agentId === current.engineId)
    && sameSpec(agentSpec(context, body, current.engineId, currentPool), current.spec);
  if (repeated) {
    agents.touch(body.id);
    return { status: 200, body: { id: body.id, engineId: current.engineId, joined: false } };
  }
  agents.provisions.refused();
  const why = claim.kind === 'answered' ? `was answered already, by agent ${claim.agentId}` : 'is not pending here (answered already, or the agent it asked for is no longer wanted)';
  throw new HttpError(410, `body.provisionId: provisioning request ${provisionId} ${why}: agent ${body.id} is not added; stop it`);
}
