/**
 * The audit log's on-disk form: each engine event as a plain JSON-ready object that names
 * tasks and agents by id (events in memory hold live references).
 */
import type { EngineEvent } from './messages.js';

/** A plain, serialisable copy of an event. */
export type EventRecord = Record<string, unknown>;

/** `event` as plain data, ids in place of references; undefined fields are left out. */
export function eventRecord(event: EngineEvent): EventRecord {
  switch (event.kind) {
    case 'submitted': {
      const spec = event.task.spec;
      return { time: event.time, kind: event.kind, task: spec.id, seq: event.task.seq, spec };
    }
    case 'transition':
      return {
        time: event.time, kind: event.kind, task: event.task.spec.id, from: event.from, to: event.to, attempt: event.attempt,
        agent: event.agent?.spec.id, reason: event.reason, priorityRespected: event.priorityRespected,
        setupTokens: event.setupTokens, contextHit: event.contextHit, contextBlocksHit: event.contextBlocksHit, quality: event.quality,
      };
    case 'agentJoined':
      // The pool, when the agent has one: metrics match joins with the provisions asked of it.
      return { time: event.time, kind: event.kind, agent: event.agent.spec.id, capacity: event.agent.spec.capacity, pool: event.agent.spec.pool };
    case 'agentLeft':
      return { time: event.time, kind: event.kind, agent: event.agent.spec.id, capacity: event.agent.spec.capacity };
    case 'prewarm':
      return { time: event.time, kind: event.kind, agent: event.agent.spec.id, contextKey: event.contextKey, contextTokens: event.contextTokens };
    case 'staleResult':
      return { time: event.time, kind: event.kind, task: event.taskId, attempt: event.attempt };
    case 'offerMade':
      return { time: event.time, kind: event.kind, task: event.task.spec.id, agent: event.agent.spec.id, offer: event.task.offers };
    case 'offerAnswered':
      return { time: event.time, kind: event.kind, task: event.task.spec.id, agent: event.agent.spec.id, accepted: event.accepted, reason: event.reason };
    case 'duplicateClaim':
      return { time: event.time, kind: event.kind, task: event.task.spec.id, agent: event.agent.spec.id, setupTokens: event.setupTokens };
    case 'agentDraining':
      return { time: event.time, kind: event.kind, agent: event.agent.spec.id };
    case 'scaled':
      return { time: event.time, kind: event.kind, pool: event.pool, direction: event.direction, agent: event.agent?.spec.id };
    case 'admin':
      return { time: event.time, kind: event.kind, ...event.operation };
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}
