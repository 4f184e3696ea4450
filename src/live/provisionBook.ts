/**
 * The provisions the engine asked for that no agent has joined yet, each under its number: the
 * n-th `provision` command the engine emitted in the data directory's history (1, 2, …). The
 * engine is deterministic, so a replay of the log emits its provision commands in the same order
 * and numbers them alike; a join names the provision it answers (the `provision` of its
 * `agentJoined` input, in the log), so a recovery knows which provisions are still pending even
 * when they were answered out of order; a snapshot keeps the book as it stood (its
 * `provisions`), because the commands before it are not replayed. A provision keeps its number
 * across a restart, and a number is never given to two provisions whose command became durable.
 *
 * The book mirrors the engine's own count of agents a pool waits for: the engine takes any agent
 * that joins a pool as one it provisioned, so a join that names no pending provision of its pool
 * (an agent that registered on its own, or a log written before joins named their provision)
 * settles the pool's oldest pending provision.
 */

/**
 * The id of provision `number` of the history whose epoch is `epochMs` (Unix ms): a UUID of
 * version 8 (RFC 9562's custom layout) holding the epoch in its first 48 bits and the number in
 * its last 53, so that it is the same for a provision asked for again after a restart and
 * differs between provisions, and between histories of different epochs.
 */
export function provisionId(epochMs: number, number: number): string {
  const epoch = Math.trunc(epochMs).toString(16).padStart(12, '0').slice(-12);
  const high = Math.floor(number / 2 ** 48).toString(16).padStart(3, '0');
  const low = (number % 2 ** 48).toString(16).padStart(12, '0');
  return `${epoch.slice(0, 8)}-${epoch.slice(8)}-8000-8${high}-${low}`;
}

/** A provision the engine waits for: its number and its pool. */
export interface NumberedProvision {
  /** Its place among the engine's provision commands of the history (1, 2, …). */
  readonly number: number;
  /** The pool it is for. */
  readonly pool: string;
}

/** The book as a snapshot keeps it. */
export interface ProvisionBookState {
  /** Provision commands the engine emitted so far (the last number given). */
  readonly asked: number;
  /** The provisions still pending, as `[number, pool]`, in the order they were asked for. */
  readonly pending: readonly (readonly [number, string])[];
}

/** Numbers the engine's provisions and keeps those pending. */
export class ProvisionBook {
  private asked = 0;
  /** Pending provisions' pools by number, in the order they were asked for. */
  private readonly pending = new Map<number, string>();
  /**
   * Joins the engine counted against a provision whose command the driver had not drained yet
   * (an input fed inside another, or in the same batch): the pool's next provision is settled as
   * it is asked for, as a replay, which drains every input's commands before the next input,
   * settles it then. Always empty between inputs.
   */
  private readonly settledAhead = new Map<string, number>();

  /** The engine asked for an agent of `pool`: the provision's number. */
  ask(pool: string): number {
    this.asked++;
    const ahead = this.settledAhead.get(pool) ?? 0;
    if (ahead > 0) {
      if (ahead === 1) this.settledAhead.delete(pool);
      else this.settledAhead.set(pool, ahead - 1);
    } else {
      this.pending.set(this.asked, pool);
    }
    return this.asked;
  }

  /**
   * An agent of `pool` joined (the engine took the input; `counted`: the engine waited for an
   * agent of the pool, and counted this one as it): it settles provision `provision` when that
   * one is pending for the pool, else the pool's oldest pending provision, else (`counted`) the
   * pool's next one.
   */
  joined(pool: string | undefined, provision: number | undefined, counted: boolean): void {
    if (pool === undefined) return;
    if (provision !== undefined && this.pending.get(provision) === pool) {
      this.pending.delete(provision);
      return;
    }
    for (const [number, pendingPool] of this.pending) {
      if (pendingPool === pool) {
        this.pending.delete(number);
        return;
      }
    }
    if (counted) this.settledAhead.set(pool, (this.settledAhead.get(pool) ?? 0) + 1);
  }

  /** The provisions pending, in the order they were asked for. */
  list(): NumberedProvision[] {
    return [...this.pending].map(([number, pool]) => ({ number, pool }));
  }

  /** A copy of the book, for a snapshot. */
  state(): ProvisionBookState {
    return { asked: this.asked, pending: [...this.pending] };
  }

  /**
   * Takes the book a snapshot kept, or, from a snapshot written before snapshots kept it, numbers
   * afresh the agents each pool waits for (`waiting`, the engine's count). Throws an Error naming
   * the field when the book does not match the engine's counts.
   */
  restore(state: ProvisionBookState | undefined, waiting: Iterable<readonly [string, number]>): void {
    this.pending.clear();
    this.settledAhead.clear();
    this.asked = 0;
    if (state === undefined) {
      for (const [pool, agents] of waiting) for (let i = 0; i < agents; i++) this.ask(pool);
      return;
    }
    this.asked = state.asked;
    for (const [number, pool] of state.pending) this.pending.set(number, pool);
    const counts = new Map<string, number>();
    for (const pool of this.pending.values()) counts.set(pool, (counts.get(pool) ?? 0) + 1);
    for (const [pool, agents] of waiting) {
      if ((counts.get(pool) ?? 0) !== agents) throw new Error(`provisions: ${counts.get(pool) ?? 0} pending for pool ${pool}, but the engine waits for ${agents} agent(s) of it`);
      counts.delete(pool);
    }
    const [extra] = counts.keys();
    if (extra !== undefined) throw new Error(`provisions: pending for pool ${extra}, which the engine waits for no agent of`);
  }
}

/**
 * Reads a snapshot's `provisions` field; throws an Error whose message is `<field>: <what was
 * wrong>` when it is not a {@link ProvisionBookState} (numbers positive integers, unique, at
 * most `asked`).
 */
export function parseProvisionBookState(value: unknown): ProvisionBookState {
  const state = value as Partial<ProvisionBookState> | null;
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new Error('provisions: expected { asked, pending }');
  const { asked, pending } = state;
  if (!Number.isSafeInteger(asked) || asked! < 0) throw new Error('provisions.asked: expected an integer >= 0');
  if (!Array.isArray(pending)) throw new Error('provisions.pending: expected a list of [number, pool]');
  const seen = new Set<number>();
  pending.forEach((entry: unknown, i) => {
    const pair = entry as [unknown, unknown];
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') throw new Error(`provisions.pending[${i}]: expected [number, pool]`);
    const number = pair[0];
    if (!Number.isSafeInteger(number) || (number as number) < 1 || (number as number) > asked! || seen.has(number as number)) {
      throw new Error(`provisions.pending[${i}][0]: expected a provision number 1..${asked!} not listed before`);
    }
    seen.add(number as number);
  });
  return { asked: asked!, pending: pending as ProvisionBookState['pending'] };
}
