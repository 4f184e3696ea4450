/**
 * Input handlers and the command queue. Owns what happens when each input arrives (submission
 * with its admission checks, an attempt's start and end, agents joining and leaving, cancel,
 * offer answers, operator actions) and the output buffers: commands for the driver, with the
 * reused `start` command objects, and queued event objects.
 *
 * May touch: the state through every other module, as each input needs. The clock moves only
 * here (`advance`, which `timerFired` in timers also calls), and only this module reads or
 * resets the output buffers; the other modules append commands through `pushCommand`.
 */
import { FleetAgentRecord, type AgentRecord, type AgentSpec } from './agent.js';
import { bindOffered, closeOffer, returnOffer, startStalledRounds, withdrawAll } from './delegation.js';
import { dependsOnItself, linkDependencies, resolveWaiters } from './dependencies.js';
import { admitToQueue, dispatch, enqueue, refill, rerouteOwnQueue } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { cancelTask, endAttempt, failAttempt, finish, loadChanged, move, newRecord, releaseSlot, settle } from './ledger.js';
import type { AdminOperation, AgentReport, Command, EngineEvent, OfferAnswer, Outcome, StartReport } from './messages.js';
import { drain, makeResumable, pauseTask, pauseType, resumeType, setPriority, stopAccepting, wakeScalers } from './operations.js';
import { assertTransition } from './lifecycle.js';
import { PRIORITY_LEVELS, type AgentId, type TaskId, type TaskRecord, type TaskSpec, type TaskView } from './task.js';
import { NO_QUEUE } from './taskQueue.js';
import { clearTimer, setTimer } from './timers.js';

// `started` acts only on a record in `assigned` and `finished` only on one in `running`, so the
// transitions they make are known: checked against the lifecycle once, here, not per task.
assertTransition('(started)', 'assigned', 'running');
assertTransition('(finished)', 'running', 'completed');

/** The outcome a strategy's `onSettle` sees for a result below the quality floor. */
const QUALITY_FAILURE: Outcome = Object.freeze({ ok: false, reason: 'quality' });

/** The id of a task a driver names by id or by view. */
function idOf(task: TaskId | TaskView): TaskId {
  return typeof task === 'string' ? task : task.spec.id;
}

/** Throws when a submission breaks the task model (a driver bug, not a user error). */
function assertTaskSpec(spec: TaskSpec): void {
  // Checks first, message only on failure: this runs once per submission on the hot path.
  if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority >= PRIORITY_LEVELS) {
    invalidSpec(spec, `priority must be an integer 0..${PRIORITY_LEVELS - 1}, got ${spec.priority}`);
  }
  if (!(spec.tokens >= 0) || !Number.isFinite(spec.tokens)) invalidSpec(spec, 'tokens must be finite and >= 0');
  if (!(spec.contextTokens >= 0)) invalidSpec(spec, 'contextTokens must be >= 0');
  if (spec.timeoutSeconds !== undefined && !(spec.timeoutSeconds > 0)) invalidSpec(spec, 'timeoutSeconds must be > 0');
  if (spec.ttlSeconds !== undefined && !(spec.ttlSeconds > 0)) invalidSpec(spec, 'ttlSeconds must be > 0');
}

function invalidSpec(spec: TaskSpec, problem: string): never {
  throw new Error(`task ${spec.id}: ${problem}`);
}

/** A task arrives. */
export function submit(s: EngineState, now: number, spec: TaskSpec): void {
  advance(s, now);
  assertTaskSpec(spec);
  if (s.settled.has(spec.id)) throw new Error(`duplicate task id ${spec.id}`);
  const task = newRecord(s, spec, now);
  if (!s.live.insert(task)) throw new Error(`duplicate task id ${spec.id}`);
  s.tally.submitted++;
  s.sink.submitted(now, task);
  s.strategy.onSubmitted?.(task, s.ctx);
  resolveWaiters(s, task);
  if (s.sleepingScalers > 0) wakeScalers(s, now);
  admitSubmission(s, task, now);
  dispatch(s, now);
}

/**
 * Rejects, blocks or queues a new task. Even a task turned away may release dependents that
 * named it before it existed (an `ignore` edge), so the caller dispatches in every case.
 */
function admitSubmission(s: EngineState, task: TaskRecord, now: number): void {
  // The common case is decided here, not only inside the calls: most tasks meet no rate limit
  // and name no dependencies, and submission's inlining budget leaves those calls out of line.
  if (!s.ingress.unlimited && !s.ingress.tryTake(now)) return finish(s, task, 'rejected', now, 'rate-limited');
  const linked = task.spec.dependsOn !== undefined;
  if (linked && dependsOnItself(s, task)) return finish(s, task, 'rejected', now, 'dependency-cycle');
  if (s.strategy.admit !== undefined && !s.strategy.admit(task, s.ctx)) {
    return finish(s, task, 'rejected', now, 'admission');
  }
  const failedDependency = linked ? linkDependencies(s, task) : undefined;
  if (failedDependency === 'cancel') return finish(s, task, 'cancelled', now, 'dependency-failed');
  if (failedDependency === 'cascade-fail') return finish(s, task, 'dead-lettered', now, 'dependency-failed');
  if (task.unmetDependencies > 0) {
    move(s, task, 'blocked', now);
    return;
  }
  if (!admitToQueue(s, task, now)) return;
  enqueue(s, task, now, true);
}

/**
 * The driver began attempt `attempt` of a task it was told to start. `task` is its id, or the
 * view the start command carried (which spares a lookup by id).
 */
export function started(s: EngineState, now: number, task: TaskId | TaskView, attempt: number, report: StartReport): void {
  advance(s, now);
  const record = recordOf(s, task);
  if (record === undefined || record.state !== 'assigned' || record.attempt !== attempt) {
    s.sink.staleResult(now, idOf(task), attempt);
    return;
  }
  startAttempt(s, record, now, report);
}

function startAttempt(s: EngineState, task: TaskRecord, now: number, report: StartReport): void {
  const agent = s.fleet.agents[task.agentIndex]!;
  if (report.agent !== undefined) observe(s, agent, report.agent, now);
  task.startedAt = now;
  task.state = 'running';
  s.sink.started(now, task, 'assigned', agent, task.attempt, report.setupTokens, report.contextHit, report.contextBlocksHit);
  if (task.spec.timeoutSeconds !== undefined) task.timerId = setTimer(s, 'timeout', task, now + task.spec.timeoutSeconds);
}

/** Attempt `attempt` of a task ended with `outcome`; `task` as for {@link started}. */
export function finished(s: EngineState, now: number, task: TaskId | TaskView, attempt: number, outcome: Outcome): void {
  advance(s, now);
  const record = recordOf(s, task);
  if (record === undefined || record.state !== 'running' || record.attempt !== attempt) {
    s.sink.staleResult(now, idOf(task), attempt);
    return;
  }
  endRunningAttempt(s, record, now, outcome);
}

function endRunningAttempt(s: EngineState, task: TaskRecord, now: number, outcome: Outcome): void {
  const agent = s.fleet.agents[task.agentIndex]!;
  if (outcome.agent !== undefined) observe(s, agent, outcome.agent, now);
  clearTimer(s, task);
  releaseSlot(s, task, agent);
  if (outcome.ok && outcome.quality < s.config.retry.minQuality) {
    // Below the quality floor the result does not count: the attempt failed.
    s.strategy.onSettle?.(task, agent, QUALITY_FAILURE, s.ctx);
    failAttempt(s, task, agent, 'quality', now);
  } else if (outcome.ok) {
    s.strategy.onSettle?.(task, agent, outcome, s.ctx);
    agent.completed++;
    task.state = 'completed';
    s.sink.completed(now, task, 'running', agent, outcome.quality);
    settle(s, task, 'completed', now);
  } else {
    s.strategy.onSettle?.(task, agent, outcome, s.ctx);
    failAttempt(s, task, agent, outcome.reason, now);
  }
  refill(s, agent, now);
  dispatch(s, now);
}

/** An agent joins the fleet and may take work at once. */
export function agentJoined(s: EngineState, now: number, spec: AgentSpec): void {
  advance(s, now);
  if (s.agentIds.has(spec.id)) throw new Error(`duplicate agent id ${spec.id}`);
  if (!Number.isInteger(spec.capacity) || spec.capacity < 1) throw new Error(`agent ${spec.id}: capacity must be an integer >= 1`);
  const agent = new FleetAgentRecord(spec, s.fleet.agents.length, now);
  if (spec.pool !== undefined) {
    const pending = s.provisioning.get(spec.pool) ?? 0;
    if (pending > 0) s.provisioning.set(spec.pool, pending - 1);
  }
  s.fleet.agents.push(agent);
  s.agentIds.set(spec.id, agent.index);
  s.agentQueues.push(NO_QUEUE);
  s.fleet.freeSlots += spec.capacity;
  s.sink.agentJoined(now, agent);
  s.strategy.onAgentJoined?.(agent, s.ctx);
  if (s.strategy.prewarm !== undefined) s.fallenIdle.push(agent);
  s.poolDirty = true;
  if (s.sleepingScalers > 0) wakeScalers(s, now);
  dispatch(s, now);
  refill(s, agent, now); // early binding: a newcomer with nothing routed to it may steal
}

/** An agent leaves: its attempts fail with `agent-lost`, its own queue goes back to routing. */
export function agentLeft(s: EngineState, now: number, agentId: AgentId): void {
  advance(s, now);
  const agent = agentNamed(s, agentId);
  const index = agent.index;
  if (agent.left) return;
  stopAccepting(s, agent);
  agent.left = true;
  agent.draining = false;
  s.strategy.onAgentLeft?.(agent, s.ctx);
  loadChanged(s, agent);
  // In submission order, so the failures are reported in the order a reader expects.
  for (const task of [...s.live.values()].sort((a, b) => a.seq - b.seq)) {
    if (task.state === 'offered' && task.offeredTo?.includes(index)) {
      closeOffer(s, task, agent, now, 'agent-lost', true);
      if (task.offeredTo === undefined) returnOffer(s, task, now);
      continue;
    }
    if (task.agentIndex !== index) continue;
    if (task.state === 'assigned' || task.state === 'running' || task.state === 'paused') {
      endAttempt(s, task, agent, 'agent-lost');
      failAttempt(s, task, agent, 'agent-lost', now);
    }
  }
  startStalledRounds(s);
  rerouteOwnQueue(s, agent);
  loadChanged(s, agent);
  s.sink.agentLeft(now, agent);
  // A pool that lost an agent may be below its minimum: a sleeping scaler must look again.
  if (s.sleepingScalers > 0) wakeScalers(s, now);
  dispatch(s, now);
}

/** Cancels a task in any non-final state; unknown or already settled ids are ignored. */
export function cancel(s: EngineState, now: number, taskId: TaskId): void {
  advance(s, now);
  const task = s.live.get(taskId);
  if (task === undefined) return;
  cancelTask(s, task, now, 'cancelled-by-request');
  dispatch(s, now);
}

/**
 * `agentId` answered offer number `offer` of a task (`task` as for {@link started}).
 * An answer to an offer that is no longer open is recorded, never applied: under broadcast, an
 * acceptance that lost to an earlier one is a duplicate claim whose `setupTokens` (context the
 * agent loaded to claim it) were spent for nothing.
 */
export function offerAnswered(s: EngineState, now: number, task: TaskId | TaskView, agentId: AgentId, offer: number, answer: OfferAnswer, setupTokens = 0): void {
  advance(s, now);
  const agent = agentNamed(s, agentId);
  const record = recordOf(s, task);
  const at = record === undefined || record.state !== 'offered' || record.offers !== offer ? -1 : record.offeredTo!.indexOf(agent.index);
  if (at < 0) {
    if (answer.accepted && record !== undefined && s.config.delegation.mode === 'broadcast') {
      s.sink.duplicateClaim(now, record, agent, setupTokens);
    } else {
      s.sink.staleResult(now, idOf(task), offer);
    }
    return;
  }
  const offered = record!;
  if (answer.accepted) {
    offered.offeredTo!.splice(at, 1);
    s.sink.offerAnswered(now, offered, agent, true, undefined);
    // The first claim wins; every other open offer is withdrawn.
    withdrawAll(s, offered);
    bindOffered(s, offered, agent, now);
  } else {
    closeOffer(s, offered, agent, now, answer.reason, false);
    if (offered.offeredTo === undefined) returnOffer(s, offered, now);
  }
  dispatch(s, now);
}

/** Applies an operator's action (see {@link AdminOperation}). Unknown ids throw; settled tasks are ignored. */
export function admin(s: EngineState, now: number, operation: AdminOperation): void {
  advance(s, now);
  switch (operation.op) {
    case 'pause-type':
      pauseType(s, operation.type);
      break;
    case 'resume-type':
      resumeType(s, operation.type);
      break;
    case 'drain':
      drain(s, agentNamed(s, operation.agentId), now);
      break;
    case 'set-priority':
      setPriority(s, operation.taskId, operation.priority);
      break;
    case 'pause': {
      const task = s.live.get(operation.taskId);
      if (task !== undefined && task.state === 'running') pauseTask(s, task, now, false);
      break;
    }
    case 'resume': {
      const task = s.live.get(operation.taskId);
      if (task !== undefined && task.state === 'paused' && !task.resumeReady) makeResumable(s, task);
      break;
    }
    default: {
      const unreachable: never = operation;
      throw new Error(`unknown admin operation ${JSON.stringify(unreachable)}`);
    }
  }
  s.sink.admin(now, operation);
  dispatch(s, now);
}

/** The record a driver names by id (undefined when no live task has it) or by the view it was handed. */
function recordOf(s: EngineState, task: TaskId | TaskView): TaskRecord | undefined {
  if (typeof task === 'string') return s.live.get(task);
  const record = task as TaskRecord;
  if (record.owner !== s) throw new Error(`task ${record.spec.id} was handed out by another engine`);
  return record; // a settled record is in a final state, which every caller's state check rejects
}

/** Moves the clock to `now`, which must not be earlier than the last input's. */
export function advance(s: EngineState, now: number): void {
  if (!(now >= s.lastNow)) throw timeWentBackwards(now, s.lastNow);
  s.lastNow = now;
  s.ctx.now = now;
}

/** Built out of line so that {@link advance}, three calls a task, stays small enough for V8 to inline. */
function timeWentBackwards(now: number, lastNow: number): Error {
  return new Error(`time went backwards: ${now} after ${lastNow}`);
}

/** Records what an agent reported about itself. */
export function observe(s: EngineState, agent: AgentRecord, report: AgentReport, now: number): void {
  agent.contextUtilization = report.contextUtilization;
  agent.residentKeys = report.residentKeys;
  agent.observedAt = now;
}

function agentNamed(s: EngineState, agentId: AgentId): AgentRecord {
  const index = s.agentIds.get(agentId);
  if (index === undefined) throw new Error(`unknown agent ${agentId}`);
  return s.fleet.agents[index]!;
}

/**
 * Next command for the driver, or undefined when there is none. Carry it out (or copy it)
 * before the next input: `start` command objects are reused, one per output slot, because
 * the simulator issues one per attempt.
 */
export function pollCommand(s: EngineState): Command | undefined {
  if (s.commandsRead < s.commandsWritten) {
    const command = s.commands[s.commandsRead];
    s.commands[s.commandsRead++] = undefined;
    return command;
  }
  s.commandsRead = s.commandsWritten = 0;
  return undefined;
}

/** Next audit-log event, or undefined when there is none. */
export function pollEvent(s: EngineState): EngineEvent | undefined {
  if (s.eventsRead < s.eventsWritten) {
    const event = s.events[s.eventsRead];
    s.events[s.eventsRead++] = undefined;
    return event;
  }
  s.eventsRead = s.eventsWritten = 0;
  return undefined;
}

/** Queues a command for the driver. */
export function pushCommand(s: EngineState, command: Command): void {
  s.commands[s.commandsWritten++] = command;
}

/** Queues a `start` command, reusing the object of its output slot. */
export function commandStart(s: EngineState, task: TaskRecord, agent: AgentRecord): void {
  const slot = s.commandsWritten++;
  let start = s.startCommands[slot];
  if (start === undefined) s.startCommands[slot] = start = { kind: 'start', task, agent, attempt: task.attempt };
  else {
    start.task = task;
    start.agent = agent;
    start.attempt = task.attempt;
  }
  s.commands[slot] = start;
}

