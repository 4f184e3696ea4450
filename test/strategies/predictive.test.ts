/**
 * predictive: learns the recent mix and pre-warms agents that fall idle with the contexts it
 * expects next, so that later tasks find them resident.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runExperiment, type ExperimentResult } from '../../src/experiments/runResult.js';
import { findStrategy } from '../../src/strategies/index.js';
import { Harness, OK } from '../support/harness.js';
import { pairedGain } from '../support/paired.js';

function predictive(params: Record<string, unknown> = {}) {
  const definition = findStrategy('predictive')!;
  return definition.create(definition.params.parse(params));
}

describe('predictive pre-warming', () => {
  it('pre-warms an agent that falls idle with the most frequent recent key of the type it is skilled for', () => {
    const h = new Harness({
      strategy: predictive({ minSkill: 0.5 }),
      agents: [{ id: 'coder', skills: { code: 1, review: 0.1 } }],
    });
    // Recent mix: review is the most frequent type, but the agent is not skilled for it; among
    // code keys, `repo-b` is the most frequent.
    const mix = [['review', 'doc-1'], ['review', 'doc-1'], ['review', 'doc-2'], ['code', 'repo-a'], ['code', 'repo-b'], ['code', 'repo-b']];
    mix.forEach(([type, key], i) => h.submit({ id: `t${i}`, type, contextKey: key, contextTokens: 700 }));
    h.runUntilQuiet(OK);
    const prewarms = h.commandsOf('prewarm');
    expect(prewarms.length).toBeGreaterThan(0);
    expect(prewarms.at(-1)).toMatchObject({ agentId: 'coder', contextKey: 'repo-b', contextTokens: 700 });
    expect(h.eventsOf('prewarm')).toHaveLength(prewarms.length);
    h.assertAll();
  });

  it('does not pre-warm an agent with work left, nor when it has learned nothing', () => {
    const h = new Harness({ strategy: predictive(), config: { binding: 'early' }, agents: [{ id: 'a', skills: { code: 1 } }] });
    h.submit({ id: 'no-key' });
    h.submit({ id: 'second', contextKey: 'k', contextTokens: 10 });
    h.drive();
    h.finish('no-key', OK);
    h.drive();
    // `second` starts at once from a's queue: a never fell idle.
    expect(h.commandsOf('prewarm')).toHaveLength(0);
    h.runUntilQuiet(OK);
    expect(h.commandsOf('prewarm')).toHaveLength(1);
    h.assertAll();
  });
});

describe('predictive against round-robin on a recurring mix at moderate load', () => {
  // Four agents whose windows hold about three contexts; keys recur (Zipf 1.2 over 12 keys) and
  // agents are idle 60% of the time, so there is time to load what comes next.
  const scenario = parseScenario(`
name: predictive-check
seed: 11
replications: 10
warmup: { tasks: 100 }
stop: { tasks: 1500 }
agents:
  - { pool: coder, count: 4, capacity: 1, speed: 100, skills: { code: 1 }, contextWindow: 30000 }
workload:
  arrivals: { process: poisson, rate: 0.08 }
  tasks:
    - { type: code, tokens: { dist: exponential, mean: 1000 }, contextTokens: 8000, contextKeys: { count: 12, zipf: 1.2 } }
strategies: [round-robin, predictive]`, 'predictive-check.yaml');
  let result: ExperimentResult;
  beforeAll(async () => { result = await runExperiment(scenario, { workers: 1 }); });

  it('finds contexts resident more often, beyond the paired 95% confidence half-width', () => {
    const gain = pairedGain(result, 'predictive', 'round-robin', (m) => m.contextHitRate);
    expect(gain.mean, JSON.stringify(gain)).toBeGreaterThan(gain.halfWidth);
  });

  it('cuts mean latency, beyond the paired 95% confidence half-width', () => {
    const gain = pairedGain(result, 'round-robin', 'predictive', (m) => m.latency.mean);
    expect(gain.mean, JSON.stringify(gain)).toBeGreaterThan(gain.halfWidth);
  });
});
