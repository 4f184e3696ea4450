/**
 * A new engine generation in place: what a compaction does to the running engine, so that it
 * continues exactly as `restoreEngine(options, snapshot)` would, `snapshot` being the engine's
 * snapshot at that point and `options` the next generation's (a fresh strategy, generators
 * seeded for that generation, its sink and probe). A process that recovers from the snapshot
 * builds that restored engine; the process that compacted keeps its records, queues, indexes
 * and settled memory, and replaces only what comes with the options:
 *
 * - the strategy, its generator, the engine's generator, the event sink and the route probe;
 * - the steal index, which holds the old strategy's rules: rebuilt as a restore builds it, from
 *   the agents' queues and the hungry agents in their order (O(agents));
 * - the new strategy then hears of the fleet through its hooks, as after a restore.
 *
 * Everything else a restore builds otherwise is never observable, so it is left as it is:
 * queue entry numbers and the stale entries of lazy removal (only live entries are ever
 * visited or counted), the live index's slot layout (every walk of it sorts by submission
 * order or picks an extreme by it), the fair order's heap keys (corrected before any pick), the
 * tag index's cache, the output buffers' reused objects, and the settled tasks a snapshot
 * leaves out of the dependents, waiters and resumable lists (a settled dependent is skipped on
 * release, a task that is not paused and ready is skipped on resumption, and a waiter list only
 * ever becomes a dependents list). test/engine/generation.test.ts checks the equivalence, byte
 * for byte, on every library scenario and on random input sequences.
 *
 * May touch: `strategy`, `ctx.random`, `engineRandom`, `sink`, `routeProbe`, `stealIndex`.
 */
import type { EngineConfig } from './config.js';
import type { EngineOptions } from './engine.js';
import type { EngineState } from './engineState.js';

/** Moves `s` to the generation of `options` (see the module comment). Call it between inputs, outputs drained. */
export function advanceGeneration(s: EngineState, options: EngineOptions): void {
  if (options.config !== s.config && settingsText(options.config) !== settingsText(s.config)) {
    throw new Error('advanceGeneration: the next generation\'s config differs from this engine\'s (the engine keeps its settings)');
  }
  if (s.commandsRead < s.commandsWritten || s.eventsRead < s.eventsWritten) {
    throw new Error('advanceGeneration: commands or events are waiting to be polled (call it between inputs, outputs drained)');
  }
  if ((options.config.queue.order ?? options.strategy.queueOrder ?? 'fifo') !== s.queueOrder) {
    throw new Error(`advanceGeneration: the new strategy orders queues otherwise than ${s.queueOrder}`);
  }
  s.strategy = options.strategy;
  s.ctx.random = options.strategyRandom;
  s.engineRandom = options.engineRandom;
  s.sink = s.sinkOf(options);
  s.routeProbe = options.routeProbe;
  s.stealIndex = s.newStealIndex(options);
  introduceStrategy(s);
}

/** The settings as text to compare, infinities and NaN kept apart (JSON would write each as null). */
function settingsText(config: EngineConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}

/**
 * A new strategy (and steal index) learns the state: the steal index hears every agent's least
 * urgent queued task and the hungry agents in their order; the strategy hears of the fleet as if
 * the agents had joined in order (see `restoreEngine`). After a restore and after
 * {@link advanceGeneration}.
 */
export function introduceStrategy(s: EngineState): void {
  if (s.stealIndex !== undefined) {
    for (const agent of s.fleet.agents) s.stealIndex.queueChanged(agent, s.fleet.lastQueued(agent));
    for (const agent of s.hungry) s.stealIndex.hungry(agent);
  }
  const strategy = s.strategy;
  for (const agent of s.fleet.agents) strategy.onAgentJoined?.(agent, s.ctx);
  for (const agent of s.fleet.agents) if (agent.left) strategy.onAgentLeft?.(agent, s.ctx);
  for (const agent of s.fleet.agents) strategy.onAgentLoadChanged?.(agent, s.ctx);
}
