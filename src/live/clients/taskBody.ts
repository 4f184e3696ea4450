/**
 * A scenario task as a `POST /v1/tasks` body, on a clock K times faster: the API's deadline is
 * relative (seconds after submission), so the spec's absolute deadline becomes
 * (deadline − arrival) / K; `timeoutSeconds` and `ttlSeconds` are divided by K too. Sizes
 * (tokens, context tokens) are kept: the agents run K times faster instead. The client id is the
 * spec's id (with an optional prefix), so a retried submission is idempotent. A workflow's task
 * carries its workflow as the simulator made it (`workflowId`, `parentId`, the per-edge
 * `dependencyPolicy`), so that the service keeps the `workflows.*` metrics; the prefix goes on
 * every task id (dependencies, edges, parent) and on the workflow id, so that a second load of the
 * same workload under another prefix makes workflows of its own. A trace's task carries its
 * prompt prefix (`contextBlocks`, `contextBlockTokens`, in tokens: unscaled) and, for a request
 * the trace records as failed, `traceFailed` (the emulated agents fail each of its attempts).
 */
import type { DependencyFailurePolicy, TaskSpec } from '../../engine/task.js';

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
  /** Its context as a prompt prefix of blocks (a Mooncake trace's `hash_ids`), if any. */
  readonly contextBlocks?: readonly number[];
  /** Tokens of one block of `contextBlocks`. */
  readonly contextBlockTokens?: number;
  /** A request the replayed trace records as failed: an emulation hint (emulated agents fail every attempt). */
  readonly traceFailed?: boolean;
  /** Deadline relative to submission, seconds, if any. */
  readonly deadline?: number;
  /** Ids of the tasks it waits for. */
  readonly dependsOn?: readonly string[];
  /** Per edge of `dependsOn`, what the dependency ending without completing does to the task. */
  readonly dependencyPolicy?: Readonly<Record<string, DependencyFailurePolicy>>;
  /** The task it was split from, if any. */
  readonly parentId?: string;
  /** The workflow it belongs to, if any. */
  readonly workflowId?: string;
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
    contextBlocks: spec.contextBlocks,
    contextBlockTokens: spec.contextBlockTokens,
    traceFailed: spec.traceFailed === true ? true : undefined,
    deadline,
    dependsOn: spec.dependsOn?.map((id) => idPrefix + id),
    dependencyPolicy: spec.dependencyPolicy === undefined || Object.keys(spec.dependencyPolicy).length === 0
      ? undefined
      : Object.fromEntries(Object.entries(spec.dependencyPolicy).map(([id, policy]) => [idPrefix + id, policy])),
    parentId: spec.parentId === undefined ? undefined : idPrefix + spec.parentId,
    workflowId: spec.workflowId === undefined ? undefined : idPrefix + spec.workflowId,
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
