/**
 * Virtual token counters of the `fair` queue order (the VTC scheduler of Sheng et al., "Fairness
 * in Serving Large Language Models", OSDI 2024): each tenant's counter is the service it has
 * received, in tokens of the tasks dispatched for it. One set serves every queue of an engine,
 * so a tenant's service counts wherever it was given.
 *
 * Counters only grow: a dispatch adds the task's tokens divided by the tenant's weight (1 unless
 * the engine's `queue.tenantWeights` says otherwise, so a tenant of weight 2 is served about twice
 * the tokens of one of weight 1 while both are backlogged), and a tenant that becomes backlogged
 * after being idle is lifted to the least counter among the tenants still backlogged (or, when
 * none is, to the virtual time: the highest counter a tenant had when it was last served), so
 * that idling never banks credit.
 */

/** The tenant of tasks submitted without one. */
export const NO_TENANT = '';

/** What a snapshot keeps of the counters. */
export interface TenantCountersSnapshot {
  /** Tokens of service per tenant (after lifts). */
  readonly counters: Readonly<Record<string, number>>;
  /** The virtual time: the highest counter a tenant had when it was last served. */
  readonly virtualTime: number;
}

/** The engine's virtual token counters (see the module comment). */
export class TenantCounters {
  private readonly counters = new Map<string, number>();
  private virtualTime = 0;
  private readonly weights: ReadonlyMap<string, number>;

  /**
   * @param weights - each listed tenant's weight (> 0); tenants not listed, and tasks without a
   * tenant, weigh 1
   * @throws Error when a weight is not a finite number > 0
   */
  constructor(weights: Readonly<Record<string, number>> = {}) {
    for (const [tenant, weight] of Object.entries(weights)) {
      if (!(weight > 0) || !Number.isFinite(weight)) throw new Error(`tenant weight of ${tenant} must be a finite number > 0, got ${weight}`);
    }
    this.weights = new Map(Object.entries(weights));
  }

  /** The counter of `tenant` (0 before its first service). */
  of(tenant: string): number {
    return this.counters.get(tenant) ?? 0;
  }

  /** The counter a tenant that becomes backlogged is lifted to when no other tenant is backlogged. */
  get idleFloor(): number {
    return this.virtualTime;
  }

  /** Lifts `tenant`'s counter to `floor` if it is below it. */
  lift(tenant: string, floor: number): void {
    if (this.of(tenant) < floor) this.counters.set(tenant, floor);
  }

  /** `tenant` was served a task of `tokens` tokens: its counter grows by tokens ÷ its weight. */
  charge(tenant: string, tokens: number): void {
    const counter = this.of(tenant);
    if (counter > this.virtualTime) this.virtualTime = counter;
    const weight = this.weights.get(tenant);
    this.counters.set(tenant, counter + (weight === undefined ? tokens : tokens / weight));
  }

  /** The counters as plain data, tenants in name order. */
  snapshot(): TenantCountersSnapshot {
    const names = [...this.counters.keys()].sort();
    return { counters: Object.fromEntries(names.map((name) => [name, this.of(name)])), virtualTime: this.virtualTime };
  }

  /** Replaces the counters with a snapshot's. */
  restore(snapshot: TenantCountersSnapshot): void {
    this.counters.clear();
    for (const [name, counter] of Object.entries(snapshot.counters)) this.counters.set(name, counter);
    this.virtualTime = snapshot.virtualTime;
  }
}
