/**
 * From a parsed file (any JSON-like value) to the frozen, fully specified {@link Scenario}:
 * schema validation, the defaults that depend on other fields, cross-field checks, then
 * command-line overrides. Every mistake is an {@link InputError} naming the field path.
 */
import type { EngineConfig } from '../engine/config.js';
import { checkWorkBudget } from './budget.js';
import { MAX_RECENT_INTERVALS } from '../metrics/recentMetrics.js';
import { InputError, didYouMean } from './errors.js';
import { buildAgents } from './agents.js';
import { MAX_REPLICATIONS, MAX_SEED, scenarioFileSchema, type ScenarioFile } from './schema.js';
import { buildColdStarts, buildOperations } from './operations.js';
import { buildRegressPolicy } from './regress.js';
import { resolveStrategies } from './strategies.js';
import { parseStrategySpecs, strategiesFromSpecs, type StrategySpec } from './strategySpec.js';
import type { LiveConfig, Scenario, ScenarioJob, StrategyChoice, WorkloadConfig } from './types.js';
import { buildTargetPolicy } from './targets.js';
import { buildWorkload, checkJobsBeforeStop, checkTaskRouting, checkWorkflowsEnd, workloadTypes } from './workload.js';
import { describeValue, parseWith } from './zodIssues.js';

/**
 * Settled task ids remembered when jobs declare dependencies: enough that a job listed after a
 * long stream of generated tasks still finds the job it waits for.
 */
export const SETTLED_MEMORY_WITH_DEPENDENCIES = 1_000_000;

/** Command-line overrides of a scenario's fields (`--seed`, `--replications`, `--strategy`). */
export interface ScenarioOverrides {
  /** Replaces `seed`; an integer 0..{@link MAX_SEED}. */
  readonly seed?: number;
  /** Replaces `replications`; an integer 1..1000. */
  readonly replications?: number;
  /**
   * Replaces the `strategies` list: `--strategy` specs (`name` or `name{key=value,…}`, see
   * src/scenario/strategySpec.ts). A bare name keeps the file's variants of that strategy.
   */
  readonly strategies?: readonly string[];
  /** `--allow-huge`: run even when a run would exceed the work budget of ./budget.ts. */
  readonly allowHuge?: boolean;
}

/**
 * Validates `raw` (a parsed YAML or JSON document) and returns the deeply frozen scenario.
 * @param file - where `raw` came from, for messages and `Scenario.source`
 * @throws InputError for the first mistake found, in file order where possible
 */
export function normalizeScenario(raw: unknown, file: string, overrides: ScenarioOverrides = {}): Scenario {
  const overrideStrategies = checkOverrides(overrides, file);
  const parsed = parseWith(scenarioFileSchema, raw, file);
  const workload = buildWorkload(parsed.workload, file);
  const { warmup, stop } = buildRunLimits(parsed, workload, file);
  checkJobsBeforeStop(workload.jobs, stop.timeSeconds, file);
  checkWorkflowsEnd(workload.workflows, stop, parsed.stop !== undefined, file);
  const types = workloadTypes(workload);
  const agents = buildAgents(parsed.agents, parsed.agentModel, types, file);
  checkTaskRouting(workload, agents, file);
  // The file's own list is checked even when overridden: an invalid file stays invalid.
  const fileStrategies = resolveStrategies(parsed.strategies, file);
  const strategies = overrideStrategies === undefined ? fileStrategies : strategiesFromSpecs(overrideStrategies, fileStrategies);
  const scenario: Scenario = {
    name: parsed.name,
    description: parsed.description,
    source: file,
    seed: overrides.seed ?? parsed.seed,
    replications: overrides.replications ?? parsed.replications,
    warmup,
    stop,
    engine: buildEngine(parsed.engine, workload.jobs, file),
    agents,
    workload,
    strategies,
    operations: buildOperations(parsed.operations, agents, types, workload, stop.timeSeconds, file),
    coldStartSeconds: buildColdStarts(parsed.engine.autoscale, agents, file),
    regress: buildRegressPolicy(parsed.regress, workload, file),
    targets: buildTargetPolicy(parsed.targets, fileStrategies, workload, file),
    live: buildLive(parsed.live, fileStrategies, file),
  };
  if (scenario.engine.delegation.claim === 'first-fit' && scenario.engine.binding !== 'late') {
    throw new InputError(file, 'engine.delegation.claim', 'first-fit claiming needs binding: late (agents claim from the pool)');
  }
  if (overrides.allowHuge !== true) checkWorkBudget(scenario, file);
  return deepFreeze(scenario);
}

/**
 * Flags are checked before the file, so a bad flag is reported however broken the file is.
 * Returns the `--strategy` specs, parsed and validated, when given.
 */
function checkOverrides(overrides: ScenarioOverrides, file: string): StrategySpec[] | undefined {
  const { seed, replications, strategies } = overrides;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0 && seed <= MAX_SEED)) {
    throw new InputError(file, '--seed', `expected an integer 0..${MAX_SEED}, got ${describeValue(seed)}`);
  }
  if (replications !== undefined && !(Number.isInteger(replications) && replications >= 1 && replications <= MAX_REPLICATIONS)) {
    throw new InputError(file, '--replications', `expected an integer 1..${MAX_REPLICATIONS}, got ${describeValue(replications)}`);
  }
  return strategies === undefined ? undefined : parseStrategySpecs(strategies, file);
}

/**
 * Warm-up and stop. Unset limits become Infinity; `drain` defaults to false when a time limit
 * is given (measure a steady state up to it) and to true when only a task count is.
 */
function buildRunLimits(parsed: ScenarioFile, workload: WorkloadConfig, file: string): Pick<Scenario, 'warmup' | 'stop'> {
  const generates = workload.arrivals.process !== 'none';
  const trace = workload.trace;
  const warmupEntry = parsed.warmup;
  if (warmupEntry !== undefined && warmupEntry.time === undefined && warmupEntry.tasks === undefined) {
    throw new InputError(file, 'warmup', 'expected time (seconds) or tasks (a count of submitted tasks)');
  }
  const warmup = { timeSeconds: warmupEntry?.time ?? 0, tasks: warmupEntry?.tasks ?? 0 };
  const stopEntry = parsed.stop;
  if (stopEntry === undefined) {
    // Listed jobs alone end by themselves; an arrival process never does.
    if (generates) throw new InputError(file, 'stop', 'required: expected time (seconds) or tasks (a count of generated tasks), or both');
    if (trace !== undefined && trace.loop === Infinity) throw new InputError(file, 'stop.time', 'required: workload.trace.loop: true replays the trace without end');
    return { warmup, stop: { timeSeconds: Infinity, tasks: Infinity, drain: true } };
  }
  if (stopEntry.time === undefined && stopEntry.tasks === undefined && trace !== undefined && !generates) {
    if (stopEntry.drain === false) throw new InputError(file, 'stop.drain', 'drain: false needs stop.time (without a time limit the run always drains)');
    if (trace.loop === Infinity) throw new InputError(file, 'stop.time', 'required: workload.trace.loop: true replays the trace without end');
    // The trace ends by itself: the run drains once it is exhausted.
    return { warmup, stop: { timeSeconds: Infinity, tasks: Infinity, drain: true } };
  }
  if (stopEntry.time === undefined && stopEntry.tasks === undefined) {
    throw new InputError(file, 'stop', 'expected time (seconds) or tasks (a count of generated tasks), or both');
  }
  if (stopEntry.tasks !== undefined && !generates) {
    throw new InputError(file, 'stop.tasks', 'counts generated tasks, but workload.arrivals is absent: use stop.time or remove stop');
  }
  if (stopEntry.time === undefined && stopEntry.drain === false) {
    throw new InputError(file, 'stop.drain', 'drain: false needs stop.time (without a time limit the run always drains)');
  }
  const stop = { timeSeconds: stopEntry.time ?? Infinity, tasks: stopEntry.tasks ?? Infinity, drain: stopEntry.drain ?? stopEntry.time === undefined };
  if (warmupEntry?.time !== undefined && warmup.timeSeconds >= stop.timeSeconds) {
    throw new InputError(file, 'warmup.time', `expected less than stop.time (${stop.timeSeconds} s), got ${warmup.timeSeconds}: nothing would be measured`);
  }
  if (warmupEntry?.tasks !== undefined && warmup.tasks >= stop.tasks) {
    throw new InputError(file, 'warmup.tasks', `expected less than stop.tasks (${stop.tasks}), got ${warmup.tasks}: nothing would be measured`);
  }
  return { warmup, stop };
}

/** The file's engine section under EngineConfig's names, with the dependent default applied. */
function buildEngine(entry: ScenarioFile['engine'], jobs: readonly ScenarioJob[], file: string): EngineConfig {
  const { backoff } = entry.retry;
  // Weights steer the fair order only: asked for without it, they would silently do nothing.
  if (entry.queue.tenantWeights !== undefined && entry.queue.order !== 'fair') {
    const order = entry.queue.order === undefined ? 'not set' : JSON.stringify(entry.queue.order);
    throw new InputError(file, 'engine.queue.tenantWeights', `weights apply under the fair queue order only: set engine.queue.order: fair (it is ${order})`);
  }
  const hasDependencies = jobs.some((job) => job.dependsOn.length > 0);
  return {
    binding: entry.binding,
    queue: {
      maxDepth: entry.queue.maxDepth ?? Infinity,
      overflow: entry.queue.overflow,
      dispatchScanLimit: entry.queue.dispatchScanLimit,
      ...(entry.queue.order === undefined ? {} : { order: entry.queue.order }),
      ...(entry.queue.tenantWeights === undefined ? {} : { tenantWeights: entry.queue.tenantWeights }),
    },
    retry: {
      maxRetries: entry.retry.maxRetries,
      backoff: { baseSeconds: backoff.base, factor: backoff.factor, jitter: backoff.jitter, maxSeconds: backoff.max },
      minQuality: entry.retry.minQuality,
    },
    delegation: {
      mode: entry.delegation.mode,
      claim: entry.delegation.claim,
      offerTimeoutSeconds: entry.delegation.offerTimeout ?? Infinity,
      maxOffers: entry.delegation.maxOffers,
    },
    dependencies: { onFailure: entry.dependencies.onFailure },
    failureMemory: { seconds: entry.failureMemory.seconds, maxEntries: entry.failureMemory.maxEntries },
    preemption: entry.preemption,
    ingress: entry.ingress === undefined ? { ratePerSecond: Infinity, burst: 1 } : { ratePerSecond: entry.ingress.rate, burst: entry.ingress.burst },
    autoscale: entry.autoscale.map((scaler) => ({
      pool: scaler.pool,
      minAgents: scaler.min,
      maxAgents: scaler.max,
      scaleUpUtilization: scaler.scaleUpUtilization,
      scaleDownUtilization: scaler.scaleDownUtilization,
      cooldownSeconds: scaler.cooldown,
      intervalSeconds: scaler.interval,
    })),
    settledMemory: entry.settledMemory ?? (hasDependencies ? SETTLED_MEMORY_WITH_DEPENDENCIES : 0),
  };
}

/** The live section, its strategy checked against the scenario's (by label). */
function buildLive(entry: ScenarioFile['live'], strategies: readonly StrategyChoice[], file: string): LiveConfig {
  const labels = strategies.map((strategy) => strategy.label);
  const strategy = entry.strategy ?? labels[0]!;
  if (!labels.includes(strategy)) {
    throw new InputError(file, 'live.strategy', `expected one of the scenario's strategies (${labels.join(', ')}), got ${JSON.stringify(strategy)}${didYouMean(strategy, labels)}`);
  }
  const { metricsIntervalSeconds, metricsWindowSeconds } = entry;
  if (Math.ceil(metricsWindowSeconds / metricsIntervalSeconds) > MAX_RECENT_INTERVALS) {
    throw new InputError(file, 'live.metricsWindowSeconds', `expected at most ${MAX_RECENT_INTERVALS} intervals of live.metricsIntervalSeconds (${metricsIntervalSeconds} s), got ${metricsWindowSeconds} s (${Math.ceil(metricsWindowSeconds / metricsIntervalSeconds)} intervals)`);
  }
  return { ...entry, strategy };
}

/**
 * Freezes `value` and everything reachable from it (shared and cyclic references included).
 *
 * Children are frozen before their parent, so a frozen object is one whose whole tree is
 * frozen, and a shared one is walked once: `Object.isFrozen` is the visited mark. A cycle is
 * cut by the path of objects being frozen (a few deep). Before, a `Set` of every object visited
 * made most of the cost (0.3 s on a 100,000-agent fleet). An object frozen elsewhere is taken as
 * frozen with everything in it: the scenario shares only such constants (`DEFAULT_AGENT_MODEL`),
 * all of numbers.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) freezeTree(value, []);
  return value;
}

function freezeTree(value: object, path: object[]): void {
  if (Object.isFrozen(value) || path.includes(value)) return;
  path.push(value);
  if (Array.isArray(value)) {
    for (const child of value as unknown[]) if (typeof child === 'object' && child !== null) freezeTree(child, path);
  } else {
    // for…in rather than Object.keys: no array of keys per object (200,000 of them for
    // 100,000 agents). The scenario's objects are plain, so it visits the same own keys.
    for (const key in value) {
      const child = (value as Readonly<Record<string, unknown>>)[key];
      if (typeof child === 'object' && child !== null) freezeTree(child, path);
    }
  }
  path.pop();
  Object.freeze(value);
}
