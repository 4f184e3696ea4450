/**
 * What the service tells clients about tasks, folded from the engine's events: each task's state,
 * agent, attempts and a bounded history of its events, for `GET /v1/tasks/{id}`, listings and
 * idempotent resubmission. Live tasks are all kept (the driver bounds how many there are);
 * settled ones are remembered up to a limit, the oldest settled forgotten first.
 *
 * A settled task is remembered for as long as `settledTasks` newer tasks take to settle (seconds
 * under load), long enough to reach the old generation: it is frozen into its JSON as UTF-8 bytes
 * in a ring of slabs outside the JavaScript heap, with what listings filter on in typed-array
 * columns (src/live/service/settledTaskRing.ts), so that it costs the map's entry (its id and a
 * slot number) and no object of its own: nothing for the scavenges it outlives to copy and
 * promote, nothing for old-generation collections to mark. It is thawed only when asked. The JSON
 * is written straight from the entry as bytes (src/live/jsonBytes.ts, the writer of the log's
 * lines; the history's `submitted` event and transitions field by field), and a live task's events are literals of their own fields built without spreads: the
 * registry allocates about a third of what it did per task. What a live task keeps is small too,
 * since every scavenge copies it: each event only its own fields, its `submitted` event no object
 * at all (the entry's own fields, see {@link RegistryEntry}) and its history array exactly as many
 * slots as events.
 */
import type { EngineEvent } from '../../engine/messages.js';
import { isFinal, type FailureReason, type FinalTaskState, type TaskSpec, type TaskState } from '../../engine/task.js';
import { CLOSE_BRACE, TRANSITION_FIELD } from '../eventLine.js';
import { appendField, appendJson } from '../jsonBytes.js';
import { LineBuffer } from '../lineBuffer.js';
import { SettledTaskRing } from './settledTaskRing.js';

/** One event in a task's history, as JSON. */
export interface TaskHistoryEntry {
  readonly time: number;
  readonly kind: EngineEvent['kind'];
  readonly from?: TaskState;
  readonly to?: TaskState;
  readonly attempt?: number;
  readonly agent?: string;
  readonly reason?: string;
  readonly quality?: number;
  readonly accepted?: boolean;
}

/**
 * A task's first event, `submitted` (made when a history is read). Each kind of event is a literal of its own fields only
 * (absent optional ones `undefined`, which JSON leaves out), in the order the
 * {@link TaskHistoryEntry}'s JSON has them, built without spreads: every live task keeps its
 * events through the scavenges it survives, and an `offerMade` of three fields is half the bytes
 * of one shape of nine. Plain objects, so that the log's JSON writer writes them as bytes when
 * the task is frozen.
 */
function submittedEvent(time: number, to: TaskState): TaskHistoryEntry {
  return { time, kind: 'submitted', to };
}

function transitionEvent(
  time: number, from: TaskState, to: TaskState, attempt: number, agent: string | undefined, reason: string | undefined, quality: number | undefined,
): TaskHistoryEntry {
  return { time, kind: 'transition', from, to, attempt, agent, reason, quality };
}

/** An `offerMade` or `duplicateClaim`. */
function agentEvent(time: number, kind: 'offerMade' | 'duplicateClaim', agent: string): TaskHistoryEntry {
  return { time, kind, agent };
}

function offerAnsweredEvent(time: number, agent: string, accepted: boolean, reason: string | undefined): TaskHistoryEntry {
  return { time, kind: 'offerAnswered', agent, accepted, reason };
}

function staleResultEvent(time: number, attempt: number): TaskHistoryEntry {
  return { time, kind: 'staleResult', attempt };
}

/** What the service knows about one task. */
export interface TaskEntry {
  readonly spec: TaskSpec;
  readonly submittedAt: number;
  /** Position in submission order (the listing's cursor). */
  readonly ordinal: number;
  state: TaskState;
  /** The agent holding or running it, or that ran its last attempt. */
  agent: string | undefined;
  attempts: number;
  failureReason: FailureReason | undefined;
  /** The last `historyEvents` events, oldest first. */
  readonly history: readonly TaskHistoryEntry[];
  /** Events dropped from the front of the history. */
  readonly historyDropped: number;
}

const NO_EVENTS: readonly TaskHistoryEntry[] = [];

/**
 * A task's entry as the registry keeps it. Its `submitted` event is not kept as an object: it is
 * the first of its history until an event is dropped (the oldest goes first), and its fields are
 * the entry's (`submittedAt`, `submittedState`), so it is made only when the history is read;
 * that is an object and a boxed time fewer for every task in flight to carry through scavenges.
 */
class RegistryEntry implements TaskEntry {
  constructor(
    readonly spec: TaskSpec,
    readonly submittedAt: number,
    readonly ordinal: number,
    public state: TaskState,
    public agent: string | undefined,
    public attempts: number,
    public failureReason: FailureReason | undefined,
    /** The state the task was submitted in, while its `submitted` event is in the history. */
    readonly submittedState: TaskState | undefined,
    /**
     * The history's events after `submitted`, oldest first (replaced, never changed: see
     * `record`).
     */
    public laterEvents: readonly TaskHistoryEntry[],
    public historyDropped: number,
  ) {}

  get history(): readonly TaskHistoryEntry[] {
    return this.historyDropped === 0 ? [submittedEvent(this.submittedAt, this.submittedState!)].concat(this.laterEvents) : this.laterEvents;
  }
}

/** A task as `GET /v1/tasks/{id}` answers it. */
export interface TaskJson {
  readonly id: string;
  readonly type: string;
  readonly state: TaskState;
  readonly priority: number;
  readonly submittedAt: number;
  readonly agent?: string;
  readonly attempts: number;
  readonly failureReason?: FailureReason;
}

/** A task with its history, as `GET /v1/tasks/{id}` answers it. */
export interface TaskDetailJson extends TaskJson {
  readonly history: readonly TaskHistoryEntry[];
  readonly historyDropped?: number;
}

/** What {@link TaskRegistry.page} returns. */
export interface TaskPage {
  readonly tasks: TaskJson[];
  readonly next?: string;
}

/** The bounds of a {@link TaskRegistry}. */
export interface TaskRegistryLimits {
  /** Settled tasks remembered. */
  readonly settledTasks: number;
  /** Events kept per task, at least 1 (as the scenario's `live.historyEvents`). */
  readonly historyEvents: number;
}

/** Tasks by id, folded from the engine's events. */
export class TaskRegistry {
  /** Live tasks' entries, and settled tasks' slots in {@link settledTasks}. */
  private readonly tasks = new Map<string, RegistryEntry | number>();
  private readonly settledTasks: SettledTaskRing;
  private nextOrdinal = 0;
  private readonly liveByState = new Map<TaskState, number>();
  private readonly frozenJson = new LineBuffer();

  /** @param limits - see {@link TaskRegistryLimits}. */
  constructor(private readonly limits: TaskRegistryLimits) {
    this.settledTasks = new SettledTaskRing(limits.settledTasks);
  }

  /** Folds one engine event in (every event, in order). */
  observe(event: EngineEvent): void {
    switch (event.kind) {
      case 'submitted': {
        const { task } = event;
        // The history starts as its `submitted` event alone, which the entry's fields are.
        const entry = new RegistryEntry(task.spec, event.time, this.nextOrdinal++, task.state, undefined, 0, undefined, task.state, NO_EVENTS, 0);
        this.tasks.set(task.spec.id, entry);
        this.countLive(entry.state, 1);
        return;
      }
      case 'transition': {
        const entry = this.entry(event.task.spec.id);
        if (entry === undefined) return;
        this.countLive(entry.state, -1);
        entry.state = event.to;
        entry.attempts = event.task.attempt;
        if (event.agent !== undefined) entry.agent = event.agent.spec.id;
        if (event.reason !== undefined) entry.failureReason = event.reason;
        this.record(entry, transitionEvent(event.time, event.from, event.to, event.attempt, event.agent?.spec.id, event.reason, event.quality));
        if (isFinal(event.to)) this.settled(event.task.spec.id, entry);
        else {
          this.countLive(entry.state, 1);
          if (this.tasks.get(event.task.spec.id) !== entry) this.tasks.set(event.task.spec.id, entry);
        }
        return;
      }
      case 'offerMade':
      case 'duplicateClaim': {
        const entry = this.entry(event.task.spec.id);
        if (entry !== undefined) {
          this.recordInto(event.task.spec.id, entry, agentEvent(event.time, event.kind, event.agent.spec.id));
        }
        return;
      }
      case 'offerAnswered': {
        const entry = this.entry(event.task.spec.id);
        if (entry !== undefined) {
          this.recordInto(event.task.spec.id, entry, offerAnsweredEvent(event.time, event.agent.spec.id, event.accepted, event.reason));
        }
        return;
      }
      case 'staleResult': {
        const entry = this.entry(event.taskId);
        if (entry !== undefined) {
          this.recordInto(event.taskId, entry, staleResultEvent(event.time, event.attempt));
        }
        return;
      }
      default:
        return;
    }
  }

  /** The task with this id, live or remembered (a settled one thawed: a copy, not kept). */
  get(id: string): TaskEntry | undefined {
    return this.entry(id);
  }

  /** Live tasks by state (states with none are absent). */
  liveStates(): ReadonlyMap<TaskState, number> {
    return this.liveByState;
  }

  /** Tasks known (live and remembered settled ones). */
  get size(): number {
    return this.tasks.size;
  }

  /**
   * A page of tasks in submission order, after `cursor` (a previous page's `next`), filtered by
   * state and type.
   */
  page(filter: { readonly state?: TaskState; readonly type?: string; readonly limit: number; readonly cursor?: string }): TaskPage {
    const after = filter.cursor === undefined ? -1 : Number(filter.cursor);
    const tasks: TaskJson[] = [];
    const settled = this.settledTasks;
    let last = -1;
    let more = false;
    for (const known of this.tasks.values()) {
      const frozen = typeof known === 'number';
      const ordinal = frozen ? settled.ordinal(known) : known.ordinal;
      if (ordinal <= after) continue;
      if (filter.state !== undefined && (frozen ? settled.state(known) : known.state) !== filter.state) continue;
      if (filter.type !== undefined && (frozen ? settled.type(known) : known.spec.type) !== filter.type) continue;
      if (tasks.length === filter.limit) {
        more = true;
        break;
      }
      tasks.push(taskJson(frozen ? this.thaw(known) : known));
      last = ordinal;
    }
    return more && last >= 0 ? { tasks, next: String(last) } : { tasks };
  }

  /** Records an event of a task that may be settled (late offers, stale results): refrozen then. */
  private recordInto(id: string, entry: RegistryEntry, item: TaskHistoryEntry): void {
    this.record(entry, item);
    const known = this.tasks.get(id);
    if (typeof known === 'number') this.settledTasks.replace(known, freeze(entry, this.frozenJson));
  }

  private record(entry: RegistryEntry, item: TaskHistoryEntry): void {
    // A new array of exactly one more event rather than a push: a push grows the array to 17
    // slots at its first event, ~150 bytes that every in-flight task carries through the
    // scavenges it survives, for the 3 to 5 events a task has.
    const shown = entry.laterEvents.length + (entry.historyDropped === 0 ? 1 : 0);
    if (shown < this.limits.historyEvents) entry.laterEvents = entry.laterEvents.concat(item);
    else {
      // The oldest event leaves: the `submitted` one first, which no array holds.
      entry.laterEvents = entry.historyDropped === 0 ? entry.laterEvents.concat(item) : entry.laterEvents.slice(1).concat(item);
      entry.historyDropped++;
    }
  }

  private countLive(state: TaskState, delta: 1 | -1): void {
    if (isFinal(state)) return;
    const count = (this.liveByState.get(state) ?? 0) + delta;
    if (count === 0) this.liveByState.delete(state);
    else this.liveByState.set(state, count);
  }

  /** Freezes a task that just settled, forgetting the oldest settled one beyond `settledTasks`. */
  private settled(id: string, entry: RegistryEntry): void {
    const known = this.tasks.get(id);
    if (typeof known === 'number') {
      this.settledTasks.replace(known, freeze(entry, this.frozenJson));
      return;
    }
    if (this.settledTasks.capacity === 0) {
      this.tasks.delete(id);
      return;
    }
    const { slot, forgotten } = this.settledTasks.add(id, entry.ordinal, entry.state as FinalTaskState, entry.spec.type, freeze(entry, this.frozenJson));
    // A task submitted again under a forgotten id is live (its entry, not the slot): it stays.
    if (forgotten !== undefined && forgotten !== id && this.tasks.get(forgotten) === slot) this.tasks.delete(forgotten);
    this.tasks.set(id, slot);
  }

  /** The entry of a task, live or remembered (a settled one thawed: a copy, not kept). */
  private entry(id: string): RegistryEntry | undefined {
    const known = this.tasks.get(id);
    return typeof known === 'number' ? this.thaw(known) : known;
  }

  /** A remembered settled task as an entry again: a copy, not kept. */
  private thaw(slot: number): RegistryEntry {
    const fields = JSON.parse(this.settledTasks.json(slot)) as Omit<TaskEntry, 'ordinal' | 'state'>;
    const { history, historyDropped } = fields;
    return new RegistryEntry(
      fields.spec, fields.submittedAt, this.settledTasks.ordinal(slot), this.settledTasks.state(slot), fields.agent, fields.attempts, fields.failureReason,
      historyDropped === 0 ? history[0]!.to : undefined, historyDropped === 0 ? history.slice(1) : history, historyDropped,
    );
  }
}

/**
 * A settled entry's JSON but `ordinal` and `state`, as UTF-8 bytes in `lines` (valid until its
 * next use). JSON keeps every field exactly: specs, histories and answers are JSON already
 * (parsed from request bodies, written to the log, sent to clients).
 */
function freeze(entry: RegistryEntry, lines: LineBuffer): Buffer {
  // Written straight from the entry into a reused buffer, which the ring copies: no intermediate
  // object or string (`{ spec, submittedAt, agent, attempts, failureReason, history,
  // historyDropped }` as JSON.stringify would write it).
  lines.clear();
  lines.ascii(SPEC_FIELD);
  appendJson(lines, entry.spec);
  lines.ascii(SUBMITTED_AT_FIELD);
  appendJson(lines, entry.submittedAt);
  if (entry.agent !== undefined) {
    lines.ascii(AGENT_FIELD);
    appendJson(lines, entry.agent);
  }
  lines.ascii(ATTEMPTS_FIELD);
  appendJson(lines, entry.attempts);
  if (entry.failureReason !== undefined) {
    lines.ascii(FAILURE_REASON_FIELD);
    appendJson(lines, entry.failureReason);
  }
  lines.ascii(HISTORY_FIELD);
  const historyAt = lines.length;
  if (!appendHistory(lines, entry)) {
    // A value the direct path does not write (a non-finite quality…): the history, whole.
    lines.truncate(historyAt);
    appendJson(lines, entry.history);
  }
  lines.ascii(HISTORY_DROPPED_FIELD);
  appendJson(lines, entry.historyDropped);
  lines.byte(CLOSE_BRACE);
  return lines.view(0);
}

/**
 * Writes the JSON of `entry.history` field by field: its `submitted` event from the entry's own
 * fields (no object made), its transitions (most of a history) in {@link transitionEvent}'s order
 * with each field's opening bytes copied, other events through the general writer. False, having
 * written part of it, if a value is not plain data.
 */
function appendHistory(lines: LineBuffer, entry: RegistryEntry): boolean {
  lines.byte(OPEN_BRACKET);
  let first = true;
  if (entry.historyDropped === 0) {
    if (!appendField(lines, TIME_FIRST_FIELD, entry.submittedAt)) return false;
    lines.ascii(KIND_SUBMITTED_FIELD);
    if (!appendField(lines, TO_FIELD, entry.submittedState)) return false;
    lines.byte(CLOSE_BRACE);
    first = false;
  }
  for (const event of entry.laterEvents) {
    if (!first) lines.byte(COMMA);
    first = false;
    if (event.kind !== 'transition') appendJson(lines, event);
    else if (!appendTransitionEvent(lines, event)) return false;
  }
  lines.byte(CLOSE_BRACKET);
  return true;
}

/**
 * A `transition` of the history: made by {@link transitionEvent}, or thawed from what this wrote
 * (the same fields, in the same order, those that were undefined absent).
 */
function appendTransitionEvent(lines: LineBuffer, event: TaskHistoryEntry): boolean {
  if (!appendField(lines, TIME_FIRST_FIELD, event.time)) return false;
  lines.ascii(KIND_TRANSITION_FIELD);
  const written =
    appendField(lines, FROM_FIELD, event.from) &&
    appendField(lines, TO_FIELD, event.to) &&
    appendField(lines, ATTEMPT_FIELD, event.attempt, true) &&
    appendField(lines, AGENT_FIELD, event.agent, true) &&
    appendField(lines, REASON_FIELD, event.reason, true) &&
    appendField(lines, QUALITY_FIELD, event.quality, true);
  if (written) lines.byte(CLOSE_BRACE);
  return written;
}

const {
  time: TIME_FIRST_FIELD, kindTransition: KIND_TRANSITION_FIELD, from: FROM_FIELD, to: TO_FIELD, attempt: ATTEMPT_FIELD, agent: AGENT_FIELD,
  reason: REASON_FIELD, quality: QUALITY_FIELD,
} = TRANSITION_FIELD;
const KIND_SUBMITTED_FIELD = Buffer.from(',"kind":"submitted"');
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

const SPEC_FIELD = Buffer.from('{"spec":');
const SUBMITTED_AT_FIELD = Buffer.from(',"submittedAt":');
const ATTEMPTS_FIELD = Buffer.from(',"attempts":');
const FAILURE_REASON_FIELD = Buffer.from(',"failureReason":');
const HISTORY_FIELD = Buffer.from(',"history":');
const HISTORY_DROPPED_FIELD = Buffer.from(',"historyDropped":');

/** A task's summary, as listings and `GET /v1/tasks/{id}` show it. */
export function taskJson(entry: TaskEntry): TaskJson {
  return {
    id: entry.spec.id,
    type: entry.spec.type,
    state: entry.state,
    priority: entry.spec.priority,
    submittedAt: entry.submittedAt,
    ...(entry.agent === undefined ? {} : { agent: entry.agent }),
    attempts: entry.attempts,
    ...(entry.failureReason === undefined ? {} : { failureReason: entry.failureReason }),
  };
}

/** A task with its history, as `GET /v1/tasks/{id}` answers it. */
export function taskDetailJson(entry: TaskEntry): TaskDetailJson {
  return { ...taskJson(entry), history: entry.history, ...(entry.historyDropped > 0 ? { historyDropped: entry.historyDropped } : {}) };
}
