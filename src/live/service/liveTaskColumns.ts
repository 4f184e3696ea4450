/**
 * What the task registry knows of each task in flight besides its history, in columns by the
 * task's slot in the live histories (src/live/service/liveHistories.ts): its spec and agent in
 * arrays that hold references only (to the spec the engine's record holds anyway, and to the
 * agent's id), its state and failure reason as codes (the engine's few words, numbered as they
 * first come), its ordinal, attempts and dropped events in typed arrays; and how many open slots
are in each state, by the state's code (what `GET /metrics` shows of the tasks in flight,
counted on every transition without a map's lookup and store). A task in flight thus has no registry object of its own: an entry object was
 * ~100 bytes that every scavenge the task survives copied, and promoted when it lived long
 * enough. The columns themselves are allocated when they grow and soon live in the old
 * generation; a scavenge copies none of them.
 */
import type { FailureReason, TaskSpec, TaskState } from '../../engine/task.js';
import { grownColumn } from '../grownColumn.js';

/** Slots allocated at first, doubled as needed. */
const INITIAL_SLOTS = 1024;

/** Arrays of references by slot, their unused places `undefined` (so that V8 keeps them packed). */
function references<T>(length: number, old: readonly (T | undefined)[] = []): (T | undefined)[] {
  const next = new Array<T | undefined>(length).fill(undefined);
  for (let slot = 0; slot < old.length; slot++) next[slot] = old[slot];
  return next;
}

/** The fields of the registry's live tasks by slot; see the module's description. */
export class LiveTaskColumns {
  private specs = references<TaskSpec>(0);
  private agents = references<string>(0);
  /** Codes of {@link words}. */
  private states = new Uint8Array(0);
  /** Codes of {@link words}, 0 for none. */
  private failureReasons = new Uint8Array(0);
  /** The states and failure reasons met, by code from 1. */
  private readonly words: (TaskState | FailureReason | undefined)[] = [undefined];
  private readonly codes = new Map<TaskState | FailureReason, number>();
  private ordinals = new Float64Array(0);
  /** Open slots by their state's code (a code is a byte, so 256 counters cover every code). */
  private readonly openByCode = new Uint32Array(256);
  private attemptCounts = new Uint32Array(0);
  private droppedCounts = new Uint32Array(0);
  /** 1 where the task's submitter awaits its state (the registry's `awaitState`). */
  private awaitedFlags = new Uint8Array(0);

  /** Fills a slot for a task (growing the columns to hold it), its other fields as a new task's. */
  open(slot: number, spec: TaskSpec, ordinal: number, state: TaskState): void {
    if (slot >= this.specs.length) this.grow(slot);
    this.specs[slot] = spec;
    const code = this.codeOf(state);
    this.states[slot] = code;
    this.openByCode[code]!++;
    this.agents[slot] = undefined;
    this.failureReasons[slot] = 0;
    this.ordinals[slot] = ordinal;
    this.attemptCounts[slot] = 0;
    this.droppedCounts[slot] = 0;
    this.awaitedFlags[slot] = 0;
  }

  /** Empties a slot (its task settled), so that it holds no spec or string alive. */
  close(slot: number): void {
    this.openByCode[this.states[slot]!]!--;
    this.specs[slot] = undefined;
    this.agents[slot] = undefined;
  }

  /** The spec of an open slot's task (undefined when the slot is closed). */
  spec(slot: number): TaskSpec | undefined {
    return this.specs[slot];
  }

  /** Whether the slot's submitter awaits its task's state. */
  awaited(slot: number): boolean {
    return this.awaitedFlags[slot] === 1;
  }

  /** Marks (or clears) that the slot's submitter awaits its task's state. */
  setAwaited(slot: number, awaited: boolean): void {
    this.awaitedFlags[slot] = awaited ? 1 : 0;
  }

  /** Its state. */
  state(slot: number): TaskState {
    return this.words[this.states[slot]!] as TaskState;
  }

  /** Its position in submission order. */
  ordinal(slot: number): number {
    return this.ordinals[slot]!;
  }

  /** The agent holding or running it, or that ran its last attempt. */
  agent(slot: number): string | undefined {
    return this.agents[slot];
  }

  /** Its attempts so far. */
  attempts(slot: number): number {
    return this.attemptCounts[slot]!;
  }

  /** Why its last attempt failed, if one did. */
  failureReason(slot: number): FailureReason | undefined {
    return this.words[this.failureReasons[slot]!] as FailureReason | undefined;
  }

  /** Events dropped from the front of its history. */
  historyDropped(slot: number): number {
    return this.droppedCounts[slot]!;
  }

  /** Sets the fields a transition changes (`agent` and `failureReason` only when given). */
  transition(slot: number, state: TaskState, attempts: number, agent: string | undefined, failureReason: FailureReason | undefined): void {
    const code = this.codeOf(state);
    this.openByCode[this.states[slot]!]!--;
    this.openByCode[code]!++;
    this.states[slot] = code;
    this.attemptCounts[slot] = attempts;
    if (agent !== undefined) this.agents[slot] = agent;
    if (failureReason !== undefined) this.failureReasons[slot] = this.codeOf(failureReason);
  }

  /** Sets every field a revived task had (as {@link open} and {@link transition} would have). */
  restore(slot: number, spec: TaskSpec, ordinal: number, state: TaskState, agent: string | undefined, attempts: number, failureReason: FailureReason | undefined, historyDropped: number): void {
    this.open(slot, spec, ordinal, state);
    this.transition(slot, state, attempts, agent, failureReason);
    this.droppedCounts[slot] = historyDropped;
  }

  /** How many open slots are in each state (states with none left out), in the order the states were first met. */
  openByState(): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (let code = 1; code < this.words.length; code++) {
      const count = this.openByCode[code]!;
      if (count > 0) counts.set(this.words[code] as TaskState, count);
    }
    return counts;
  }

  /** Counts one more event dropped from a slot's history. */
  dropped(slot: number): void {
    this.droppedCounts[slot]!++;
  }

  /** The code of a state or failure reason (the engine's words: a few dozen at most, well within a byte). */
  private codeOf(word: TaskState | FailureReason): number {
    let code = this.codes.get(word);
    if (code === undefined) {
      code = this.words.length;
      if (code > 0xff) throw new Error(`LiveTaskColumns: more than 255 states and failure reasons (${word})`);
      this.words.push(word);
      this.codes.set(word, code);
    }
    return code;
  }

  private grow(slot: number): void {
    let slots = Math.max(INITIAL_SLOTS, this.specs.length * 2);
    while (slots <= slot) slots *= 2;
    this.specs = references(slots, this.specs);
    this.agents = references(slots, this.agents);
    this.states = grownColumn(this.states, new Uint8Array(slots));
    this.failureReasons = grownColumn(this.failureReasons, new Uint8Array(slots));
    this.ordinals = grownColumn(this.ordinals, new Float64Array(slots));
    this.attemptCounts = grownColumn(this.attemptCounts, new Uint32Array(slots));
    this.droppedCounts = grownColumn(this.droppedCounts, new Uint32Array(slots));
    this.awaitedFlags = grownColumn(this.awaitedFlags, new Uint8Array(slots));
  }
}
