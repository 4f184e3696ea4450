/**
 * What the HTTP service accepts: a zod schema for every request body, route parameter and query
 * string. Every object is strict (an unknown field is a 400), and {@link parseRequest} turns the
 * first problem into an {@link HttpError} whose message names the field path
 * (`body.priority: expected a number <= 4, got 7`).
 */
import { z } from 'zod';
import { DEPENDENCY_FAILURE_POLICIES } from '../../engine/task.js';
import { formatPath } from '../../scenario/errors.js';
import { MAX_PRIORITY_LEVEL, MAX_RETRIES } from '../../scenario/schema.js';
import { issueToInputError } from '../../scenario/zodIssues.js';
import { MAX_PROVISIONER_NAME, MAX_REQUESTS_PER_POLL } from './provisionRequests.js';
import { HttpError } from './httpError.js';

/** Longest id (task, agent, offer, context key, type) accepted, in characters. */
export const MAX_ID_LENGTH = 256;
/** Most entries of a list (dependsOn, tags) or a record (skills) in one body. */
export const MAX_LIST_ITEMS = 1000;
/** Longest long-poll a client may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;
/** Largest page of `GET /v1/tasks`. */
export const MAX_PAGE = 1000;
/** Page size of `GET /v1/tasks` when `limit` is absent. */
export const DEFAULT_PAGE = 100;
/** Longest duration (deadline, timeout, time to live) a body may give, in seconds: ten years. */
export const MAX_SECONDS = 10 * 365 * 86_400;
/** Highest attempt number a report or a route may name. */
export const MAX_ATTEMPT = 1_000_000;
/** Priority of a submission that gives none. */
export const DEFAULT_PRIORITY = 2;
/** Quality of a success reported without one. */
export const DEFAULT_QUALITY = 1;

const id = z.string().min(1).max(MAX_ID_LENGTH);
/** An agent id (it may not hold `#`: the service names an agent's later incarnations `<id>#<n>`). */
export const agentId = id.regex(/^[^#]+$/, 'expected an agent id without "#"');
const nonNegative = z.number().min(0).max(Number.MAX_SAFE_INTEGER);
const positiveSeconds = z.number().positive().max(MAX_SECONDS);
const tags = z.array(id).max(MAX_LIST_ITEMS);

/**
 * `POST /v1/tasks`: a task to submit; `deadline` is seconds after submission. `dependencyPolicy`
 * names, per edge, what a dependency of `dependsOn` ending without completing does to the task
 * (edges not named follow the service's `dependencies.onFailure`); a key that is not in
 * `dependsOn` is refused, as it would name no edge. `workflowId` and `parentId` are the
 * workflow's bookkeeping, read by the `workflows.*` metrics. `contextBlocks` (with
 * `contextBlockTokens`, neither without the other) is the context as a prompt prefix of blocks,
 * as a trace carries it: cache-aware routing matches it, and a context hit counts per block.
 * `traceFailed` is an emulation hint: the request failed in the trace it was replayed from, so an
 * emulated agent fails each attempt; the service does nothing with it but hand it on.
 */
export const taskBody = z.strictObject({
  id: id.optional(),
  type: id,
  tokens: nonNegative.default(0),
  priority: z.int().min(0).max(MAX_PRIORITY_LEVEL).default(DEFAULT_PRIORITY),
  deadline: positiveSeconds.optional(),
  dependsOn: z.array(id).max(MAX_LIST_ITEMS).optional(),
  dependencyPolicy: z.record(id, z.enum(DEPENDENCY_FAILURE_POLICIES))
    .refine((policy) => Object.keys(policy).length <= MAX_LIST_ITEMS, `expected at most ${MAX_LIST_ITEMS} edges`).optional(),
  parentId: id.optional(),
  workflowId: id.optional(),
  contextKey: id.optional(),
  contextTokens: nonNegative.default(0),
  contextBlocks: z.array(z.int()).max(MAX_LIST_ITEMS).optional(),
  contextBlockTokens: z.number().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  traceFailed: z.boolean().optional(),
  tags: tags.optional(),
  tenant: id.optional(),
  assignee: agentId.optional(),
  maxRetries: z.int().min(0).max(MAX_RETRIES).optional(),
  timeoutSeconds: positiveSeconds.optional(),
  ttlSeconds: positiveSeconds.optional(),
}).superRefine((body, context) => {
  const edge = unknownEdge(body.dependencyPolicy, body.dependsOn);
  if (edge !== undefined) context.addIssue({ code: 'custom', path: ['dependencyPolicy', edge], message: `expected a task id of dependsOn, got "${edge}"` });
  const unpaired = unpairedBlockField(body);
  if (unpaired !== undefined) context.addIssue({ code: 'custom', path: [unpaired], message: BLOCK_FIELDS_TOGETHER });
});
/** A validated task submission. */
export type TaskBody = z.output<typeof taskBody>;

/** The first key of a submission's `dependencyPolicy` that names no edge of its `dependsOn`, if any. */
export function unknownEdge(policy: Readonly<Record<string, unknown>> | undefined, dependsOn: readonly string[] | undefined): string | undefined {
  if (policy === undefined) return undefined;
  // Made only for a policy with keys: up to 1,000 edges each way, not a million comparisons.
  let edges: ReadonlySet<string> | undefined;
  for (const edge in policy) {
    edges ??= new Set(dependsOn);
    if (!edges.has(edge)) return edge;
  }
  return undefined;
}

const BLOCK_FIELDS_TOGETHER = 'expected contextBlocks and contextBlockTokens together (blocks, and the tokens of one block)';

/**
 * The block field a submission lacks when it gives only one of `contextBlocks` and
 * `contextBlockTokens` (blocks without a size load nothing; a size without blocks means nothing).
 */
export function unpairedBlockField(body: { readonly contextBlocks?: unknown; readonly contextBlockTokens?: unknown }): 'contextBlocks' | 'contextBlockTokens' | undefined {
  if ((body.contextBlocks === undefined) === (body.contextBlockTokens === undefined)) return undefined;
  return body.contextBlocks === undefined ? 'contextBlocks' : 'contextBlockTokens';
}

/** Task states a listing may filter on. */
export const TASK_STATES = [
  'created', 'blocked', 'queued', 'offered', 'assigned', 'running', 'paused', 'failed', 'retrying',
  'completed', 'dead-lettered', 'expired', 'cancelled', 'rejected',
] as const;

/** `GET /v1/tasks` query. */
export const taskListQuery = z.strictObject({
  state: z.enum(TASK_STATES).optional(),
  type: id.optional(),
  workflow: id.optional(),
  limit: z.coerce.number().pipe(z.int().min(1).max(MAX_PAGE)).default(DEFAULT_PAGE),
  cursor: z.string().regex(/^\d{1,15}$/, 'expected a cursor returned as next by an earlier page').optional(),
});

/** `/v1/tasks/{id}` parameters. */
export const taskParams = z.strictObject({ id });

/** `POST /v1/agents`: an agent registers (a scenario agent's spec fills what the body leaves out). */
export const agentBody = z.strictObject({
  id: agentId,
  skills: z.record(id, z.number().min(0).max(1)).refine((skills) => Object.keys(skills).length <= MAX_LIST_ITEMS, `expected at most ${MAX_LIST_ITEMS} skills`).optional(),
  capacity: z.int().min(1).max(10_000).optional(),
  tags: tags.optional(),
  contextWindow: z.int().positive().max(1_000_000_000).optional(),
  tokensPerSecond: z.number().positive().max(1_000_000_000).optional(),
  weight: z.number().positive().max(1_000_000_000).optional(),
});
/** A validated agent registration. */
export type AgentBody = z.output<typeof agentBody>;

/**
 * `POST /v1/agents`: a registration; with `provisionId`, the answer to a provisioning request
 * (the agent started for it; unset fields come from its pool's first agent in the scenario).
 */
export const registrationBody = agentBody.extend({
  provisionId: z.uuid('expected the provisionId of a request, as a poll of /v1/pools/{pool}/poll handed it out').optional(),
});
/** A validated registration. */
export type RegistrationBody = z.output<typeof registrationBody>;

/** `/v1/pools/{pool}/…` parameters. */
export const poolParams = z.strictObject({ pool: id });

/** A provisioner's name: visible ASCII characters, as a command-line flag or a host name holds them. */
export const provisionerName = z.string().min(1).max(MAX_PROVISIONER_NAME).regex(/^[\x21-\x7e]+$/, 'expected visible ASCII characters only (no blank)');

/**
 * `POST /v1/pools/{pool}/poll`'s body (it may be absent): who polls (`provisioner`; absent: the
 * token's identity) and the requests whose agents it is still starting.
 */
export const poolPollBody = z.strictObject({
  provisioner: provisionerName.optional(),
  renew: z.array(z.uuid('expected a provisionId')).max(MAX_REQUESTS_PER_POLL).optional(),
});

/** `/v1/agents/{id}/…` parameters. */
export const agentParams = z.strictObject({ id: agentId });

/** `POST /v1/agents/{id}/poll` query. */
export const pollQuery = z.strictObject({
  wait: z.coerce.number().pipe(z.number().min(0).max(MAX_WAIT_SECONDS)).default(0),
});

/** The query of a route that takes none. */
const noQuery = z.strictObject({});

/**
 * Refuses a query string on a route that takes none (400 naming the first parameter, as an
 * unknown field of a body is), so that `?wait=5` on a submission is not silently ignored.
 */
export function refuseQuery(query: unknown): void {
  // Requests without a query string, nearly all of them, cost one loop that does not turn.
  for (const _key in query as object) {
    parseRequest(noQuery, query, 'query');
    return;
  }
}

/** `/v1/agents/{id}/attempts/{task}/{attempt}/…` parameters. */
export const attemptParams = z.strictObject({
  id: agentId,
  task: id,
  attempt: z.coerce.number().pipe(z.int().min(1).max(MAX_ATTEMPT)),
});

/**
 * `POST …/started`: what the agent saw when it began; `contextBlocksHit`, for a task with
 * `contextBlocks`, how many of them (a leading run) were resident.
 */
export const startedBody = z.strictObject({
  setupTokens: nonNegative.default(0),
  contextHit: z.boolean().nullable().optional(),
  contextBlocksHit: z.int().min(0).max(MAX_LIST_ITEMS).optional(),
});
/** A validated start report. */
export type StartedBody = z.output<typeof startedBody>;

/** Failure reasons an agent may report (the others are the engine's own). */
export const AGENT_FAILURE_REASONS = ['agent-error', 'timeout', 'quality', 'rejected', 'rate-limited'] as const;

/** `POST …/finished`: the outcome. */
export const finishedBody = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), quality: z.number().min(0).max(1).default(DEFAULT_QUALITY) }),
  z.strictObject({ ok: z.literal(false), reason: z.enum(AGENT_FAILURE_REASONS) }),
]);
/** A validated outcome. */
export type FinishedBody = z.output<typeof finishedBody>;

/** What an offer's id looks like (`o<n>`, as a poll hands it out). */
export const OFFER_ID_PATTERN = /^o\d{1,15}$/;
/** An offer's id, as a poll hands it out. */
export const offerId = z.string().regex(OFFER_ID_PATTERN, 'expected an offerId handed out by a poll');

/** `/v1/agents/{id}/offers/{offerId}` parameters. */
export const offerParams = z.strictObject({ id: agentId, offerId });

/** Reasons an agent may give for turning an offer down. */
export const DECLINE_REASONS = ['lacks-skill', 'overloaded', 'context-full', 'declined'] as const;

/** The fields of an offer's answer, unrefined: the multi-agent poll's item extends them. */
export const offerAnswerFields = z.strictObject({
  accept: z.boolean(),
  reason: z.enum(DECLINE_REASONS).optional(),
  setupTokens: nonNegative.optional(),
});

/** Whether an answer gives a reason only with a decline. */
export function reasonOnlyWithDecline(body: { readonly accept: boolean; readonly reason?: unknown }): boolean {
  return !(body.accept && body.reason !== undefined);
}

/** The issue an accept with a reason raises. */
export const REASON_ONLY_WITH_DECLINE = { path: ['reason'], message: 'a reason goes only with accept: false' };

/** `POST /v1/agents/{id}/offers/{offerId}`: the answer. */
export const offerAnswerBody = offerAnswerFields.refine(reasonOnlyWithDecline, REASON_ONLY_WITH_DECLINE);
/** A validated offer answer. */
export type OfferAnswerBody = z.output<typeof offerAnswerBody>;

/** `POST /v1/admin`: an operator's action. */
export const adminBody = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('drain'), agentId }),
  z.strictObject({ op: z.literal('remove'), agentId }),
  z.strictObject({ op: z.literal('add'), agent: agentBody }),
  z.strictObject({ op: z.literal('pause-type'), type: id }),
  z.strictObject({ op: z.literal('resume-type'), type: id }),
  z.strictObject({ op: z.literal('set-priority'), taskId: id.optional(), type: id.optional(), priority: z.int().min(0).max(MAX_PRIORITY_LEVEL) })
    .refine((body) => (body.taskId === undefined) !== (body.type === undefined), { message: 'expected exactly one of taskId and type' }),
  z.strictObject({ op: z.literal('pause'), taskId: id }),
  z.strictObject({ op: z.literal('resume'), taskId: id }),
]);
/** A validated admin operation. */
export type AdminBody = z.output<typeof adminBody>;

/** Where a request value came from, as the first segment of the error's path. */
export type RequestPart = 'body' | 'query' | 'params';

/**
 * A hand-written validator of one schema's common case (see fastBodies.ts): the schema's output
 * for a value it recognises as valid, `undefined` for anything else (then the schema decides).
 */
export type FastPath<Output> = (raw: unknown) => Output | undefined;

/**
 * Validates one part of a request; throws a 400 {@link HttpError} naming the field path of the
 * first problem. `fast`, when given, answers the well-formed values the schema accepts without
 * running it; every other value, and so every error message, is the schema's.
 */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, raw: unknown, part: RequestPart, fast?: FastPath<z.output<Schema>>): z.output<Schema> {
  const accepted = fast?.(raw);
  if (accepted !== undefined) return accepted;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new HttpError(400, `${part}: invalid`);
  // The scenario loader's wording (field path, expected, got) serves requests as well.
  const explained = issueToInputError(issue, raw, part);
  const path = explained.path === '' ? part : formatPath([part, ...splitPath(explained.path)]);
  throw new HttpError(400, `${path}: ${explained.expected}`);
}

/** `a.b[0]` back into segments, so that the request part can be put in front. */
function splitPath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(`"${match[3]}"`) as string);
  }
  return segments;
}
