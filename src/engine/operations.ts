/**
 * Operations and autoscaling. Owns operators' actions (pausing and resuming task types and
 * tasks, priority changes, draining agents and retiring them once drained), preemption, and the
 * autoscalers' evaluations (their timers, waking and sleeping, provisioning and scaling down).
 *
 * May touch: `pausedTypes`, `held`, `resumable`, `drainCandidates`, `provisioning`,
 * the scalers' state, agents' `accepting`/`draining`/`left`; moves tasks through the
 * queues, the ledger and timers.
 */
import type { AgentRecord } from './agent.js';
import type { PoolState } from './autoscaler.js';
import { BARRED, startStalledRounds, verdictOf } from './delegation.js';
import { count, queueOf, rerouteOwnQueue, route, takeFromQueue, uncount } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { pushCommand } from './inputs.js';
import { enter, loadChanged, move, releaseSlot, takeSlot } from './ledger.js';
import { PRIORITY_LEVELS, type TaskId, type TaskRecord } from './task.js';
import { clearTimer, setTimer } from './timers.js';

/** The agent takes no new work: its free slots leave the fleet's count. */
export function stopAccepting(s: EngineState, agent: AgentRecord): void {
  if (!agent.accepting) return;
  agent.accepting = false;
  s.fleet.freeSlots -= agent.spec.capacity - agent.active;
}

/** Tasks of `type` stop being routed: the queued ones move to the held queue until resumed. */
export function pauseType(s: EngineState, type: string): void {
  if (s.pausedTypes.has(type)) return;
  const moving: TaskRecord[] = [];
  for (const task of s.live.values()) if (task.state === 'queued' && task.spec.type === type) moving.push(task);
  moving.sort((a, b) => a.seq - b.seq);
  for (const task of moving) {
    takeFromQueue(s, task);
    uncount(s, task);
  }
  s.pausedTypes.add(type);
  for (const task of moving) route(s, task);
}

/** Tasks of `type` are routed again, in the order they were held. */
export function resumeType(s: EngineState, type: string): void {
  if (!s.pausedTypes.delete(type)) return;
  const waiting: TaskRecord[] = [];
  for (let task = s.held.shift(); task !== undefined; task = s.held.shift()) waiting.push(task);
  for (const task of waiting) {
    uncount(s, task);
    route(s, task);
  }
}

/** A queued task's priority changes: it takes its place among tasks of the new priority. */
export function setPriority(s: EngineState, taskId: TaskId, priority: number): void {
  if (!Number.isInteger(priority) || priority < 0 || priority >= PRIORITY_LEVELS) {
    throw new Error(`set-priority of ${taskId}: priority must be an integer 0..${PRIORITY_LEVELS - 1}, got ${priority}`);
  }
  const task = s.live.get(taskId);
  if (task === undefined || task.priority === priority) return;
  if (task.state !== 'queued') {
    task.priority = priority;
    return;
  }
  const agent = task.agentIndex >= 0 && s.config.binding === 'early' ? s.fleet.agents[task.agentIndex]! : undefined;
  const queue = queueOf(s, task);
  queue.remove(task);
  uncount(s, task);
  task.priority = priority;
  queue.push(task);
  count(s, task);
  if (agent !== undefined) loadChanged(s, agent);
  s.poolDirty = true;
}

/** Draining: the agent finishes what it holds, takes nothing new, then leaves. */
export function drain(s: EngineState, agent: AgentRecord, now: number): void {
  if (agent.left || agent.draining) return;
  agent.draining = true;
  stopAccepting(s, agent);
  loadChanged(s, agent);
  s.sink.agentDraining(now, agent);
  startStalledRounds(s);
  rerouteOwnQueue(s, agent);
  loadChanged(s, agent); // its own queue emptied: strategies that index load must hear it
  s.drainCandidates.push(agent);
}

/** Draining agents with nothing left to do leave the fleet; the driver is told to retire them. */
export function retireDrained(s: EngineState, now: number): void {
  const candidates = s.drainCandidates.splice(0);
  for (const agent of candidates) {
    if (!agent.draining || agent.active > 0 || agent.paused > 0) continue;
    agent.draining = false;
    agent.left = true;
    s.strategy.onAgentLeft?.(agent, s.ctx);
    loadChanged(s, agent);
    s.sink.agentLeft(now, agent);
    pushCommand(s, { kind: 'retire', agentId: agent.spec.id });
  }
}

/** Running → paused: the slot is freed, the agent keeps the task's context. */
export function pauseTask(s: EngineState, task: TaskRecord, now: number, resumeWhenFree: boolean): void {
  const agent = s.fleet.agents[task.agentIndex]!;
  clearTimer(s, task);
  pushCommand(s, { kind: 'pause', task, agent, attempt: task.attempt });
  move(s, task, 'paused', now, agent);
  agent.paused++;
  releaseSlot(s, task, agent);
  if (resumeWhenFree) makeResumable(s, task);
}

/** A paused task may run again as soon as its agent has a free slot. */
export function makeResumable(s: EngineState, task: TaskRecord): void {
  task.resumeReady = true;
  s.resumable.push(task);
}

/** Paused tasks whose agents have a free slot run again, before any new work binds. */
export function resumePaused(s: EngineState, now: number): void {
  let kept = 0;
  for (const task of s.resumable) {
    if (task.state !== 'paused' || !task.resumeReady) continue; // settled or failed meanwhile
    const agent = s.fleet.agents[task.agentIndex]!;
    if (agent.active >= agent.spec.capacity) {
      s.resumable[kept++] = task;
      continue;
    }
    task.resumeReady = false;
    agent.paused--;
    takeSlot(s, task, agent);
    pushCommand(s, { kind: 'resume', task, agent, attempt: task.attempt });
    const from = enter(s, task, 'running');
    s.sink.started(now, task, from, agent, task.attempt, 0, null);
    if (task.spec.timeoutSeconds !== undefined) task.timerId = setTimer(s, 'timeout', task, now + task.spec.timeoutSeconds);
  }
  s.resumable.length = kept;
}

/**
 * Preemption: the most urgent pool task is critical and no agent that may take it has room.
 * Pauses the least urgent running task (newest first among equals) on an agent that may take
 * it; true when a slot was freed.
 */
export function preemptFor(s: EngineState, task: TaskRecord, now: number): boolean {
  if (s.config.preemption !== 'pause-lowest' || task.priority !== 0) return false;
  let victim: TaskRecord | undefined;
  for (const candidate of s.live.values()) {
    if (candidate.state !== 'running' || candidate.priority === 0) continue;
    const agent = s.fleet.agents[candidate.agentIndex]!;
    if (!agent.accepting || verdictOf(s, task, agent) === BARRED) continue;
    if (task.spec.assignee !== undefined && task.spec.assignee !== agent.spec.id) continue;
    if (victim === undefined || candidate.priority > victim.priority ||
        (candidate.priority === victim.priority && candidate.seq > victim.seq)) victim = candidate;
  }
  if (victim === undefined) return false;
  pauseTask(s, victim, now, true);
  return true;
}

/** Starts the evaluation timer of every sleeping scaler (at the first input, and after a sleep). */
export function wakeScalers(s: EngineState, now: number): void {
  s.scalers.forEach((scaler, i) => {
    if (s.scalerAwake[i]) return;
    s.scalerAwake[i] = true;
    s.sleepingScalers--;
    armScaler(s, i, now + scaler.config.intervalSeconds);
  });
}

function armScaler(s: EngineState, scaler: number, at: number): void {
  const timerId = s.nextTimerId++;
  s.timers.set(timerId, { kind: 'autoscale', scaler, at });
  pushCommand(s, { kind: 'setTimer', timerId, at });
}

/** A scaler's timer fired: it provisions an agent, drains one, or holds; then rearms or sleeps. */
export function evaluateScaler(s: EngineState, index: number, now: number): void {
  const scaler = s.scalers[index]!;
  const pool = scaler.config.pool;
  const state = poolState(s, pool);
  const decision = scaler.decide(now, state);
  if (decision === 'up') {
    s.provisioning.set(pool, (s.provisioning.get(pool) ?? 0) + 1);
    pushCommand(s, { kind: 'provision', pool });
    s.sink.scaled(now, pool, 'up', undefined);
    scaler.acted(now);
  } else if (decision === 'down') {
    const agent = scaleDownCandidate(s, pool);
    if (agent !== undefined) {
      s.sink.scaled(now, pool, 'down', agent);
      drain(s, agent, now);
      scaler.acted(now);
    }
  }
  // The scaler sleeps once nothing is left to do and its pool is at its minimum; the next
  // submission wakes it, so a drained simulation ends. It never drains the last agent, so
  // a pool of one is at its minimum even when minAgents is 0.
  const idle = s.live.size === 0 && state.accepting + state.provisioning <= Math.max(scaler.config.minAgents, 1) && decision === 'hold';
  if (idle) {
    s.scalerAwake[index] = false;
    s.sleepingScalers++;
  } else {
    armScaler(s, index, now + scaler.config.intervalSeconds);
  }
}

function poolState(s: EngineState, pool: string): PoolState {
  let accepting = 0;
  let draining = 0;
  let busySlots = 0;
  let totalSlots = 0;
  for (const agent of s.fleet.agents) {
    if (agent.spec.pool !== pool || agent.left) continue;
    if (agent.draining) {
      draining++;
      continue;
    }
    accepting++;
    busySlots += agent.active;
    totalSlots += agent.spec.capacity;
  }
  // Tasks of a paused type wait for an operator, not for agents: they do not call for more.
  const queuedTasks = s.fleet.queuedTasks - s.held.size;
  return { accepting, draining, busySlots, totalSlots, provisioning: s.provisioning.get(pool) ?? 0, queuedTasks };
}

/** The pool's agent with the least in hand, the newest among equals. */
function scaleDownCandidate(s: EngineState, pool: string): AgentRecord | undefined {
  let best: AgentRecord | undefined;
  for (const agent of s.fleet.agents) {
    if (agent.spec.pool !== pool || !agent.accepting) continue;
    if (best === undefined || agent.active + agent.queued <= best.active + best.queued) best = agent;
  }
  return best;
}
