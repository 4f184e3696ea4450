/**
 * Fast paths of the bodies the service validates once per task (a submission, an attempt
 * report, an offer answer of the multi-agent poll): each accepts exactly the well-formed values its zod schema in bodies.ts accepts and
 * builds the same output (defaults filled, fields in the schema's order), and answers
 * `undefined` for anything else, which `parseRequest` (bodies.ts) then hands to the schema, so that
 * every error message is zod's. zod's parse of an object builds a result record, a context and
 * an issues array per field and check even when nothing is wrong; these read each field once.
 * The limits are the schema's constants; test/live/service/fastBodies.property.test.ts checks
 * the equivalence on arbitrary, near-valid and garbage values.
 */
import { DEPENDENCY_FAILURE_POLICIES, type DependencyFailurePolicy } from '../../engine/task.js';
import { MAX_PRIORITY_LEVEL, MAX_RETRIES } from '../../scenario/schema.js';
import {
  AGENT_FAILURE_REASONS, DECLINE_REASONS, DEFAULT_PRIORITY, DEFAULT_QUALITY, MAX_ATTEMPT, MAX_ID_LENGTH, MAX_LIST_ITEMS, MAX_SECONDS, OFFER_ID_PATTERN,
  unknownEdge, unpairedBlockField, type FinishedBody, type OfferAnswerBody, type StartedBody, type TaskBody,
} from './bodies.js';

/** One item of `POST /v1/agents/{id}/reports`, validated. */
export interface ReportBody {
  /** Task id. */
  readonly task: string;
  /** Attempt number. */
  readonly attempt: number;
  /** The attempt began, when reported. */
  readonly started?: StartedBody;
  /** The attempt ended, when reported. */
  readonly finished?: FinishedBody;
}

/** One report of `POST /v1/agents/poll`, validated. */
export interface AgentReportBody extends ReportBody {
  /** The reporting agent's id. */
  readonly agent: string;
}

/** One offer answer of `POST /v1/agents/poll`, validated. */
export interface AgentOfferAnswerBody extends OfferAnswerBody {
  /** The answering agent's id. */
  readonly agent: string;
  /** The offer's id, as a poll handed it out. */
  readonly offerId: string;
}

type Fields = Readonly<Record<string, unknown>>;

const TASK_FIELDS: ReadonlySet<string> = new Set([
  'id', 'type', 'tokens', 'priority', 'deadline', 'dependsOn', 'dependencyPolicy', 'parentId', 'workflowId', 'contextKey', 'contextTokens',
  'contextBlocks', 'contextBlockTokens', 'traceFailed', 'tags', 'tenant', 'assignee', 'maxRetries', 'timeoutSeconds', 'ttlSeconds',
]);
const REPORT_FIELDS: ReadonlySet<string> = new Set(['task', 'attempt', 'started', 'finished']);
const AGENT_REPORT_FIELDS: ReadonlySet<string> = new Set([...REPORT_FIELDS, 'agent']);
const AGENT_OFFER_ANSWER_FIELDS: ReadonlySet<string> = new Set(['accept', 'reason', 'setupTokens', 'agent', 'offerId']);
const FAILURE_REASONS: ReadonlySet<unknown> = new Set(AGENT_FAILURE_REASONS);
const DECLINES: ReadonlySet<unknown> = new Set(DECLINE_REASONS);
const DEPENDENCY_POLICIES: ReadonlySet<unknown> = new Set(DEPENDENCY_FAILURE_POLICIES);

type Mutable<T> = { -readonly [Field in keyof T]: T[Field] };

/** `POST /v1/tasks` (and each item of a batch): see `taskBody` in bodies.ts. */
export function fastTaskBody(raw: unknown): TaskBody | undefined {
  if (!onlyFields(raw, TASK_FIELDS)) return undefined;
  const {
    id, type, tokens = 0, priority = DEFAULT_PRIORITY, deadline, dependsOn, dependencyPolicy, parentId, workflowId, contextKey, contextTokens = 0,
    contextBlocks, contextBlockTokens, traceFailed, tags, tenant, assignee, maxRetries, timeoutSeconds, ttlSeconds,
  } = raw;
  if (!(optional(id, isId) && isId(type) && isNonNegative(tokens) && isIntIn(priority, 0, MAX_PRIORITY_LEVEL) && optional(deadline, isSeconds) &&
    optional(dependsOn, isIdList) && optional(dependencyPolicy, isPolicyRecord) && optional(parentId, isId) && optional(workflowId, isId) &&
    optional(contextKey, isId) && isNonNegative(contextTokens) && optional(contextBlocks, isBlockList) && optional(contextBlockTokens, isBlockTokens) &&
    optional(traceFailed, isBoolean) && optional(tags, isIdList) && optional(tenant, isId) &&
    optional(assignee, isAgentId) && optional(maxRetries, isRetries) && optional(timeoutSeconds, isSeconds) && optional(ttlSeconds, isSeconds))) return undefined;
  if (unknownEdge(dependencyPolicy, dependsOn as string[] | undefined) !== undefined || unpairedBlockField(raw) !== undefined) return undefined;
  // The schema's output: its fields in its order, an optional one only when given. The lists are
  // the request's own (parsed from its JSON, held by nothing else), not copies.
  const body = {} as Mutable<TaskBody>;
  if (id !== undefined) body.id = id;
  body.type = type;
  body.tokens = tokens;
  body.priority = priority;
  if (deadline !== undefined) body.deadline = deadline;
  if (dependsOn !== undefined) body.dependsOn = dependsOn;
  if (dependencyPolicy !== undefined) body.dependencyPolicy = dependencyPolicy;
  if (parentId !== undefined) body.parentId = parentId;
  if (workflowId !== undefined) body.workflowId = workflowId;
  if (contextKey !== undefined) body.contextKey = contextKey;
  body.contextTokens = contextTokens;
  if (contextBlocks !== undefined) body.contextBlocks = contextBlocks;
  if (contextBlockTokens !== undefined) body.contextBlockTokens = contextBlockTokens;
  if (traceFailed !== undefined) body.traceFailed = traceFailed;
  if (tags !== undefined) body.tags = tags;
  if (tenant !== undefined) body.tenant = tenant;
  if (assignee !== undefined) body.assignee = assignee;
  if (maxRetries !== undefined) body.maxRetries = maxRetries;
  if (timeoutSeconds !== undefined) body.timeoutSeconds = timeoutSeconds;
  if (ttlSeconds !== undefined) body.ttlSeconds = ttlSeconds;
  return body;
}

/** An item of `POST /v1/agents/{id}/reports`: see `reportItem` in batchRoutes.ts. */
export function fastReportItem(raw: unknown): ReportBody | undefined {
  return onlyFields(raw, REPORT_FIELDS) ? report(raw, undefined) : undefined;
}

/** A report of `POST /v1/agents/poll`: see `agentReportItem` in batchRoutes.ts. */
export function fastAgentReportItem(raw: unknown): AgentReportBody | undefined {
  return onlyFields(raw, AGENT_REPORT_FIELDS) && isAgentId(raw.agent) ? report(raw, raw.agent) as AgentReportBody | undefined : undefined;
}

/** An offer answer of `POST /v1/agents/poll`: see `agentOfferAnswer` in batchRoutes.ts. */
export function fastAgentOfferAnswer(raw: unknown): AgentOfferAnswerBody | undefined {
  if (!onlyFields(raw, AGENT_OFFER_ANSWER_FIELDS)) return undefined;
  const { accept, reason, setupTokens, agent, offerId } = raw;
  if (typeof accept !== 'boolean' || !(reason === undefined || (!accept && DECLINES.has(reason))) || !optional(setupTokens, isNonNegative)) return undefined;
  if (!isAgentId(agent) || typeof offerId !== 'string' || !OFFER_ID_PATTERN.test(offerId)) return undefined;
  const item = { accept } as Mutable<AgentOfferAnswerBody>;
  if (reason !== undefined) item.reason = reason as AgentOfferAnswerBody['reason'];
  if (setupTokens !== undefined) item.setupTokens = setupTokens;
  item.agent = agent;
  item.offerId = offerId;
  return item;
}

/**
 * The body of a batch, `{ <field>: [ 1 to `maxItems` items ] }`, as is (its items are validated
 * one by one).
 */
export function fastBatch<Field extends string>(field: Field, maxItems: number): (raw: unknown) => Record<Field, unknown[]> | undefined {
  const fields: ReadonlySet<string> = new Set([field]);
  return (raw) => {
    if (!onlyFields(raw, fields)) return undefined;
    const items = raw[field];
    return Array.isArray(items) && items.length >= 1 && items.length <= maxItems ? raw as Record<Field, unknown[]> : undefined;
  };
}

const POLL_FIELDS: ReadonlySet<string> = new Set(['agents', 'reports', 'offers']);

/**
 * The body of `POST /v1/agents/poll`, `{ agents: [ 1 to `maxItems` ], reports?: [ up to
 * `maxItems` ], offers?: [ up to `maxItems` ] }`, its lists as they are (validated apart).
 */
export function fastPollBody(maxItems: number): (raw: unknown) => { agents: unknown[]; reports?: unknown[]; offers?: unknown[] } | undefined {
  const isList = (items: unknown): items is unknown[] => Array.isArray(items) && items.length <= maxItems;
  return (raw) => {
    if (!onlyFields(raw, POLL_FIELDS)) return undefined;
    const { agents, reports, offers } = raw;
    if (!isList(agents) || agents.length < 1 || !optional(reports, isList) || !optional(offers, isList)) return undefined;
    // The schema's output: its fields in its order, an optional one only when given.
    const body: { agents: unknown[]; reports?: unknown[]; offers?: unknown[] } = { agents };
    if (reports !== undefined) body.reports = reports;
    if (offers !== undefined) body.offers = offers;
    return body;
  };
}

function report(raw: Fields, agent: string | undefined): ReportBody | undefined {
  const { task, attempt, started, finished } = raw;
  if (!isId(task) || !isIntIn(attempt, 1, MAX_ATTEMPT) || (started === undefined && finished === undefined)) return undefined;
  const item: Mutable<AgentReportBody> = { task, attempt } as AgentReportBody;
  if (started !== undefined) {
    const body = startedBody(started);
    if (body === undefined) return undefined;
    item.started = body;
  }
  if (finished !== undefined) {
    const body = finishedBody(finished);
    if (body === undefined) return undefined;
    item.finished = body;
  }
  if (agent !== undefined) item.agent = agent;
  return item;
}

const STARTED_FIELDS: ReadonlySet<string> = new Set(['setupTokens', 'contextHit', 'contextBlocksHit']);

function startedBody(raw: unknown): StartedBody | undefined {
  if (!onlyFields(raw, STARTED_FIELDS)) return undefined;
  const { setupTokens = 0, contextHit, contextBlocksHit } = raw;
  if (!isNonNegative(setupTokens) || !(contextHit === undefined || contextHit === null || typeof contextHit === 'boolean')) return undefined;
  if (!optional(contextBlocksHit, isBlocksHit)) return undefined;
  const body: Mutable<StartedBody> = { setupTokens };
  if (contextHit !== undefined) body.contextHit = contextHit;
  if (contextBlocksHit !== undefined) body.contextBlocksHit = contextBlocksHit;
  return body;
}

const SUCCESS_FIELDS: ReadonlySet<string> = new Set(['ok', 'quality']);
const FAILURE_FIELDS: ReadonlySet<string> = new Set(['ok', 'reason']);

function finishedBody(raw: unknown): FinishedBody | undefined {
  if (onlyFields(raw, SUCCESS_FIELDS) && raw.ok === true) {
    const { quality = DEFAULT_QUALITY } = raw;
    return typeof quality === 'number' && quality >= 0 && quality <= 1 ? { ok: true, quality } : undefined;
  }
  if (onlyFields(raw, FAILURE_FIELDS) && raw.ok === false && isFailureReason(raw.reason)) return { ok: false, reason: raw.reason };
  return undefined;
}

/**
 * A plain object (as JSON.parse makes them) whose keys are all in `fields` and whose values are
 * all defined (a field given as `undefined` is left to the schema).
 */
function onlyFields(raw: unknown, fields: ReadonlySet<string>): raw is Fields {
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) return false;
  for (const key in raw) {
    if (!fields.has(key) || (raw as Fields)[key] === undefined) return false;
  }
  return true;
}

function isFailureReason(value: unknown): value is (typeof AGENT_FAILURE_REASONS)[number] {
  return FAILURE_REASONS.has(value);
}

function optional<T>(value: unknown, valid: (value: unknown) => value is T): value is T | undefined {
  return value === undefined || valid(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH;
}

function isAgentId(value: unknown): value is string {
  return isId(value) && !value.includes('#');
}

function isIdList(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) return false;
  for (let i = 0; i < value.length; i++) if (!isId(value[i])) return false;
  return true;
}

/**
 * A plain object of at most {@link MAX_LIST_ITEMS} ids, each mapped to a dependency policy. A
 * `__proto__` key is left to the schema (which drops it from its output).
 */
function isPolicyRecord(value: unknown): value is Record<string, DependencyFailurePolicy> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  let edges = 0;
  for (const key in value) {
    if (++edges > MAX_LIST_ITEMS || key === '__proto__' || !isId(key) || !DEPENDENCY_POLICIES.has((value as Fields)[key])) return false;
  }
  return true;
}

/** At most {@link MAX_LIST_ITEMS} block ids, each a safe integer. */
function isBlockList(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length > MAX_LIST_ITEMS) return false;
  for (let i = 0; i < value.length; i++) if (!Number.isSafeInteger(value[i])) return false;
  return true;
}

function isBlockTokens(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= Number.MAX_SAFE_INTEGER;
}

function isBlocksHit(value: unknown): value is number {
  return isIntIn(value, 0, MAX_LIST_ITEMS);
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER;
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= MAX_SECONDS;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isRetries(value: unknown): value is number {
  return isIntIn(value, 0, MAX_RETRIES);
}
