/**
 * A scenario after parsing: fully specified (every default applied), pools expanded into
 * agents, times in seconds, frozen. Code below the parser applies no defaults of its own.
 * The file format itself is described in docs/SCENARIOS.md and validated in ./schema.ts.
 */
import type { AgentSpec } from '../engine/agent.js';
import type { EngineConfig } from '../engine/config.js';

/** A distribution of a non-negative quantity (token counts, relative deadlines). */
export type Distribution =
  | { readonly dist: 'constant'; readonly value: number }
  | { readonly dist: 'exponential'; readonly mean: number }
  | { readonly dist: 'lognormal'; readonly mean: number; readonly sd: number }
  | { readonly dist: 'uniform'; readonly min: number; readonly max: number };

/** How tasks arrive. */
export type ArrivalProcess =
  | { readonly process: 'poisson'; readonly ratePerSecond: number }
  | {
      /** Two-state Markov-modulated Poisson process: calm and burst. */
      readonly process: 'mmpp';
      /** Arrival rate in the calm state and in the burst state. */
      readonly ratesPerSecond: readonly [number, number];
      /** Mean time spent in the calm state and in the burst state before switching. */
      readonly meanDwellSeconds: readonly [number, number];
    }
  | { readonly process: 'none' };

/** One task type of the workload mix. */
export interface TaskTypeConfig {
  readonly type: string;
  /** Relative share of arrivals. */
  readonly weight: number;
  readonly tokens: Distribution;
  /** Tokens of context the task needs resident. */
  readonly contextTokens: number;
  /** Context keys `${type}-0` … drawn with Zipf popularity; absent when tasks have no key. */
  readonly contextKeys?: { readonly count: number; readonly zipf: number };
  /** Priority levels and their probabilities (summing to 1). */
  readonly priority: readonly { readonly level: number; readonly probability: number }[];
  /** Deadline relative to arrival, seconds; absent when tasks have none. */
  readonly deadline?: Distribution;
  readonly timeoutSeconds?: number;
  readonly ttlSeconds?: number;
  readonly maxRetries?: number;
}

/** A task listed by hand in the scenario, submitted at a fixed time. */
export interface ScenarioJob {
  readonly id: string;
  readonly atSeconds: number;
  readonly type: string;
  readonly tokens: number;
  readonly priority: number;
  readonly contextKey?: string;
  readonly contextTokens: number;
  /** Relative to `atSeconds`. */
  readonly deadlineSeconds?: number;
  readonly dependsOn: readonly string[];
  readonly timeoutSeconds?: number;
  readonly ttlSeconds?: number;
  readonly maxRetries?: number;
}

/** The workload: a generated stream plus hand-listed jobs. */
export interface WorkloadConfig {
  readonly arrivals: ArrivalProcess;
  /** The generated mix (may be empty when only jobs are listed). */
  readonly taskTypes: readonly TaskTypeConfig[];
  readonly jobs: readonly ScenarioJob[];
}

/**
 * Coefficients of the stochastic agent model (DESIGN.md section 5). With every penalty, rate and
 * noise at zero an agent is an ideal server (`prefillSpeedup` must stay > 0, thresholds in
 * (0, 1]); `s` is the agent's skill for the task type and `u` its context utilization.
 */
export interface AgentModel {
  /** Work speed falls to (1 − skillSpeedPenalty) at skill 0: factor 1 − penalty × (1 − s). */
  readonly skillSpeedPenalty: number;
  /** Quality loses skillQualityPenalty × (1 − s). */
  readonly skillQualityPenalty: number;
  /** Failure probability gains skillFailureRate × (1 − s). */
  readonly skillFailureRate: number;
  /** Context loads cost (1 + lowSkillSetupPenalty × (1 − s)) × contextTokens. */
  readonly lowSkillSetupPenalty: number;
  /** Utilization above which speed, quality and failure degrade. */
  readonly contextDegradeThreshold: number;
  /** Speed factor falls by contextSpeedPenalty at full utilization (linear above threshold). */
  readonly contextSpeedPenalty: number;
  /** Quality falls by contextQualityPenalty at full utilization. */
  readonly contextQualityPenalty: number;
  /** Failure probability gains contextFailureRate at full utilization. */
  readonly contextFailureRate: number;
  /** Utilization at which the agent compacts (clears history and resident keys) before a task. */
  readonly compactThreshold: number;
  /** Time a compaction takes. */
  readonly compactSeconds: number;
  /** Share of each task's tokens that stays in the context as history. */
  readonly historyGrowth: number;
  /** Context loads run this many times faster than generation (prefill). */
  readonly prefillSpeedup: number;
  /** Standard deviation of the normal noise added to quality. */
  readonly qualityNoise: number;
  /** Coefficient of variation of the lognormal noise on work time (0: exact). */
  readonly serviceTimeCv: number;
}

/** One simulated agent. */
export interface SimAgentConfig {
  /** What the engine is told. */
  readonly spec: AgentSpec;
  /** Base probability that an attempt fails (agent error). */
  readonly failureRate: number;
  readonly model: AgentModel;
}

/** A strategy chosen by the scenario, with parameters validated and defaults applied. */
export interface StrategyChoice {
  /** Registry name. */
  readonly name: string;
  /** Unique label in results (the name, or name#2 when a strategy is listed twice). */
  readonly label: string;
  readonly params: unknown;
}

/** How far one metric may get worse before `fleetsim regress` fails. */
export interface MetricTolerance {
  /** Dotted metric path, one of the ranked metrics (src/metrics/directions.ts). */
  readonly metric: string;
  /** Share of the baseline's mean (0.05: 5%). */
  readonly relative: number;
  /** In the metric's unit; the larger of the two limits applies. */
  readonly absolute: number;
}

/** The metrics `fleetsim regress` checks for this scenario, each with its tolerance. */
export interface RegressPolicy {
  readonly checks: readonly MetricTolerance[];
}

/** A parsed scenario. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** File it was read from (for messages). */
  readonly source: string;
  readonly seed: number;
  readonly replications: number;
  /** Tasks submitted before this time, or among the first `tasks`, are not measured. */
  readonly warmup: { readonly timeSeconds: number; readonly tasks: number };
  /**
   * Arrivals stop at `timeSeconds` or after `tasks` submissions, whichever comes first
   * (Infinity when unset). With `drain`, the run then continues until every task is final;
   * without it, it ends at `timeSeconds` with tasks still in flight.
   */
  readonly stop: { readonly timeSeconds: number; readonly tasks: number; readonly drain: boolean };
  readonly engine: EngineConfig;
  readonly agents: readonly SimAgentConfig[];
  readonly workload: WorkloadConfig;
  readonly strategies: readonly StrategyChoice[];
  readonly regress: RegressPolicy;
}
