/**
 * Restoring a snapshot: checks an {@link EngineSnapshot} field by field (types, and that every
 * reference to a task, agent, timer or pool is there) and writes it into a fresh engine's state,
 * then tells the strategy about the fleet through its agent hooks (`introduceStrategy`, generation.ts). No event is emitted and no
 * command queued: the snapshot is of a state already reported. Specs are checked as far as the
 * engine checks them on arrival (ids, capacities, token counts): the rest is the submitter's.
 *
 * May touch: every part of a state built moments ago by `EngineState`'s constructor, once.
 */
import { FleetAgentRecord, NO_RESIDENT_KEYS, type AgentRecord } from './agent.js';
import { count } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { introduceStrategy } from './generation.js';
import { fromJsonNumber, type EngineSnapshot, type JsonNumber, type TaskSnapshot } from './snapshotFormat.js';
import { isFinal, PRIORITY_LEVELS, type FinalTaskState, type TaskId, type TaskRecord, type TaskState } from './task.js';
import { NO_QUEUE, type TaskQueue } from './taskQueue.js';
import { CompactTaskRecord } from './taskRecord.js';
import { TRANSITIONS } from './lifecycle.js';

function fail(field: string, problem: string): never {
  throw new Error(`invalid engine snapshot: ${field} ${problem}`);
}

// The checks below name a field as `base + key`, joined only when one fails: a restore checks
// a dozen fields per task.

function int(value: unknown, base: string, key = '', min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(base + key, `must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function num(value: unknown, base: string, key = ''): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return fromJsonNumber(value as JsonNumber);
  return fail(base + key, `must be a number, got ${JSON.stringify(value)}`);
}

function finite(value: unknown, base: string, key = ''): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(base + key, `must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

function bool(value: unknown, base: string, key = ''): boolean {
  if (typeof value !== 'boolean') fail(base + key, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function str(value: unknown, base: string, key = ''): string {
  if (typeof value !== 'string') fail(base + key, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function list<T>(value: readonly T[] | undefined, field: string): readonly T[] {
  if (!Array.isArray(value)) fail(field, 'must be an array');
  return value;
}

/** Writes `snapshot` into `s`, the state of an engine that has seen no input (see the module comment). */
export function restoreState(s: EngineState, snapshot: EngineSnapshot): void {
  if (typeof snapshot !== 'object' || snapshot === null) fail('snapshot', 'must be an object');
  if (snapshot.version !== 1) fail('version', `must be 1, got ${JSON.stringify(snapshot.version)}`);
  s.lastNow = num(snapshot.lastNow, 'lastNow');
  s.ctx.now = Number.isFinite(s.lastNow) ? s.lastNow : 0;
  s.nextTimerId = int(snapshot.nextTimerId, 'nextTimerId', '', 1);
  const tally = snapshot.tally ?? fail('tally', 'is missing');
  for (const key of ['submitted', 'completed', 'deadLettered', 'expired', 'cancelled', 'rejected'] as const) s.tally[key] = int(tally[key], `tally.${key}`);
  restoreAgents(s, snapshot);
  s.fleet.freeSlots = int(snapshot.freeSlots, 'freeSlots');
  const tasks = restoreTasks(s, snapshot);
  for (const [i, type] of list(snapshot.pausedTypes, 'pausedTypes').entries()) s.pausedTypes.add(str(type, `pausedTypes[${i}]`));
  restoreQueues(s, snapshot, tasks);
  restoreTenantCounters(s, snapshot);
  list(snapshot.waitingFor, 'waitingFor').forEach(([id, waiters], i) => {
    const field = `waitingFor[${i}]`;
    if (s.live.has(str(id, `${field}[0]`))) fail(`${field}[0]`, `names ${id}, which is live: its dependents wait on it directly`);
    s.waitingFor.set(id, list(waiters, `${field}[1]`).map((w, j) => taskNamed(s, w, `${field}[1][${j}]`)));
  });
  list(snapshot.settled, 'settled').forEach(([id, state], i) => {
    if (!isFinal(state as TaskState)) fail(`settled[${i}][1]`, `must be a final state, got ${JSON.stringify(state)}`);
    if (s.live.has(str(id, `settled[${i}][0]`))) fail(`settled[${i}][0]`, `names ${id}, which is live`);
    s.settled.add(id, state as FinalTaskState);
  });
  restoreTimers(s, snapshot);
  list(snapshot.resumable, 'resumable').forEach((id, i) => {
    const task = taskNamed(s, id, `resumable[${i}]`);
    if (task.state !== 'paused' || !task.resumeReady) fail(`resumable[${i}]`, `names ${id}, which is not paused and ready to resume`);
    s.resumable.push(task);
  });
  list(snapshot.hungry, 'hungry').forEach((index, i) => s.hungry.add(s.fleet.agents[agentIndex(s, index, `hungry[${i}]`)]!));
  s.poolDirty = bool(snapshot.poolDirty, 'poolDirty');
  list(snapshot.fallenIdle, 'fallenIdle').forEach((index, i) => s.fallenIdle.push(s.fleet.agents[agentIndex(s, index, 'fallenIdle', `[${i}]`)]!));
  list(snapshot.drainCandidates, 'drainCandidates').forEach((index, i) => s.drainCandidates.push(s.fleet.agents[agentIndex(s, index, 'drainCandidates', `[${i}]`)]!));
  s.failureMemory.restore(list(snapshot.failureMemory, 'failureMemory').map(([key, expiry], i) => [str(key, `failureMemory[${i}][0]`), num(expiry, `failureMemory[${i}][1]`)]));
  const ingress = snapshot.ingress ?? fail('ingress', 'is missing');
  s.ingress.restore({ tokens: num(ingress.tokens, 'ingress.tokens'), lastTime: num(ingress.lastTime, 'ingress.lastTime') });
  restoreScalers(s, snapshot);
  list(snapshot.provisioning, 'provisioning').forEach(([pool, pending], i) => {
    s.provisioning.set(str(pool, `provisioning[${i}][0]`), int(pending, `provisioning[${i}][1]`));
  });
  introduceStrategy(s);
}

function restoreAgents(s: EngineState, snapshot: EngineSnapshot): void {
  list(snapshot.agents, 'agents').forEach((a, index) => {
    const field = `agents[${index}]`;
    const spec = a.spec ?? fail(`${field}.spec`, 'is missing');
    const id = str(spec.id, field, '.spec.id');
    if (s.agentIds.has(id)) fail(`${field}.spec.id`, `repeats agent id ${id}`);
    int(spec.capacity, field, '.spec.capacity', 1);
    const keys = list(a.residentKeys, `${field}.residentKeys`).map((key, i) => str(key, `${field}.residentKeys[${i}]`));
    // The class agents that join later have, so the engine's code sees one shape of agent record.
    const agent: AgentRecord = new FleetAgentRecord(spec, index, 0);
    agent.accepting = bool(a.accepting, field, '.accepting');
    agent.draining = bool(a.draining, field, '.draining');
    agent.paused = int(a.paused, field, '.paused');
    agent.left = bool(a.left, field, '.left');
    agent.active = int(a.active, field, '.active');
    agent.queued = int(a.queued, field, '.queued');
    agent.outstandingTokens = finite(a.outstandingTokens, field, '.outstandingTokens');
    agent.contextUtilization = finite(a.contextUtilization, field, '.contextUtilization');
    agent.residentKeys = keys.length === 0 ? NO_RESIDENT_KEYS : new Set(keys);
    agent.observedAt = finite(a.observedAt, field, '.observedAt');
    agent.completed = int(a.completed, field, '.completed');
    if (agent.accepting && (agent.left || agent.draining)) fail(`${field}.accepting`, 'is true for an agent that left or is draining');
    s.fleet.agents.push(agent);
    s.agentIds.set(id, index);
    s.agentQueues.push(NO_QUEUE);
  });
}

function agentIndex(s: EngineState, value: unknown, base: string, key = ''): number {
  const index = int(value, base, key);
  if (index >= s.fleet.agents.length) fail(base + key, `names agent ${index}, but the fleet has ${s.fleet.agents.length}`);
  return index;
}

function taskNamed(s: EngineState, id: unknown, base: string, key = ''): TaskRecord {
  return s.live.get(str(id, base, key)) ?? fail(base + key, `names task ${String(id)}, which is not a live task of the snapshot`);
}

/** States a task holding an agent's slot, or paused on it, may be in. */
const ON_AGENT: ReadonlySet<TaskState> = new Set(['offered', 'assigned', 'running', 'paused']);

function restoreTasks(s: EngineState, snapshot: EngineSnapshot): readonly TaskSnapshot[] {
  const tasks = list(snapshot.tasks, 'tasks');
  tasks.forEach((t, i) => {
    const field = `tasks[${i}]`;
    const spec = t.spec ?? fail(`${field}.spec`, 'is missing');
    str(spec.id, field, '.spec.id');
    if (!(finite(spec.tokens, field, '.spec.tokens') >= 0)) fail(`${field}.spec.tokens`, 'must be >= 0');
    if (!(finite(spec.contextTokens, field, '.spec.contextTokens') >= 0)) fail(`${field}.spec.contextTokens`, 'must be >= 0');
    if (typeof t.state !== 'string' || !Object.hasOwn(TRANSITIONS, t.state) || isFinal(t.state)) fail(`${field}.state`, `must be a non-final task state, got ${JSON.stringify(t.state)}`);
    const record = new CompactTaskRecord(
      s, spec, int(t.seq, field, '.seq'), finite(t.submittedAt, field, '.submittedAt'), int(t.maxRetries, field, '.maxRetries'),
    );
    record.state = t.state;
    record.attempt = int(t.attempt, field, '.attempt');
    record.agentIndex = int(t.agentIndex, field, '.agentIndex', -1);
    record.startedAt = num(t.startedAt, field, '.startedAt');
    record.failureReason = t.failureReason;
    record.priority = int(t.priority, field, '.priority');
    record.offers = int(t.offers, field, '.offers');
    record.rejectionReason = t.rejectionReason;
    record.offeredTo = t.offeredTo?.map((index, j) => agentIndex(s, index, `${field}.offeredTo[${j}]`));
    record.rejectedBy = t.rejectedBy?.map((index, j) => agentIndex(s, index, `${field}.rejectedBy[${j}]`));
    record.resumeReady = bool(t.resumeReady, field, '.resumeReady');
    record.unmetDependencies = int(t.unmetDependencies, field, '.unmetDependencies');
    record.timerId = int(t.timerId, field, '.timerId');
    if (record.priority >= PRIORITY_LEVELS) fail(`${field}.priority`, `must be below ${PRIORITY_LEVELS}, got ${record.priority}`);
    if (record.agentIndex >= 0) agentIndex(s, record.agentIndex, field, '.agentIndex');
    if (ON_AGENT.has(record.state) && record.state !== 'offered' && record.agentIndex < 0) fail(`${field}.agentIndex`, `must name the agent of a ${record.state} task`);
    if (record.state === 'offered' && (record.offeredTo === undefined || record.offeredTo.length === 0)) fail(`${field}.offeredTo`, 'must name the agents an offered task is offered to');
    if (record.state !== 'offered' && record.offeredTo !== undefined) fail(`${field}.offeredTo`, `is set for a ${record.state} task`);
    if (i > 0 && record.seq <= tasks[i - 1]!.seq) fail(`${field}.seq`, 'must grow: tasks are in submission order');
    if (!s.live.insert(record)) fail(`${field}.spec.id`, `repeats task id ${spec.id}`);
  });
  if (s.tally.submitted !== s.tally.completed + s.tally.deadLettered + s.tally.expired + s.tally.cancelled + s.tally.rejected + tasks.length) {
    fail('tally', `does not add up: submitted ${s.tally.submitted} is not the final states plus ${tasks.length} live tasks`);
  }
  tasks.forEach((t, i) => {
    if (!Array.isArray(t.dependents)) fail(`tasks[${i}].dependents`, 'must be an array');
    if (t.dependents.length > 0) s.live.get(t.spec.id)!.dependents = t.dependents.map((id, j) => taskNamed(s, id, `tasks[${i}].dependents`, `[${j}]`));
  });
  return tasks;
}

/** The fair order's counters, set after the queues (whose refilling lifted them on the way). */
function restoreTenantCounters(s: EngineState, snapshot: EngineSnapshot): void {
  const saved = snapshot.tenantCounters;
  if (s.queueOrder !== 'fair') {
    if (saved !== undefined) fail('tenantCounters', `is only kept under the fair queue order, not ${s.queueOrder}`);
    return;
  }
  if (saved === undefined) fail('tenantCounters', 'is missing (the queue order is fair)');
  const counters = Object.entries(saved.counters ?? fail('tenantCounters.counters', 'is missing'));
  const bad = counters.find(([, counter]) => typeof counter !== 'number' || !(counter >= 0));
  if (bad !== undefined) fail(`tenantCounters.counters.${bad[0]}`, `must be a number >= 0, got ${JSON.stringify(bad[1])}`);
  if (typeof saved.virtualTime !== 'number' || !(saved.virtualTime >= 0)) fail('tenantCounters.virtualTime', 'must be a number >= 0');
  s.tenantCounters.restore(saved);
}

function restoreQueues(s: EngineState, snapshot: EngineSnapshot, tasks: readonly TaskSnapshot[]): void {
  const queues = snapshot.queues ?? fail('queues', 'is missing');
  const agentQueues = list(queues.agents, 'queues.agents');
  if (agentQueues.length !== s.fleet.agents.length) fail('queues.agents', `must have one queue per agent (${s.fleet.agents.length}), got ${agentQueues.length}`);
  const fill = (queue: TaskQueue, ids: readonly TaskId[], field: string, owner: number): void => {
    list(ids, field).forEach((id, i) => {
      const task = taskNamed(s, id, field, `[${i}]`);
      if (task.state !== 'queued') fail(`${field}[${i}]`, `names ${id}, which is ${task.state}, not queued`);
      if (task.queueEntry !== 0) fail(`${field}[${i}]`, `names ${id}, which is already in a queue`);
      if (task.agentIndex !== owner) fail(`${field}[${i}]`, `names ${id}, whose agentIndex ${task.agentIndex} is not the queue's (${owner})`);
      if (s.pausedTypes.has(task.spec.type) !== (queue === s.held)) fail(`${field}[${i}]`, `names ${id}: a task is held exactly when its type is paused`);
      queue.push(task);
      count(s, task);
    });
  };
  fill(s.pool, queues.pool, 'queues.pool', -1);
  fill(s.held, queues.held, 'queues.held', -1);
  agentQueues.forEach((saved, index) => {
    const field = `queues.agents[${index}]`;
    const ids = list(saved, field);
    if (s.config.binding !== 'early' && ids.length > 0) fail(field, 'holds tasks, but the engine binds late (agents have no queues of their own)');
    if (ids.length > 0) fill(s.ownQueue(index), ids, field, index);
    if (s.agentQueues[index]!.size !== s.fleet.agents[index]!.queued) {
      fail(`agents[${index}].queued`, `is ${s.fleet.agents[index]!.queued} but its queue holds ${s.agentQueues[index]!.size}`);
    }
  });
  tasks.forEach((t, i) => {
    if (t.state === 'queued' && s.live.get(t.spec.id)!.queueEntry === 0) fail(`tasks[${i}]`, `is queued but in no queue of queues`);
  });
}

/** Kinds of a task's timer. */
const TASK_TIMERS: ReadonlySet<string> = new Set(['ttl', 'timeout', 'retry', 'offer']);

function restoreTimers(s: EngineState, snapshot: EngineSnapshot): void {
  const pools = s.scalers.map((scaler) => scaler.config.pool);
  list(snapshot.timers, 'timers').forEach((timer, i) => {
    const field = `timers[${i}]`;
    const timerId = int(timer.timerId, field, '.timerId', 1);
    if (timerId >= s.nextTimerId) fail(`${field}.timerId`, `must be below nextTimerId ${s.nextTimerId}, got ${timerId}`);
    if (s.timers.has(timerId)) fail(`${field}.timerId`, `repeats timer ${timerId}`);
    const at = num(timer.at, field, '.at');
    if (timer.kind === 'autoscale') {
      const scaler = pools.indexOf(str(timer.pool, field, '.pool'));
      if (scaler < 0) fail(`${field}.pool`, `names pool ${timer.pool}, which the engine's config does not autoscale`);
      s.timers.set(timerId, { kind: 'autoscale', scaler, at });
      return;
    }
    if (!TASK_TIMERS.has(timer.kind)) fail(`${field}.kind`, `must be ttl, timeout, retry, offer or autoscale, got ${JSON.stringify(timer.kind)}`);
    const task = taskNamed(s, timer.taskId, field, '.taskId');
    if (task.timerId !== timerId) fail(`${field}.taskId`, `names ${task.spec.id}, whose timerId is ${task.timerId}, not ${timerId}`);
    s.timers.set(timerId, { kind: timer.kind, task, at });
  });
  for (const task of s.live.values()) {
    if (task.timerId !== 0 && !s.timers.has(task.timerId)) fail(`tasks[${task.spec.id}].timerId`, `names timer ${task.timerId}, which is not pending`);
  }
}

function restoreScalers(s: EngineState, snapshot: EngineSnapshot): void {
  const scalers = list(snapshot.autoscalers, 'autoscalers');
  const pools = s.scalers.map((scaler) => scaler.config.pool);
  if (scalers.length !== pools.length || scalers.some((scaler, i) => scaler.pool !== pools[i])) {
    fail('autoscalers', `must list the pools the engine's config autoscales (${pools.join(', ') || 'none'}), got ${scalers.map((a) => a.pool).join(', ') || 'none'}`);
  }
  s.sleepingScalers = 0;
  scalers.forEach((scaler, i) => {
    s.scalers[i]!.lastActionAt = num(scaler.lastActionAt, `autoscalers[${i}].lastActionAt`);
    const awake = bool(scaler.awake, `autoscalers[${i}].awake`);
    const timers = [...s.timers.values()].filter((timer) => timer.kind === 'autoscale' && timer.scaler === i).length;
    if (timers !== (awake ? 1 : 0)) fail(`autoscalers[${i}].awake`, `is ${awake} but the pool has ${timers} evaluation timers pending`);
    s.scalerAwake[i] = awake;
    if (!awake) s.sleepingScalers++;
  });
}
