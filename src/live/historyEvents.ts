/**
 * Engine events rebuilt from their records (events.jsonl, {@link eventRecord}): after a restart
 * from a snapshot the engine cannot regenerate the events before it, and the durable driver
 * hands their records on instead (`onHistory`). Folds of events (a task registry, a metrics
 * collector) are fed the rebuilt events so they observe what they observed before the restart.
 *
 * Records name tasks and agents by id; events carry views. {@link HistoryEvents} keeps a minimal
 * view of each task in flight (its spec from `submitted`, its state, attempt, agent and offer
 * round from what follows, forgotten once final) and of each agent (id, capacity and pool, its
 * index in join order), and updates them as the engine did when the event was emitted. What records
 * do not carry stays at its initial value (an agent's skills, tags, pool; an agent's counters).
 */
import type { AgentSpec, AgentView } from '../engine/agent.js';
import type { EventRecord } from '../engine/eventRecord.js';
import type { AdminOperation, EngineEvent } from '../engine/messages.js';
import { isFinal, type FailureReason, type RejectionReason, type TaskSpec, type TaskState, type TaskView } from '../engine/task.js';

/** The mutable view of a task in flight, as the engine's record would read at each event. */
type TaskShadow = { -readonly [K in keyof TaskView]: TaskView[K] };

/** Rebuilds events from records, in order; one instance per history. */
export class HistoryEvents {
  private readonly tasks = new Map<string, TaskShadow>();
  private readonly agents = new Map<string, AgentView>();
  private joined = 0;

  /**
   * The event `record` stands for, or undefined when it names a task or agent this history
   * never introduced (nothing a fold could attribute it to).
   */
  rebuild(record: EventRecord): EngineEvent | undefined {
    const time = record['time'] as number;
    switch (record['kind']) {
      case 'submitted': {
        const spec = record['spec'] as TaskSpec;
        const task: TaskShadow = {
          spec, state: 'created', seq: record['seq'] as number, submittedAt: time, attempt: 0, agentIndex: -1,
          startedAt: Number.NaN, failureReason: undefined, priority: spec.priority, offers: 0, rejectionReason: undefined,
        };
        this.tasks.set(spec.id, task);
        return { kind: 'submitted', time, task };
      }
      case 'transition':
        return this.transition(record, time);
      case 'agentJoined': {
        const id = record['agent'] as string;
        const pool = record['pool'] as string | undefined;
        const spec: AgentSpec = {
          id, capacity: record['capacity'] as number, tokensPerSecond: 0, skills: {}, weight: 0, tags: [], ...(pool === undefined ? {} : { pool }),
        };
        const agent: AgentView = {
          spec, index: this.joined++, accepting: true, draining: false, paused: 0, active: 0, queued: 0, outstandingTokens: 0,
          contextUtilization: 0, residentKeys: new Set(), observedAt: time, completed: 0,
        };
        this.agents.set(id, agent);
        return { kind: 'agentJoined', time, agent };
      }
      case 'agentLeft':
      case 'agentDraining': {
        const agent = this.agents.get(record['agent'] as string);
        return agent === undefined ? undefined : { kind: record['kind'], time, agent };
      }
      case 'prewarm': {
        const agent = this.agents.get(record['agent'] as string);
        return agent === undefined
          ? undefined
          : { kind: 'prewarm', time, agent, contextKey: record['contextKey'] as string, contextTokens: record['contextTokens'] as number };
      }
      case 'staleResult':
        return { kind: 'staleResult', time, taskId: record['task'] as string, attempt: record['attempt'] as number };
      case 'offerMade':
      case 'offerAnswered':
      case 'duplicateClaim':
        return this.taskAgentEvent(record, time);
      case 'scaled': {
        const agentId = record['agent'] as string | undefined;
        const agent = agentId === undefined ? undefined : this.agents.get(agentId);
        return {
          kind: 'scaled', time, pool: record['pool'] as string, direction: record['direction'] as 'up' | 'down',
          ...(agent === undefined ? {} : { agent }),
        };
      }
      case 'admin': {
        const { time: _time, kind: _kind, ...operation } = record;
        return { kind: 'admin', time, operation: operation as unknown as AdminOperation };
      }
      default:
        throw new Error(`history: unknown event kind ${JSON.stringify(record['kind'])}`);
    }
  }

  private transition(record: EventRecord, time: number): EngineEvent | undefined {
    const task = this.tasks.get(record['task'] as string);
    if (task === undefined) return undefined;
    const agentId = record['agent'] as string | undefined;
    const agent = agentId === undefined ? undefined : this.agents.get(agentId);
    const from = record['from'] as TaskState;
    const to = record['to'] as TaskState;
    const attempt = record['attempt'] as number;
    const reason = record['reason'] as FailureReason | undefined;
    // As the engine does before reporting: the round is counted, the slot's holder named.
    task.state = to;
    task.attempt = attempt;
    if (to === 'offered') task.offers++;
    if (agent !== undefined) task.agentIndex = agent.index;
    if (to === 'running' && from === 'assigned') task.startedAt = time;
    if (reason !== undefined) task.failureReason = reason;
    if (isFinal(to)) this.tasks.delete(task.spec.id);
    return {
      kind: 'transition', time, task, from, to, attempt,
      ...(agent === undefined ? {} : { agent }),
      ...(reason === undefined ? {} : { reason }),
      ...optional('priorityRespected', record['priorityRespected'] as boolean | undefined),
      ...optional('setupTokens', record['setupTokens'] as number | undefined),
      ...optional('contextHit', record['contextHit'] as boolean | null | undefined),
      ...optional('contextBlocksHit', record['contextBlocksHit'] as number | undefined),
      ...optional('quality', record['quality'] as number | undefined),
    };
  }

  private taskAgentEvent(record: EventRecord, time: number): EngineEvent | undefined {
    const task = this.tasks.get(record['task'] as string);
    const agent = this.agents.get(record['agent'] as string);
    if (task === undefined || agent === undefined) return undefined;
    switch (record['kind']) {
      case 'offerMade':
        task.offers = record['offer'] as number;
        return { kind: 'offerMade', time, task, agent };
      case 'offerAnswered': {
        const reason = record['reason'] as RejectionReason | undefined;
        return { kind: 'offerAnswered', time, task, agent, accepted: record['accepted'] as boolean, ...(reason === undefined ? {} : { reason }) };
      }
      default:
        return { kind: 'duplicateClaim', time, task, agent, setupTokens: record['setupTokens'] as number };
    }
  }
}

/** `{ [key]: value }`, or nothing when the record left the field out. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
