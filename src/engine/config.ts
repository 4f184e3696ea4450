/**
 * Engine configuration. It arrives fully specified: defaults are applied once, where a scenario
 * is parsed (or by {@link defaultEngineConfig} for teams that embed the engine), never below.
 */
import type { Binding } from './strategy.js';
import type { DependencyFailurePolicy } from './task.js';
import type { QueueOrder } from './taskQueue.js';

/** What happens to a submission when the queues hold `maxDepth` tasks. */
export type OverflowPolicy = 'reject' | 'shed-lowest';

/**
 * How a chosen agent gets a task: `assign` binds it at once; `offer` offers it to the chosen
 * agent, which may reject it; `broadcast` offers it to every agent that may take it, and the
 * first to claim it runs it.
 */
export type DelegationMode = 'assign' | 'offer' | 'broadcast';

/**
 * Who chooses the agent: the strategy, or `first-fit` claiming (each task goes to the
 * lowest-index free agent that may take it, as pull-based production pools do).
 */
export type ClaimRule = 'strategy' | 'first-fit';

/** What a critical (priority 0) task that finds no free agent may do. */
export type PreemptionRule = 'none' | 'pause-lowest';

/** An autoscaled pool: agents whose spec names `pool`. */
export interface AutoscalerConfig {
  /** The pool (AgentSpec.pool) this scaler provisions and drains. */
  readonly pool: string;
  /** Fewest and most agents in the pool (provisioning ones included). */
  readonly minAgents: number;
  /** Most agents in the pool. */
  readonly maxAgents: number;
  /** Busy share of the pool's slots at or above which it adds an agent. */
  readonly scaleUpUtilization: number;
  /** Busy share at or below which (with nothing queued) it drains an agent. */
  readonly scaleDownUtilization: number;
  /** Least time between two scaling actions of this pool. */
  readonly cooldownSeconds: number;
  /** How often the pool is evaluated. */
  readonly intervalSeconds: number;
}

/** Engine settings. */
export interface EngineConfig {
  /** Late (pool) or early (per-agent queues) binding. */
  readonly binding: Binding;
  /** Queue admission, overflow and ordering. */
  readonly queue: {
    /**
     * Admission limit: a submission that finds this many tasks queued (pool and agent queues
     * together) overflows (Infinity for none). Tasks already admitted (released by their
     * dependencies, or retrying) rejoin the queue past it: the lifecycle has no way to reject them.
     */
    readonly maxDepth: number;
    /** `reject` turns the newcomer away; `shed-lowest` evicts the least urgent, newest task. */
    readonly overflow: OverflowPolicy;
    /** Most queued tasks one dispatch pass examines looking for a task some agent can take. */
    readonly dispatchScanLimit: number;
    /**
     * Order within a priority level of every queue, whatever the strategy; undefined: the
     * strategy's own (`Strategy.queueOrder`, `fifo` when it names none).
     */
    readonly order?: QueueOrder;
    /**
     * Weights of tenants under the `fair` order (undefined: all 1): a tenant's virtual token
     * counter grows by tokens ÷ weight, so backlogged tenants are served tokens in proportion
     * to their weights.
     */
    readonly tenantWeights?: Readonly<Record<string, number>>;
  };
  /** Retries of failed attempts. */
  readonly retry: {
    /** Retries after the first attempt, for tasks that do not set their own. */
    readonly maxRetries: number;
    /** Delay before a retry: exponential backoff with jitter. */
    readonly backoff: {
      /** Delay before the first retry, seconds. */
      readonly baseSeconds: number;
      /** Growth of the delay per further retry. */
      readonly factor: number;
      /** Relative jitter: the delay is multiplied by 1 + jitter × (2u − 1), u uniform. */
      readonly jitter: number;
      /** Cap on one delay, seconds. */
      readonly maxSeconds: number;
    };
    /** A completion whose quality is below this fails with reason `quality` (0: never). */
    readonly minQuality: number;
  };
  /** How tasks reach agents: by assignment, or by offers the agents answer. */
  readonly delegation: {
    /** Assign directly, or offer to one agent or broadcast to several. */
    readonly mode: DelegationMode;
    /** Which claim wins when several agents accept a broadcast offer. */
    readonly claim: ClaimRule;
    /** An offer not answered within this time is withdrawn (Infinity: never). */
    readonly offerTimeoutSeconds: number;
    /** Offers a task may receive before it fails with reason `rejected`. */
    readonly maxOffers: number;
  };
  /** Task dependencies (workflows). */
  readonly dependencies: {
    /** What a failed dependency does to its dependents, for edges without their own policy. */
    readonly onFailure: DependencyFailurePolicy;
  };
  /**
   * Failure memory: after an attempt of a type fails on an agent (error, timeout, quality),
   * retries of that type avoid the agent for `seconds` (0: off), unless no other agent may
   * take them. At most `maxEntries` (agent, type) pairs are remembered.
   */
  readonly failureMemory: { readonly seconds: number; readonly maxEntries: number };
  /** Whether a critical task that finds every agent busy pauses the least urgent running task. */
  readonly preemption: PreemptionRule;
  /** Token-bucket rate limit on submissions (Infinity rate: none); a refused one is rejected. */
  readonly ingress: { readonly ratePerSecond: number; readonly burst: number };
  /** Autoscaled pools. */
  readonly autoscale: readonly AutoscalerConfig[];
  /**
   * How many settled task ids the engine remembers so that a later `dependsOn` can still find
   * them (0 when the workload has no dependencies). A dependency on a forgotten id waits.
   */
  readonly settledMemory: number;
}

/**
 * Settings for teams that embed the engine directly.
 * @defaultValue late binding; unbounded queue rejecting on overflow; 3 retries with backoff
 * 1 s × 2^n, 10% jitter, capped at 300 s, no quality floor; tasks assigned as the strategy picks;
 * failed dependencies cancel their dependents; no failure memory, preemption, rate limit or
 * autoscaling; 100,000 settled ids remembered.
 */
export function defaultEngineConfig(): EngineConfig {
  return {
    binding: 'late',
    queue: { maxDepth: Number.POSITIVE_INFINITY, overflow: 'reject', dispatchScanLimit: 256 },
    retry: { maxRetries: 3, backoff: { baseSeconds: 1, factor: 2, jitter: 0.1, maxSeconds: 300 }, minQuality: 0 },
    delegation: { mode: 'assign', claim: 'strategy', offerTimeoutSeconds: Number.POSITIVE_INFINITY, maxOffers: 10 },
    dependencies: { onFailure: 'cancel' },
    failureMemory: { seconds: 0, maxEntries: 10_000 },
    preemption: 'none',
    ingress: { ratePerSecond: Number.POSITIVE_INFINITY, burst: 1 },
    autoscale: [],
    settledMemory: 100_000,
  };
}
