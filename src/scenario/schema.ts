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

/** Most agents one pool entry may expand into (a limit on everything, as TigerBeetle says). */
export const MAX_POOL_SIZE = 10_000;
/** Most distinct context keys one task type may draw from (the Zipf table is this long). */
export const MAX_CONTEXT_KEYS = 1_000_000;
/** Most replications a scenario may ask for. */
export const MAX_REPLICATIONS = 1000;
/** Highest (least urgent) priority level; 0 is the most urgent. */
export const MAX_PRIORITY_LEVEL = 4;

/**
 * Coefficients an agent gets when neither `agentModel` nor its own `model` sets them
 * (DESIGN.md section 5). A scenario that wants an ideal server sets the penalties to 0.
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

/** A distribution of a non-negative quantity: tokens, or seconds for deadlines. */
export const distributionSchema = z.discriminatedUnion('dist', [
  strict({ dist: z.literal('constant'), value: nonNegative }),
  strict({ dist: z.literal('exponential'), mean: positive }),
  strict({ dist: z.literal('lognormal'), mean: positive, sd: nonNegative }),
  strict({ dist: z.literal('uniform'), min: nonNegative, max: nonNegative }),
]);

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
  serviceTimeCv: nonNegative.optional(),
});

/**
 * One `agents` entry: a single agent (`id`) or a pool (`pool` + `count`). Which of the two it
 * is gets checked in normalize.ts, where the message can say exactly what is missing.
 */
export const agentEntrySchema = strict({
  id: z.string().min(1).optional(),
  pool: z.string().min(1).optional(),
  count: z.int().min(1).max(MAX_POOL_SIZE).optional(),
  capacity: z.int().min(1).default(1),
  speed: positive,
  skills: z.record(z.string(), share).default({}),
  weight: positive.optional(),
  tags: z.array(z.string().min(1)).default([]),
  contextWindow: z.int().positive().optional(),
  failureRate: share.default(0),
  model: agentModelSchema.optional(),
});

/** Engine settings; names follow the file format, normalize.ts maps them to EngineConfig. */
export const engineSchema = strict({
  binding: z.enum(['late', 'early']).default('late'),
  queue: strict({
    maxDepth: z.int().min(1).optional(),
    overflow: z.enum(['reject', 'shed-lowest']).default('reject'),
    dispatchScanLimit: z.int().min(1).default(256),
  }).prefault({}),
  retry: strict({
    maxRetries: z.int().min(0).default(3),
    backoff: strict({
      base: nonNegative.default(1),
      factor: z.number().min(1).default(2),
      jitter: share.default(0.1),
      max: nonNegative.default(300),
    }).prefault({}),
  }).prefault({}),
  settledMemory: z.int().min(0).optional(),
});

/** How generated tasks arrive. */
export const arrivalsSchema = z.discriminatedUnion('process', [
  strict({ process: z.literal('poisson'), rate: positive }),
  strict({ process: z.literal('mmpp'), rates: z.tuple([nonNegative, nonNegative]), dwell: z.tuple([positive, positive]) }),
  strict({ process: z.literal('none') }),
]);

/** A fixed level, or a map level → probability (keys are checked in normalize.ts). */
const prioritySchema = z.union([priorityLevel, z.record(z.string(), share)]);

/** One task type of the generated mix. */
export const taskTypeSchema = strict({
  type: z.string().min(1),
  weight: positive.default(1),
  tokens: z.union([positive, distributionSchema]),
  contextTokens: nonNegative.default(0),
  contextKeys: strict({ count: z.int().min(1).max(MAX_CONTEXT_KEYS), zipf: nonNegative.default(1) }).optional(),
  priority: prioritySchema.default(2),
  deadline: distributionSchema.optional(),
  timeout: positive.optional(),
  ttl: positive.optional(),
  maxRetries: z.int().min(0).optional(),
});

/**
 * A job listed by hand. `tokens` may be 0: a zero-work job is a join point in a DAG.
 */
export const jobSchema = strict({
  id: z.string().min(1),
  at: nonNegative,
  type: z.string().min(1),
  tokens: nonNegative,
  priority: priorityLevel.default(2),
  contextKey: z.string().min(1).optional(),
  contextTokens: nonNegative.default(0),
  deadline: positive.optional(),
  dependsOn: z.array(z.string().min(1)).default([]),
  timeout: positive.optional(),
  ttl: positive.optional(),
  maxRetries: z.int().min(0).optional(),
});

/** The workload: generated arrivals plus hand-listed jobs. */
export const workloadSchema = strict({
  arrivals: arrivalsSchema.optional(),
  tasks: z.array(taskTypeSchema).default([]),
  jobs: z.array(jobSchema).default([]),
});

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

/** A whole scenario file. Field order here is the order in which errors are reported. */
export const scenarioFileSchema = strict({
  name: z.string().min(1),
  description: z.string().default(''),
  seed: z.int().min(0).default(1),
  replications: z.int().min(1).max(MAX_REPLICATIONS).default(5),
  warmup: strict({ time: nonNegative.optional(), tasks: z.int().min(0).optional() }).optional(),
  stop: strict({ time: positive.optional(), tasks: z.int().min(1).optional(), drain: z.boolean().optional() }).optional(),
  engine: engineSchema.prefault({}),
  agentModel: agentModelSchema.optional(),
  agents: z.array(agentEntrySchema).min(1),
  workload: workloadSchema,
  strategies: z.array(strategyEntrySchema).min(1),
  regress: regressSchema.prefault({}),
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
/** The workload section after schema validation. */
export type WorkloadEntry = z.output<typeof workloadSchema>;
/** One `strategies` entry after schema validation. */
export type StrategyEntry = z.output<typeof strategyEntrySchema>;
/** The regress section after schema validation. */
export type RegressEntry = z.output<typeof regressSchema>;
