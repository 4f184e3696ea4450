/**
 * Queues and dispatch. Owns the pool (late binding), each agent's own queue (early binding) and
 * the held queue of paused types, their counts by priority, backpressure at submission, and
 * binding: late binding binds pool tasks to agents with free slots as the strategy picks
 * (preempting for a critical task when the fleet is full); early binding routes each task to an
 * agent's queue at once, refills agents from their queues and lets idle agents steal. Ends
 * every input (`dispatch`), including pre-warming idle agents.
 *
 * May touch: the queues and their counts, `poolDirty`, `hungry`, `fallenIdle`; asks
 * delegation which agents may take a task and to make offers, the ledger to assign, and
 * operations to resume, preempt and retire.
 */
import { hasFreeSlot, hasTags, type AgentRecord, type AgentView } from './agent.js';
import type { DelegationMode } from './config.js';
import { BARRED, acceptable, assigneeOf, broadcastAgents, constrained, fallbackAgent, honourConstraints, offer, verdictOf } from './delegation.js';
import type { EngineState } from './engineState.js';
import { commandStart, pushCommand } from './inputs.js';
import { enter, finish, loadChanged, move, takeSlot } from './ledger.js';
import { assertTransition } from './lifecycle.js';
import { preemptFor, resumePaused, retireDrained } from './operations.js';
import type { TaskRecord } from './task.js';
import { NO_QUEUE, type TaskQueue } from './taskQueue.js';
import { NO_TENANT } from './tenantCounters.js';
import { clearTimer, setTimer } from './timers.js';

// A task is almost always assigned from `queued` and first queued from `created`: those two
// transitions are checked against the lifecycle once, here, not per task; the others per task.
assertTransition('(assign)', 'queued', 'assigned');
assertTransition('(enqueue)', 'created', 'queued');

/** The less urgent of two queued tasks (higher priority number, then submitted later). */
function lessUrgent(a: TaskRecord | undefined, b: TaskRecord | undefined): TaskRecord | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.priority > a.priority || (b.priority === a.priority && b.seq > a.seq) ? b : a;
}

/** Ends an input: binds what can be bound, then offers idle agents to a pre-warming strategy. */
export function dispatch(s: EngineState, now: number): void {
  if (s.resumable.length > 0) resumePaused(s, now);
  if (s.poolDirty) bindPool(s, now);
  if (s.drainCandidates.length > 0) retireDrained(s, now);
  if (s.fallenIdle.length > 0) prewarmIdle(s, now);
}

/** Late binding: binds pool tasks to agents with free slots, as the strategy picks. */
function bindPool(s: EngineState, now: number): void {
  if (!s.poolDirty) return;
  s.poolDirty = false;
  if (s.config.binding === 'early') return routePooled(s);
  const place = s.place;
  const mode = s.config.delegation.mode;
  const preempting = s.config.preemption !== 'none';
  let justPreempted = false;
  while (s.pool.size > 0) {
    if (s.fleet.freeSlots === 0) {
      // Every slot is taken: only preemption for a critical head can make room.
      if (!preempting || justPreempted || !preemptFor(s, s.pool.peek()!, now)) break;
      justPreempted = true;
      continue;
    }
    // Fast path: the head of the pool can usually be placed; scan only when it cannot.
    const head = s.pool.peek()!;
    let task: TaskRecord | undefined = head;
    if (!place(head)) task = s.pool.find(s.config.queue.dispatchScanLimit, (t) => t !== head && place(t));
    if (task === undefined) {
      if (!preempting || justPreempted || !preemptFor(s, head, now)) break;
      justPreempted = true;
      continue;
    }
    justPreempted = false;
    s.pool.remove(task);
    // Tasks passed over in the scan could not be placed on any free agent, so none of them
    // was eligible for this one: the pool's order respects priority.
    bindPicked(s, task, mode, now);
  }
}

/** Late binding: a queued task, out of its queue, goes to the agent `place` picked (assigned, or offered as `mode` says). */
function bindPicked(s: EngineState, task: TaskRecord, mode: DelegationMode, now: number): void {
  const picked = s.picked!;
  const agent = s.fleet.agents[picked.index]!;
  if (agent !== picked || !hasFreeSlot(agent)) throw pickedWithoutFreeSlot(s, picked);
  dispatched(s, task);
  s.strategy.onAssign?.(task, agent, s.ctx);
  if (mode === 'assign') assign(s, task, agent, now, true);
  else offer(s, task, mode === 'broadcast' ? broadcastAgents(s, task, agent) : [agent], now);
}

// Out of line: a message built in bindPicked was bytecode against its callers' inlining budget.
const pickedWithoutFreeSlot = (s: EngineState, picked: AgentView): Error => new Error(`strategy ${s.strategy.name} picked agent ${picked.spec.id}, which has no free slot`);

/** The agent `task` may be bound to now (late binding): its assignee, the first fit, or the strategy's pick within the constraints. */
export function pickFor(s: EngineState, task: TaskRecord): AgentView | undefined {
  const probe = s.routeProbe;
  if (probe === undefined || !probe.begin()) return pickWithin(s, task);
  const agent = pickWithin(s, task);
  probe.end();
  return agent;
}

function pickWithin(s: EngineState, task: TaskRecord): AgentView | undefined {
  const assignee = assigneeOf(s, task);
  if (assignee !== null) return assignee !== undefined && hasFreeSlot(assignee) && verdictOf(s, task, assignee) !== BARRED ? assignee : undefined;
  if (s.config.delegation.claim === 'first-fit') {
    const claimant = fallbackAgent(s, task, true);
    return claimant === undefined || !constrained(s, task) || acceptable(s, task, claimant) ? claimant : undefined;
  }
  const picked = s.strategy.pickAgent(task, s.ctx);
  if (picked === undefined || !constrained(s, task)) return picked;
  const agent = s.fleet.agents[picked.index];
  return agent === picked ? honourConstraints(s, task, agent) : picked; // a foreign view fails the check in bindPool
}

/**
 * Puts a queued task in the pool (late binding) or in the chosen agent's queue (early). A task
 * submitted in this input (`arrivedAt`, its time) is placed at once, as the input's end would
 * place it, when it would be the pool's only member and that placement the input's only binding
 * work: most submissions below saturation find a free agent, and went into the pool and out.
 */
export function route(s: EngineState, task: TaskRecord, arrivedAt?: number): void {
  count(s, task);
  task.agentIndex = -1;
  if (s.pausedTypes.size > 0 && s.pausedTypes.has(task.spec.type)) {
    s.held.push(task);
    return;
  }
  if (s.config.binding === 'late') {
    if (arrivedAt !== undefined && s.pool.size === 0 && !s.poolDirty && s.fleet.freeSlots > 0 && s.resumable.length === 0 &&
        s.config.preemption === 'none' && s.queueOrder !== 'fair') {
      // bindPool would try it once (nothing else to scan, no preemption) and leave `poolDirty` false.
      if (s.place(task)) bindPicked(s, task, s.config.delegation.mode, arrivedAt);
      else s.pool.push(task);
      return;
    }
    s.pool.push(task);
    s.poolDirty = true;
    return;
  }
  const probe = s.routeProbe;
  if (probe === undefined || !probe.begin()) return routeEarly(s, task);
  routeEarly(s, task);
  probe.end();
}

/** Early binding: the chosen agent's queue, then its refill and the thieves it may wake. */
function routeEarly(s: EngineState, task: TaskRecord): void {
  const agent = chooseForEarly(s, task);
  if (agent === undefined) {
    s.pool.push(task); // no accepting agent: wait in the pool until one joins
    return;
  }
  task.agentIndex = agent.index;
  const own = s.agentQueues[agent.index]!;
  (own === NO_QUEUE ? s.ownQueue(agent.index) : own).push(task);
  agent.queued++;
  agent.outstandingTokens += task.spec.tokens;
  s.strategy.onAssign?.(task, agent, s.ctx);
  loadChanged(s, agent);
  refill(s, agent, s.ctx.now);
  if (agent.queued > 0 && s.hungry.size > 0) feedHungry(s, s.ctx.now);
}

function chooseForEarly(s: EngineState, task: TaskRecord): AgentRecord | undefined {
  const assignee = assigneeOf(s, task);
  // As under late binding (pickFor): an assignee lacking a tag the task asks for may not take it.
  if (assignee !== null) return assignee !== undefined && assignee.accepting && verdictOf(s, task, assignee) !== BARRED ? assignee : undefined;
  const picked = s.strategy.pickAgent(task, s.ctx);
  if (picked === undefined) return undefined;
  const agent = s.fleet.agents[picked.index];
  if (agent !== picked || !agent.accepting) throw new Error(`strategy ${s.strategy.name} picked agent ${picked.spec.id}, which is not accepting`);
  return constrained(s, task) ? honourConstraints(s, task, agent) : agent;
}

/** Starts queued tasks from an agent's own queue while it has free slots (early binding). */
export function refill(s: EngineState, agent: AgentRecord, now: number): void {
  if (s.config.binding !== 'early') return;
  const own = s.agentQueues[agent.index]!;
  while (hasFreeSlot(agent) && own.size > 0) {
    const task = own.shift()!;
    agent.queued--;
    agent.outstandingTokens -= task.spec.tokens;
    dispatched(s, task);
    const respected = queuedMoreUrgentThan(s, task.priority) === 0;
    assign(s, task, agent, now, respected);
  }
  if (own.size === 0) steal(s, agent, now);
}

/**
 * Lets the hungry agents try to steal again, in hungry order (a task is waiting in some agent's
 * queue). With the strategy's steal rules only those that can steal something are asked, found
 * through the steal index; without them, every one.
 */
function feedHungry(s: EngineState, now: number): void {
  const index = s.stealIndex;
  if (index === undefined) {
    for (const agent of [...s.hungry]) steal(s, agent, now);
    return;
  }
  index.startWakeUp();
  for (let thief = index.nextThief(0); thief >= 0;) {
    const agent = s.fleet.agents[thief]!;
    const after = index.numberOf(agent);
    steal(s, agent, now, true);
    thief = index.nextThief(after);
  }
}

/** `agent` is hungry from now, last in hungry order. */
function becomeHungry(s: EngineState, agent: AgentRecord): void {
  s.hungry.add(agent);
  s.stealIndex?.hungry(agent);
}

function leaveHungry(s: EngineState, agent: AgentRecord): void {
  s.hungry.delete(agent);
  s.stealIndex?.sated(agent);
}

/**
 * Work stealing: an agent with a free slot and an empty queue takes what the strategy picks.
 * One that finds nothing is remembered as hungry and tries again when a task is left waiting
 * in some agent's queue. A hungry agent `woken` so keeps its place in hungry order (as if every
 * hungry agent had been asked in turn), unless it leaves it with no free slot.
 */
export function steal(s: EngineState, thief: AgentRecord, now: number, woken = false): void {
  if (s.strategy.steal === undefined) return;
  if (!woken) leaveHungry(s, thief);
  while (hasFreeSlot(thief)) {
    const view = s.strategy.steal(thief, s.ctx);
    if (view === undefined) {
      if (!woken) becomeHungry(s, thief);
      return;
    }
    const task = view as TaskRecord;
    if (task.owner !== s || task.state !== 'queued' || task.agentIndex < 0 || task.agentIndex === thief.index ||
        task.spec.assignee !== undefined) {
      throw new Error(`strategy ${s.strategy.name} tried to steal task ${task.spec.id}, which is not queued in another agent's queue or is assigned by name`);
    }
    if (!hasTags(thief, task.spec.tags)) {
      // Tags bind whatever the strategy: a thief lacking one the task asks for takes nothing.
      if (!woken) becomeHungry(s, thief);
      return;
    }
    const victim = s.fleet.agents[task.agentIndex]!;
    s.agentQueues[victim.index]!.remove(task);
    victim.queued--;
    victim.outstandingTokens -= task.spec.tokens;
    loadChanged(s, victim);
    dispatched(s, task);
    s.strategy.onAssign?.(task, thief, s.ctx);
    const respected = queuedMoreUrgentThan(s, task.priority) === 0;
    assign(s, task, thief, now, respected);
  }
  if (woken) leaveHungry(s, thief);
}

/** Queued → assigned on `agent`, which takes a slot; the driver is told to start it. */
export function assign(s: EngineState, task: TaskRecord, agent: AgentRecord, now: number, priorityRespected: boolean): void {
  task.agentIndex = agent.index;
  task.attempt++;
  takeSlot(s, task, agent);
  const from = task.state;
  if (from === 'queued') task.state = 'assigned';
  else enter(s, task, 'assigned');
  s.sink.assigned(now, task, from, agent, priorityRespected);
  commandStart(s, task, agent);
}

/** Asks the strategy what to load on each agent that fell idle during s input. */
function prewarmIdle(s: EngineState, now: number): void {
  const prewarm = s.strategy.prewarm;
  for (const agent of s.fallenIdle) {
    if (prewarm === undefined || !agent.accepting || agent.active > 0 || agent.queued > 0) continue;
    const context = prewarm.call(s.strategy, agent, s.ctx);
    if (context === undefined) continue;
    const { contextKey, contextTokens } = context;
    if (!(contextTokens >= 0)) throw new Error(`strategy ${s.strategy.name} asked to prewarm ${contextKey} with ${contextTokens} tokens`);
    pushCommand(s, { kind: 'prewarm', agent, contextKey, contextTokens });
    s.sink.prewarm(now, agent, contextKey, contextTokens);
  }
  s.fallenIdle.length = 0;
}

/** Backpressure at submission; false when the task was turned away. */
export function admitToQueue(s: EngineState, task: TaskRecord, now: number): boolean {
  if (s.fleet.queuedTasks < s.config.queue.maxDepth) return true;
  if (s.config.queue.overflow === 'shed-lowest') {
    const victim = leastUrgentQueued(s);
    if (victim !== undefined && victim.priority > task.priority) {
      unqueue(s, victim);
      finish(s, victim, 'rejected', now, 'shed');
      return true;
    }
  }
  finish(s, task, 'rejected', now, 'backpressure');
  return false;
}

function leastUrgentQueued(s: EngineState): TaskRecord | undefined {
  // Tasks held by a paused type count against maxDepth, so they may be shed too.
  let worst = lessUrgent(s.pool.peekLeastUrgent(), s.held.peekLeastUrgent());
  for (const queue of s.agentQueues) worst = lessUrgent(worst, queue.peekLeastUrgent());
  return worst;
}

/** Moves a task into the queued state and into a queue; `submitted` when it was submitted in this input (see {@link route}). */
export function enqueue(s: EngineState, task: TaskRecord, now: number, submitted = false): void {
  const from = task.state;
  if (from === 'created') {
    task.state = 'queued';
    s.sink.transition(now, task, from, 'queued', undefined, undefined);
  } else if (from !== 'queued') {
    move(s, task, 'queued', now);
  }
  if (task.spec.ttlSeconds !== undefined) task.timerId = setTimer(s, 'ttl', task, now + task.spec.ttlSeconds);
  route(s, task, submitted ? now : undefined);
}

/** A queued task leaves its queue for an agent: under the `fair` order its tenant is charged its tokens. */
function dispatched(s: EngineState, task: TaskRecord): void {
  dequeued(s, task);
  if (s.queueOrder === 'fair') s.tenantCounters.charge(task.spec.tenant ?? NO_TENANT, task.spec.tokens);
}

function dequeued(s: EngineState, task: TaskRecord): void {
  uncount(s, task);
  clearTimer(s, task);
}

/** Adds a task to the queue counts (every queue: pool, held, agents' own). */
export function count(s: EngineState, task: TaskRecord): void {
  s.fleet.queuedTasks++;
  s.queuedByPriority[task.priority]++;
}

/** Takes a task out of the queue counts (it may be routed again at once). */
export function uncount(s: EngineState, task: TaskRecord): void {
  s.fleet.queuedTasks--;
  s.queuedByPriority[task.priority]--;
}

/** Takes a queued task out of whichever queue holds it. */
export function unqueue(s: EngineState, task: TaskRecord): void {
  if (task.queueEntry === 0) return;
  takeFromQueue(s, task);
  dequeued(s, task);
}

/** The queue holding a queued task: the held queue (paused type), its agent's own, or the pool. */
export function queueOf(s: EngineState, task: TaskRecord): TaskQueue {
  if (s.pausedTypes.size > 0 && s.pausedTypes.has(task.spec.type)) return s.held;
  if (task.agentIndex >= 0 && s.config.binding === 'early') return s.agentQueues[task.agentIndex]!;
  return s.pool;
}

/** Removes a queued task from its queue (counts untouched; an agent's queue load is released). */
export function takeFromQueue(s: EngineState, task: TaskRecord): void {
  const queue = queueOf(s, task);
  queue.remove(task);
  if (queue === s.pool || queue === s.held) return;
  const agent = s.fleet.agents[task.agentIndex]!;
  agent.queued--;
  agent.outstandingTokens -= task.spec.tokens;
  task.agentIndex = -1;
  loadChanged(s, agent);
}

function queuedMoreUrgentThan(s: EngineState, priority: number): number {
  let count = 0;
  for (let p = 0; p < priority; p++) count += s.queuedByPriority[p]!;
  return count;
}

/** Tasks waiting in an agent's own queue (early binding) are routed again. */
export function rerouteOwnQueue(s: EngineState, agent: AgentRecord): void {
  const own = s.agentQueues[agent.index]!;
  for (let task = own.shift(); task !== undefined; task = own.shift()) {
    uncount(s, task);
    agent.queued--;
    agent.outstandingTokens -= task.spec.tokens;
    task.agentIndex = -1;
    loadChanged(s, agent); // before routing, which may wake thieves that read this queue
    route(s, task);
  }
}

/** Early binding: tasks that waited in the pool for lack of agents are routed again. */
function routePooled(s: EngineState): void {
  const waiting: TaskRecord[] = [];
  for (let task = s.pool.shift(); task !== undefined; task = s.pool.shift()) waiting.push(task);
  for (const task of waiting) {
    // Still queued: only its place changes, so its TTL keeps running.
    uncount(s, task);
    route(s, task);
  }
}

