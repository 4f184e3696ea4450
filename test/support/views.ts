/**
 * Hand-built views for tests that call strategies or the agent model without an engine.
 */
import { NO_RESIDENT_KEYS, type AgentSpec, type AgentView } from '../../src/engine/agent.js';
import type { TaskRecord, TaskSpec, TaskView } from '../../src/engine/task.js';

/** An idle, accepting agent view of `spec` at fleet position `index`; `load` overrides fields. */
export function idleAgentView(spec: AgentSpec, index = 0, load: Partial<Omit<AgentView, 'spec' | 'index'>> = {}): AgentView {
  return {
    spec, index, accepting: true, draining: false, paused: 0, active: 0, queued: 0, outstandingTokens: 0,
    contextUtilization: 0, residentKeys: NO_RESIDENT_KEYS, observedAt: 0, completed: 0, ...load,
  };
}

/**
 * A task view of `spec` as the engine would show it: queued, never started; `fields`
 * overrides any field (state, seq, attempt…).
 */
export function taskViewOf(spec: TaskSpec, fields: Partial<Omit<TaskView, 'spec'>> = {}): TaskView {
  return {
    spec, state: 'queued', seq: 0, submittedAt: 0, attempt: 0, agentIndex: -1, startedAt: Number.NaN,
    failureReason: undefined, priority: spec.priority, offers: 0, rejectionReason: undefined, ...fields,
  };
}

/** A bare engine record of `spec`, queued in no queue, for driving engine parts directly. */
export function taskRecordOf(spec: TaskSpec, fields: Partial<Omit<TaskRecord, 'spec'>> = {}): TaskRecord {
  return {
    owner: {}, spec, state: 'queued', seq: 0, submittedAt: 0, attempt: 0, agentIndex: -1, startedAt: Number.NaN,
    failureReason: undefined, priority: spec.priority, offers: 0, rejectionReason: undefined, offeredTo: undefined,
    rejectedBy: undefined, resumeReady: false, maxRetries: 0, unmetDependencies: 0, dependents: undefined, queueEntry: 0, timerId: 0,
    liveSlot: -1, ...fields,
  };
}
