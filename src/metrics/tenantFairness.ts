/**
 * Fairness across tenants (docs/EXPERIMENTS.md, "Tenant fairness"), over the measured tasks of
 * the window:
 *
 * - each tenant's service share against its demand share is `byTenant.<tenant>.share`
 *   (`classes.ts`): tokens completed ÷ all tokens completed, tokens submitted ÷ all tokens
 *   submitted, and their ratio;
 * - `jain` is Jain's index over those per-tenant ratios (tenants that submitted tokens): 1 when
 *   every tenant got the service it asked for in proportion, 1/n when one tenant got it all
 *   (null with no completed work). With every task completed (a drained run) it is 1 by
 *   construction: it measures who was served within the window, not how long each waited;
 * - a tenant's slowdown is its mean latency ÷ its mean service time (completion − start of the
 *   completing attempt), ≥ 1; `worstSlowdown` is the largest over tenants with a completed task:
 *   how much longer than its own work the worst-treated tenant waited.
 *
 * Tasks without a tenant are one tenant, {@link DEFAULT_TENANT}.
 */
import { DEFAULT_TENANT, type ClassTable } from './classes.js';
import { jain } from './inequality.js';

/** The fairness figures across tenants of one run. */
export interface TenantFairnessMetrics {
  /** Jain's index over tenants of service share ÷ demand share (null with no completed work). */
  readonly jain: number | null;
  /** The largest tenant slowdown, mean latency ÷ mean service time (null with no completion). */
  readonly worstSlowdown: number | null;
}

/** One tenant's sums over its completed tasks: each only grows, so a window's are differences of two (`recentMetrics.ts`). */
export interface SlowdownTotals {
  /** Submit → completion, summed, seconds. */
  readonly latencySeconds: number;
  /** Start of the completing attempt → completion, summed, seconds. */
  readonly serviceSeconds: number;
}

/** A tenant's sums as they are folded. */
interface SlowdownSums {
  latencySeconds: number;
  serviceSeconds: number;
}

/** Folds measured completions into tenant slowdowns, and reads the shares off the tenant table. */
export class TenantFairness {
  private readonly tenants = new Map<string, SlowdownSums>();
  // The last tenant looked up: most runs have one tenant, or long runs of one, so a completion
  // usually costs one compare instead of a hash.
  private lastTenant: string | undefined;
  private lastSums: SlowdownSums | undefined;

  /** A measured task completed after `latencySeconds`, its last attempt having run `serviceSeconds`. */
  completed(tenant: string | undefined, latencySeconds: number, serviceSeconds: number): void {
    // The lookup out of line: the collector inlines this method, and its budget is better spent
    // on the compare that almost always hits than on a hash that almost never runs.
    let sums = this.lastSums;
    if (tenant !== this.lastTenant || sums === undefined) sums = this.sumsOf(tenant);
    sums.latencySeconds += latencySeconds;
    sums.serviceSeconds += serviceSeconds;
  }

  private sumsOf(tenant: string | undefined): SlowdownSums {
    const key = tenant ?? DEFAULT_TENANT;
    let sums = this.tenants.get(key);
    if (sums === undefined) {
      sums = { latencySeconds: 0, serviceSeconds: 0 };
      this.tenants.set(key, sums);
    }
    this.lastTenant = tenant;
    this.lastSums = sums;
    return sums;
  }

  /**
   * The figures so far, the shares taken from `byTenant` (the run's tenant table), summed in
   * `arrivalOrder` (tenants in the order they first submitted): the order earlier versions
   * summed in, so that baselines hold bit for bit.
   */
  metrics(byTenant: ClassTable, arrivalOrder: Iterable<string>): TenantFairnessMetrics {
    return tenantFairnessOf(byTenant, arrivalOrder, this.tenants.values());
  }

  /** Each tenant's sums so far (a copy), by tenant key. */
  totals(): Map<string, SlowdownTotals> {
    const totals = new Map<string, SlowdownTotals>();
    for (const [tenant, { latencySeconds, serviceSeconds }] of this.tenants) totals.set(tenant, { latencySeconds, serviceSeconds });
    return totals;
  }
}

/**
 * The fairness figures of a tenant table (`byTenant`, shares summed in `arrivalOrder`) and the
 * tenants' slowdown sums: the whole history's, or a window's (`recentMetrics.ts`).
 */
export function tenantFairnessOf(byTenant: ClassTable, arrivalOrder: Iterable<string>, sums: Iterable<SlowdownTotals>): TenantFairnessMetrics {
  const ratios: number[] = [];
  for (const name of arrivalOrder) {
    const ratio = byTenant[name]?.share.ratio;
    if (ratio !== undefined && ratio !== null) ratios.push(ratio);
  }
  let worst: number | null = null;
  for (const t of sums) {
    if (!(t.serviceSeconds > 0)) continue;
    const slowdown = t.latencySeconds / t.serviceSeconds;
    if (worst === null || slowdown > worst) worst = slowdown;
  }
  return { jain: jain(ratios), worstSlowdown: worst };
}
