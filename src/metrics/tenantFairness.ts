/**
 * Fairness across tenants (docs/EXPERIMENTS.md, "Tenant fairness"), over the measured tasks of
 * the window:
 *
 * - a tenant's demand share is its tokens submitted ÷ all tokens submitted; its service share is
 *   its tokens completed ÷ all tokens completed;
 * - `jain` is Jain's index over tenants of service share ÷ demand share: 1 when every tenant got
 *   the service it asked for in proportion, 1/n when one tenant got it all (null with no
 *   completed work). With every task completed (a drained run) it is 1 by construction: it
 *   measures who was served within the window, not how long each waited;
 * - a tenant's slowdown is its mean latency ÷ its mean service time (completion − start of the
 *   completing attempt), ≥ 1; `worstSlowdown` is the largest over tenants with a completed task:
 *   how much longer than its own work the worst-treated tenant waited.
 *
 * Tasks without a tenant are one tenant, {@link DEFAULT_TENANT}.
 */
import { DEFAULT_TENANT } from './classes.js';
import { jain } from './inequality.js';

/** The fairness figures across tenants of one run. */
export interface TenantFairnessMetrics {
  /** Jain's index over tenants of service share ÷ demand share (null with no completed work). */
  readonly jain: number | null;
  /** The largest tenant slowdown, mean latency ÷ mean service time (null with no completion). */
  readonly worstSlowdown: number | null;
}

/** One tenant's sums. */
interface TenantSums {
  demandTokens: number;
  servedTokens: number;
  completed: number;
  latencySeconds: number;
  serviceSeconds: number;
}

/** Folds measured submissions and completions into {@link TenantFairnessMetrics}. */
export class TenantFairness {
  private readonly tenants = new Map<string, TenantSums>();
  // The last tenant looked up: most runs have one tenant, or long runs of one, so a task's two
  // lookups are usually one compare instead of two hashes.
  private lastTenant: string | undefined;
  private lastSums: TenantSums | undefined;

  /** A measured task of `tokens` tokens was submitted by `tenant`. */
  submitted(tenant: string | undefined, tokens: number): void {
    this.sums(tenant).demandTokens += tokens;
  }

  /** A measured task completed after `latencySeconds`, its last attempt having run `serviceSeconds`. */
  completed(tenant: string | undefined, tokens: number, latencySeconds: number, serviceSeconds: number): void {
    const sums = this.sums(tenant);
    sums.servedTokens += tokens;
    sums.completed++;
    sums.latencySeconds += latencySeconds;
    sums.serviceSeconds += serviceSeconds;
  }

  /** The figures so far. */
  metrics(): TenantFairnessMetrics {
    const all = [...this.tenants.values()];
    const demand = all.reduce((sum, t) => sum + t.demandTokens, 0);
    const served = all.reduce((sum, t) => sum + t.servedTokens, 0);
    const asking = all.filter((t) => t.demandTokens > 0);
    const ratios = asking.map((t) => (t.servedTokens / served) / (t.demandTokens / demand));
    let worst: number | null = null;
    for (const t of all) {
      if (t.completed === 0 || !(t.serviceSeconds > 0)) continue;
      const slowdown = t.latencySeconds / t.serviceSeconds;
      if (worst === null || slowdown > worst) worst = slowdown;
    }
    return { jain: served > 0 && asking.length > 0 ? jain(ratios) : null, worstSlowdown: worst };
  }

  private sums(tenant: string | undefined): TenantSums {
    if (tenant === this.lastTenant && this.lastSums !== undefined) return this.lastSums;
    this.lastTenant = tenant;
    this.lastSums = this.sumsOf(tenant ?? DEFAULT_TENANT);
    return this.lastSums;
  }

  private sumsOf(key: string): TenantSums {
    let sums = this.tenants.get(key);
    if (sums === undefined) {
      sums = { demandTokens: 0, servedTokens: 0, completed: 0, latencySeconds: 0, serviceSeconds: 0 };
      this.tenants.set(key, sums);
    }
    return sums;
  }
}
