/**
 * The engine's state makes an agent's own queue only when a task is first routed to it: until
 * then every agent shares one empty queue, which stays empty.
 */
import { describe, expect, it } from 'vitest';
import { EngineState } from '../../src/engine/engineState.js';
import { agentJoined, agentLeft, submit } from '../../src/engine/inputs.js';
import { NO_QUEUE } from '../../src/engine/taskQueue.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from '../support/harness.js';

function stateBinding(binding: 'early' | 'late', strategy: string): EngineState {
  const s = new EngineState({ config: engineConfig({ binding }), strategy: createStrategy(strategy), strategyRandom: () => 0.5, engineRandom: () => 0.5 });
  for (const id of ['a0', 'a1', 'a2']) agentJoined(s, 0, agentSpec({ id, capacity: 1 }));
  return s;
}

describe('EngineState agent queues', () => {
  it('under late binding, every agent keeps the shared empty queue however many tasks run', () => {
    const s = stateBinding('late', 'least-connections');
    for (let i = 0; i < 5; i++) submit(s, i, taskSpec({ id: `t${i}` }));
    expect(s.fleet.agents.every((agent) => agent.active === 1)).toBe(true);
    expect(s.agentQueues).toHaveLength(3);
    expect(s.agentQueues.every((queue) => queue === NO_QUEUE)).toBe(true);
    expect(NO_QUEUE.size).toBe(0);
  });

  it('under early binding, an agent gets a queue of its own when a task is first queued for it, and keeps it', () => {
    const s = stateBinding('early', 'round-robin');
    // Three tasks start at once on the three agents; the next three wait in their queues.
    for (let i = 0; i < 6; i++) submit(s, 0, taskSpec({ id: `t${i}` }));
    const queued = s.fleet.agents.filter((agent) => agent.queued > 0).map((agent) => agent.index);
    expect(queued.length).toBeGreaterThan(0);
    for (const index of queued) {
      const own = s.agentQueues[index]!;
      expect(own).not.toBe(NO_QUEUE);
      expect(own.size).toBe(s.fleet.agents[index]!.queued);
      expect(s.ownQueue(index)).toBe(own);
    }
    expect(NO_QUEUE.size).toBe(0);
  });

  it('keeps the shared queue empty through stealing and an agent leaving with a queue', () => {
    const s = stateBinding('early', 'work-stealing');
    for (let i = 0; i < 9; i++) submit(s, 0, taskSpec({ id: `t${i}` }));
    agentLeft(s, 1, 'a1');
    agentJoined(s, 2, agentSpec({ id: 'a3', capacity: 2 }));
    expect(s.agentQueues[3]).toBe(NO_QUEUE); // the newcomer stole what it runs: nothing queued for it
    expect(NO_QUEUE.size).toBe(0);
    expect(s.fleet.agents.reduce((sum, agent) => sum + agent.queued, 0)).toBe(s.fleet.queuedTasks);
  });
});
