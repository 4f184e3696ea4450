/**
 * Event sinks: the positional calls the engine makes and the event objects of the audit log are
 * two forms of one stream, and converting between them loses nothing.
 */
import { describe, expect, it } from 'vitest';
import { EventObjects, TeeSink, replayEvent } from '../../src/engine/eventSink.js';
import type { EngineEvent } from '../../src/engine/messages.js';
import { agentSpec, taskSpec } from '../support/harness.js';
import { idleAgentView, taskViewOf } from '../support/views.js';

const agent = idleAgentView(agentSpec({ id: 'a' }), 0);
const task = taskViewOf(taskSpec({ id: 't' }), { attempt: 2, agentIndex: 0 });

/** One event of every kind and every transition method, as the engine would emit them. */
const EVERY_KIND: EngineEvent[] = [
  { kind: 'agentJoined', time: 0, agent },
  { kind: 'submitted', time: 1, task },
  { kind: 'transition', time: 1, task, from: 'created', to: 'queued', attempt: 2, agent: undefined, reason: undefined },
  { kind: 'transition', time: 2, task, from: 'queued', to: 'assigned', attempt: 2, agent, priorityRespected: false },
  { kind: 'transition', time: 3, task, from: 'assigned', to: 'running', attempt: 2, agent, setupTokens: 40, contextHit: false },
  { kind: 'transition', time: 4, task, from: 'running', to: 'failed', attempt: 2, agent, reason: 'timeout' },
  { kind: 'transition', time: 5, task, from: 'running', to: 'completed', attempt: 2, agent, quality: 0.75 },
  { kind: 'staleResult', time: 6, taskId: 't', attempt: 1 },
  { kind: 'prewarm', time: 6, agent, contextKey: 'repo-1', contextTokens: 500 },
  { kind: 'agentLeft', time: 7, agent },
];

describe('event sinks', () => {
  it('replaying event objects into EventObjects gives back equal objects, in order', () => {
    const rebuilt: EngineEvent[] = [];
    const sink = new EventObjects((event) => rebuilt.push(event));
    for (const event of EVERY_KIND) replayEvent(event, sink);
    expect(rebuilt).toEqual(EVERY_KIND);
  });

  it('a tee feeds every sink the whole stream, in the order the sinks are given', () => {
    const order: string[] = [];
    const tee = new TeeSink([
      new EventObjects((event) => order.push(`first ${event.kind}`)),
      new EventObjects((event) => order.push(`second ${event.kind}`)),
    ]);
    replayEvent(EVERY_KIND[1]!, tee);
    replayEvent(EVERY_KIND[7]!, tee);
    expect(order).toEqual(['first submitted', 'second submitted', 'first staleResult', 'second staleResult']);
  });

  it('refuses to replay a completion that names no agent or carries no quality', () => {
    const sink = new EventObjects(() => undefined);
    const noAgent: EngineEvent = { kind: 'transition', time: 5, task, from: 'running', to: 'completed', attempt: 2, quality: 1 };
    const noQuality: EngineEvent = { kind: 'transition', time: 5, task, from: 'running', to: 'completed', attempt: 2, agent };
    expect(() => replayEvent(noAgent, sink)).toThrow(/task t to completed lacks/);
    expect(() => replayEvent(noQuality, sink)).toThrow(/task t to completed lacks/);
  });
});
