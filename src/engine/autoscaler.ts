/**
 * The autoscaling policy of one pool, as a pure decision: given the pool's state at an
 * evaluation, scale up, scale down or hold. The engine applies the decision (a `provision`
 * command, or draining an agent) and calls {@link PoolAutoscaler.acted}.
 */
import type { AutoscalerConfig } from './config.js';

/** The pool as the engine sees it at an evaluation. */
export interface PoolState {
  /** Agents in the pool that take work. */
  readonly accepting: number;
  /** Agents asked for that have not joined yet. */
  readonly provisioning: number;
  /** Agents draining (they count against the minimum no more). */
  readonly draining: number;
  /** Slots held and slots in all, over the accepting agents. */
  readonly busySlots: number;
  /** Slots over the accepting agents. */
  readonly totalSlots: number;
  /** Tasks waiting for an agent (the pool and agents' own queues). */
  readonly queuedTasks: number;
}

/** What the autoscaler decided. */
export type ScalingDecision = 'up' | 'down' | 'hold';

/** Throws unless the configuration is coherent. */
export function assertAutoscalerConfig(config: AutoscalerConfig): void {
  const where = `autoscaler of pool ${config.pool}`;
  if (!Number.isInteger(config.minAgents) || config.minAgents < 0) throw new Error(`${where}: minAgents must be an integer >= 0`);
  if (!Number.isInteger(config.maxAgents) || config.maxAgents < Math.max(1, config.minAgents)) throw new Error(`${where}: maxAgents must be an integer >= max(1, minAgents)`);
  if (!(config.scaleDownUtilization >= 0 && config.scaleDownUtilization < config.scaleUpUtilization && config.scaleUpUtilization <= 1)) {
    throw new Error(`${where}: expected 0 <= scaleDownUtilization < scaleUpUtilization <= 1`);
  }
  if (!(config.cooldownSeconds >= 0)) throw new Error(`${where}: cooldownSeconds must be >= 0`);
  if (!(config.intervalSeconds > 0)) throw new Error(`${where}: intervalSeconds must be > 0`);
}

/** One pool's scaler: thresholds on utilization, min/max, and a cooldown between actions. */
export class PoolAutoscaler {
  /** When it last acted (-Infinity: never); the cooldown runs from it. Set only by {@link PoolAutoscaler.acted} and restores. */
  lastActionAt = Number.NEGATIVE_INFINITY;

  /** @param config - checked with {@link assertAutoscalerConfig}. */
  constructor(readonly config: AutoscalerConfig) {
    assertAutoscalerConfig(config);
  }

  /**
   * The decision at `now`. Below the minimum it scales up and above the maximum down, whatever
   * the cooldown; otherwise it acts only once the cooldown since its last action has passed: up
   * when utilization is at or above the up threshold with work waiting or no free slot, down
   * when it is at or below the down threshold with nothing queued.
   */
  decide(now: number, pool: PoolState): ScalingDecision {
    const { minAgents, maxAgents, scaleUpUtilization, scaleDownUtilization, cooldownSeconds } = this.config;
    const size = pool.accepting + pool.provisioning;
    if (size < minAgents) return 'up';
    if (pool.accepting > maxAgents) return 'down';
    if (now < this.lastActionAt + cooldownSeconds) return 'hold';
    const utilization = pool.totalSlots === 0 ? (pool.queuedTasks > 0 ? 1 : 0) : pool.busySlots / pool.totalSlots;
    if (utilization >= scaleUpUtilization && size < maxAgents && (pool.queuedTasks > 0 || pool.busySlots === pool.totalSlots)) return 'up';
    if (utilization <= scaleDownUtilization && pool.queuedTasks === 0 && pool.accepting > Math.max(minAgents, 1) && pool.provisioning === 0) return 'down';
    return 'hold';
  }

  /** The engine carried out a decision at `now` (starts the cooldown). */
  acted(now: number): void {
    this.lastActionAt = now;
  }
}
