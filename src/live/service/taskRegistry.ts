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
 * lines). A live task is no object either: each event of its history is written once as JSON
 * bytes into an arena outside the heap (src/live/service/liveHistories.ts), and its other fields
 * are columns by the same slot (src/live/service/liveTaskColumns.ts), the map keeping the slot
 * number: no entry, event, array or boxed time for the scavenges it survives to copy. The bytes
 * are parsed only when a client reads the history, and copied as they are when the task is
 * frozen.
 */
import type { EngineEvent } from '../../engine/messages.js';
import { isFinal, type DependencyFailurePolicy, type FailureReason, type FinalTaskState, type TaskSpec, type TaskState } from '../../engine/task.js';
import { CLOSE_BRACE, TRANSITION_FIELD } from '../eventLine.js';
import { appendField, appendJson } from '../jsonBytes.js';
import { LineBuffer } from '../lineBuffer.js';
import { LiveHistories } from './liveHistories.js';
import { LiveTaskColumns } from './liveTaskColumns.js';
import { SettledTaskRing } from './settledTaskRing.js';
import { SubmissionOrder } from './submissionOrder.js';

/** One event in a task's history, as JSON. */
export interface TaskHistoryEntry {
  /** When it happened, seconds on the service's clock. */
  readonly time: number;
  /** The event's kind. */
  readonly kind: EngineEvent['kind'];
  /** State left (transitions). */
  readonly from?: TaskState;
  /** State entered (transitions). */
  readonly to?: TaskState;
  /** Attempt number. */
  readonly attempt?: number;
  /** The agent concerned. */
  readonly agent?: string;
  /** Why it failed or ended, or why an offer was refused. */
  readonly reason?: string;
  /** Quality of a completion, in [0, 1]. */
  readonly quality?: number;
  /** Whether an offer was accepted (`offerAnswered`). */
  readonly accepted?: boolean;
}

/**
 * The non-transition events, as literals of their own fields (absent optional ones `undefined`,
 * which JSON leaves out) in the order the {@link TaskHistoryEntry}'s JSON has them: written as
 * bytes at once (see {@link LiveHistories}), or kept in a thawed settled task's history.
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
  /** The task as submitted. */
  readonly spec: TaskSpec;
  /** Submission time, seconds on the service's clock. */
  readonly submittedAt: number;
  /** Position in submission order (the listing's cursor). */
  readonly ordinal: number;
  /** Its lifecycle state. */
  state: TaskState;
  /** The agent holding or running it, or that ran its last attempt. */
  agent: string | undefined;
  /** Attempts started so far. */
  attempts: number;
  /** Why the last attempt failed or the task ended, if it did. */
  failureReason: FailureReason | undefined;
  /** The last `historyEvents` events, oldest first. */
  readonly history: readonly TaskHistoryEntry[];
  /** Events dropped from the front of the history. */
  readonly historyDropped: number;
}

/**
 * A live task's entry as {@link TaskRegistry.get} answers it: made when asked, not kept (what the
 * registry keeps of a task in flight is columns by its slot, see {@link LiveTaskColumns}, and its
 * history's bytes). Its fields are read when asked, as an entry object's were: from the columns
 * while the slot is the task's, and once the task settled (a route reads after awaiting the log)
 * from its frozen copy.
 */
class LiveTaskView implements TaskEntry {
  private settledCopy: TaskEntry | undefined;

  constructor(
    private readonly registry: TaskRegistry,
    private readonly columns: LiveTaskColumns,
    private readonly histories: LiveHistories,
    readonly spec: TaskSpec,
    readonly ordinal: number,
    /** Its slot in `columns` and `histories` (another task's once this one settled). */
    readonly historySlot: number,
  ) {}

  get submittedAt(): number {
    return this.open() ? this.histories.submittedAt(this.historySlot) : this.settled().submittedAt;
  }

  get state(): TaskState {
    return this.open() ? this.columns.state(this.historySlot) : this.settled().state;
  }

  get agent(): string | undefined {
    return this.open() ? this.columns.agent(this.historySlot) : this.settled().agent;
  }

  get attempts(): number {
    return this.open() ? this.columns.attempts(this.historySlot) : this.settled().attempts;
  }

  get failureReason(): FailureReason | undefined {
    return this.open() ? this.columns.failureReason(this.historySlot) : this.settled().failureReason;
  }

  get history(): readonly TaskHistoryEntry[] {
    return this.open() ? (JSON.parse(this.histories.json(this.historySlot)) as TaskHistoryEntry[]) : this.settled().history;
  }

  get historyDropped(): number {
    return this.open() ? this.columns.historyDropped(this.historySlot) : this.settled().historyDropped;
  }

  private open(): boolean {
    return this.columns.spec(this.historySlot) === this.spec;
  }

  /** The task settled: its final entry, which this view answers from now on (the registry may forget the task meanwhile). */
  settle(copy: TaskEntry): void {
    this.settledCopy = copy;
  }

  private settled(): TaskEntry {
    // The registry hands every view it gave out its task's final entry when the task settles.
    if (this.settledCopy === undefined) throw new Error(`task ${this.spec.id}: its live view was read after its slot closed without its final entry`);
    return this.settledCopy;
  }
}

/** A remembered settled task thawed from its JSON: a copy, not kept. */
class ThawedEntry implements TaskEntry {
  constructor(
    readonly spec: TaskSpec,
    readonly submittedAt: number,
    readonly ordinal: number,
    public state: TaskState,
    public agent: string | undefined,
    public attempts: number,
    public failureReason: FailureReason | undefined,
    public history: TaskHistoryEntry[],
    public historyDropped: number,
  ) {}
}

/** A task as `GET /v1/tasks/{id}` answers it. */
export interface TaskJson {
  /** Task id. */
  readonly id: string;
  /** Task type. */
  readonly type: string;
  /** Its lifecycle state. */
  readonly state: TaskState;
  /** Priority level (0 most urgent). */
  readonly priority: number;
  /** Submission time, seconds on the service's clock. */
  readonly submittedAt: number;
  /** The agent holding or running it, or that ran its last attempt. */
  readonly agent?: string;
  /** Attempts started so far. */
  readonly attempts: number;
  /** Why the last attempt failed or the task ended, if it did. */
  readonly failureReason?: FailureReason;
}

/** A task with its workflow and its history, as `GET /v1/tasks/{id}` answers it. */
export interface TaskDetailJson extends TaskJson {
  /** The tasks it waits for, when it has any. */
  readonly dependsOn?: readonly string[];
  /** Per-edge failure policies, as submitted. */
  readonly dependencyPolicy?: Readonly<Record<string, DependencyFailurePolicy>>;
  /** The task it was split from, as submitted. */
  readonly parentId?: string;
  /** The workflow it belongs to, as submitted. */
  readonly workflowId?: string;
  /** Its context as a prompt prefix of blocks, as submitted. */
  readonly contextBlocks?: readonly number[];
  /** Tokens of one block of `contextBlocks`, as submitted. */
  readonly contextBlockTokens?: number;
  /** Submitted as a request its trace records as failed (an emulation hint); absent otherwise. */
  readonly traceFailed?: true;
  /** The last events, oldest first. */
  readonly history: readonly TaskHistoryEntry[];
  /** Events dropped from the front of the history, when any were. */
  readonly historyDropped?: number;
}

/** What {@link TaskRegistry.page} returns. */
export interface TaskPage {
  /** The tasks of the page, in submission order. */
  readonly tasks: TaskJson[];
  /** Cursor of the next page; absent on the last. */
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
  /**
   * Each task's slot: a live task's `~slot` (negative) in {@link histories} and {@link live}, a
   * settled task's slot (zero or more) in {@link settledTasks}.
   */
  private readonly tasks = new Map<string, number>();
  /** The ids of {@link tasks} by ordinal, for the listing's pages. */
  private readonly order = new SubmissionOrder();
  private readonly settledTasks: SettledTaskRing;
  private readonly histories = new LiveHistories();
  private readonly live = new LiveTaskColumns();
  /**
   * The view {@link get} gave out for a live slot, if any: told its final entry when the task
   * settles, so that a route reading it after awaiting the log answers as the task ended even
   * if the ring has forgotten it by then. Only tasks asked for while live have one.
   */
  private readonly views: (LiveTaskView | undefined)[] = [];
  /**
   * Awaited submissions ({@link awaitState}) whose task the registry has not seen submitted yet:
   * usually none or one, as a submission reaches the registry before the driver returns. Once
   * seen, the wait is a flag of the task's live slot, with no per-task map entry.
   */
  private readonly awaitedUnseen: TaskSpec[] = [];
  /**
   * The final states of awaited tasks that settled before their submitters asked, kept here for
   * that answer even if the ring forgets the task first (rare: a rejection at submission, or an
   * agent faster than the commit). Keyed by the spec object, which names one submission (a later
   * task under the same id has another).
   */
  private readonly awaitedFinal = new Map<TaskSpec, FinalTaskState>();
  private nextOrdinal = 0;
  private readonly frozenJson = new LineBuffer();
  /** One event's JSON on its way into {@link histories}. */
  private readonly eventJson = new LineBuffer();

  /** @param limits - see {@link TaskRegistryLimits}. */
  constructor(readonly limits: TaskRegistryLimits) {
    this.settledTasks = new SettledTaskRing(limits.settledTasks);
  }

  /** Folds one engine event in (every event, in order). */
  observe(event: EngineEvent): void {
    switch (event.kind) {
      case 'submitted': {
        const { task } = event;
        const lines = this.eventJson;
        lines.clear();
        if (!appendSubmittedEvent(lines, event.time, task.state)) {
          lines.clear();
          appendJson(lines, submittedEvent(event.time, task.state));
        }
        const slot = this.histories.open(event.time, lines, 1);
        const ordinal = this.nextOrdinal++;
        this.live.open(slot, task.spec, ordinal, task.state);
        this.tasks.set(task.spec.id, ~slot);
        this.order.append(ordinal, task.spec.id);
        if (this.awaitedUnseen.length > 0 && this.takeUnseen(task.spec)) this.live.setAwaited(slot, true);
        return;
      }
      case 'transition': {
        const id = event.task.spec.id;
        const known = this.tasks.get(id);
        if (known === undefined) return;
        const agent = event.agent?.spec.id;
        if (known < 0) {
          const slot = ~known;
          this.live.transition(slot, event.to, event.task.attempt, agent, event.reason);
          const lines = this.eventJson;
          lines.clear();
          if (!appendTransitionEvent(lines, event.time, event.from, event.to, event.attempt, agent, event.reason, event.quality)) {
            lines.clear();
            appendJson(lines, transitionEvent(event.time, event.from, event.to, event.attempt, agent, event.reason, event.quality));
          }
          this.recordLive(slot, lines);
          if (isFinal(event.to)) this.settled(id, slot);
          return;
        }
        const entry = this.thaw(known);
        entry.state = event.to;
        entry.attempts = event.task.attempt;
        if (agent !== undefined) entry.agent = agent;
        if (event.reason !== undefined) entry.failureReason = event.reason;
        this.recordThawed(entry, transitionEvent(event.time, event.from, event.to, event.attempt, agent, event.reason, event.quality));
        if (isFinal(event.to)) this.settledTasks.replace(known, freeze(entry, this.frozenJson, this.histories));
        else {
          // Out of a final state (not something the engine does): live again, with its history.
          this.tasks.set(id, ~this.revive(entry));
        }
        return;
      }
      case 'offerMade':
      case 'duplicateClaim':
        this.recordOther(event.task.spec.id, agentEvent(event.time, event.kind, event.agent.spec.id));
        return;
      case 'offerAnswered':
        this.recordOther(event.task.spec.id, offerAnsweredEvent(event.time, event.agent.spec.id, event.accepted, event.reason));
        return;
      case 'staleResult':
        this.recordOther(event.taskId, staleResultEvent(event.time, event.attempt));
        return;
      default:
        return;
    }
  }

  /** The task with this id, live or remembered (a settled one thawed: a copy, not kept). */
  get(id: string): TaskEntry | undefined {
    const known = this.tasks.get(id);
    if (known === undefined) return undefined;
    return known < 0 ? this.givenView(~known) : this.thaw(known);
  }

  /**
   * The state of the task with this id, if known: what a submission's answer says, read from the
   * columns or the ring without making an entry (the routes ask it for every submission).
   */
  state(id: string): TaskState | undefined {
    const known = this.tasks.get(id);
    if (known === undefined) return undefined;
    return known < 0 ? this.live.state(~known) : this.settledTasks.state(known);
  }

  /**
   * Notes, before `spec` is submitted, that its submitter will ask for the task's state with
   * {@link awaitedState} once the submission is durable: if the task settles meanwhile, its final
   * state is kept for that answer, even if the registry forgets the task (beyond `settledTasks`
   * newer settled ones, or at once with `settledTasks` 0). Every call must be followed by one
   * {@link awaitedState}, the submission refused or not.
   */
  awaitState(spec: TaskSpec): void {
    this.awaitedUnseen.push(spec);
  }

  /**
   * The state of the task submitted with `spec` (see {@link awaitState}): its final state if it
   * settled since, else its current one; undefined if the registry never saw it submitted (the
   * submission was refused). Ends the wait; ending it again changes nothing.
   */
  awaitedState(spec: TaskSpec): TaskState | undefined {
    if (this.awaitedUnseen.length > 0 && this.takeUnseen(spec)) return this.state(spec.id);
    const known = this.tasks.get(spec.id);
    if (known !== undefined && known < 0 && this.live.spec(~known) === spec) {
      // Still live: this submission's task.
      this.live.setAwaited(~known, false);
      return this.live.state(~known);
    }
    if (this.awaitedFinal.size > 0) {
      const final = this.awaitedFinal.get(spec);
      if (final !== undefined) {
        this.awaitedFinal.delete(spec);
        return final;
      }
    }
    return this.state(spec.id);
  }

  /**
   * Submissions awaited ({@link awaitState}) whose wait has not ended ({@link awaitedState}): not
   * yet seen, flagged on their live slot, or holding a kept final state. 0 whenever no submission
   * is between the two calls: more is a leak. For tests and checks (it scans the live tasks).
   */
  get awaitedSubmissions(): number {
    let count = this.awaitedUnseen.length + this.awaitedFinal.size;
    for (const known of this.tasks.values()) if (known < 0 && this.live.awaited(~known)) count++;
    return count;
  }

  /** Removes `spec` from {@link awaitedUnseen} (the order there does not matter); whether it was there. */
  private takeUnseen(spec: TaskSpec): boolean {
    const unseen = this.awaitedUnseen;
    const at = unseen.lastIndexOf(spec);
    if (at < 0) return false;
    unseen[at] = unseen[unseen.length - 1]!;
    unseen.pop();
    return true;
  }

  /** Live tasks by state (states with none are absent): made when asked, from counts kept by the state's code. */
  liveStates(): ReadonlyMap<TaskState, number> {
    return this.live.openByState();
  }

  /** Tasks known (live and remembered settled ones). */
  get size(): number {
    return this.tasks.size;
  }

  /**
   * A page of tasks in submission order, after `cursor` (a previous page's `next`), filtered by
   * state, type and workflow.
   */
  page(filter: { readonly state?: TaskState; readonly type?: string; readonly workflow?: string; readonly limit: number; readonly cursor?: string }): TaskPage {
    const after = filter.cursor === undefined ? -1 : Number(filter.cursor);
    const tasks: TaskJson[] = [];
    const settled = this.settledTasks;
    let last = -1;
    let more = false;
    const { live, order } = this;
    for (let at = order.firstAfter(after); at < order.length; at++) {
      const id = order.idAt(at);
      if (id === undefined) continue;
      const known = this.tasks.get(id)!;
      const frozen = known >= 0;
      const ordinal = order.ordinalAt(at);
      if (filter.state !== undefined && (frozen ? settled.state(known) : live.state(~known)) !== filter.state) continue;
      if (filter.type !== undefined && (frozen ? settled.type(known) : live.spec(~known)!.type) !== filter.type) continue;
      if (filter.workflow !== undefined && (frozen ? settled.workflow(known) : live.spec(~known)!.workflowId) !== filter.workflow) continue;
      if (tasks.length === filter.limit) {
        more = true;
        break;
      }
      tasks.push(taskJson(frozen ? this.thaw(known) : this.liveView(~known)));
      last = ordinal;
    }
    return more && last >= 0 ? { tasks, next: String(last) } : { tasks };
  }

  /** Records an event other than a transition, of a live task or of a settled one (late offers, stale results: refrozen then). */
  private recordOther(id: string, event: TaskHistoryEntry): void {
    const known = this.tasks.get(id);
    if (known === undefined) return;
    if (known >= 0) {
      const entry = this.thaw(known);
      this.recordThawed(entry, event);
      this.settledTasks.replace(known, freeze(entry, this.frozenJson, this.histories));
      return;
    }
    const lines = this.eventJson;
    lines.clear();
    appendJson(lines, event);
    this.recordLive(~known, lines);
  }

  /** Appends an event's JSON (all of `lines`) to a live task's history, the oldest dropped beyond `historyEvents`. */
  private recordLive(slot: number, lines: LineBuffer): void {
    if (this.histories.append(slot, lines, this.limits.historyEvents)) this.live.dropped(slot);
  }

  private recordThawed(entry: ThawedEntry, event: TaskHistoryEntry): void {
    if (entry.history.length >= this.limits.historyEvents) {
      entry.history.shift();
      entry.historyDropped++;
    }
    entry.history.push(event);
  }

  /** Freezes a live task that just settled, forgetting the oldest settled one beyond `settledTasks`. */
  private settled(id: string, liveSlot: number): void {
    if (this.live.awaited(liveSlot)) this.awaitedFinal.set(this.live.spec(liveSlot)!, this.live.state(liveSlot) as FinalTaskState);
    // Most tasks were never asked for while live: no read past the array's end, no write.
    const view = liveSlot < this.views.length ? this.views[liveSlot] : undefined;
    if (this.settledTasks.capacity === 0) {
      this.tasks.delete(id);
      this.order.remove(this.live.ordinal(liveSlot));
      if (view !== undefined) view.settle(thawed(freeze(view, this.frozenJson, this.histories), view.ordinal, view.state));
    } else {
      const entry = view ?? this.liveView(liveSlot);
      const frozen = freeze(entry, this.frozenJson, this.histories);
      if (view !== undefined) view.settle(thawed(frozen, entry.ordinal, entry.state));
      const { slot, forgotten, forgottenOrdinal } = this.settledTasks.add(id, entry.ordinal, entry.state as FinalTaskState, entry.spec.type, frozen, entry.spec.workflowId);
      // A task submitted again under a forgotten id is live (its negative slot, not this one): it stays.
      if (forgotten !== undefined && forgotten !== id && this.tasks.get(forgotten) === slot) {
        this.tasks.delete(forgotten);
        this.order.remove(forgottenOrdinal);
      }
      this.tasks.set(id, slot);
    }
    if (view !== undefined) this.views[liveSlot] = undefined;
    this.histories.close(liveSlot);
    this.live.close(liveSlot);
  }

  /** A live task's view for a caller of {@link get}: the one already given out for its slot, or a new one, remembered until the task settles. */
  private givenView(slot: number): LiveTaskView {
    const given = this.views[slot];
    if (given !== undefined && given.spec === this.live.spec(slot)) return given;
    const view = this.liveView(slot);
    this.views[slot] = view;
    return view;
  }

  /** A live task's entry: a copy of its columns, not kept. */
  private liveView(slot: number): LiveTaskView {
    return new LiveTaskView(this, this.live, this.histories, this.live.spec(slot)!, this.live.ordinal(slot), slot);
  }

  /** A remembered settled task as an entry again: a copy, not kept. */
  private thaw(slot: number): ThawedEntry {
    return thawed(this.settledTasks.json(slot), this.settledTasks.ordinal(slot), this.settledTasks.state(slot));
  }

  /** A thawed entry as a live one, its history written into {@link histories}. */
  private revive(entry: ThawedEntry): number {
    const lines = this.eventJson;
    lines.clear();
    entry.history.forEach((event, at) => {
      if (at > 0) lines.byte(COMMA);
      appendJson(lines, event);
    });
    const slot = this.histories.open(entry.submittedAt, lines, entry.history.length);
    this.live.restore(slot, entry.spec, entry.ordinal, entry.state, entry.agent, entry.attempts, entry.failureReason, entry.historyDropped);
    return slot;
  }
}

/** An entry from its frozen JSON (see {@link freeze}) with its `ordinal` and `state`: a copy. */
function thawed(json: string | Buffer, ordinal: number, state: TaskState): ThawedEntry {
  const fields = JSON.parse(typeof json === 'string' ? json : json.toString('utf8')) as Omit<TaskEntry, 'ordinal' | 'state'> & { history: TaskHistoryEntry[] };
  return new ThawedEntry(fields.spec, fields.submittedAt, ordinal, state, fields.agent, fields.attempts, fields.failureReason, fields.history, fields.historyDropped);
}

/**
 * A settled entry's JSON but `ordinal` and `state`, as UTF-8 bytes in `lines` (valid until its
 * next use). JSON keeps every field exactly: specs, histories and answers are JSON already
 * (parsed from request bodies, written to the log, sent to clients).
 */
function freeze(entry: LiveTaskView | ThawedEntry, lines: LineBuffer, histories: LiveHistories): Buffer {
  // Written straight from the entry into a reused buffer, which the ring copies: no intermediate
  // object or string (`{ spec, submittedAt, agent, attempts, failureReason, history,
  // historyDropped }` as JSON.stringify would write it); a live task's history is its bytes, copied.
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
  if (entry instanceof LiveTaskView) histories.appendJson(entry.historySlot, lines);
  else appendJson(lines, entry.history);
  lines.ascii(HISTORY_DROPPED_FIELD);
  appendJson(lines, entry.historyDropped);
  lines.byte(CLOSE_BRACE);
  return lines.view(0);
}

/** Writes a `submitted` event's JSON as {@link submittedEvent}'s; false (having written part of it) if a value is not plain data. */
function appendSubmittedEvent(lines: LineBuffer, time: number, to: TaskState): boolean {
  if (!appendField(lines, TIME_FIRST_FIELD, time)) return false;
  lines.ascii(KIND_SUBMITTED_FIELD);
  if (!appendField(lines, TO_FIELD, to)) return false;
  lines.byte(CLOSE_BRACE);
  return true;
}

/**
 * Writes a `transition` event's JSON as {@link transitionEvent}'s, field by field with each
 * field's opening bytes copied; false (having written part of it) if a value is not plain data.
 */
function appendTransitionEvent(
  lines: LineBuffer, time: number, from: TaskState, to: TaskState, attempt: number, agent: string | undefined, reason: string | undefined, quality: number | undefined,
): boolean {
  if (!appendField(lines, TIME_FIRST_FIELD, time)) return false;
  lines.ascii(KIND_TRANSITION_FIELD);
  const written =
    appendField(lines, FROM_FIELD, from) &&
    appendField(lines, TO_FIELD, to) &&
    appendField(lines, ATTEMPT_FIELD, attempt, true) &&
    appendField(lines, AGENT_FIELD, agent, true) &&
    appendField(lines, REASON_FIELD, reason, true) &&
    appendField(lines, QUALITY_FIELD, quality, true);
  if (written) lines.byte(CLOSE_BRACE);
  return written;
}

const {
  time: TIME_FIRST_FIELD, kindTransition: KIND_TRANSITION_FIELD, from: FROM_FIELD, to: TO_FIELD, attempt: ATTEMPT_FIELD, agent: AGENT_FIELD,
  reason: REASON_FIELD, quality: QUALITY_FIELD,
} = TRANSITION_FIELD;
const KIND_SUBMITTED_FIELD = Buffer.from(',"kind":"submitted"');
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

/** A task with its workflow, its trace fields and its history, as `GET /v1/tasks/{id}` answers it. */
export function taskDetailJson(entry: TaskEntry): TaskDetailJson {
  const { dependsOn, dependencyPolicy, parentId, workflowId, contextBlocks, contextBlockTokens, traceFailed } = entry.spec;
  return {
    ...taskJson(entry),
    ...(dependsOn === undefined || dependsOn.length === 0 ? {} : { dependsOn }),
    ...(dependencyPolicy === undefined || Object.keys(dependencyPolicy).length === 0 ? {} : { dependencyPolicy }),
    ...(parentId === undefined ? {} : { parentId }),
    ...(workflowId === undefined ? {} : { workflowId }),
    ...(contextBlocks === undefined ? {} : { contextBlocks }),
    ...(contextBlockTokens === undefined ? {} : { contextBlockTokens }),
    ...(traceFailed === true ? { traceFailed } : {}),
    history: entry.history,
    ...(entry.historyDropped > 0 ? { historyDropped: entry.historyDropped } : {}),
  };
}
