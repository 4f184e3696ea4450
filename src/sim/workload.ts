/**
 * Workload generation: when tasks arrive (Poisson or two-state MMPP) and what they are (type,
 * tokens, context key, priority, deadline). Each attribute draws from its own named stream, so
 * every strategy of a replication sees the same task stream, and changing one attribute's
 * configuration leaves the others' draws unchanged.
 */
import type { TaskSpec } from '../engine/task.js';
import type { ArrivalProcess, ScenarioJob, TaskTypeConfig, WorkloadConfig } from '../scenario/types.js';
import { ZipfSampler, exponential, sampler } from './distributions.js';
import { stream, type Uniform } from './random.js';
import { SequentialIds } from './sequentialIds.js';

/** Generates arrival times, one after another. */
export interface ArrivalClock {
  /** Time of the next arrival after `now` (Infinity when none will come). */
  next(now: number): number;
}

/** An arrival clock for `process`, drawing from `random`. */
export function arrivalClock(process: ArrivalProcess, random: Uniform): ArrivalClock {
  switch (process.process) {
    case 'none':
      return { next: () => Number.POSITIVE_INFINITY };
    case 'poisson': {
      const mean = 1 / process.ratePerSecond;
      return { next: (now) => now + exponential(random, mean) };
    }
    case 'mmpp':
      return new MmppClock(process.ratesPerSecond, process.meanDwellSeconds, random);
    default: {
      const unreachable: never = process;
      throw new Error(`unknown arrival process ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Two-state Markov-modulated Poisson process. Starts calm (state 0). Because exponential gaps
 * are memoryless, a gap that would cross a state switch is simply redrawn from the switch.
 */
class MmppClock implements ArrivalClock {
  private state = 0;
  private switchAt: number;

  constructor(
    private readonly rates: readonly [number, number],
    private readonly dwell: readonly [number, number],
    private readonly random: Uniform,
  ) {
    this.switchAt = exponential(random, dwell[0]);
  }

  next(now: number): number {
    let t = now;
    // Bring the modulating chain up to `now` when asked from past its next switch.
    while (this.switchAt <= t) {
      this.state = 1 - this.state;
      this.switchAt += exponential(this.random, this.dwell[this.state]!);
    }
    for (let guard = 0; guard < 1_000_000; guard++) {
      const rate = this.rates[this.state]!;
      const candidate = rate > 0 ? t + exponential(this.random, 1 / rate) : Number.POSITIVE_INFINITY;
      if (candidate <= this.switchAt) return candidate;
      t = this.switchAt;
      this.state = 1 - this.state;
      this.switchAt = t + exponential(this.random, this.dwell[this.state]!);
    }
    throw new Error('MMPP produced no arrival in a million state switches');
  }
}

/** A task type with its samplers built once. */
export interface PreparedType {
  /** The task type as configured. */
  readonly config: TaskTypeConfig;
  /** Draws a task's work, tokens. */
  readonly tokens: (random: Uniform) => number;
  /** Draws a relative deadline, seconds; undefined when the type has none. */
  readonly deadline: ((random: Uniform) => number) | undefined;
  /** Draws a context key's index with Zipf popularity; undefined when the type has no keys. */
  readonly keys: ZipfSampler | undefined;
  /** Context key names, by index. */
  readonly keyNames: readonly string[];
  /** The type's tags, or undefined when it has none (so untagged tasks skip every tag check). */
  readonly tags: readonly string[] | undefined;
  /**
   * The priority levels, copied out of the frozen scenario: V8 leaves an indexed read of a
   * frozen array to a generic lookup, and this one runs once per generated task.
   */
  readonly priorities: readonly { readonly level: number; readonly probability: number }[];
  /** No timeout, ttl, retry limit, tags, assignee or tenant: its tasks' specs need none of those fields. */
  readonly plain: boolean;
}

/**
 * Task types drawn by weight, each prepared once: the generated mix here, and a workflow's node
 * mix (src/sim/workflows.ts), so that both draw types, and priorities ({@link pickPriority}), alike.
 */
export class TypeMix {
  /** The types, in configuration order. */
  readonly types: readonly PreparedType[];
  private readonly cumulativeWeight: Float64Array;

  /** @param configs - the types (none when nothing is generated). */
  constructor(configs: readonly TaskTypeConfig[]) {
    this.types = configs.map(prepare);
    this.cumulativeWeight = new Float64Array(this.types.length);
    let total = 0;
    this.types.forEach((t, i) => (this.cumulativeWeight[i] = total += t.config.weight));
    for (let i = 0; i < this.types.length; i++) this.cumulativeWeight[i]! /= total;
  }

  /** A type by weight; draws from `mix` only when there are several. */
  pick(mix: Uniform): PreparedType {
    const types = this.types;
    if (types.length === 1) return types[0]!;
    const u = mix();
    for (let i = 0; i < types.length - 1; i++) if (u < this.cumulativeWeight[i]!) return types[i]!;
    return types[types.length - 1]!;
  }
}

/** A priority level of `type` by probability; draws from `random` only when it has several. */
export function pickPriority(type: PreparedType, random: Uniform): number {
  const levels = type.priorities;
  if (levels.length === 1) return levels[0]!.level;
  let u = random();
  for (const { level, probability } of levels) {
    if (u < probability) return level;
    u -= probability;
  }
  return levels[levels.length - 1]!.level;
}

/** Draws the attributes of generated tasks. */
export class TaskFactory {
  private readonly mix: TypeMix;
  private readonly streams: Record<'mix' | 'tokens' | 'keys' | 'priority' | 'deadline', Uniform>;
  private readonly ids = new SequentialIds('t');

  /** @param workload - the mix; @param seed, replication - which streams to draw from. */
  constructor(workload: WorkloadConfig, seed: number, replication: number) {
    this.mix = new TypeMix(workload.taskTypes);
    this.streams = {
      mix: stream(seed, replication, 'mix'),
      tokens: stream(seed, replication, 'tokens'),
      keys: stream(seed, replication, 'keys'),
      priority: stream(seed, replication, 'priority'),
      deadline: stream(seed, replication, 'deadline'),
    };
  }

  /** The `n`-th generated task (id `t<n>`), arriving at `now`. */
  create(n: number, now: number): TaskSpec {
    const type = this.mix.pick(this.streams.mix);
    const config = type.config;
    const key = type.keys === undefined ? undefined : type.keyNames[type.keys.draw(this.streams.keys)];
    const id = this.ids.idOf(n);
    const priority = pickPriority(type, this.streams.priority);
    const tokens = type.tokens(this.streams.tokens);
    const deadline = type.deadline === undefined ? undefined : now + type.deadline(this.streams.deadline);
    const { contextTokens, timeoutSeconds, ttlSeconds, maxRetries } = config;
    // Fields only when the task has them: most tasks are plain, a spec is built per task on the
    // hot path and lives while the task is in flight (each field is 8 bytes a task). An absent
    // field reads as the undefined it would hold.
    if (type.plain && key === undefined && deadline === undefined) return { id, type: config.type, priority, tokens, contextTokens };
    if (type.tags === undefined && config.assignee === undefined && config.tenant === undefined) {
      return { id, type: config.type, priority, tokens, contextKey: key, contextTokens, deadline, timeoutSeconds, ttlSeconds, maxRetries };
    }
    return {
      id, type: config.type, priority, tokens, contextKey: key, contextTokens, deadline, timeoutSeconds, ttlSeconds, maxRetries,
      tags: type.tags, assignee: config.assignee, tenant: config.tenant,
    };
  }
}

function prepare(config: TaskTypeConfig): PreparedType {
  const keyCount = config.contextKeys?.count ?? 0;
  return {
    config,
    tokens: sampler(config.tokens),
    deadline: config.deadline === undefined ? undefined : sampler(config.deadline),
    keys: config.contextKeys === undefined ? undefined : new ZipfSampler(keyCount, config.contextKeys.zipf),
    keyNames: Array.from({ length: keyCount }, (_, k) => `${config.type}-${k}`),
    tags: config.tags.length === 0 ? undefined : config.tags,
    priorities: [...config.priority],
    plain: config.timeoutSeconds === undefined && config.ttlSeconds === undefined && config.maxRetries === undefined &&
      config.tags.length === 0 && config.assignee === undefined && config.tenant === undefined,
  };
}

/** The engine submission for a hand-listed job. */
export function jobTask(job: ScenarioJob): TaskSpec {
  return {
    id: job.id,
    type: job.type,
    priority: job.priority,
    tokens: job.tokens,
    contextKey: job.contextKey,
    contextTokens: job.contextTokens,
    deadline: job.deadlineSeconds === undefined ? undefined : job.atSeconds + job.deadlineSeconds,
    dependsOn: job.dependsOn,
    dependencyPolicy: Object.keys(job.dependencyPolicy).length === 0 ? undefined : job.dependencyPolicy,
    timeoutSeconds: job.timeoutSeconds,
    ttlSeconds: job.ttlSeconds,
    maxRetries: job.maxRetries,
    tags: job.tags.length === 0 ? undefined : job.tags,
    tenant: job.tenant,
    assignee: job.assignee,
  };
}
