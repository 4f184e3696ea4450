/**
 * The scenario FILE format (YAML or JSON), as zod schemas. These check shapes, types and
 * ranges and fill in the simple defaults; ./normalize.ts then applies the defaults that depend
 * on other fields, runs the cross-field checks and builds the {@link Scenario} the simulator
 * reads. Every object is strict: an unknown key is an error, never silently ignored.
 * docs/SCENARIOS.md describes each field for users; keep the two in step.
 */
import { z } from 'zod';
import type { AgentModel } from './types.js';
import { didYouMean } from './errors.js';
import { TRACE_FORMATS } from '../traces/types.js';
import { QUEUE_ORDERS } from '../engine/taskQueue.js';
import { DEPENDENCY_FAILURE_POLICIES } from '../engine/task.js';

/** Most agents one pool entry may expand into (a limit on everything, as TigerBeetle says). */
export const MAX_POOL_SIZE = 10_000;
/** Most distinct context keys one task type may draw from (the Zipf table is this long). */
export const MAX_CONTEXT_KEYS = 1_000_000;
/** Most replications a scenario may ask for. */
export const MAX_REPLICATIONS = 1000;
/** Highest (least urgent) priority level; 0 is the most urgent. */
export const MAX_PRIORITY_LEVEL = 4;
/** Most children of one workflow node (and level-1 nodes of a workflow instance). */
export const MAX_WORKFLOW_FAN_OUT = 16;
/** Most levels of a workflow's DAG (with the fan-out limit: at most 69,904 nodes an instance). */
export const MAX_WORKFLOW_DEPTH = 4;
/** Largest `seed` (15 digits: any seed a user types, a timestamp in milliseconds included). */
export const MAX_SEED = 999_999_999_999_999;
/** Largest task count anywhere: `stop.tasks`, `warmup.tasks`, a workflow's `count`, `queue.maxDepth`. */
export const MAX_TASK_COUNT = 1_000_000_000;
/** Most jobs `workload.jobs` may list (generate more with arrivals and task types). */
export const MAX_LISTED_JOBS = 100_000;
/** Most concurrent tasks (slots) of one agent. */
export const MAX_AGENT_CAPACITY = 10_000;
/** Largest agent `speed`, in tokens per second. */
export const MAX_AGENT_SPEED = 1_000_000_000;
/** Largest `contextWindow`, in tokens. */
export const MAX_CONTEXT_WINDOW = 1_000_000_000;
/**
 * Largest token count of one task's work or context, and of a token distribution's value, mean
 * or range: as large as the largest context window. Unbounded, two tasks of 1e308 tokens made
 * a run's token totals infinite and its token shares NaN.
 */
export const MAX_TASK_TOKENS = MAX_CONTEXT_WINDOW;
/** Most retries of one task (`maxRetries`). */
export const MAX_RETRIES = 1000;
/** Largest `engine.queue.dispatchScanLimit`. */
export const MAX_DISPATCH_SCAN = 1_000_000;
/** Largest `engine.settledMemory` (settled task ids remembered). */
export const MAX_SETTLED_MEMORY = 100_000_000;
/**
 * Longest simulated time `stop.time` and `warmup.time` may name: 2^53 s (~285 million years),
 * where seconds are still whole numbers. A run's window can then be summed over a fleet (agent
 * seconds) without overflowing, as 1e308 s did.
 */
export const MAX_RUN_SECONDS = Number.MAX_SAFE_INTEGER;
/** Largest `workload.trace.timeScale`: a trace stretched a million times is a trace of one request per ~month. */
export const MAX_TRACE_TIME_SCALE = 1e6;
/** Longest delay a scenario may give an agent: `coldStart` and `offerResponseSeconds` (one day). */
export const MAX_DELAY_SECONDS = 86_400;
/** Largest `serviceTimeCv` (standard deviation over mean of an agent's service time). */
export const MAX_SERVICE_TIME_CV = 10;
/** Largest ratio `sd / mean` of a lognormal distribution. */
export const MAX_LOGNORMAL_CV = 100;

/**
 * Coefficients an agent gets when neither `agentModel` nor its own `model` sets them
 * (docs/SCENARIOS.md, "Agent model"). A scenario that wants an ideal server sets the penalties to 0.
 */
export const DEFAULT_AGENT_MODEL: AgentModel = Object.freeze({
  skillSpeedPenalty: 0.5,
  skillQualityPenalty: 0.5,
  skillFailureRate: 0.1,
  lowSkillSetupPenalty: 0.5,
  contextDegradeThreshold: 0.5,
  contextSpeedPenalty: 0.3,
  contextQualityPenalty: 0.3,
  contextFailureRate: 0.05,
  compactThreshold: 0.9,
  compactSeconds: 10,
  historyGrowth: 1,
  prefillSpeedup: 10,
  qualityNoise: 0.05,
  serviceTimeCv: 0,
  offerResponseSeconds: 1,
  rejectBase: 0,
  rejectLoad: 0,
  rejectContext: 0,
});

/**
 * A strict object whose unknown-key error names the key, guesses the intended one and lists
 * the known ones, so a typo like `spead` reads as one.
 */
function strict<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      const key = issue.keys[0] ?? '';
      return `unknown field "${key}"${didYouMean(key, known)}; known fields: ${known.join(', ')}`;
    },
  });
}

const nonNegative = z.number().min(0);
const positive = z.number().positive();
const share = z.number().min(0).max(1);
const priorityLevel = z.int().min(0).max(MAX_PRIORITY_LEVEL);
/** What a task does when a task it depends on ends other than completed (engine `DependencyFailurePolicy`). */
const dependencyPolicy = z.enum(DEPENDENCY_FAILURE_POLICIES);

/**
 * A distribution of a non-negative quantity: tokens, or seconds for deadlines. `largest`, when
 * given, bounds its value, mean or range (the lognormal's `sd` is bounded by its mean).
 */
function distributionUpTo(largest?: number) {
  const bounded = (number: z.ZodNumber): z.ZodNumber => (largest === undefined ? number : number.max(largest));
  return z.discriminatedUnion('dist', [
    strict({ dist: z.literal('constant'), value: bounded(nonNegative) }),
    strict({ dist: z.literal('exponential'), mean: bounded(positive) }),
    strict({ dist: z.literal('lognormal'), mean: bounded(positive), sd: nonNegative }).refine((d) => d.sd <= MAX_LOGNORMAL_CV * d.mean, {
      path: ['sd'],
      error: (issue) => `expected at most ${MAX_LOGNORMAL_CV} × mean, got ${String((issue.input as { sd: number }).sd)}: the distribution would give infinite values`,
    }),
    strict({ dist: z.literal('uniform'), min: bounded(nonNegative), max: bounded(nonNegative) }),
  ]);
}

/** A distribution of seconds (deadlines). */
export const distributionSchema = distributionUpTo();

/** A token count: of one task's work or context, up to {@link MAX_TASK_TOKENS}. */
const tokenCount = nonNegative.max(MAX_TASK_TOKENS);

/**
 * Agent-model coefficients, each optional (unset ones inherit). Penalties on speed stay below
 * 1 so that work time stays finite; the degrade threshold stays below 1 because the model
 * divides by (1 − threshold).
 */
export const agentModelSchema = strict({
  skillSpeedPenalty: z.number().min(0).lt(1).optional(),
  skillQualityPenalty: share.optional(),
  skillFailureRate: share.optional(),
  lowSkillSetupPenalty: nonNegative.optional(),
  contextDegradeThreshold: z.number().min(0).lt(1).optional(),
  contextSpeedPenalty: z.number().min(0).lt(1).optional(),
  contextQualityPenalty: share.optional(),
  contextFailureRate: share.optional(),
  compactThreshold: z.number().positive().max(1).optional(),
  compactSeconds: nonNegative.optional(),
  historyGrowth: nonNegative.optional(),
  prefillSpeedup: positive.optional(),
  qualityNoise: nonNegative.optional(),
  serviceTimeCv: nonNegative.max(MAX_SERVICE_TIME_CV).optional(),
  offerResponseSeconds: nonNegative.max(MAX_DELAY_SECONDS).optional(),
  rejectBase: share.optional(),
  rejectLoad: share.optional(),
  rejectContext: share.optional(),
});

/**
 * One `agents` entry: a single agent (`id`) or a pool (`pool` + `count`). Which of the two it
 * is gets checked in normalize.ts, where the message can say exactly what is missing.
 */
export const agentEntrySchema = strict({
  id: z.string().min(1).optional(),
  pool: z.string().min(1).optional(),
  count: z.int().min(1).max(MAX_POOL_SIZE).optional(),
  capacity: z.int().min(1).max(MAX_AGENT_CAPACITY).default(1),
  speed: positive.max(MAX_AGENT_SPEED),
  skills: z.record(z.string(), share).default({}),
  weight: positive.optional(),
  tags: z.array(z.string().min(1)).default([]),
  contextWindow: z.int().positive().max(MAX_CONTEXT_WINDOW).optional(),
  failureRate: share.default(0),
  model: agentModelSchema.optional(),
});

/** Engine settings; names follow the file format, normalize.ts maps them to EngineConfig. */
export const engineSchema = strict({
  binding: z.enum(['late', 'early']).default('late'),
  queue: strict({
    maxDepth: z.int().min(1).max(MAX_TASK_COUNT).optional(),
    overflow: z.enum(['reject', 'shed-lowest']).default('reject'),
    dispatchScanLimit: z.int().min(1).max(MAX_DISPATCH_SCAN).default(256),
    order: z.enum(QUEUE_ORDERS).optional(),
    tenantWeights: z.record(z.string().min(1), positive).optional(),
  }).prefault({}),
  retry: strict({
    maxRetries: z.int().min(0).max(MAX_RETRIES).default(3),
    backoff: strict({
      base: nonNegative.default(1),
      factor: z.number().min(1).default(2),
      jitter: share.default(0.1),
      max: nonNegative.default(300),
    }).prefault({}),
    minQuality: share.default(0),
  }).prefault({}),
  settledMemory: z.int().min(0).max(MAX_SETTLED_MEMORY).optional(),
  delegation: strict({
    mode: z.enum(['assign', 'offer', 'broadcast']).default('assign'),
    claim: z.enum(['strategy', 'first-fit']).default('strategy'),
    offerTimeout: positive.optional(),
    maxOffers: z.int().min(1).max(1000).default(10),
  }).prefault({}),
  dependencies: strict({ onFailure: dependencyPolicy.default('cancel') }).prefault({}),
  failureMemory: strict({ seconds: nonNegative.default(0), maxEntries: z.int().min(1).max(1_000_000).default(10_000) }).prefault({}),
  preemption: z.enum(['none', 'pause-lowest']).default('none'),
  ingress: strict({ rate: positive, burst: z.number().min(1).default(1) }).optional(),
  autoscale: z.array(strict({
    pool: z.string().min(1),
    min: z.int().min(0).max(MAX_POOL_SIZE),
    max: z.int().min(1).max(MAX_POOL_SIZE),
    scaleUpUtilization: share.default(0.8),
    scaleDownUtilization: share.default(0.3),
    cooldown: nonNegative.default(60),
    interval: positive.default(10),
    coldStart: nonNegative.max(MAX_DELAY_SECONDS).default(30),
  })).default([]),
});

/** How generated tasks arrive. */
export const arrivalsSchema = z.discriminatedUnion('process', [
  strict({ process: z.literal('poisson'), rate: positive }),
  strict({ process: z.literal('mmpp'), rates: z.tuple([nonNegative, nonNegative]), dwell: z.tuple([positive, positive]) }),
  strict({ process: z.literal('none') }),
]);

/** A fixed level, or a map level → probability (keys are checked in normalize.ts). */
const prioritySchema = z.union([priorityLevel, z.record(z.string(), share)]);

/** Work size: a number n (short for a constant n) or a distribution, in tokens. */
const tokensSchema = z.union([positive.max(MAX_TASK_TOKENS), distributionUpTo(MAX_TASK_TOKENS)]);

/** A relative deadline in seconds: a number n (short for a constant n) or a distribution. */
const deadlineSchema = z.union([positive, distributionSchema]);

/** The context keys a task type draws from: `count` keys, by a Zipf law of exponent `zipf`. */
const contextKeysSchema = strict({ count: z.int().min(1).max(MAX_CONTEXT_KEYS), zipf: nonNegative.default(1) });

/** One task type of the generated mix. */
export const taskTypeSchema = strict({
  type: z.string().min(1),
  weight: positive.default(1),
  tokens: tokensSchema,
  contextTokens: tokenCount.default(0),
  contextKeys: contextKeysSchema.optional(),
  priority: prioritySchema.default(2),
  deadline: deadlineSchema.optional(),
  timeout: positive.optional(),
  ttl: positive.optional(),
  maxRetries: z.int().min(0).max(MAX_RETRIES).optional(),
  tags: z.array(z.string().min(1)).default([]),
  tenant: z.string().min(1).optional(),
  assignee: z.string().min(1).optional(),
});

/** A dependency: a job id, or one with the failure policy of that edge. */
const dependencySchema = z.union([
  z.string().min(1),
  strict({ id: z.string().min(1), onFailure: dependencyPolicy }),
]);

/**
 * A job listed by hand. `tokens` may be 0: a zero-work job is a join point in a DAG.
 */
export const jobSchema = strict({
  id: z.string().min(1),
  at: nonNegative,
  type: z.string().min(1),
  tokens: tokenCount,
  priority: priorityLevel.default(2),
  contextKey: z.string().min(1).optional(),
  contextTokens: tokenCount.default(0),
  deadline: positive.optional(),
  dependsOn: z.array(dependencySchema).default([]),
  timeout: positive.optional(),
  ttl: positive.optional(),
  maxRetries: z.int().min(0).max(MAX_RETRIES).optional(),
  tags: z.array(z.string().min(1)).default([]),
  tenant: z.string().min(1).optional(),
  assignee: z.string().min(1).optional(),
});

/** One task type of a workflow's node mix: a task type's fields less `deadline` and `assignee`. */
export const workflowNodeSchema = strict({
  type: z.string().min(1),
  weight: positive.default(1),
  tokens: tokensSchema,
  contextTokens: tokenCount.default(0),
  contextKeys: contextKeysSchema.optional(),
  tags: z.array(z.string().min(1)).default([]),
  priority: prioritySchema.default(2),
  timeout: positive.optional(),
  ttl: positive.optional(),
  maxRetries: z.int().min(0).max(MAX_RETRIES).optional(),
});

/** The lead that decomposes a workflow's request and synthesises its result. */
export const workflowSupervisorSchema = strict({
  assignee: z.string().min(1),
  type: z.string().min(1).default('plan'),
  priority: priorityLevel.default(2),
  decomposeTokens: tokensSchema,
  synthesisTokens: tokensSchema,
});

/**
 * A workflow template: instances arrive as a process of their own and expand into a DAG of
 * tasks (src/sim/workflows.ts). `dag.join` is left unset here so that normalize can tell an
 * explicit `join: false` (an error with a supervisor) from the default.
 */
export const workflowSchema = strict({
  name: z.string().min(1),
  arrivals: arrivalsSchema,
  count: z.int().min(1).max(MAX_TASK_COUNT).optional(),
  deadline: deadlineSchema.optional(),
  onFailure: dependencyPolicy.default('cascade-fail'),
  tenant: z.string().min(1).optional(),
  dag: strict({
    fanOut: z.int().min(1).max(MAX_WORKFLOW_FAN_OUT),
    depth: z.int().min(1).max(MAX_WORKFLOW_DEPTH),
    join: z.boolean().optional(),
  }),
  nodes: z.array(workflowNodeSchema).min(1),
  supervisor: workflowSupervisorSchema.optional(),
});

/** Most superposed copies of a trace (`rateScale`). */
export const MAX_TRACE_RATE_SCALE = 100;

/**
 * A trace replayed as the workload (docs/SCENARIOS.md, "Trace replay"). Format-specific options
 * have no default here, so that normalize can refuse one given for another format.
 */
export const traceSchema = strict({
  file: z.string().min(1),
  format: z.enum(TRACE_FORMATS),
  type: z.string().min(1).default('request'),
  types: z.array(z.string().min(1)).min(1).optional(),
  timeScale: positive.max(MAX_TRACE_TIME_SCALE).default(1),
  rateScale: positive.max(MAX_TRACE_RATE_SCALE).default(1),
  copyOffset: nonNegative.default(60),
  window: strict({ from: nonNegative.default(0), to: positive.optional() }).optional(),
  tokenScale: positive.default(1),
  loop: z.union([z.int().min(1).max(MAX_TASK_COUNT), z.literal(true)]).default(1),
  work: z.enum(['split', 'sum', 'output']).default('split'),
  priority: priorityLevel.default(2),
  failed: z.enum(['keep', 'drop']).optional(),
  columns: strict({
    time: z.string().min(1),
    tokens: z.string().min(1),
    contextTokens: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    contextKey: z.string().min(1).optional(),
    priority: z.string().min(1).optional(),
    deadline: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
  }).optional(),
  timeUnit: z.enum(['s', 'ms', 'us', 'ns']).optional(),
  blockTokens: z.int().min(1).max(1_000_000).optional(),
  keyBlock: z.int().min(0).max(1_000_000).optional(),
  strategy: z.string().min(1).optional(),
  replication: z.int().min(0).max(MAX_REPLICATIONS).optional(),
});

/** The workload: generated arrivals plus hand-listed jobs and workflow templates. */
export const workloadSchema = strict({
  arrivals: arrivalsSchema.optional(),
  trace: traceSchema.optional(),
  tasks: z.array(taskTypeSchema).default([]),
  jobs: z.array(jobSchema).max(MAX_LISTED_JOBS).default([]),
  workflows: z.array(workflowSchema).default([]),
});

/** An operator's action at a given time (docs/SCENARIOS.md, "Operations"). */
export const operationSchema = z.discriminatedUnion('op', [
  strict({ at: nonNegative, op: z.literal('pause-type'), type: z.string().min(1) }),
  strict({ at: nonNegative, op: z.literal('resume-type'), type: z.string().min(1) }),
  strict({ at: nonNegative, op: z.literal('drain'), agent: z.string().min(1) }),
  strict({ at: nonNegative, op: z.literal('remove'), agent: z.string().min(1) }),
  strict({ at: nonNegative, op: z.literal('add'), like: z.string().min(1), count: z.int().min(1).max(MAX_POOL_SIZE).default(1) }),
  strict({ at: nonNegative, op: z.literal('set-priority'), type: z.string().min(1), priority: priorityLevel }),
  strict({ at: nonNegative, op: z.literal('pause'), task: z.string().min(1) }),
  strict({ at: nonNegative, op: z.literal('resume'), task: z.string().min(1) }),
]);

/** A strategy by name, or with parameters (validated by the strategy's own schema later). */
export const strategyEntrySchema = z.union([
  z.string().min(1),
  strict({ name: z.string().min(1), params: z.unknown().optional() }),
]);

/**
 * A metric's tolerance for `fleetsim regress`: a bare number is relative (0.1: 10% worse than
 * the baseline's mean), or give `relative` and/or `absolute` (in the metric's own unit).
 */
const toleranceSchema = z.union([nonNegative, strict({ relative: nonNegative.optional(), absolute: nonNegative.optional() })]);

/**
 * How `fleetsim regress` judges this scenario. Metric names (the keys of `tolerances`, the
 * entries of `ignore`) are checked in regress.ts against the table of ranked metrics.
 */
export const regressSchema = strict({
  relativeThreshold: nonNegative.default(0.05),
  tolerances: z.record(z.string(), toleranceSchema).default({}),
  ignore: z.array(z.string().min(1)).default([]),
});

/**
 * A target: a metric (dotted path, checked in targets.ts) and the bound(s) its 95% interval
 * must stay within. That at least one bound is given, and min <= max, is checked there too.
 */
const targetCheckSchema = strict({ metric: z.string().min(1), min: z.number().optional(), max: z.number().optional() });

/** The targets (SLOs) the listed strategies must meet (`fleetsim check`). */
export const targetsSchema = strict({
  strategies: z.array(z.string().min(1)).min(1),
  checks: z.array(targetCheckSchema).min(1),
});

/** Largest `live.maxBodyBytes` (64 MiB). */
export const MAX_LIVE_BODY_BYTES = 64 << 20;
/** Longest `live.heartbeatSeconds`, `live.attemptTimeoutSeconds` and `live.offerTimeoutSeconds` (one week). */
export const MAX_LIVE_SECONDS = 604_800;

/** Widest `live.metricsIntervalSeconds` (an hour). */
export const MAX_METRICS_INTERVAL_SECONDS = 3600;

/**
 * How `fleetsim serve` runs the scenario's engine as a service (docs/SCENARIOS.md, "Live").
 * Ignored by simulated runs.
 */
export const liveSchema = strict({
  strategy: z.string().min(1).optional(),
  heartbeatSeconds: positive.max(MAX_LIVE_SECONDS).default(30),
  attemptTimeoutSeconds: positive.max(MAX_LIVE_SECONDS).default(3600),
  offerTimeoutSeconds: positive.max(MAX_LIVE_SECONDS).default(300),
  maxBodyBytes: z.int().min(1024).max(MAX_LIVE_BODY_BYTES).default(65_536),
  maxInFlightTasks: z.int().min(1).max(MAX_TASK_COUNT).default(100_000),
  settledTasks: z.int().min(0).max(10_000_000).default(10_000),
  historyEvents: z.int().min(1).max(10_000).default(50),
  mailboxCommands: z.int().min(1).max(1_000_000).default(1000),
  metricsIntervalSeconds: positive.max(MAX_METRICS_INTERVAL_SECONDS).default(10),
  metricsWindowSeconds: nonNegative.max(MAX_LIVE_SECONDS).default(3600),
});

/** A whole scenario file. Field order here is the order in which errors are reported. */
export const scenarioFileSchema = strict({
  name: z.string().min(1),
  description: z.string().default(''),
  seed: z.int().min(0).max(MAX_SEED).default(1),
  replications: z.int().min(1).max(MAX_REPLICATIONS).default(5),
  warmup: strict({ time: nonNegative.max(MAX_RUN_SECONDS).optional(), tasks: z.int().min(0).max(MAX_TASK_COUNT).optional() }).optional(),
  stop: strict({ time: positive.max(MAX_RUN_SECONDS).optional(), tasks: z.int().min(1).max(MAX_TASK_COUNT).optional(), drain: z.boolean().optional() }).optional(),
  engine: engineSchema.prefault({}),
  agentModel: agentModelSchema.optional(),
  agents: z.array(agentEntrySchema).min(1),
  workload: workloadSchema,
  strategies: z.array(strategyEntrySchema).min(1),
  operations: z.array(operationSchema).default([]),
  regress: regressSchema.prefault({}),
  targets: targetsSchema.optional(),
  live: liveSchema.prefault({}),
});

/** A scenario file after schema validation (simple defaults applied, nothing cross-checked). */
export type ScenarioFile = z.output<typeof scenarioFileSchema>;
/** One `agents` entry after schema validation. */
export type AgentEntry = z.output<typeof agentEntrySchema>;
/** Partial agent-model coefficients as written in a file. */
export type AgentModelOverrides = z.output<typeof agentModelSchema>;
// The file's coefficient names must be exactly AgentModel's: a compile error here means the two
// drifted apart (agents.ts merges them key by key).
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;
const _modelKeysMatch: SameKeys<AgentModelOverrides, AgentModel> = true;

/** One task type after schema validation. */
export type TaskTypeEntry = z.output<typeof taskTypeSchema>;
/** One job after schema validation. */
export type JobEntry = z.output<typeof jobSchema>;
/** One workflow template after schema validation. */
export type WorkflowEntry = z.output<typeof workflowSchema>;
/** One entry of a workflow's node mix after schema validation. */
export type WorkflowNodeEntry = z.output<typeof workflowNodeSchema>;
/** The `workload.trace` section after schema validation. */
export type TraceEntry = z.output<typeof traceSchema>;
/** The workload section after schema validation. */
export type WorkloadEntry = z.output<typeof workloadSchema>;
/** One `strategies` entry after schema validation. */
export type StrategyEntry = z.output<typeof strategyEntrySchema>;
/** The regress section after schema validation. */
export type RegressEntry = z.output<typeof regressSchema>;
/** The live section after schema validation. */
export type LiveEntry = z.output<typeof liveSchema>;
/** The targets section after schema validation. */
export type TargetsEntry = z.output<typeof targetsSchema>;
