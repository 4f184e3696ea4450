/**
 * RemoteAgentModel: the simulator's agent model behind a wire spec, times divided by the speedup:
 * the same plan (setup, context hit, outcome) as a SimAgent in the same state, its duration ÷ K;
 * for a trace's task as the wire carries it, the same blocks hit of its prompt prefix, and every
 * attempt of a request the trace records as failed fails.
 */
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../../src/engine/agent.js';
import type { TaskSpec, TaskView } from '../../../src/engine/task.js';
import { RemoteAgentModel } from '../../../src/live/clients/remoteAgentModel.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { SimAgent } from '../../../src/sim/agentModel.js';
import { outcomeStreams } from '../../../src/sim/random.js';

const scenario = parseScenario(`
name: model
seed: 5
agentModel: { serviceTimeCv: 0.5, qualityNoise: 0.1, offerResponseSeconds: 2, rejectBase: 0.3 }
agents: [{ id: a, capacity: 2, speed: 50, skills: { code: 0.7 }, contextWindow: 10000, failureRate: 0.2 }]
workload: { jobs: [{ id: j, at: 0, type: code, tokens: 1 }] }
strategies: [least-connections]`, 'model.yaml');
const config = scenario.agents[0]!;

function spec(n: number): TaskSpec {
  return { id: `t${n}`, type: 'code', priority: 2, tokens: 100 + 37 * n, contextKey: `k${n % 3}`, contextTokens: 400 };
}

function view(task: TaskSpec, attempt: number): TaskView {
  return { spec: task, state: 'running', seq: 0, submittedAt: 0, attempt, agentIndex: 0, startedAt: 0, failureReason: undefined, priority: 2, offers: 0, rejectionReason: undefined };
}

function agentView(sim: SimAgent, active: number): AgentView {
  return {
    spec: config.spec, index: 0, accepting: true, draining: false, paused: 0, active, queued: 0, outstandingTokens: 0,
    contextUtilization: sim.utilization(), residentKeys: new Set(), observedAt: 0, completed: 0,
  };
}

describe('RemoteAgentModel', () => {
  it('plans each attempt as the simulator does, its duration divided by the speedup', () => {
    for (const speedup of [1, 200]) {
      const remote = new RemoteAgentModel(config, outcomeStreams(scenario.seed, 0), speedup);
      const sim = new SimAgent(config);
      const streams = outcomeStreams(scenario.seed, 0);
      let failures = 0;
      for (let n = 0; n < 40; n++) {
        const attempt = 1 + (n % 2);
        const expected = sim.begin(view(spec(n), attempt), agentView(sim, 1), attempt, streams);
        const plan = remote.plan(spec(n), attempt, 1);
        expect(plan.durationMs).toBeCloseTo((expected.durationSeconds * 1000) / speedup, 9);
        expect({ setup: plan.setupTokens, hit: plan.contextHit, outcome: plan.outcome })
          .toEqual({ setup: expected.setupTokens, hit: expected.contextHit, outcome: expected.outcome });
        if (!plan.outcome.ok) failures++;
      }
      // The seeded streams are in use: some attempts fail, most do not.
      expect(failures).toBeGreaterThan(0);
      expect(failures).toBeLessThan(40);
    }
  });

  it('answers an offer from the offer stream the simulator uses for the first offer, after offerResponseSeconds ÷ K', () => {
    const remote = new RemoteAgentModel(config, outcomeStreams(scenario.seed, 0), 100);
    const sim = new SimAgent(config);
    const streams = outcomeStreams(scenario.seed, 0);
    for (let n = 0; n < 30; n++) {
      const expected = sim.answerOffer(view(spec(n), 0), agentView(sim, 1), 1, streams);
      const reply = remote.answerOffer(spec(n), 1);
      expect(reply).toEqual({ answer: expected.answer, setupTokens: expected.setupTokens, delayMs: 20, delaySeconds: 2 });
    }
  });

  it('answers from the stream of the engine\'s offer number when the transport carries it (a broadcast\'s later offers), under the engine\'s slot count', () => {
    const remote = new RemoteAgentModel(config, outcomeStreams(scenario.seed, 0), 1);
    const sim = new SimAgent(config);
    const streams = outcomeStreams(scenario.seed, 0);
    const answers = (model: (n: number, offer: number) => unknown): unknown[] => Array.from({ length: 40 }, (_, n) => model(n, 1 + (n % 4)));
    const expected = answers((n, offer) => sim.answerOffer(view(spec(n), 0), agentView(sim, 2), offer, streams).answer);
    expect(answers((n, offer) => remote.answerOffer(spec(n), 2, offer).answer)).toEqual(expected);
    // Counted by the agent itself, every offer of a task it receives first is its offer 1: other draws.
    expect(answers((n) => new RemoteAgentModel(config, outcomeStreams(scenario.seed, 0), 1).answerOffer(spec(n), 2).answer)).not.toEqual(expected);
  });

  it('plans a trace task received over the wire as the simulator does: blocks hit of its prompt prefix, and traceFailed fails every attempt', () => {
    const remote = new RemoteAgentModel(config, outcomeStreams(scenario.seed, 0), 10);
    const sim = new SimAgent(config);
    const streams = outcomeStreams(scenario.seed, 0);
    let hits = 0;
    for (let n = 0; n < 30; n++) {
      // Conversations of three turns: each turn's prompt extends the last one's.
      const conversation = n % 5;
      const blocks = [0, 100 + conversation, ...Array.from({ length: n % 3 }, (_, i) => 200 + conversation * 10 + i)];
      const task: TaskSpec = {
        id: `r${n}`, type: 'code', priority: 2, tokens: 50, contextTokens: blocks.length * 64, contextKey: `block-${blocks[1]}`, contextBlocks: blocks, contextBlockTokens: 64,
        ...(n % 4 === 0 ? { traceFailed: true, maxRetries: 0 } : {}),
      };
      const wire = JSON.parse(JSON.stringify(task)) as TaskSpec;
      const expected = sim.begin(view(task, 1), agentView(sim, 1), 1, streams);
      const plan = remote.plan(wire, 1, 1);
      expect({ setup: plan.setupTokens, blocksHit: plan.contextBlocksHit, outcome: plan.outcome })
        .toEqual({ setup: expected.setupTokens, blocksHit: expected.contextBlocksHit, outcome: expected.outcome });
      if (task.traceFailed === true) expect(plan.outcome.ok).toBe(false);
      hits += plan.contextBlocksHit!;
    }
    // Shared leading blocks were resident for later turns.
    expect(hits).toBeGreaterThan(0);
  });

  it('refuses a speedup that is not a positive number', () => {
    expect(() => new RemoteAgentModel(config, outcomeStreams(1, 0), 0)).toThrow(/speedup/);
    expect(() => new RemoteAgentModel(config, outcomeStreams(1, 0), Number.NaN)).toThrow(/speedup/);
  });
});
