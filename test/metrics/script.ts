/**
 * Hand-written event streams for metrics tests: each call emits the events the engine would
 * emit for that step (same fields, same lifecycle), with the times the test chooses.
 */
import type { AgentSpec, AgentView } from '../../src/engine/agent.js';
import type { EngineEvent, TaskTransitionEvent } from '../../src/engine/messages.js';
import type { TaskSpec, TaskState, TaskView } from '../../src/engine/task.js';
import { MetricsCollector, type CollectorOptions } from '../../src/metrics/collector.js';
import type { RunMetrics } from '../../src/metrics/types.js';

interface ScriptTask extends TaskView {
  state: TaskState;
  attempt: number;
  agentIndex: number;
  startedAt: number;
}

interface ScriptAgent extends AgentView {
  accepting: boolean;
}

/** The optional detail fields of a transition event. */
type Detail = Pick<TaskTransitionEvent, 'agent' | 'reason' | 'priorityRespected' | 'setupTokens' | 'contextHit' | 'quality'>;

/** What a started attempt reports. */
export interface StartDetail {
  /** Tokens the agent spent loading context. @defaultValue 0 */
  readonly setupTokens?: number;
  /** Whether the context was resident. @defaultValue null (a task without one) */
  readonly contextHit?: boolean | null;
}

/** Builds an event stream step by step. */
export class EventScript {
  /** The events so far, in the order the engine would have emitted them: what a collector is fed. */
  readonly events: EngineEvent[] = [];
  private readonly agents: ScriptAgent[] = [];
  private nextSeq = 0;

  /** An agent joins. */
  join(time: number, id: string, capacity = 1): AgentView {
    const spec: AgentSpec = { id, capacity, tokensPerSecond: 100, skills: {}, weight: capacity, tags: [] };
    const agent: ScriptAgent = {
      spec, index: this.agents.length, accepting: true, draining: false, paused: 0, active: 0, queued: 0, outstandingTokens: 0,
      contextUtilization: 0, residentKeys: new Set<string>(), observedAt: time, completed: 0,
    };
    this.agents.push(agent);
    this.events.push({ kind: 'agentJoined', time, agent });
    return agent;
  }

  /** An agent leaves (the engine fails its attempts first; tests do that themselves). */
  leave(time: number, agent: AgentView): void {
    this.agents[agent.index]!.accepting = false;
    this.events.push({ kind: 'agentLeft', time, agent });
  }

  /** A context is loaded on an idle agent ahead of need. */
  prewarm(time: number, agent: AgentView, contextKey: string, contextTokens: number): void {
    this.events.push({ kind: 'prewarm', time, agent, contextKey, contextTokens });
  }

  /** A task is submitted and queued. `spec` overrides the defaults (100 tokens, priority 2). */
  submit(time: number, spec: Partial<TaskSpec> = {}): TaskView {
    const task = this.submitted(time, spec);
    this.move(task, 'queued', time);
    return task;
  }

  /** A task is submitted and turned away at once. */
  reject(time: number, spec: Partial<TaskSpec> = {}): TaskView {
    const task = this.submitted(time, spec);
    this.move(task, 'rejected', time, { reason: 'backpressure' });
    return task;
  }

  /** A queued task binds to an agent (a new attempt). */
  assign(time: number, task: TaskView, agent: AgentView, priorityRespected = true): void {
    const record = task as ScriptTask;
    record.attempt++;
    record.agentIndex = agent.index;
    this.move(record, 'assigned', time, { agent, priorityRespected });
  }

  /** The assigned attempt starts on its agent. */
  start(time: number, task: TaskView, detail: StartDetail = {}): void {
    // Events keep the task itself, so the collector reads its last start (fine for one attempt).
    (task as ScriptTask).startedAt = time;
    this.move(task as ScriptTask, 'running', time, {
      agent: this.agentOf(task), setupTokens: detail.setupTokens ?? 0, contextHit: detail.contextHit ?? null,
    });
  }

  /** Assign and start at the same instant, as the simulator does. */
  dispatch(time: number, task: TaskView, agent: AgentView, detail: StartDetail = {}): void {
    this.assign(time, task, agent);
    this.start(time, task, detail);
  }

  /** The running attempt is paused (it keeps its slot). */
  pause(time: number, task: TaskView): void {
    this.move(task as ScriptTask, 'paused', time, { agent: this.agentOf(task) });
  }

  /** A paused attempt resumes: the same attempt, so no setup is reported. */
  resume(time: number, task: TaskView): void {
    this.move(task as ScriptTask, 'running', time, { agent: this.agentOf(task) });
  }

  /** The running attempt completes. */
  complete(time: number, task: TaskView, quality = 1): void {
    this.move(task as ScriptTask, 'completed', time, { agent: this.agentOf(task), quality });
  }

  /** The running attempt fails; with `retry`, the task goes to backoff, else it is dead-lettered. */
  fail(time: number, task: TaskView, retry: boolean): void {
    this.move(task as ScriptTask, 'failed', time, { agent: this.agentOf(task), reason: 'agent-error' });
    if (retry) this.move(task as ScriptTask, 'retrying', time);
    else this.move(task as ScriptTask, 'dead-lettered', time, { reason: 'agent-error' });
  }

  /** A retrying task's backoff ends: it is queued again. */
  requeue(time: number, task: TaskView): void {
    this.move(task as ScriptTask, 'queued', time);
  }

  /** A task is cancelled; like the engine's, the event names no agent. */
  cancel(time: number, task: TaskView): void {
    this.move(task as ScriptTask, 'cancelled', time, { reason: 'cancelled-by-request' });
  }

  /** A queued task's ttl runs out. */
  expire(time: number, task: TaskView): void {
    this.move(task as ScriptTask, 'expired', time, { reason: 'ttl' });
  }

  /** Folds the script into a fresh collector and closes it at `endTimeSeconds`. */
  collect(endTimeSeconds: number, options: CollectorOptions = { warmupTimeSeconds: 0, warmupTasks: 0 }): RunMetrics {
    const collector = new MetricsCollector(options);
    for (const event of this.events) collector.observe(event);
    return collector.finish(endTimeSeconds);
  }

  private submitted(time: number, spec: Partial<TaskSpec>): ScriptTask {
    const seq = this.nextSeq++;
    const fullSpec: TaskSpec = { id: `t${seq}`, type: 'code', priority: 2, tokens: 100, contextTokens: 0, ...spec };
    const task: ScriptTask = {
      spec: fullSpec, state: 'created', seq, submittedAt: time, attempt: 0, agentIndex: -1, startedAt: Number.NaN, failureReason: undefined,
      priority: fullSpec.priority, offers: 0, rejectionReason: undefined,
    };
    this.events.push({ kind: 'submitted', time, task });
    return task;
  }

  private agentOf(task: TaskView): AgentView {
    return this.agents[task.agentIndex]!;
  }

  private move(task: ScriptTask, to: TaskState, time: number, detail: Detail = {}): void {
    const from = task.state;
    task.state = to;
    this.events.push({
      kind: 'transition', time, task, from, to, attempt: task.attempt, agent: detail.agent, reason: detail.reason,
      priorityRespected: detail.priorityRespected, setupTokens: detail.setupTokens, contextHit: detail.contextHit,
      quality: detail.quality,
    });
  }
}
