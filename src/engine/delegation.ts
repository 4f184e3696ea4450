/**
 * Delegation. Owns who may take a task and how it is handed over: eligibility (tags, the current
 * round's rejections, failure memory, named assignees, the first-fit and least-loaded fallbacks)
 * and offers (a single offer or a broadcast to every eligible agent, answers, withdrawals and
 * timeouts, the end of a round of offers and `maxOffers`).
 *
 * May touch: a task's offer fields (`offers`, `offeredTo`, `rejectedBy`,
 * `rejectionReason`) and state; reads failure memory; takes and releases slots through the
 * ledger, sets offer timers through timers, requeues through dispatch.
 */
import { hasFreeSlot, hasTags, type AgentRecord, type AgentView } from './agent.js';
import { enqueue } from './dispatch.js';
import type { EngineState } from './engineState.js';
import { commandStart, pushCommand } from './inputs.js';
import { enter, finish, move, releaseSlot, takeSlot } from './ledger.js';
import type { RejectionReason, TaskRecord } from './task.js';
import { clearTimer, setTimer } from './timers.js';

/**
 * How far an agent may take a task beyond having room for it: ALLOWED (nothing speaks against
 * it), SUSPECT (only failure memory does: better a suspect agent than none), BARRED (it lacks a
 * tag the task asks for, or turned the task down this round).
 */
export type Verdict = typeof ALLOWED | typeof SUSPECT | typeof BARRED;
/** Nothing speaks against the agent. */
const ALLOWED = 0;
/** Only failure memory speaks against the agent. */
const SUSPECT = 1;
/** The agent may not take the task. */
export const BARRED = 2;

/** Queued → offered: each agent holds a slot for the task until it answers or the offer closes. */
export function offer(s: EngineState, task: TaskRecord, agents: readonly AgentRecord[], now: number): void {
  // Counted first, so the transition event carries the round's number.
  task.offers++;
  const from = enter(s, task, 'offered');
  s.sink.transition(now, task, from, 'offered', agents.length === 1 ? agents[0] : undefined, undefined);
  task.offeredTo = agents.map((agent) => agent.index);
  for (const agent of agents) {
    takeSlot(s, task, agent);
    s.sink.offerMade(now, task, agent);
    pushCommand(s, { kind: 'offer', task, agent, offer: task.offers });
  }
  const timeout = s.config.delegation.offerTimeoutSeconds;
  if (timeout !== Number.POSITIVE_INFINITY) task.timerId = setTimer(s, 'offer', task, now + timeout);
}

/** Offered → assigned on the agent that accepted; it already holds the slot. */
export function bindOffered(s: EngineState, task: TaskRecord, agent: AgentRecord, now: number): void {
  task.rejectedBy = undefined; // the round of offers ends with a claim; a retry starts afresh
  task.agentIndex = agent.index;
  task.attempt++;
  const from = enter(s, task, 'assigned');
  s.sink.assigned(now, task, from, agent, true);
  commandStart(s, task, agent);
}

/** Withdraws every open offer of `task` (no answer counted) and its timeout. */
export function withdrawAll(s: EngineState, task: TaskRecord): void {
  clearTimer(s, task);
  for (const index of task.offeredTo!) withdrawFrom(s, task, s.fleet.agents[index]!);
  task.offeredTo = undefined;
}

/** Withdraws an open offer from `agent` and frees the slot it held. */
function withdrawFrom(s: EngineState, task: TaskRecord, agent: AgentRecord): void {
  pushCommand(s, { kind: 'withdraw', taskId: task.spec.id, agentId: agent.spec.id, offer: task.offers });
  releaseSlot(s, task, agent);
}

/**
 * Closes `agent`'s open offer as a rejection with `reason`: its answer, or (with `withdraw`) a
 * timeout or the agent's departure, for which the driver is told to stop preparing.
 */
export function closeOffer(s: EngineState, task: TaskRecord, agent: AgentRecord, now: number, reason: RejectionReason, withdraw: boolean): void {
  const at = task.offeredTo!.indexOf(agent.index);
  task.offeredTo!.splice(at, 1);
  s.sink.offerAnswered(now, task, agent, false, reason);
  if (withdraw) withdrawFrom(s, task, agent);
  else releaseSlot(s, task, agent);
  rejected(s, task, agent, reason);
  if (task.offeredTo!.length === 0) {
    clearTimer(s, task);
    task.offeredTo = undefined;
  }
}

/** Every open offer of `task` is withdrawn, counted as rejected with `reason`. */
export function withdrawOffers(s: EngineState, task: TaskRecord, now: number, reason: RejectionReason): void {
  for (const index of [...task.offeredTo!]) closeOffer(s, task, s.fleet.agents[index]!, now, reason, true);
}

/**
 * Records a rejection; a round ends (everyone may be asked again) once every candidate has said
 * no. A task assigned by name is offered to its assignee again (until `maxOffers`).
 */
export function rejected(s: EngineState, task: TaskRecord, agent: AgentRecord, reason: RejectionReason): void {
  task.rejectionReason = reason;
  if (task.spec.assignee !== undefined) return;
  const by = (task.rejectedBy ??= []);
  if (!by.includes(agent.index)) by.push(agent.index);
}

/**
 * No open offer is left: the task goes back to the queue to be offered elsewhere, or fails
 * with reason `rejected` once it has had `maxOffers` offers.
 */
export function returnOffer(s: EngineState, task: TaskRecord, now: number): void {
  if (task.offers >= s.config.delegation.maxOffers) {
    task.rejectedBy = undefined;
    move(s, task, 'failed', now, undefined, 'rejected');
    finish(s, task, 'dead-lettered', now, 'rejected');
    return;
  }
  if (everyCandidateRejected(s, task)) task.rejectedBy = undefined;
  enqueue(s, task, now);
}

/**
 * An agent stopped taking work (it left or began draining): a queued task that every remaining
 * candidate has turned down s round starts a new one, or it would wait forever.
 */
export function startStalledRounds(s: EngineState): void {
  if (s.config.delegation.mode === 'assign') return;
  for (const task of s.live.values()) {
    if (task.state !== 'queued' || !everyCandidateRejected(s, task)) continue;
    task.rejectedBy = undefined;
    s.poolDirty = true;
  }
}

function everyCandidateRejected(s: EngineState, task: TaskRecord): boolean {
  const by = task.rejectedBy;
  if (by === undefined) return false;
  for (const agent of s.fleet.agents) {
    if (!agent.left && !agent.draining && hasTags(agent, task.spec.tags) && !by.includes(agent.index)) return false;
  }
  return true;
}

/** Broadcast: every agent with a free slot that nothing bars from `task`, `picked` among them, by index. */
export function broadcastAgents(s: EngineState, task: TaskRecord, picked: AgentRecord): AgentRecord[] {
  if (task.spec.assignee !== undefined) return [picked];
  const agents: AgentRecord[] = [];
  for (const agent of s.fleet.agents) {
    if (agent === picked || (hasFreeSlot(agent) && verdictOf(s, task, agent) === ALLOWED)) agents.push(agent);
  }
  return agents;
}

/**
 * True when something besides room may bar an agent from `task`: tags, rejected offers, or
 * failure memory of an earlier attempt. Plain tasks skip every check below.
 */
export function constrained(s: EngineState, task: TaskRecord): boolean {
  return (task.spec.tags !== undefined && task.spec.tags.length > 0) || task.rejectedBy !== undefined ||
    (task.attempt > 0 && s.failureMemory.size > 0);
}

/** How far `agent` may take `task` besides having room for it (see {@link Verdict}). */
export function verdictOf(s: EngineState, task: TaskRecord, agent: AgentView): Verdict {
  if (!hasTags(agent, task.spec.tags)) return BARRED;
  if (task.rejectedBy !== undefined && task.rejectedBy.includes(agent.index)) return BARRED;
  if (task.attempt > 0 && s.failureMemory.avoids(agent.index, task.spec.type, s.ctx.now)) return SUSPECT;
  return ALLOWED;
}

/**
 * The strategy's pick if nothing bars it; otherwise the agent a constraint-aware fallback
 * finds ({@link fallbackAgent}). When nothing is free but agents only failure memory
 * speaks against, the task waits for an agent it does not suspect if the fleet has one (busy
 * now), and takes the suspect pick only when every agent that may take it is suspect.
 */
export function honourConstraints(s: EngineState, task: TaskRecord, picked: AgentRecord): AgentRecord | undefined {
  if (verdictOf(s, task, picked) === ALLOWED) return picked;
  const fallback = fallbackAgent(s, task, false);
  if (fallback !== undefined && acceptable(s, task, fallback)) return fallback;
  return acceptable(s, task, picked) ? picked : undefined;
}

/**
 * Whether `task` may go to `agent`: nothing bars it, and failure memory suspects it only when
 * no agent of the fleet, free or not, is free of suspicion (else the task waits for that one).
 */
export function acceptable(s: EngineState, task: TaskRecord, agent: AgentRecord): boolean {
  const verdict = verdictOf(s, task, agent);
  if (verdict !== SUSPECT) return verdict === ALLOWED;
  for (const other of s.fleet.agents) if (other.accepting && verdictOf(s, task, other) === ALLOWED) return false;
  return true;
}

/**
 * Among agents eligible now (free slot under late binding, accepting under early) that nothing
 * bars from `task`: the first by index when `firstFit`, otherwise the one with the fewest tasks
 * in hand per slot (lowest index among equals). Agents only failure memory speaks against come
 * last. Undefined when none is eligible.
 */
export function fallbackAgent(s: EngineState, task: TaskRecord, firstFit: boolean): AgentRecord | undefined {
  let best: AgentRecord | undefined;
  let bestVerdict: Verdict = BARRED;
  let bestLoad = Number.POSITIVE_INFINITY;
  const late = s.config.binding === 'late';
  const { tags } = task.spec;
  // Only agents with the task's tags can be chosen: scan those, in the same (fleet) order.
  const candidates = tags === undefined || tags.length === 0 ? s.fleet.agents : s.tagIndex.agentsWith(s.fleet.agents, tags);
  for (const agent of candidates) {
    if (late ? !hasFreeSlot(agent) : !agent.accepting) continue;
    const verdict = verdictOf(s, task, agent);
    if (verdict === BARRED || verdict > bestVerdict) continue;
    const load = firstFit ? 0 : (agent.active + agent.queued) / agent.spec.capacity;
    if (verdict < bestVerdict || load < bestLoad) {
      best = agent;
      bestVerdict = verdict;
      bestLoad = load;
    }
  }
  return best;
}

/** The task's named assignee; null when it has none, undefined when it names no known agent. */
export function assigneeOf(s: EngineState, task: TaskRecord): AgentRecord | undefined | null {
  if (task.spec.assignee === undefined) return null;
  const index = s.agentIds.get(task.spec.assignee);
  return index === undefined ? undefined : s.fleet.agents[index];
}

