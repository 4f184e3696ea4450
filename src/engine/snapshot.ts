/**
 * Snapshots: the engine's whole state as plain JSON data ({@link EngineSnapshot}), taken between
 * inputs, and an engine rebuilt from one ({@link restoreEngine}), so that a live service's
 * write-ahead log can be compacted to a snapshot plus the inputs after it.
 *
 * What a snapshot holds: every live task (its spec, state, attempt, agent, priority, times,
 * offers and rejections, dependency bookkeeping, pending timer), the order of every queue (pool,
 * held, each agent's own), every agent (spec, load, draining, context as last reported), settled
 * memory, paused types, paused tasks waiting to resume, the tallies of `counts()`, the next timer
 * id and every pending timer with its due time, the ingress bucket, failure memory, the
 * autoscalers and the agents being provisioned. What it leaves out: outputs not yet polled
 * (commands and queued events: a restored engine starts with both queues empty, and what the
 * commands asked for is in its state), and the strategy's own learned state (see
 * {@link restoreEngine}).
 *
 * Numbers JSON cannot carry (NaN, ±Infinity) are written as strings (`JsonNumber`). The snapshot's
 * shape is in `snapshotFormat.ts`.
 *
 * May touch: nothing while capturing (it reads the state); restoring is in `snapshotRestore.ts`.
 */
import { Engine, type EngineOptions } from './engine.js';
import type { EngineState } from './engineState.js';
import type { TaskId, TaskRecord, TaskSpec } from './task.js';
import { settledEntries, type SettledColumns } from './settledMemory.js';
import type { TaskQueue } from './taskQueue.js';
import { copyTaskRecord } from './taskRecord.js';
import {
  jsonNumber,
  type AgentSnapshot, type EngineSnapshot, type OpenAttempt, type OpenOffer, type PendingProvision, type PendingTimer, type TaskSnapshot, type TimerSnapshot,
} from './snapshotFormat.js';

/** Whether `value` is JSON data that reads back the same (finite numbers, plain objects and arrays). */
function isJsonData(value: unknown): boolean {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!isJsonData(item)) return false;
    return true;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (!isJsonData((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** Throws, naming the first part of `value` that is not JSON data, unless it all is. */
function assertJsonData(value: unknown, where: string): void {
  if (isJsonData(value)) return;
  if (typeof value === 'number') throw new Error(`engine snapshot: ${where} is ${value}, which JSON cannot carry`);
  if (Array.isArray(value)) value.forEach((item, i) => assertJsonData(item, `${where}[${i}]`));
  else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) assertJsonData(item, `${where}.${key}`);
  }
  throw new Error(`engine snapshot: ${where} is not plain JSON data`);
}

/** The ids of a queue's tasks, in queue order. */
function queueIds(queue: TaskQueue): TaskId[] {
  const ids: TaskId[] = [];
  queue.find(Number.POSITIVE_INFINITY, (task) => {
    ids.push(task.spec.id);
    return false;
  });
  return ids;
}

/**
 * A snapshot taken between two inputs in two steps: what must be copied at once
 * ({@link captureSnapshot}), and the live tasks and settled entries made into snapshot data
 * later, a part at a time, while the engine goes on (a compaction's). Shares no mutable state with
 * the engine: every list in it is a copy; specs are shared, and no one writes a spec.
 */
export interface SnapshotCapture {
  /** The snapshot with `tasks` and `settled` left empty. */
  readonly head: EngineSnapshot;
  /** The live tasks as they stood: copies of their records ({@link capturedTaskSnapshot} makes each snapshot data), in no particular order. */
  readonly tasks: readonly TaskRecord[];
  /** Ids of settled tasks remembered, with their final states. */
  readonly settled: SettledColumns;
}

/**
 * The state of `s`, captured: the snapshot's parts of O(agents, queued tasks, timers) as data,
 * the live tasks as copies of their records, the settled memory as two copied lists. No step per
 * settled task, and per live task only a copy: no snapshot object, sort or walk of its spec
 * (specs are immutable and shared, so checking and writing them can wait). {@link takeSnapshot}
 * is its whole snapshot made at once.
 */
export function captureSnapshot(s: EngineState): SnapshotCapture {
  const isLive = (task: { readonly spec: TaskSpec }): boolean => s.live.get(task.spec.id) === task;
  const tasks = s.live.list();
  for (let i = 0; i < tasks.length; i++) tasks[i] = copyTaskRecord(tasks[i]!, isLive);
  const agents = s.fleet.agents.map((agent, i): AgentSnapshot => {
    if (!isJsonData(agent.spec)) assertJsonData(agent.spec, `agents[${i}].spec`);
    return {
      spec: agent.spec, accepting: agent.accepting, draining: agent.draining, left: agent.left, paused: agent.paused,
      active: agent.active, queued: agent.queued, outstandingTokens: agent.outstandingTokens,
      contextUtilization: agent.contextUtilization, residentKeys: [...agent.residentKeys], observedAt: agent.observedAt,
      completed: agent.completed,
    };
  });
  const waitingFor: [TaskId, TaskId[]][] = [];
  for (const [id, waiters] of s.waitingFor) {
    const ids = waiters.filter(isLive).map((w) => w.spec.id);
    if (ids.length > 0) waitingFor.push([id, ids]);
  }
  const timers = [...s.timers].sort(([a], [b]) => a - b).map(([timerId, timer]): TimerSnapshot =>
    timer.kind === 'autoscale'
      ? { timerId, at: jsonNumber(timer.at), kind: 'autoscale', pool: s.scalers[timer.scaler]!.config.pool }
      : { timerId, at: jsonNumber(timer.at), kind: timer.kind, taskId: timer.task.spec.id });
  const resumable: TaskId[] = [];
  for (const task of s.resumable) {
    // Entries of tasks that settled or resumed meanwhile are skipped when paused tasks resume.
    if (task.state === 'paused' && task.resumeReady && isLive(task) && !resumable.includes(task.spec.id)) resumable.push(task.spec.id);
  }
  const { tokens, lastTime } = s.ingress.level;
  const { inFlight: _inFlight, ...tally } = s.tally;
  const head: EngineSnapshot = {
    version: 1,
    lastNow: jsonNumber(s.lastNow),
    nextTimerId: s.nextTimerId,
    tally,
    agents,
    freeSlots: s.fleet.freeSlots,
    tasks: [],
    queues: { pool: queueIds(s.pool), held: queueIds(s.held), agents: s.agentQueues.map(queueIds) },
    waitingFor,
    settled: [],
    timers,
    pausedTypes: [...s.pausedTypes],
    ...(s.queueOrder === 'fair' ? { tenantCounters: s.tenantCounters.snapshot() } : {}),
    resumable,
    hungry: [...s.hungry].map((agent) => agent.index),
    poolDirty: s.poolDirty,
    fallenIdle: s.fallenIdle.map((agent) => agent.index),
    drainCandidates: s.drainCandidates.map((agent) => agent.index),
    failureMemory: s.failureMemory.entries().map(([key, expiry]) => [key, jsonNumber(expiry)]),
    ingress: { tokens: jsonNumber(tokens), lastTime: jsonNumber(lastTime) },
    autoscalers: s.scalers.map((scaler, i) => ({ pool: scaler.config.pool, lastActionAt: jsonNumber(scaler.lastActionAt), awake: s.scalerAwake[i]! })),
    provisioning: [...s.provisioning],
  };
  return { head, tasks, settled: s.settled.columns() };
}

/** Captured tasks ({@link SnapshotCapture.tasks}) in submission order, the order of a snapshot's `tasks` (a new array). */
export function inSubmissionOrder(tasks: readonly TaskRecord[]): TaskRecord[] {
  return [...tasks].sort(bySeq);
}

/**
 * A captured task ({@link SnapshotCapture.tasks}) as snapshot data; throws, naming the task,
 * when its spec is not plain JSON data (a snapshot could not carry it).
 */
export function capturedTaskSnapshot(task: TaskRecord): TaskSnapshot {
  if (!isJsonData(task.spec)) assertJsonData(task.spec, `tasks[${task.spec.id}].spec`);
  // Fields added one by one in the snapshot's key order (optional ones only when set): no
  // temporary object per optional field, which a compaction paid for every live task.
  const t: Record<string, unknown> = {
    spec: task.spec, state: task.state, seq: task.seq, submittedAt: task.submittedAt, attempt: task.attempt,
    agentIndex: task.agentIndex, startedAt: jsonNumber(task.startedAt),
  };
  if (task.failureReason !== undefined) t['failureReason'] = task.failureReason;
  t['priority'] = task.priority;
  t['offers'] = task.offers;
  if (task.rejectionReason !== undefined) t['rejectionReason'] = task.rejectionReason;
  if (task.offeredTo !== undefined) t['offeredTo'] = [...task.offeredTo];
  if (task.rejectedBy !== undefined) t['rejectedBy'] = [...task.rejectedBy];
  t['resumeReady'] = task.resumeReady;
  t['maxRetries'] = task.maxRetries;
  t['unmetDependencies'] = task.unmetDependencies;
  // A captured record's dependents are the live ones.
  t['dependents'] = task.dependents === undefined ? [] : task.dependents.map((d) => d.spec.id);
  t['timerId'] = task.timerId;
  return t as unknown as TaskSnapshot;
}

/** The state of `s` as an {@link EngineSnapshot} (see the module comment). */
export function takeSnapshot(s: EngineState): EngineSnapshot {
  const { head, tasks, settled } = captureSnapshot(s);
  // Spread, the two lists keep their places in the key order.
  return { ...head, tasks: inSubmissionOrder(tasks).map(capturedTaskSnapshot), settled: settledEntries(settled) };
}

/** The engine's pending timers, earliest first (ties by id, the order they were set). */
export function pendingTimersOf(s: EngineState): PendingTimer[] {
  const timers: PendingTimer[] = [];
  for (const [timerId, timer] of s.timers) timers.push({ timerId, at: timer.at });
  return timers.sort((a, b) => a.at - b.at || a.timerId - b.timerId);
}

/** Attempts told to start, running or paused, in submission order. */
export function openAttemptsOf(s: EngineState): OpenAttempt[] {
  // Chosen first, then sorted (seqs are unique: the same order): a driver's compaction asks for
  // both lists, and the live tasks need not be copied or sorted whole for each.
  const tasks: TaskRecord[] = [];
  for (const task of s.live.values()) if (task.state === 'assigned' || task.state === 'running' || task.state === 'paused') tasks.push(task);
  return tasks.sort(bySeq).map((task) => ({ task, agent: s.fleet.agents[task.agentIndex]!, attempt: task.attempt }));
}

/** Open offers, in submission order, then in the order they were made. */
export function openOffersOf(s: EngineState): OpenOffer[] {
  const tasks: TaskRecord[] = [];
  for (const task of s.live.values()) if (task.state === 'offered' && task.offeredTo !== undefined) tasks.push(task);
  const open: OpenOffer[] = [];
  for (const task of tasks.sort(bySeq)) for (const index of task.offeredTo!) open.push({ task, agent: s.fleet.agents[index]!, offer: task.offers });
  return open;
}

function bySeq(a: TaskRecord, b: TaskRecord): number {
  return a.seq - b.seq;
}

/** Pools waiting for agents they asked for, in the order they first asked. */
export function pendingProvisionsOf(s: EngineState): PendingProvision[] {
  const pending: PendingProvision[] = [];
  for (const [pool, agents] of s.provisioning) if (agents > 0) pending.push({ pool, agents });
  return pending;
}

/**
 * A fresh engine with the strategy, generators and sink of `options`, in the state `snapshot`
 * describes. Throws an Error naming the field when the snapshot is not one an engine could be
 * in (wrong version, a reference to a task, agent, timer or pool that is not there, counts that
 * do not add up).
 *
 * The strategy hears of the fleet through its hooks, as if the agents had joined in order:
 * `onAgentJoined` for each agent, `onAgentLeft` for those gone, then `onAgentLoadChanged` for
 * every agent, so indexes of agents by load (least-connections, join-shortest-queue,
 * power-of-d, join-idle-queue, consistent-hash, cache-aware's heaps, work stealing) are right.
 * What a strategy learned from past assignments and results starts afresh: round-robin's turn,
 * weighted-round-robin's weights, context-batching's and cache-aware's key holders,
 * predictive's window of recent tasks, performance-based's, latency-ewma's and the scored
 * pipelines' learned scores; random and power-of-d sample an eligible set, and join-idle-queue
 * keeps an idle queue, rebuilt in agent order. The generators of `options` are used from where
 * they stand: engines restored from one snapshot with generators seeded alike react identically
 * to the same inputs.
 */
export function restoreEngine(options: EngineOptions, snapshot: EngineSnapshot): Engine {
  return new Engine(options, snapshot);
}
