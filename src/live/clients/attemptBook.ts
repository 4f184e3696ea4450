/**
 * What a remote agent remembers of its attempts, so that a start handed out again (the service
 * re-delivers what its engine still waits for after a restart: delivery is at-least-once) is
 * recognised: an attempt it is running (or has paused) is not run twice, and one it has finished
 * has its result sent again instead (the engine never got it, or it is stale and changes
 * nothing). Attempts are keyed by task id and attempt number, which the engine never reuses.
 */

/** What to do with a start command. */
export type StartDecision =
  /** Not known: run it. */
  | { readonly kind: 'run' }
  /** Running or paused here already: ignore the copy. */
  | { readonly kind: 'running' }
  /** Aborted here (the abort may overtake its start between two polls): ignore it. */
  | { readonly kind: 'aborted' }
  /** Finished here: send this result again. */
  | { readonly kind: 'finished'; readonly result: unknown };

/** Finished attempts remembered (oldest forgotten first): enough for any re-delivery after a restart. */
export const REMEMBERED_FINISHED = 10_000;

/** The attempts of one remote agent: those under way (with their state `A`) and recently finished ones. */
export class AttemptBook<A, R> {
  private readonly live = new Map<string, A>();
  private readonly finished = new Map<string, R>();
  private readonly aborted = new Set<string>();
  /** Pauses minus resumes read before their attempt's start, by attempt (a pause may overtake its start too). */
  private readonly early = new Map<string, number>();

  /** @param rememberFinished - how many finished attempts to keep for re-deliveries. */
  constructor(private readonly rememberFinished = REMEMBERED_FINISHED) {}

  /** What to do with a start of attempt `attempt` of `taskId`. */
  decide(taskId: string, attempt: number): StartDecision {
    const key = attemptKey(taskId, attempt);
    if (this.live.has(key)) return { kind: 'running' };
    if (this.finished.has(key)) return { kind: 'finished', result: this.finished.get(key) };
    if (this.aborted.has(key)) return { kind: 'aborted' };
    return { kind: 'run' };
  }

  /** Records an attempt that starts. */
  begin(taskId: string, attempt: number, state: A): void {
    this.live.set(attemptKey(taskId, attempt), state);
  }

  /** The state of an attempt under way. */
  get(taskId: string, attempt: number): A | undefined {
    return this.live.get(attemptKey(taskId, attempt));
  }

  /** The attempt ended with `result`: it is remembered as finished. */
  finish(taskId: string, attempt: number, result: R): void {
    const key = attemptKey(taskId, attempt);
    this.live.delete(key);
    this.finished.set(key, result);
    if (this.finished.size > this.rememberFinished) this.finished.delete(this.finished.keys().next().value!);
  }

  /**
   * The attempt was given up (aborted): it stops, and a later start of it is ignored (answers
   * of two polls open at once may arrive out of order, so an abort can overtake its start).
   */
  drop(taskId: string, attempt: number): A | undefined {
    const key = attemptKey(taskId, attempt);
    const state = this.live.get(key);
    this.live.delete(key);
    this.aborted.add(key);
    if (this.aborted.size > this.rememberFinished) this.aborted.delete(this.aborted.values().next().value!);
    return state;
  }

  /**
   * A pause (`+1`) or a resume (`-1`) of an attempt not started here: remembered for its start
   * (answers of two polls open at once may arrive out of order, so a pause can overtake its start).
   * Ignored for an attempt that finished or was aborted here.
   */
  readEarly(taskId: string, attempt: number, pauses: 1 | -1): void {
    const key = attemptKey(taskId, attempt);
    if (this.live.has(key) || this.finished.has(key) || this.aborted.has(key)) return;
    const balance = (this.early.get(key) ?? 0) + pauses;
    if (balance === 0) this.early.delete(key);
    else this.early.set(key, balance);
    if (this.early.size > this.rememberFinished) this.early.delete(this.early.keys().next().value!);
  }

  /** Pauses minus resumes read before the start of the attempt (0 for none), forgotten now that it starts. */
  takeEarly(taskId: string, attempt: number): number {
    const key = attemptKey(taskId, attempt);
    const balance = this.early.get(key) ?? 0;
    this.early.delete(key);
    return balance;
  }

  /** Every attempt under way. */
  underWay(): IterableIterator<A> {
    return this.live.values();
  }

  /** Forgets every attempt under way (the agent joined again as a new member of the fleet); returns them. */
  clearUnderWay(): A[] {
    const all = [...this.live.values()];
    this.live.clear();
    return all;
  }
}

function attemptKey(taskId: string, attempt: number): string {
  return `${taskId}\u0000${attempt}`;
}
