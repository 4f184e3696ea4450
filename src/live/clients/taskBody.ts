/**
 * A scenario task as a `POST /v1/tasks` body, on a clock K times faster: the API's deadline is
 * relative (seconds after submission), so the spec's absolute deadline becomes
 * (deadline − arrival) / K; `timeoutSeconds` and `ttlSeconds` are divided by K too. Sizes
 * (tokens, context tokens) are kept: the agents run K times faster instead. The client id is the
 * spec's id (with an optional prefix, applied to dependencies too), so a retried submission is
 * idempotent.
 *
 * The API has no field for a workflow's bookkeeping (`workflowId`, `parentId`) or per-edge
 * dependency policies (`dependencyPolicy`): those are left out (the service applies its engine's
 * `dependencies.onFailure` to every edge); {@link droppedFields} names them so the caller can say so.
 */
import type { TaskSpec } from '../../engine/task.js';

/** The body of one submission. */
export interface TaskBody {
  /** Task id. */
  readonly id: string;
  /** Task type. */
  readonly type: string;
  /** Work, tokens. */
  readonly tokens: number;
  /** Priority level (0 most urgent). */
  readonly priority: number;
  /** Tokens of context it needs resident. */
  readonly contextTokens: number;
  /** Context key it needs resident, if any. */
  readonly contextKey?: string;
  /** Deadline relative to submission, seconds, if any. */
  readonly deadline?: number;
  /** Ids of the tasks it waits for. */
  readonly dependsOn?: readonly string[];
  /** Tags an agent must carry to take it. */
  readonly tags?: readonly string[];
  /** Tenant it is charged to, if any. */
  readonly tenant?: string;
  /** Direct assignment: the only agent that may take it. */
  readonly assignee?: string;
  /** Retries after the first attempt; the service's default when absent. */
  readonly maxRetries?: number;
  /** Longest a single attempt may run before it fails with reason `timeout`, seconds. */
  readonly timeoutSeconds?: number;
  /** Longest the task may wait queued and unassigned before it expires, seconds. */
  readonly ttlSeconds?: number;
}

/** The smallest relative deadline sent (the API wants a positive one; a deadline at arrival is due at once). */
export const MIN_DEADLINE_SECONDS = 1e-6;

/** The body submitting `spec`, which arrives at scenario time `atSeconds`, on a clock `speedup` times faster. */
export function taskBody(spec: TaskSpec, atSeconds: number, speedup: number, idPrefix = ''): TaskBody {
  const scaled = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds / speedup);
  const deadline = spec.deadline === undefined ? undefined : Math.max(MIN_DEADLINE_SECONDS, (spec.deadline - atSeconds) / speedup);
  const body: Record<string, unknown> = {
    id: idPrefix + spec.id,
    type: spec.type,
    tokens: spec.tokens,
    priority: spec.priority,
    contextTokens: spec.contextTokens,
    contextKey: spec.contextKey,
    deadline,
    dependsOn: spec.dependsOn?.map((id) => idPrefix + id),
    tags: spec.tags !== undefined && spec.tags.length > 0 ? spec.tags : undefined,
    tenant: spec.tenant,
    assignee: spec.assignee,
    maxRetries: spec.maxRetries,
    timeoutSeconds: scaled(spec.timeoutSeconds),
    ttlSeconds: scaled(spec.ttlSeconds),
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body as unknown as TaskBody;
}

/** Fields of `spec` the API has no place for (see the module comment). */
export function droppedFields(spec: TaskSpec): string[] {
  const dropped: string[] = [];
  if (spec.dependencyPolicy !== undefined && Object.keys(spec.dependencyPolicy).length > 0) dropped.push('dependencyPolicy');
  if (spec.workflowId !== undefined) dropped.push('workflowId');
  if (spec.parentId !== undefined) dropped.push('parentId');
  return dropped;
}
