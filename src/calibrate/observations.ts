/**
 * Folds the events of one run into what the estimators need: per agent its capacity and pool,
 * per agent and task type the attempts (work rate, quality, how they ended), the offers it
 * answered, and per task type the submissions (times, token counts, context, priority, tags).
 */
import { rowError } from '../traces/rowError.js';
import { MAX_AGENT_CAPACITY, MAX_TASK_TOKENS } from '../scenario/schema.js';
import { checkSubmittedSpec } from '../traces/formats/fleetsimEvents.js';
import { timeBackwardsError } from '../traces/openReader.js';
import type { EventLine } from './eventsReader.js';

/** One completed attempt that ran without interruption. */
export interface CompletedAttempt {
  /** Work the attempt did, in tokens (setup tokens not included). */
  readonly tokens: number;
  /** Seconds from start to completion. */
  readonly durationSeconds: number;
  /** Tokens spent loading context before the work began. */
  readonly setupTokens: number;
  /** Quality the completion reported, in [0, 1]. */
  readonly quality: number;
}

/** What one agent did with one task type. */
export interface AgentTypeObservations {
  /** Completed attempts that were never paused (their duration is the model's). */
  readonly completed: CompletedAttempt[];
  /** Attempts that ended (completed or failed), in start order: true when it failed with `agent-error`. */
  readonly agentErrors: boolean[];
  /** Failed attempts by reason. */
  readonly failures: Map<string, number>;
}

/** One agent of the fleet. */
export interface AgentObservations {
  /** The agent's id as the events name it. */
  readonly id: string;
  /** Concurrent task slots, as its join event declared. */
  capacity: number;
  /** The autoscaled pool it belongs to, if any. */
  pool: string | undefined;
  /** When it joined, on the pooled runs' clock. */
  joinedAtSeconds: number;
  /** What it did with each task type, by type. */
  readonly byType: Map<string, AgentTypeObservations>;
  /** Task tags of the tasks it ran (it must carry them). */
  readonly taskTags: Set<string>;
  /** Offers answered (not withdrawn or timed out), in order: true when refused. */
  readonly offerRefusals: boolean[];
  /** Seconds from each offer to its answer. */
  readonly offerResponseSeconds: number[];
}

/** The submissions of one task type. */
export interface TypeObservations {
  /** The task type. */
  readonly type: string;
  /** Submission times, seconds on the pooled runs' clock, in order. */
  readonly submittedAt: number[];
  /** Work tokens of each submission. */
  readonly tokens: number[];
  /** Context tokens of each submission. */
  readonly contextTokens: number[];
  /** Distinct context keys seen. */
  readonly contextKeys: Set<string>;
  /** Submissions per priority level. */
  readonly priorities: Map<number, number>;
  /** Tag sets as `a,b` (sorted), with their counts. */
  readonly tagSets: Map<string, number>;
}

/**
 * Everything the events of the chosen runs say. Submission times are on one clock that lays the
 * runs' arrival windows end to end (each run's window starts at its first event and ends at its
 * last submission when every task reached a final state, else at its last event, a run cut off at
 * stop.time), so pooled runs read as one long run.
 */
export interface RunObservations {
  /** Agents by id. */
  readonly agents: Map<string, AgentObservations>;
  /** Submissions by task type. */
  readonly types: Map<string, TypeObservations>;
  /** Runs folded. */
  runs: number;
  /** Sum of the runs' arrival windows. */
  windowSeconds: number;
  /** Whether every task of every run reached a final state (the runs drained rather than stopped). */
  drained: boolean;
  /** Whether any offer was made (the engine delegated by offers). */
  offers: boolean;
}

/** States a task never leaves (src/engine/task.ts). */
const FINAL_STATES = new Set(['completed', 'dead-lettered', 'expired', 'cancelled', 'rejected']);

interface TaskInfo {
  /** The line of its `submitted` record. */
  readonly line: number;
  readonly type: string;
  readonly tokens: number;
  readonly tags: readonly string[];
  /** The line of its transition to a final state, once it made one. */
  finalLine: number | undefined;
}

interface OpenAttempt {
  readonly agent: string;
  readonly startedAt: number;
  readonly setupTokens: number;
  paused: boolean;
}

/** The fold: call {@link ObservationFold.add} for each event in order, then read {@link ObservationFold.result}. */
export class ObservationFold {
  private readonly observed: RunObservations = { agents: new Map(), types: new Map(), runs: 0, windowSeconds: 0, drained: true, offers: false };
  // Per run: task and attempt ids repeat between runs.
  private tasks = new Map<string, TaskInfo>();
  private joinedAgents = new Set<string>();
  private attempts = new Map<string, OpenAttempt>();
  private offerTimes = new Map<string, number>();
  private run = -1;
  private runStart = 0;
  private lastEvent = 0;
  private lastSubmission = Number.NaN;
  private submissions = 0;
  private finals = 0;

  /** @param file - the events file, named in errors. */
  constructor(private readonly file: string) {}

  /** Folds one event of run `run` (`line` names it in errors); runs come one after another. */
  add(event: EventLine, line: number, run = 0): void {
    if (run !== this.run) {
      this.closeRun();
      this.run = run;
      this.runStart = event.time;
      this.tasks = new Map();
      this.joinedAgents = new Set();
      this.attempts = new Map();
      this.offerTimes = new Map();
    } else if (event.time < this.lastEvent) {
      // A run's events are written in time order (the engine's clock never goes back): this log was damaged or edited.
      // A submission says so as a trace's row does (its replay would go back in time).
      throw event.kind === 'submitted'
        ? timeBackwardsError({ fileAsWritten: this.file, format: 'fleetsim-events' }, line, event.time, this.lastEvent)
        : rowError(this.file, line, 'time', `expected the run's events in time order, got ${event.time} s after ${this.lastEvent} s`);
    }
    this.lastEvent = event.time;
    switch (event.kind) {
      case 'submitted': return this.submitted(event, line);
      case 'agentJoined': return this.joined(event, line);
      case 'transition': return this.transition(event, line);
      case 'offerMade': {
        this.observed.offers = true;
        this.offerTimes.set(`${this.submittedTask(event, line)}\u0000${this.joinedAgent(event, line)}`, event.time);
        return;
      }
      case 'offerAnswered': return this.offerAnswered(event, line);
      default:
    }
  }

  /** The observations, once every event is folded. */
  finish(): RunObservations {
    this.closeRun();
    this.run = -1;
    return this.observed;
  }

  private closeRun(): void {
    if (this.run < 0) return;
    const drained = this.finals === this.submissions;
    this.observed.drained &&= drained;
    this.observed.windowSeconds += (drained && !Number.isNaN(this.lastSubmission) ? this.lastSubmission : this.lastEvent) - this.runStart;
    this.observed.runs++;
    this.lastSubmission = Number.NaN;
    this.submissions = 0;
    this.finals = 0;
  }

  private submitted(event: EventLine, line: number): void {
    // The checks a replay of this log as a trace makes: a calibrated scenario must load.
    const s = checkSubmittedSpec(event.spec, this.file, line) as unknown as Readonly<Record<string, unknown>>;
    const id = this.text(s, 'id', line, 'spec.');
    const earlier = this.tasks.get(id);
    // A duplicated line would count the task's arrival and tokens twice.
    if (earlier !== undefined) throw rowError(this.file, line, 'spec.id', `task ${JSON.stringify(id)} submitted twice in one run (first on line ${earlier.line})`);
    const type = this.text(s, 'type', line, 'spec.');
    const tokens = this.tokenCount(s, 'tokens', line);
    // checkSubmittedSpec refused tags that are not a list of strings.
    const tags = (s.tags ?? []) as readonly string[];
    this.tasks.set(id, { line, type, tokens, tags, finalLine: undefined });
    this.lastSubmission = event.time;
    this.submissions++;
    let types = this.observed.types.get(type);
    if (types === undefined) {
      types = { type, submittedAt: [], tokens: [], contextTokens: [], contextKeys: new Set(), priorities: new Map(), tagSets: new Map() };
      this.observed.types.set(type, types);
    }
    types.submittedAt.push(this.observed.windowSeconds + event.time - this.runStart);
    types.tokens.push(tokens);
    types.contextTokens.push(this.tokenCount(s, 'contextTokens', line));
    if (s.contextKey !== undefined && typeof s.contextKey !== 'string') this.text(s, 'contextKey', line, 'spec.');
    if (typeof s.contextKey === 'string') types.contextKeys.add(s.contextKey);
    const priority = s.priority as number;
    types.priorities.set(priority, (types.priorities.get(priority) ?? 0) + 1);
    const tagKey = [...tags].sort().join(',');
    types.tagSets.set(tagKey, (types.tagSets.get(tagKey) ?? 0) + 1);
  }

  private joined(event: EventLine, line: number): void {
    const id = this.text(event, 'agent', line);
    const capacity = this.number(event, 'capacity', line);
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_AGENT_CAPACITY) {
      throw rowError(this.file, line, 'capacity', `expected a whole number of task slots, 1..${MAX_AGENT_CAPACITY} (as an agent may have), got ${capacity}`);
    }
    this.joinedAgents.add(id);
    const agent = this.agent(id);
    agent.capacity = capacity;
    agent.pool = typeof event.pool === 'string' ? event.pool : undefined;
    agent.joinedAtSeconds = Math.min(agent.joinedAtSeconds, event.time);
  }

  private transition(event: EventLine, line: number): void {
    const task = this.submittedTask(event, line);
    const to = this.text(event, 'to', line);
    const from = this.text(event, 'from', line);
    if (typeof event.agent === 'string') this.joinedAgent(event, line);
    const key = `${task}\u0000${String(event.attempt)}`;
    const submitted = this.tasks.get(task)!;
    // A duplicated line would count a task finished twice: the run would read as drained.
    if (submitted.finalLine !== undefined) {
      throw rowError(this.file, line, 'from', `task ${JSON.stringify(task)} changed state after its final one (line ${submitted.finalLine}): no state follows a final one`);
    }
    if (FINAL_STATES.has(to)) {
      submitted.finalLine = line;
      this.finals++;
    }

    if (to === 'running' && from !== 'paused') {
      const agent = this.joinedAgent(event, line);
      this.attempts.set(key, { agent, startedAt: event.time, setupTokens: typeof event.setupTokens === 'number' ? event.setupTokens : 0, paused: false });
      return;
    }
    if (to === 'paused') {
      const open = this.attempts.get(key);
      if (open !== undefined) open.paused = true;
      return;
    }
    if (from !== 'running' || (to !== 'completed' && to !== 'failed')) return;
    const open = this.attempts.get(key);
    if (open === undefined) return;
    this.attempts.delete(key);
    const agent = this.agent(open.agent);
    for (const tag of submitted.tags) agent.taskTags.add(tag);
    const observed = this.agentType(agent, submitted.type);
    if (to === 'completed') {
      observed.agentErrors.push(false);
      if (!open.paused) {
        const quality = typeof event.quality === 'number' ? event.quality : 1;
        observed.completed.push({ tokens: submitted.tokens, durationSeconds: event.time - open.startedAt, setupTokens: open.setupTokens, quality });
      }
      return;
    }
    const reason = typeof event.reason === 'string' ? event.reason : 'unknown';
    observed.failures.set(reason, (observed.failures.get(reason) ?? 0) + 1);
    if (reason === 'agent-error') observed.agentErrors.push(true);
  }

  private offerAnswered(event: EventLine, line: number): void {
    const task = this.submittedTask(event, line);
    const id = this.joinedAgent(event, line);
    const reason = event.reason;
    // Withdrawn offers and lost agents say nothing of the agent's will; lacking the skill is the fleet's shape.
    if (reason === 'offer-timeout' || reason === 'agent-lost' || reason === 'lacks-skill') return;
    const agent = this.agent(id);
    agent.offerRefusals.push(event.accepted !== true);
    const madeAt = this.offerTimes.get(`${task}\u0000${id}`);
    if (madeAt !== undefined) agent.offerResponseSeconds.push(event.time - madeAt);
  }

  private agent(id: string): AgentObservations {
    let agent = this.observed.agents.get(id);
    if (agent === undefined) {
      agent = {
        id, capacity: 1, pool: undefined, joinedAtSeconds: Number.POSITIVE_INFINITY, byType: new Map(), taskTags: new Set(),
        offerRefusals: [], offerResponseSeconds: [],
      };
      this.observed.agents.set(id, agent);
    }
    return agent;
  }

  private agentType(agent: AgentObservations, type: string): AgentTypeObservations {
    let observed = agent.byType.get(type);
    if (observed === undefined) {
      observed = { completed: [], agentErrors: [], failures: new Map() };
      agent.byType.set(type, observed);
    }
    return observed;
  }

  /**
   * The task an event names, which its run must have submitted before: an event of a task the
   * log never submitted (a line lost, moved or edited) would otherwise be dropped without a word.
   */
  private submittedTask(event: EventLine, line: number): string {
    const task = this.text(event, 'task', line);
    if (!this.tasks.has(task)) {
      throw rowError(this.file, line, 'task', `task ${JSON.stringify(task)} has no submitted record before this line in its run (every event of a task follows its submission)`);
    }
    return task;
  }

  /** The agent an event names, which must have joined its run before: else the fit would invent an agent of capacity 1. */
  private joinedAgent(event: EventLine, line: number): string {
    const agent = this.text(event, 'agent', line);
    if (!this.joinedAgents.has(agent)) {
      throw rowError(this.file, line, 'agent', `agent ${JSON.stringify(agent)} has no agentJoined record before this line in its run (every agent joins before it works)`);
    }
    return agent;
  }

  private text(record: Readonly<Record<string, unknown>>, name: string, line: number, prefix = ''): string {
    const value = record[name];
    if (typeof value !== 'string') throw rowError(this.file, line, `${prefix}${name}`, `expected a string, got ${JSON.stringify(value) ?? 'nothing'}`);
    return value;
  }

  /** A task's token count in its spec: at most what a scenario's task may have, as the calibrated scenario must load. */
  private tokenCount(spec: Readonly<Record<string, unknown>>, name: string, line: number): number {
    const value = this.number(spec, name, line, 'spec.');
    if (value > MAX_TASK_TOKENS) throw rowError(this.file, line, `spec.${name}`, `expected at most ${MAX_TASK_TOKENS} tokens (the most a task may have), got ${value}`);
    return value;
  }

  private number(record: Readonly<Record<string, unknown>>, name: string, line: number, prefix = ''): number {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw rowError(this.file, line, `${prefix}${name}`, `expected a non-negative number, got ${JSON.stringify(value) ?? 'nothing'}`);
    }
    return value;
  }
}
