/**
 * Batch routes: many submissions, or many attempt reports of one agent, in one request and
 * answered after one durability wait. HTTP handling costs far more service CPU than the engine
 * does per task, so a client with much to say says it in one request.
 *
 * - `POST /v1/tasks/batch` `{ tasks: [ <a POST /v1/tasks body>, … ] }` → 200
 *   `{ results: [ { id, state, status: 201 | 200 } | { error, status: 400 | 409 | 503 }, … ] }`,
 *   one per item in order; each item is validated and idempotent as a single submission is.
 * - `POST /v1/agents/{id}/reports` `{ reports: [ { task, attempt, started?, finished? }, … ] }` →
 *   200 `{ results: [ { started?: { stale }, finished?: { stale } } | { error, status: 400 | 403 }, … ] }`.
 *   `finished` without `started` is accepted (the start counts as unobserved).
 *
 * - `POST /v1/agents/poll?wait=S` `{ agents: [ id, … ], reports?: [ { agent, task, attempt,
 *   started?, finished? }, … ], offers?: [ { agent, offerId, accept, reason?, setupTokens? }, … ] }`
 *   → 200 `{ commands: [ { agent, commands: [ … ] }, … ], results?, offerResults? }`: one
 *   long-poll for many agents (a process hosting them), their reports and their offer answers.
 *   The reports are applied first and answered in `results` as by `/reports`; then the offer
 *   answers, each as `POST /v1/agents/{agent}/offers/{offerId}` takes its body, answered in
 *   `offerResults` (`{ stale }`, or `{ error, status: 400 | 403 }`); an item's agent must be
 *   listed. Then the poll is each listed agent's heartbeat and answers with the ready commands of
 *   every agent that has some, as soon as one has (`wait=0`: at once: a flush).
 *
 * All three, on every task's path, write their 200s themselves (./jsonReply.ts: the bytes
 * Fastify's reply writes, with less work per answer).
 *
 * A body that is not of that shape, or holds more than {@link MAX_BATCH_ITEMS} items, is a 400
 * for the whole request; the token rules are those of the single routes (every agent listed
 * needs a token that may act for it).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TaskSpec } from '../../engine/task.js';
import {
  agentId, agentParams, finishedBody, MAX_ATTEMPT, MAX_ID_LENGTH, offerAnswerFields, offerId, parseRequest, pollQuery, REASON_ONLY_WITH_DECLINE, reasonOnlyWithDecline,
  refuseQuery, startedBody, taskBody, type FastPath, type FinishedBody, type StartedBody,
} from './bodies.js';
import { fastAgentOfferAnswer, fastAgentReportItem, fastBatch, fastPollBody, fastReportItem, fastTaskBody } from './fastBodies.js';
import { afterSettlements, durable, submitting, type ServiceContext } from './context.js';
import { HttpError, isHttpError } from './httpError.js';
import { sendJson } from './jsonReply.js';
import type { ReportAnswer } from './remoteAgents.js';
import { sameSubmission, submit, submittedState, taskSpec } from './taskRoutes.js';
import type { TaskEntry } from './taskRegistry.js';

/** Most items of one batch request. */
export const MAX_BATCH_ITEMS = 1000;

/** The outer shape of a batch body; its items are validated one by one. */
const batchOf = (field: 'tasks' | 'reports') =>
  z.strictObject({ [field]: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS) });
/** The body of `POST /v1/tasks/batch` (its items unchecked). */
export const taskBatch = batchOf('tasks');
/** The body of `POST /v1/agents/{id}/reports` (its items unchecked). */
export const reportBatch = batchOf('reports');
const fastTaskBatch = fastBatch('tasks', MAX_BATCH_ITEMS);
const fastReportBatch = fastBatch('reports', MAX_BATCH_ITEMS);

const reportFields = z.strictObject({
  task: z.string().min(1).max(MAX_ID_LENGTH),
  attempt: z.int().min(1).max(MAX_ATTEMPT),
  started: startedBody.optional(),
  finished: finishedBody.optional(),
});
const someReport = (item: { readonly started?: unknown; readonly finished?: unknown }): boolean => item.started !== undefined || item.finished !== undefined;
const SOME_REPORT = { message: 'expected started, finished or both' };

/** One item of `POST /v1/agents/{id}/reports`. */
export const reportItem = reportFields.refine(someReport, SOME_REPORT);

/** One report of `POST /v1/agents/poll`: a `/reports` item naming its agent. */
export const agentReportItem = reportFields.extend({ agent: agentId }).refine(someReport, SOME_REPORT);

/**
 * One offer answer of `POST /v1/agents/poll`: the body of `POST /v1/agents/{id}/offers/{offerId}`
 * naming its agent and its offer as that route's path does.
 */
export const agentOfferAnswer = offerAnswerFields.extend({ agent: agentId, offerId }).refine(reasonOnlyWithDecline, REASON_ONLY_WITH_DECLINE);

/** The body of `POST /v1/agents/poll`; its agent list, its reports and its offer answers are validated apart. */
export const multiPollBody = z.strictObject({
  agents: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS),
  reports: z.array(z.unknown()).max(MAX_BATCH_ITEMS).optional(),
  offers: z.array(z.unknown()).max(MAX_BATCH_ITEMS).optional(),
});
const agentList = z.array(agentId);
const fastMultiPollBody = fastPollBody(MAX_BATCH_ITEMS);

/** Names the agent at `index` of a multi-agent poll's list. */
const agentsField = (index: number): string => `body.agents[${index}]`;

/** A failed item: the one-line error and the status a single request would have got. */
export interface BatchItemError {
  /** The one-line error. */
  readonly error: string;
  /** The HTTP status a single request would have got. */
  readonly status: number;
}

/** An accepted submission in a batch. */
export interface SubmittedItem {
  /** Task id. */
  readonly id: string;
  /** The task's state after the submission. */
  readonly state: string;
  /** 201 when the task is new, 200 when the same submission was already there. */
  readonly status: 200 | 201;
}

/** A report in a batch: whether each part was stale. */
export interface ReportedItem {
  /** The start part, and whether it was stale. */
  readonly started?: { readonly stale: boolean };
  /** The finish part, and whether it was stale. */
  readonly finished?: { readonly stale: boolean };
}

/** Registers the batch routes. */
export function batchRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { auth, agents } = context;

  app.post('/v1/tasks/batch', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'submitter' });
    refuseQuery(request.query);
    const { tasks: items } = parseRequest(taskBatch, request.body, 'body', fastTaskBatch) as { tasks: unknown[] };
    // Filled item by item: an error that is not an item's (a bug) leaves the items before it here.
    const accepted: (NewSubmission | Resubmission | BatchItemError)[] = [];
    // Items whose wait for their state (TaskRegistry.awaitState) has ended; the rest end it below if the request fails.
    let answered = 0;
    try {
      submitting(context, items.length, () => {
        // A loop rather than `map` with a closure per item; an item's client error answers it alone, anything else fails the request.
        for (let i = 0; i < items.length; i++) {
          try {
            accepted.push(submitOne(context, items[i], i));
          } catch (error) {
            accepted.push(itemError(error));
          }
        }
      });
      await durable(context);
      // Each item's state as the task is once the batch is durable, as POST /v1/tasks answers it.
      const results: (SubmittedItem | BatchItemError)[] = [];
      for (let i = 0; i < accepted.length; i++) {
        const item = accepted[i]!;
        // Its wait ends in submittedState, which may then throw (a bug): not to be ended again below.
        answered = i + 1;
        results.push(item instanceof NewSubmission ? { id: item.spec.id, state: submittedState(context, item.spec), status: 201 } : item instanceof Resubmission ? { id: item.known.spec.id, state: item.known.state, status: 200 } : item);
      }
      sendJson(reply, { results });
    } finally {
      for (let i = answered; i < accepted.length; i++) {
        const item = accepted[i]!;
        if (item instanceof NewSubmission) context.tasks.awaitedState(item.spec);
      }
    }
  });

  app.post('/v1/agents/:id/reports', async (request, reply) => {
    const { id } = parseRequest(agentParams, request.params, 'params');
    auth.check(request.headers.authorization, { kind: 'agent', agentId: id });
    refuseQuery(request.query);
    const { reports: items } = parseRequest(reportBatch, request.body, 'body', fastReportBatch) as { reports: unknown[] };
    if (agents.agent(id) === undefined) throw new HttpError(404, `params.id: no agent ${id} ever registered`);
    const results = await applyReports(context, items, (raw, i) => ({ ...parseItem(reportItem, raw, `body.reports[${i}]`, fastReportItem), agent: id }));
    await durable(context);
    sendJson(reply, { results });
  });

  // A process polls with the same list of agents every time: validated once.
  let lastList: readonly string[] = [];
  let lastListed: ReadonlySet<string> = new Set();
  const sameAsLast = (list: readonly unknown[]): boolean => {
    if (list.length !== lastList.length) return false;
    // A loop: `every` would make a closure per poll.
    for (let i = 0; i < list.length; i++) if (list[i] !== lastList[i]) return false;
    return true;
  };

  app.post('/v1/agents/poll', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'any' });
    const { wait } = parseRequest(pollQuery, request.query, 'query');
    const body = parseRequest(multiPollBody, request.body, 'body', fastMultiPollBody);
    const same = sameAsLast(body.agents);
    const list = same ? lastList : parseItem(agentList, body.agents, 'body.agents');
    const listed = same ? lastListed : distinct(list);
    lastList = list;
    lastListed = listed;
    if (auth.enabled) auth.checkAll(request.headers.authorization, list.map((agent) => ({ kind: 'agent', agentId: agent } as const)));
    const results = body.reports === undefined ? undefined : await applyReports(context, body.reports, (raw, i) => {
      const item = parseItem(agentReportItem, raw, `body.reports[${i}]`, fastAgentReportItem);
      if (!listed.has(item.agent)) throw new HttpError(400, `body.reports[${i}].agent: agent ${item.agent} is not listed in body.agents`);
      return item;
    });
    const offerResults = body.offers === undefined ? undefined : await applyEach(context, body.offers, (raw, i) => {
      const item = parseItem(agentOfferAnswer, raw, `body.offers[${i}]`, fastAgentOfferAnswer);
      if (!listed.has(item.agent)) throw new HttpError(400, `body.offers[${i}].agent: agent ${item.agent} is not listed in body.agents`);
      return agents.answer(item.agent, item.offerId, item, `body.offers[${i}].offerId`);
    });
    if (results !== undefined || offerResults !== undefined) await durable(context);
    const poll = agents.openPoll(list, wait, agentsField);
    // The response closing before it was answered: the client went away (a no-op once answered).
    reply.raw.on('close', poll.end);
    const commands = await poll.answer;
    sendJson(reply, pollAnswer(commands, results, offerResults));
  });
}

/** The agents of a list as a set; a repeated one is a 400 naming it. */
function distinct(list: readonly string[]): ReadonlySet<string> {
  const listed = new Set<string>();
  list.forEach((agent, i) => {
    if (listed.has(agent)) throw new HttpError(400, `body.agents[${i}]: agent ${agent} is listed twice`);
    listed.add(agent);
  });
  return listed;
}

/**
 * Applies attempt reports, each validated by `parse` (its 400 or 403 answers that item alone),
 * and lets the driver feed what they settled.
 */
function applyReports(
  context: ServiceContext, items: readonly unknown[], parse: (raw: unknown, index: number) => { readonly agent: string; readonly task: string; readonly attempt: number; readonly started?: StartedBody; readonly finished?: FinishedBody },
): Promise<(ReportedItem | BatchItemError)[]> {
  const { agents } = context;
  return applyEach(context, items, (raw, i) => {
    const item = parse(raw, i);
    const started = item.started === undefined ? undefined : agents.started(item.agent, item.task, item.attempt, item.started, i);
    const finished = item.finished === undefined ? undefined : agents.finished(item.agent, item.task, item.attempt, item.finished);
    return reported(started, finished);
  });
}

/**
 * Applies each item by `apply` (an item's client error answers that item alone), then lets the
 * driver feed what they settled: one answer per item, in order.
 */
async function applyEach<Answer>(context: ServiceContext, items: readonly unknown[], apply: (raw: unknown, index: number) => Answer): Promise<(Answer | BatchItemError)[]> {
  const promised = context.agents.promisedSettlements;
  // A loop rather than `map` with a closure per item.
  const results: (Answer | BatchItemError)[] = [];
  for (let i = 0; i < items.length; i++) {
    try {
      results.push(apply(items[i], i));
    } catch (error) {
      results.push(itemError(error));
    }
  }
  await afterSettlements(context, promised);
  return results;
}

/** A multi-agent poll's answer: its commands, and the answers of the items it carried, made without spreading. */
function pollAnswer(commands: unknown, results: unknown[] | undefined, offerResults: unknown[] | undefined): object {
  if (offerResults === undefined) return results === undefined ? { commands } : { commands, results };
  return results === undefined ? { commands, offerResults } : { commands, results, offerResults };
}

/** A report's answer, made without spreading (`parse` guarantees one part at least). */
function reported(started: ReportAnswer | undefined, finished: ReportAnswer | undefined): ReportedItem {
  if (started === undefined) return finished === undefined ? {} : { finished };
  return finished === undefined ? { started } : { started, finished };
}

/** A batch item submitted: its answer's state is read once the batch is durable. */
class NewSubmission {
  constructor(readonly spec: TaskSpec) {}
}

/** A batch item that resubmits a known task (200): its answer's state is the entry's once the batch is durable. */
class Resubmission {
  constructor(readonly known: TaskEntry) {}
}

function submitOne(context: ServiceContext, raw: unknown, index: number): NewSubmission | Resubmission {
  const body = parseItem(taskBody, raw, `body.tasks[${index}]`, fastTaskBody);
  const known = body.id === undefined ? undefined : context.tasks.get(body.id);
  if (known !== undefined) {
    if (!sameSubmission(known, body)) throw new HttpError(409, `body.tasks[${index}]: task ${known.spec.id} was submitted before with another body`);
    return new Resubmission(known);
  }
  const spec = taskSpec(body, body.id ?? `task-${randomUUID()}`, context);
  submit(context, spec);
  return new NewSubmission(spec);
}

/**
 * Validates one item (by `fast` if it recognises the item, see {@link parseRequest}); the 400's
 * message names the item's path (`body.tasks[3].priority: …`).
 */
function parseItem<Schema extends z.ZodType>(schema: Schema, raw: unknown, path: string, fast?: FastPath<z.output<Schema>>): z.output<Schema> {
  try {
    return parseRequest(schema, raw, 'body', fast);
  } catch (error) {
    if (isHttpError(error)) throw new HttpError(error.statusCode, path + error.message.slice('body'.length));
    throw error;
  }
}

/** A failed item's result: the HTTP error it threw; anything else is not the item's fault and propagates. */
function itemError(error: unknown): BatchItemError {
  if (isHttpError(error)) return { error: error.message, status: error.statusCode };
  throw error;
}
