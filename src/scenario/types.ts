/**
 * A scenario after parsing: fully specified (every default applied), pools expanded into
 * agents, times in seconds, frozen. Code below the parser applies no defaults of its own.
 * The file format itself is described in docs/SCENARIOS.md and validated in ./schema.ts.
 */
import type { AgentSpec } from '../engine/agent.js';
import type { EngineConfig } from '../engine/config.js';
import type { DependencyFailurePolicy } from '../engine/task.js';
import type { TraceConfig } from '../traces/types.js';

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
  /** Task type name. */
  readonly type: string;
  /** Relative share of arrivals. */
  readonly weight: number;
  /** Work per task, tokens. */
  readonly tokens: Distribution;
  /** Tokens of context the task needs resident. */
  readonly contextTokens: number;
  /** Context keys `${type}-0` … drawn with Zipf popularity; absent when tasks have no key. */
  readonly contextKeys?: { readonly count: number; readonly zipf: number };
  /** Priority levels and their probabilities (summing to 1). */
  readonly priority: readonly { readonly level: number; readonly probability: number }[];
  /** Deadline relative to arrival, seconds; absent when tasks have none. */
  readonly deadline?: Distribution;
  /** Longest a single attempt may run before it fails with reason `timeout`, seconds; no limit when absent. */
  readonly timeoutSeconds?: number;
  /** Longest a task may wait queued and unassigned before it expires, seconds; no limit when absent. */
  readonly ttlSeconds?: number;
  /** Retries after the first attempt; the engine's default when absent. */
  readonly maxRetries?: number;
  /** Labels an agent must all carry to take these tasks (pools). */
  readonly tags: readonly string[];
  /** The tenant every task of this type is submitted by, if any. */
  readonly tenant?: string;
  /** Direct assignment: every task of this type waits for this agent. */
  readonly assignee?: string;
}

/** A task listed by hand in the scenario, submitted at a fixed time. */
export interface ScenarioJob {
  /** Task id (unique in the scenario). */
  readonly id: string;
  /** Submission time, simulated seconds. */
  readonly atSeconds: number;
  /** Task type. */
  readonly type: string;
  /** Work, tokens. */
  readonly tokens: number;
  /** Priority level (0 most urgent). */
  readonly priority: number;
  /** Context key it needs resident, if any. */
  readonly contextKey?: string;
  /** Tokens of context it needs resident. */
  readonly contextTokens: number;
  /** Relative to `atSeconds`. */
  readonly deadlineSeconds?: number;
  /** Ids of the tasks it waits for. */
  readonly dependsOn: readonly string[];
  /** Failure policy per dependency edge that sets its own. */
  readonly dependencyPolicy: Readonly<Record<string, DependencyFailurePolicy>>;
  /** Tags an agent must carry to take it. */
  readonly tags: readonly string[];
  /** Tenant it is charged to, if any. */
  readonly tenant?: string;
  /** Direct assignment: the id of the only agent that may take it. */
  readonly assignee?: string;
  /** Longest a single attempt may run before it fails with reason `timeout`, seconds; no limit when absent. */
  readonly timeoutSeconds?: number;
  /** Longest the task may wait queued and unassigned before it expires, seconds; no limit when absent. */
  readonly ttlSeconds?: number;
  /** Retries after the first attempt; the engine's default when absent. */
  readonly maxRetries?: number;
}

/**
 * One task type of a workflow's node mix: a {@link TaskTypeConfig} without a deadline of its
 * own (the instance's applies) and without an assignee (the file format has none for nodes).
 */
export type WorkflowNodeConfig = Omit<TaskTypeConfig, 'deadline' | 'assignee' | 'tenant'>;

/** The lead of a workflow: runs the decomposition task and the synthesis task of each instance. */
export interface WorkflowSupervisorConfig {
  /** Agent id (checked to exist) both tasks are directly assigned to. */
  readonly assignee: string;
  /** Task type of both tasks. */
  readonly type: string;
  /** Priority level of both tasks. */
  readonly priority: number;
  /** Work of the decomposition task, tokens. */
  readonly decomposeTokens: Distribution;
  /** Work of the synthesis task, tokens. */
  readonly synthesisTokens: Distribution;
}

/**
 * A workflow (DAG) template. Each instance n expands (src/sim/workflows.ts) into a tree of
 * `dag.fanOut` nodes per level over `dag.depth` levels, each child depending on its parent, and
 * a join task (or the supervisor's synthesis) depending on every leaf.
 */
export interface WorkflowTemplate {
  /** Unique among workflows; letters, digits, `.`, `_`, `-`. Task ids are `${name}-${n}/…`. */
  readonly name: string;
  /** When instances arrive. */
  readonly arrivals: ArrivalProcess;
  /** Most instances generated (Infinity when unlimited). */
  readonly count: number;
  /** Deadline relative to the instance's arrival, shared by all its tasks; absent for none. */
  readonly deadline?: Distribution;
  /** Policy written on every dependency edge of an instance. */
  readonly onFailure: DependencyFailurePolicy;
  /** The tenant every task of an instance is submitted by, if any. */
  readonly tenant?: string;
  /** Shape: `fanOut` 1..16 children per node, `depth` 1..4 levels, `join` (always true with a supervisor). */
  readonly dag: { readonly fanOut: number; readonly depth: number; readonly join: boolean };
  /** The mix node types are drawn from (by weight). */
  readonly nodes: readonly WorkflowNodeConfig[];
  /** The lead that decomposes and synthesises, if any. */
  readonly supervisor?: WorkflowSupervisorConfig;
}

/** The workload: a generated stream plus hand-listed jobs and workflow templates. */
export interface WorkloadConfig {
  /** How generated tasks arrive. */
  readonly arrivals: ArrivalProcess;
  /** The generated mix (may be empty when only jobs are listed). */
  readonly taskTypes: readonly TaskTypeConfig[];
  /** Tasks listed by hand. */
  readonly jobs: readonly ScenarioJob[];
  /** Workflow templates, each with its own arrival process (may be empty). */
  readonly workflows: readonly WorkflowTemplate[];
  /** A trace replayed beside (or instead of) the generated stream, if any. */
  readonly trace?: TraceConfig;
}

/**
 * Coefficients of the stochastic agent model (docs/SCENARIOS.md, "Agent model"). With every penalty, rate and
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
  /** Seconds an agent takes to answer an offer (offer and broadcast delegation). */
  readonly offerResponseSeconds: number;
  /**
   * Probability of turning an offer down: rejectBase + rejectLoad × (slots held ÷ capacity) +
   * rejectContext × context utilization, clamped to [0, 1]. An agent with skill 0 for the task's
   * type always turns it down (`lacks-skill`).
   */
  readonly rejectBase: number;
  /** Weight of the load term (slots held ÷ capacity). */
  readonly rejectLoad: number;
  /** Weight of the context-utilization term. */
  readonly rejectContext: number;
}

/** One simulated agent. */
export interface SimAgentConfig {
  /** What the engine is told. */
  readonly spec: AgentSpec;
  /** Base probability that an attempt fails (agent error). */
  readonly failureRate: number;
  /** Its stochastic model. */
  readonly model: AgentModel;
}

/** A strategy chosen by the scenario, with parameters validated and defaults applied. */
export interface StrategyChoice {
  /** Registry name. */
  readonly name: string;
  /** Unique label in results (the name, or name#2 when a strategy is listed twice). */
  readonly label: string;
  /** The strategy's parameters, validated by its registry entry. */
  readonly params: unknown;
}

/** How far one metric may get worse before `fleetsim regress` fails. */
export interface MetricTolerance {
  /**
   * Dotted metric path: one of the ranked metrics (src/metrics/directions.ts), or one of a class
   * (`byPriority.0.deadlineSuccess`, a ranked metric of that class).
   */
  readonly metric: string;
  /** Share of the baseline's mean (0.05: 5%). */
  readonly relative: number;
  /** In the metric's unit; the larger of the two limits applies. */
  readonly absolute: number;
}

/** The metrics `fleetsim regress` checks for this scenario, each with its tolerance. */
export interface RegressPolicy {
  /** Metrics checked, each with its tolerance. */
  readonly checks: readonly MetricTolerance[];
}

/**
 * One target of a scenario: the metric's 95% interval must lie within [min, max] (an unset
 * bound is null). See docs/SCENARIOS.md, "Targets".
 */
export interface TargetCheck {
  /** Dotted metric path (src/metrics/targetMetrics.ts). */
  readonly metric: string;
  /** Least allowed value; null for none. */
  readonly min: number | null;
  /** Greatest allowed value; null for none. */
  readonly max: number | null;
}

/** The targets (SLOs) of a scenario: the checks its listed strategies must meet. */
export interface TargetPolicy {
  /** Strategy labels held to the checks (other strategies are shown, not judged). */
  readonly strategies: readonly string[];
  /** Checks every listed strategy must meet. */
  readonly checks: readonly TargetCheck[];
}

/** A parsed scenario. */
export interface Scenario {
  /** Scenario name. */
  readonly name: string;
  /** What it models, in a sentence or two. */
  readonly description: string;
  /** File it was read from (for messages). */
  readonly source: string;
  /** Base seed of every random stream. */
  readonly seed: number;
  /** Replications per strategy. */
  readonly replications: number;
  /** Tasks submitted before this time, or among the first `tasks`, are not measured. */
  readonly warmup: { readonly timeSeconds: number; readonly tasks: number };
  /**
   * Arrivals stop at `timeSeconds` or after `tasks` submissions, whichever comes first
   * (Infinity when unset). With `drain`, the run then continues until every task is final;
   * without it, it ends at `timeSeconds` with tasks still in flight.
   */
  readonly stop: { readonly timeSeconds: number; readonly tasks: number; readonly drain: boolean };
  /** Engine settings. */
  readonly engine: EngineConfig;
  /** The simulated agents, pools expanded. */
  readonly agents: readonly SimAgentConfig[];
  /** What is submitted. */
  readonly workload: WorkloadConfig;
  /** Strategies to run, in order. */
  readonly strategies: readonly StrategyChoice[];
  /** Operators' actions, by time (stable for equal times). */
  readonly operations: readonly ScenarioOperation[];
  /** Autoscaled pools: the delay before a provisioned agent joins, per pool. */
  readonly coldStartSeconds: Readonly<Record<string, number>>;
  /** What `fleetsim regress` checks. */
  readonly regress: RegressPolicy;
  /** The `targets` section, or null when the file has none. */
  readonly targets: TargetPolicy | null;
  /** How `fleetsim serve` runs it (defaults when the file has no `live` section). */
  readonly live: LiveConfig;
}

/** The `live` section: how `fleetsim serve` runs a scenario's engine (docs/SCENARIOS.md, "Live"). */
export interface LiveConfig {
  /** Label of the scenario strategy the service runs (its first one when the file names none). */
  readonly strategy: string;
  /** An agent that has not polled for this long has left the fleet. */
  readonly heartbeatSeconds: number;
  /** Longest an attempt of a task without its own timeout may run before it fails with `timeout`. */
  readonly attemptTimeoutSeconds: number;
  /** Longest an offer may wait for its agent's answer before it counts as declined. */
  readonly offerTimeoutSeconds: number;
  /** Largest request body accepted (a bigger one is answered 413). */
  readonly maxBodyBytes: number;
  /** Tasks in flight beyond which submissions are refused (503). */
  readonly maxInFlightTasks: number;
  /** Settled tasks the service remembers (for GET, listing and idempotent resubmission). */
  readonly settledTasks: number;
  /** Events kept per task for `GET /v1/tasks/{id}` (the oldest are dropped first). */
  readonly historyEvents: number;
  /** Commands waiting for one agent's poll beyond which the agent is taken out of the fleet. */
  readonly mailboxCommands: number;
  /** Width of the intervals `GET /v1/metrics?window=` is made of, seconds: a window's start is rounded to one. */
  readonly metricsIntervalSeconds: number;
  /** Longest window `GET /v1/metrics?window=` may ask for, seconds; 0: no windows (none kept). */
  readonly metricsWindowSeconds: number;
}

/** An operator's action at `atSeconds` (see docs/SCENARIOS.md, "Operations"). */
export type ScenarioOperation =
  | { readonly atSeconds: number; readonly op: 'pause-type' | 'resume-type'; readonly type: string }
  | { readonly atSeconds: number; readonly op: 'drain' | 'remove'; readonly agent: string }
  /** New agents like an existing agent or pool (`like`), named `<pool>-<k>` after the pool's last. */
  | { readonly atSeconds: number; readonly op: 'add'; readonly like: string; readonly count: number }
  /** Every queued task of `type` takes priority `priority`. */
  | { readonly atSeconds: number; readonly op: 'set-priority'; readonly type: string; readonly priority: number }
  /** A listed job, running at that time, is paused, or resumed. */
  | { readonly atSeconds: number; readonly op: 'pause' | 'resume'; readonly task: string };
