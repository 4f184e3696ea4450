/**
 * `/v1/tasks`: submit (idempotent with a client id), read, list, cancel.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DependencyFailurePolicy, TaskSpec, TaskState } from '../../engine/task.js';
import { LiveDriverError } from '../driverOptions.js';
import { parseRequest, refuseQuery, taskBody, taskListQuery, taskParams, type TaskBody } from './bodies.js';
import { fastTaskBody } from './fastBodies.js';
import { durable, submitting, type ServiceContext } from './context.js';
import { HttpError } from './httpError.js';
import { sendJson } from './jsonReply.js';
import { externalAgentId } from './remoteAgents.js';
import { taskDetailJson, type TaskEntry } from './taskRegistry.js';

/**
 * Relative deadlines are compared within this many seconds: the absolute deadline is computed
 * from a clock reading taken just before the driver takes its own for the submission.
 */
const DEADLINE_TOLERANCE_SECONDS = 0.01;

/** Registers the task routes. */
export function taskRoutes(app: FastifyInstance, context: ServiceContext): void {
  const { auth, tasks } = context;

  app.post('/v1/tasks', async (request, reply) => {
    auth.check(request.headers.authorization, { kind: 'submitter' });
    refuseQuery(request.query);
    const body = parseRequest(taskBody, request.body, 'body', fastTaskBody);
    const known = body.id === undefined ? undefined : tasks.get(body.id);
    if (known !== undefined) {
      if (!sameSubmission(known, body)) throw new HttpError(409, `body: task ${known.spec.id} was submitted before with another body`);
      await durable(context);
      sendJson(reply, { id: known.spec.id, state: known.state });
      return;
    }
    const spec = submitting(context, 1, () => {
      const made = taskSpec(body, body.id ?? `task-${randomUUID()}`, context);
      submit(context, made);
      return made;
    });
    try {
      await durable(context);
    } catch (error) {
      tasks.awaitedState(spec);
      throw error;
    }
    sendJson(reply, { id: spec.id, state: submittedState(context, spec) }, 201);
  });

  app.get('/v1/tasks', async (request) => {
    auth.check(request.headers.authorization, { kind: 'submitter' });
    const query = parseRequest(taskListQuery, request.query, 'query');
    await durable(context);
    return tasks.page(query);
  });

  app.get('/v1/tasks/:id', async (request) => {
    auth.check(request.headers.authorization, { kind: 'submitter' });
    refuseQuery(request.query);
    const { id } = parseRequest(taskParams, request.params, 'params');
    const entry = found(context, id);
    await durable(context);
    return taskDetailJson(entry);
  });

  app.delete('/v1/tasks/:id', async (request) => {
    auth.check(request.headers.authorization, { kind: 'submitter' });
    refuseQuery(request.query);
    const { id } = parseRequest(taskParams, request.params, 'params');
    const entry = found(context, id);
    if (context.driver.engine.task(id) !== undefined) guarded(() => context.driver.cancel(id));
    await durable(context);
    return { id, state: entry.state };
  });
}

function found(context: ServiceContext, id: string): TaskEntry {
  const entry = context.tasks.get(id);
  if (entry === undefined) throw new HttpError(404, `params.id: no task ${id}`);
  return entry;
}

/**
 * The engine's spec of a submission: the deadline made absolute, an assignee named by its current
 * incarnation, `traceFailed` only when true.
 */
export function taskSpec(body: TaskBody, id: string, context: ServiceContext): TaskSpec {
  const assignee = body.assignee === undefined ? undefined : (context.agents.agent(body.assignee)?.engineId ?? body.assignee);
  return {
    id,
    type: body.type,
    priority: body.priority,
    tokens: body.tokens,
    contextTokens: body.contextTokens,
    ...(body.contextKey === undefined ? {} : { contextKey: body.contextKey }),
    ...(body.contextBlocks === undefined ? {} : { contextBlocks: body.contextBlocks, contextBlockTokens: body.contextBlockTokens! }),
    // As the simulator's specs carry it: only when set.
    ...(body.traceFailed === true ? { traceFailed: true } : {}),
    ...(body.deadline === undefined ? {} : { deadline: context.now() + body.deadline }),
    ...(body.dependsOn === undefined ? {} : { dependsOn: body.dependsOn }),
    ...(body.dependencyPolicy === undefined ? {} : { dependencyPolicy: body.dependencyPolicy }),
    ...(body.parentId === undefined ? {} : { parentId: body.parentId }),
    ...(body.workflowId === undefined ? {} : { workflowId: body.workflowId }),
    ...(body.tags === undefined ? {} : { tags: body.tags }),
    ...(body.tenant === undefined ? {} : { tenant: body.tenant }),
    ...(assignee === undefined ? {} : { assignee }),
    ...(body.maxRetries === undefined ? {} : { maxRetries: body.maxRetries }),
    ...(body.timeoutSeconds === undefined ? {} : { timeoutSeconds: body.timeoutSeconds }),
    ...(body.ttlSeconds === undefined ? {} : { ttlSeconds: body.ttlSeconds }),
  };
}

/**
 * Feeds a submission to the driver: a stopped driver is a 503, an id the engine still remembers a
 * 409. Once it is durable, its answer's state is {@link submittedState}'s (called also when the
 * wait for it fails: the registry keeps the task's final state for it until then).
 */
export function submit(context: ServiceContext, spec: TaskSpec): void {
  context.tasks.awaitState(spec);
  try {
    guarded(() => context.driver.submit(spec));
  } catch (error) {
    context.tasks.awaitedState(spec);
    if (error instanceof LiveDriverError && error.code === 'duplicate') {
      throw new HttpError(409, `body.id: task id ${spec.id} was used before (the engine still remembers it)`);
    }
    throw error;
  }
}

/**
 * The state a new task's answer shows, read once its submission ({@link submit}) is durable: its
 * current state, or the final one it settled in meanwhile, even if the registry has forgotten the
 * task since (see `TaskRegistry.awaitState`). Never a state the task is not in.
 */
export function submittedState(context: ServiceContext, spec: TaskSpec): TaskState {
  const state = context.tasks.awaitedState(spec);
  // The registry folds the submission's events before the driver returns: a bug, if not.
  if (state === undefined) throw new Error(`task ${spec.id}: submitted, but the task registry never saw it`);
  return state;
}

/** Runs a driver input; a stopped driver is a 503. */
export function guarded(input: () => void): void {
  try {
    input();
  } catch (error) {
    if (error instanceof LiveDriverError) throw new HttpError(503, `service: ${error.message}`);
    throw error;
  }
}

/** Whether a resubmission carries the body of the first submission. */
export function sameSubmission(entry: TaskEntry, body: TaskBody): boolean {
  const { spec } = entry;
  const sameList = <Item>(a: readonly Item[] | undefined, b: readonly Item[] | undefined): boolean =>
    (a ?? []).length === (b ?? []).length && (a ?? []).every((item, i) => item === b![i]);
  const relativeDeadline = spec.deadline === undefined ? undefined : spec.deadline - entry.submittedAt;
  const sameDeadline = relativeDeadline === undefined || body.deadline === undefined
    ? relativeDeadline === body.deadline
    : Math.abs(relativeDeadline - body.deadline) <= DEADLINE_TOLERANCE_SECONDS;
  return spec.type === body.type && spec.tokens === body.tokens && spec.priority === body.priority && spec.contextKey === body.contextKey &&
    spec.contextTokens === body.contextTokens && sameList(spec.contextBlocks, body.contextBlocks) && spec.contextBlockTokens === body.contextBlockTokens &&
    (spec.traceFailed === true) === (body.traceFailed === true) && sameDeadline && sameList(spec.dependsOn, body.dependsOn) && samePolicies(spec.dependencyPolicy, body.dependencyPolicy) &&
    spec.parentId === body.parentId && spec.workflowId === body.workflowId && sameList(spec.tags, body.tags) && spec.tenant === body.tenant &&
    (spec.assignee === undefined ? undefined : externalAgentId(spec.assignee)) === body.assignee &&
    spec.maxRetries === body.maxRetries && spec.timeoutSeconds === body.timeoutSeconds && spec.ttlSeconds === body.ttlSeconds;
}

/** Whether two per-edge dependency policies name the same edges with the same policies (absent: none). */
function samePolicies(a: Readonly<Record<string, DependencyFailurePolicy>> | undefined, b: Readonly<Record<string, DependencyFailurePolicy>> | undefined): boolean {
  const edges = Object.keys(a ?? {});
  return edges.length === Object.keys(b ?? {}).length && edges.every((edge) => Object.hasOwn(b!, edge) && a![edge] === b![edge]);
}
