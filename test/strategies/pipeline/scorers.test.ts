/**
 * The pipeline's scorers, each as documented in src/strategies/pipeline/scorers.ts, and the
 * two learning ones (src/strategies/pipeline/learnedScorers.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../../src/engine/agent.js';
import type { Outcome } from '../../../src/engine/messages.js';
import type { Binding } from '../../../src/engine/strategy.js';
import type { TaskView } from '../../../src/engine/task.js';
import { SCORER_NAMES, createScorer, scorerSchema } from '../../../src/strategies/pipeline/scorers.js';
import type { Scorer } from '../../../src/strategies/pipeline/scoring.js';
import { agentAt, decision, fleet, task, type AgentShape } from './fixtures.js';

function scorer(config: Record<string, unknown>): Scorer {
  return createScorer(scorerSchema.parse(config));
}

/** Scores of every agent of `agents` for `t`. */
function scores(s: Scorer, agents: AgentView[], t: TaskView = task(), binding: Binding = 'late', now = 0): number[] {
  const out = new Float64Array(agents.length);
  s.score(t, agents, agents.length, out, decision(agents, { binding, now }));
  return Array.from(out);
}

const ok = (quality: number): Outcome => ({ ok: true, quality });

describe('pipeline scorers', () => {
  it('are the ten documented, each with weight 1 unless given', () => {
    expect(SCORER_NAMES).toEqual(['skill', 'load', 'context', 'tokens', 'work-left', 'affinity', 'speed', 'expected-finish', 'quality-ewma', 'latency-ewma']);
    expect(scorerSchema.parse({ name: 'skill' })).toEqual({ name: 'skill', weight: 1 });
    expect(scorerSchema.parse({ name: 'quality-ewma' })).toEqual({ name: 'quality-ewma', weight: 1, alpha: 0.2, prior: 1 });
    expect(scorerSchema.parse({ name: 'latency-ewma', weight: 0.5 })).toEqual({ name: 'latency-ewma', weight: 0.5, alpha: 0.2 });
  });

  it('skill: the agent skill for the task type, 0 when missing', () => {
    const agents = fleet({ skills: { code: 0.9, review: 0.1 } }, { skills: { review: 1 } });
    expect(scores(scorer({ name: 'skill' }), agents, task({ type: 'code' }))).toEqual([0.9, 0]);
  });

  it('load: 1 − tasks in hand per slot, below 0 when an own queue runs past capacity', () => {
    const agents = fleet({ capacity: 4 }, { capacity: 4, active: 3 }, { capacity: 2, active: 2, queued: 3 });
    expect(scores(scorer({ name: 'load' }), agents, task(), 'early')).toEqual([1, 0.25, -1.5]);
  });

  it('context: 1 − context utilization', () => {
    expect(scores(scorer({ name: 'context' }), fleet({ contextUtilization: 0.25 }, { contextUtilization: 1 }))).toEqual([0.75, 0]);
  });

  it('tokens: tokens in hand per slot, as a cost scaled by the highest', () => {
    // Per slot: 0, 500, 1000 (2000 over 2 slots), 250.
    const agents = fleet({}, { capacity: 1, active: 1, outstandingTokens: 500 }, { capacity: 2, active: 1, outstandingTokens: 2000 }, { capacity: 4, active: 1, outstandingTokens: 1000 });
    expect(scores(scorer({ name: 'tokens' }), agents)).toEqual([1, 0.5, 0, 0.75]);
    expect(scores(scorer({ name: 'tokens' }), fleet({}, {}))).toEqual([1, 1]);
  });

  it('work-left: tokens ÷ (capacity × speed), as a cost: speed turns the tokens ranking around', () => {
    // Seconds: 2000/(1·1000) = 2, 1000/(1·100) = 10.
    const agents = fleet({ capacity: 1, tokensPerSecond: 1000, active: 1, outstandingTokens: 2000 }, { capacity: 1, tokensPerSecond: 100, active: 1, outstandingTokens: 1000 });
    expect(scores(scorer({ name: 'work-left' }), agents)).toEqual([0.8, 0]);
    expect(scores(scorer({ name: 'tokens' }), agents)).toEqual([0, 0.5]);
  });

  it('affinity: 1 where the task context key is resident, else 0; 0 everywhere for a task without one', () => {
    const agents = fleet({ residentKeys: new Set(['m1', 'm2']) }, { residentKeys: new Set(['m3']) }, {});
    expect(scores(scorer({ name: 'affinity' }), agents, task({ contextKey: 'm2' }))).toEqual([1, 0, 0]);
    expect(scores(scorer({ name: 'affinity' }), agents, task())).toEqual([0, 0, 0]);
  });

  it('speed: tokens per second over the fastest candidate', () => {
    expect(scores(scorer({ name: 'speed' }), fleet({ tokensPerSecond: 50 }, { tokensPerSecond: 200 }, { tokensPerSecond: 100 }))).toEqual([0.25, 1, 0.5]);
  });

  it('expected-finish: (tokens ahead per slot + task tokens) ÷ speed, as a cost; no tokens ahead while a slot is free', () => {
    // Finish estimates for a 1000-token task: a0 free slot at 100/s: 10 s; a1 free slot at 50/s
    // (its 4000 tokens in hand do not delay a free slot): 20 s; a2 full, 1 slot with 3000
    // tokens at 100/s: (3000 + 1000)/100 = 40 s.
    const agents = fleet({ capacity: 2 }, { capacity: 2, tokensPerSecond: 50, active: 1, outstandingTokens: 4000 }, { capacity: 1, active: 1, outstandingTokens: 3000 });
    expect(scores(scorer({ name: 'expected-finish' }), agents, task({ tokens: 1000 }), 'early')).toEqual([0.75, 0.5, 0]);
  });

  it('stay in [0, 1] under late binding (every candidate has a free slot), whatever the fleet', () => {
    const shape: fc.Arbitrary<AgentShape> = fc.record({
      capacity: fc.integer({ min: 1, max: 4 }), tokensPerSecond: fc.double({ min: 1, max: 500, noNaN: true }),
      skills: fc.record({ code: fc.double({ min: 0, max: 1, noNaN: true }) }), contextUtilization: fc.double({ min: 0, max: 1, noNaN: true }),
      outstandingTokens: fc.integer({ min: 0, max: 100_000 }), active: fc.integer({ min: 0, max: 3 }),
    }).map((s) => ({ ...s, active: Math.min(s.active, s.capacity - 1) }));
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5000 }), (shapes, tokens) => {
        const agents = shapes.map((s, i) => agentAt(i, s));
        return SCORER_NAMES.every((name) => scores(scorer({ name }), agents, task({ tokens })).every((x) => x >= 0 && x <= 1));
      }),
      { seed: 77, numRuns: 200 },
    );
  });
});

describe('quality-ewma scorer', () => {
  it('scores an unseen agent its prior, then moves by alpha toward each settled quality', () => {
    const s = scorer({ name: 'quality-ewma', alpha: 0.5, prior: 0.8 });
    const agents = fleet({}, {});
    const ctx = decision(agents);
    expect(scores(s, agents)).toEqual([0.8, 0.8]);
    s.onSettle!(task(), agents[0]!, ok(0.4), ctx); // 0.8 + 0.5·(0.4 − 0.8) = 0.6
    expect(scores(s, agents)[0]).toBeCloseTo(0.6, 12);
    expect(scores(s, agents)[1]).toBe(0.8);
    s.onSettle!(task(), agents[0]!, ok(1), ctx); // 0.6 + 0.5·0.4 = 0.8
    expect(scores(s, agents)[0]).toBeCloseTo(0.8, 12);
  });

  it('counts an agent-error, quality or timeout failure as quality 0, and ignores a lost agent or a cancellation', () => {
    const s = scorer({ name: 'quality-ewma', alpha: 0.5, prior: 1 });
    const agents = fleet({});
    const ctx = decision(agents);
    s.onSettle!(task(), agents[0]!, { ok: false, reason: 'agent-lost' }, ctx);
    s.onSettle!(task(), agents[0]!, { ok: false, reason: 'cancelled-by-request' }, ctx);
    expect(scores(s, agents)).toEqual([1]);
    s.onSettle!(task(), agents[0]!, { ok: false, reason: 'agent-error' }, ctx);
    s.onSettle!(task(), agents[0]!, { ok: false, reason: 'quality' }, ctx);
    s.onSettle!(task(), agents[0]!, { ok: false, reason: 'timeout' }, ctx);
    expect(scores(s, agents)).toEqual([0.125]);
  });

  it('learns per agent, including agents that join later (index beyond the first table)', () => {
    const s = scorer({ name: 'quality-ewma', alpha: 1, prior: 1 });
    const agents = Array.from({ length: 40 }, (_, i) => agentAt(i));
    s.onSettle!(task(), agents[37]!, ok(0.3), decision(agents));
    const all = scores(s, agents);
    expect(all[37]).toBeCloseTo(0.3, 12);
    expect(all.filter((x) => x === 1)).toHaveLength(39);
  });
});

describe('latency-ewma scorer', () => {
  /** A task of `tokens` that started at `startedAt`. */
  const ran = (tokens: number, startedAt: number): TaskView => task({ tokens }, { state: 'running', startedAt });

  it('starts an unseen agent at 1 / tokensPerSecond and learns seconds per token from start to settle', () => {
    const s = scorer({ name: 'latency-ewma', alpha: 0.5 });
    const agents = fleet({ tokensPerSecond: 100 }, { tokensPerSecond: 50 });
    // Paces 0.01 and 0.02 s/token: costs 10 and 20 for a 1000-token task.
    expect(scores(s, agents, task({ tokens: 1000 }))).toEqual([0.5, 0]);
    // a0 took 50 s for 1000 tokens (0.05 s/token): EWMA 0.01 + 0.5·(0.05 − 0.01) = 0.03.
    s.onSettle!(ran(1000, 10), agents[0]!, ok(1), decision(agents, { now: 60 }));
    expect(scores(s, agents, task({ tokens: 1000 }))).toEqual([0, 1 - 20 / 30]);
  });

  it('counts timeouts with the time they ran and ignores other failures', () => {
    const s = scorer({ name: 'latency-ewma', alpha: 1 });
    const agents = fleet({ tokensPerSecond: 100 }, { tokensPerSecond: 100 });
    // Equal paces: equal costs, and the dearest (every one) scores 0.
    s.onSettle!(ran(100, 0), agents[1]!, { ok: false, reason: 'agent-error' }, decision(agents, { now: 500 }));
    expect(scores(s, agents)).toEqual([0, 0]);
    // A timeout after 4 s on 100 tokens: 0.04 s/token, so costs 10 and 40 for 1000 tokens.
    s.onSettle!(ran(100, 0), agents[1]!, { ok: false, reason: 'timeout' }, decision(agents, { now: 4 }));
    expect(scores(s, agents)).toEqual([0.75, 0]);
  });

  it('adds the tokens queued ahead under early binding', () => {
    const s = scorer({ name: 'latency-ewma' });
    // Same pace; a0 is full with 3000 tokens on its one slot, a1 has a free slot.
    const agents = fleet({ capacity: 1, active: 1, outstandingTokens: 3000 }, { capacity: 1 });
    expect(scores(s, agents, task({ tokens: 1000 }), 'early')).toEqual([0, 0.75]);
  });
});
