import { describe, expect, it } from 'vitest';
import { NO_RESIDENT_KEYS, type AgentSpec, type AgentView } from '../../src/engine/agent.js';
import { idleAgentView, taskViewOf } from '../support/views.js';
import type { TaskSpec, TaskView } from '../../src/engine/task.js';
import { AttemptPlan, SimAgent, idealPlan, runsPlainly } from '../../src/sim/agentModel.js';
import { outcomeStreams, type OutcomeStreams } from '../../src/sim/random.js';
import { binomialTolerance, meanAndSd, meanTolerance, sdTolerance } from './tolerance.js';

// The scenario types, taken from the constructor that consumes them rather than imported from
// src/scenario (which is being rewritten concurrently).
type SimAgentConfig = ConstructorParameters<typeof SimAgent>[0];
type AgentModel = SimAgentConfig['model'];

const SEED = 11;
/** Tokens per second of every test agent. */
const SPEED = 100;

/**
 * Neutral coefficients: no penalty, no failure, no noise, loads at generation speed, compacts
 * only at a full window and instantly, keeps no history. With skill 1 and no window this is an
 * ideal server.
 * @param overrides - coefficients to change.
 */
function idealModel(overrides: Partial<AgentModel> = {}): AgentModel {
  return {
    skillSpeedPenalty: 0,
    skillQualityPenalty: 0,
    skillFailureRate: 0,
    lowSkillSetupPenalty: 0,
    contextDegradeThreshold: 0,
    contextSpeedPenalty: 0,
    contextQualityPenalty: 0,
    contextFailureRate: 0,
    compactThreshold: 1,
    compactSeconds: 0,
    historyGrowth: 0,
    prefillSpeedup: 1,
    qualityNoise: 0,
    serviceTimeCv: 0,
    offerResponseSeconds: 0,
    rejectBase: 0,
    rejectLoad: 0,
    rejectContext: 0,
    ...overrides,
  };
}

/** What a test agent is made of; everything optional. */
interface AgentOptions {
  /** @defaultValue `agent` */
  readonly id?: string;
  /** @defaultValue `{ code: 1 }` */
  readonly skills?: Readonly<Record<string, number>>;
  /** @defaultValue no context window */
  readonly windowTokens?: number;
  /** @defaultValue 0 */
  readonly failureRate?: number;
  /** @defaultValue {@link idealModel}() */
  readonly model?: AgentModel;
}

/** A simulated agent and the engine's view of it (capacity 1, {@link SPEED} tokens/s). */
function makeAgent(options: AgentOptions = {}): { readonly sim: SimAgent; readonly view: AgentView } {
  const spec: AgentSpec = {
    id: options.id ?? 'agent',
    capacity: 1,
    tokensPerSecond: SPEED,
    skills: options.skills ?? { code: 1 },
    weight: 1,
    tags: [],
    ...(options.windowTokens === undefined ? {} : { contextWindowTokens: options.windowTokens }),
  };
  const config: SimAgentConfig = { spec, failureRate: options.failureRate ?? 0, model: options.model ?? idealModel() };
  const view: AgentView = idleAgentView(spec);
  return { sim: new SimAgent(config), view };
}

/**
 * The engine's view of a running task.
 * @defaultValue type `code`, priority 2, 1000 tokens, no context.
 */
function task(id: string, partial: Partial<TaskSpec> = {}): TaskView {
  const spec: TaskSpec = { id, type: 'code', priority: 2, tokens: 1000, contextTokens: 0, ...partial };
  return taskViewOf(spec, { state: 'running', attempt: 1, agentIndex: 0, startedAt: 0 });
}

/** Outcome streams that fail the test if the model asks for randomness. */
const NO_DRAWS: OutcomeStreams = {
  forAttempt(taskId, attempt) {
    throw new Error(`the model asked for the outcome stream of ${taskId}#${attempt}`);
  },
  forOffer(taskId, offer, agentId) {
    throw new Error(`the model asked for the offer stream of ${taskId} offer ${offer} to ${agentId}`);
  },
};

const STREAMS = outcomeStreams(SEED, 0);

/** Runs `tasks` one after another on a fresh agent, first attempts, returning the plans. */
function runAll(agent: { readonly sim: SimAgent; readonly view: AgentView }, tasks: readonly TaskView[], streams = STREAMS): AttemptPlan[] {
  return tasks.map((t) => agent.sim.begin(t, agent.view, 1, streams));
}

describe('SimAgent: the ideal server', () => {
  it('an ideal agent takes exactly tokens / tokensPerSecond and never asks for an outcome stream', () => {
    const agent = makeAgent();
    for (const tokens of [1000, 333, 1, 123456.7, 0.5]) {
      const plan = agent.sim.begin(task(`t${tokens}`, { tokens }), agent.view, 1, NO_DRAWS);
      expect(plan.durationSeconds).toBe(tokens / SPEED);
      expect(plan.outcome).toEqual({ ok: true, quality: 1 });
      expect(plan.setupTokens).toBe(0);
      expect(plan.contextHit).toBeNull();
      expect(plan.agent.contextUtilization).toBe(0);
      expect(plan.agent.residentKeys.size).toBe(0);
    }
  });

  it('an ideal agent pays nothing for a context key that carries no tokens', () => {
    const agent = makeAgent();
    const plan = agent.sim.begin(task('k', { contextKey: 'repo', contextTokens: 0 }), agent.view, 1, NO_DRAWS);
    expect(plan.durationSeconds).toBe(1000 / SPEED);
    expect(plan.setupTokens).toBe(0);
    expect(plan.contextHit).toBe(false);
  });

  it('a model whose coefficients are all 0 is an ideal server (scenario/types.ts: "All zero gives an ideal server")', () => {
    const allZero: AgentModel = {
      skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0,
      contextDegradeThreshold: 0, contextSpeedPenalty: 0, contextQualityPenalty: 0, contextFailureRate: 0,
      compactThreshold: 0, compactSeconds: 0, historyGrowth: 0, prefillSpeedup: 0, qualityNoise: 0, serviceTimeCv: 0,
      offerResponseSeconds: 0, rejectBase: 0, rejectLoad: 0, rejectContext: 0,
    };
    const agent = makeAgent({ model: allZero });
    const plan = agent.sim.begin(task('z'), agent.view, 1, NO_DRAWS);
    expect(plan.durationSeconds).toBe(1000 / SPEED);
    expect(plan.outcome).toEqual({ ok: true, quality: 1 });
  });

  it('plans a plain task the same through its shortcut as the general model does', () => {
    // A window far larger than the work sends the same agent through the general model.
    const shortcut = makeAgent();
    const general = makeAgent({ windowTokens: 1e15 });
    for (const [i, tokens] of [1, 37.5, 1000, 123_456.789].entries()) {
      const t = task(`t${i}`, { tokens });
      const a = shortcut.sim.begin(t, shortcut.view, 1, NO_DRAWS);
      const b = general.sim.begin(t, general.view, 1, NO_DRAWS);
      expect({ ...a, agent: undefined }).toEqual({ ...b, agent: undefined });
      expect(a.durationSeconds).toBe(tokens / SPEED);
    }
  });

  it('plainSpeed: while it is above 0, idealPlan plans a plain task as begin does, and begin leaves it so', () => {
    const agent = makeAgent();
    expect(agent.sim.plainSpeed).toBe(SPEED);
    for (const [i, tokens] of [1, 37.5, 1000, 123_456.789].entries()) {
      const t = task(`p${i}`, { tokens });
      expect(runsPlainly(t)).toBe(true);
      const outside = idealPlan(new AttemptPlan(), t, 2, agent.sim.plainSpeed);
      const inside = agent.sim.begin(t, agent.view, 2, NO_DRAWS);
      expect(outside).toEqual(inside);
      expect(outside.agent).toBe(inside.agent);
      expect(agent.sim.plainSpeed).toBe(SPEED);
    }
  });

  it('plainSpeed is 0 once an ideal agent holds a context (its report is no longer the first), and for a non-ideal agent', () => {
    const agent = makeAgent();
    const loading = task('ctx', { contextKey: 'repo', contextTokens: 500 });
    expect(runsPlainly(loading)).toBe(false);
    agent.sim.begin(loading, agent.view, 1, NO_DRAWS);
    expect(agent.sim.plainSpeed).toBe(0);
    const plain = agent.sim.begin(task('after'), agent.view, 1, NO_DRAWS);
    expect(plain.agent.residentKeys.has('repo')).toBe(true);
    const prewarmed = makeAgent();
    prewarmed.sim.prewarm('repo', 10);
    expect(prewarmed.sim.plainSpeed).toBe(0);
    expect(SimAgent.plainSpeedOf(agent.sim.config)).toBe(SPEED);
    expect(makeAgent({ windowTokens: 1e15 }).sim.plainSpeed).toBe(0);
    for (const model of [idealModel({ serviceTimeCv: 0.5 }), idealModel({ qualityNoise: 0.1 }), idealModel({ skillFailureRate: 0.2 })]) {
      const other = makeAgent({ model });
      expect(other.sim.plainSpeed).toBe(0);
      expect(SimAgent.plainSpeedOf(other.sim.config)).toBe(0);
    }
    expect(makeAgent({ failureRate: 0.1 }).sim.plainSpeed).toBe(0);
    expect(runsPlainly(task('failed', { traceFailed: true }))).toBe(false);
  });

  it('a degrade threshold of 1 (degrade never) leaves an ideal agent ideal', () => {
    const agent = makeAgent({ model: idealModel({ contextDegradeThreshold: 1 }) });
    const plan = agent.sim.begin(task('d'), agent.view, 1, NO_DRAWS);
    expect(plan.durationSeconds).toBe(1000 / SPEED);
    expect(plan.outcome).toEqual({ ok: true, quality: 1 });
  });
});

describe('SimAgent: an agent without a context window', () => {
  it('plans a plain task with the draws of the general model, to the bit (its shortcut skips only terms that are 0)', () => {
    // Penalties, failures and both kinds of noise, at a skill below 1: every term of the
    // general model is live but the window's. A window far larger than the work sends the same
    // agent through the general model (utilization ~1e-9, below every threshold).
    const model = idealModel({
      skillSpeedPenalty: 0.5, skillQualityPenalty: 0.5, skillFailureRate: 0.1, lowSkillSetupPenalty: 0.5,
      contextDegradeThreshold: 0.5, contextSpeedPenalty: 0.3, contextQualityPenalty: 0.3, contextFailureRate: 0.05,
      compactThreshold: 0.9, compactSeconds: 10, historyGrowth: 1, prefillSpeedup: 10, qualityNoise: 0.05, serviceTimeCv: 0.3,
    });
    // Two skills, in runs and alternating, so the shortcut's terms of one skill never serve the other.
    const skills = { code: 0.7, docs: 0.4 };
    const shortcut = makeAgent({ model, skills, failureRate: 0.2 });
    const general = makeAgent({ model, skills, failureRate: 0.2, windowTokens: 1e15 });
    let failures = 0;
    for (let i = 0; i < 200; i++) {
      // Tokens of -0 and 0 too: the sum 0 + work turns -0 into 0 on both paths alike.
      const type = i < 100 ? (i % 3 === 0 ? 'docs' : 'code') : i < 150 ? 'docs' : 'code';
      const t = task(`w${i}`, { type, tokens: i === 0 ? -0 : i === 1 ? 0 : 1000 + 37.5 * i });
      const a = shortcut.sim.begin(t, shortcut.view, 1 + (i % 3), STREAMS);
      const b = general.sim.begin(t, general.view, 1 + (i % 3), STREAMS);
      expect(Object.is(a.durationSeconds, b.durationSeconds)).toBe(true);
      expect(Object.is(a.setupTokens, b.setupTokens)).toBe(true);
      expect(a.outcome).toEqual(b.outcome);
      expect(a.contextHit).toBeNull();
      expect(a.contextBlocksHit).toBe(b.contextBlocksHit);
      expect(a.agent.contextUtilization).toBe(0);
      if (!a.outcome.ok) failures++;
    }
    // Both outcomes occur, so the comparison covered the failure draws and the quality noise.
    expect(failures).toBeGreaterThan(0);
    expect(failures).toBeLessThan(200);
  });
});

describe('SimAgent: skill', () => {
  const model = idealModel({ skillSpeedPenalty: 0.5, skillQualityPenalty: 0.5 });

  it('low skill slows work by skillSpeedPenalty·(1 − s) and lowers quality by skillQualityPenalty·(1 − s)', () => {
    // s = 0.5: speed factor 1 − 0.5·0.5 = 0.75, quality 1 − 0.5·0.5 = 0.75.
    const agent = makeAgent({ model, skills: { code: 0.5 } });
    const plan = agent.sim.begin(task('s'), agent.view, 1, NO_DRAWS);
    expect(plan.durationSeconds).toBe(1000 / (SPEED * 0.75));
    expect(plan.outcome).toEqual({ ok: true, quality: 0.75 });
  });

  it('full skill pays no skill penalty', () => {
    const agent = makeAgent({ model, skills: { code: 1 } });
    const plan = agent.sim.begin(task('s'), agent.view, 1, NO_DRAWS);
    expect(plan.durationSeconds).toBe(1000 / SPEED);
    expect(plan.outcome).toEqual({ ok: true, quality: 1 });
  });

  it('a missing skill counts as 0 and the work still completes, at the slowest speed and lowest quality', () => {
    // s = 0: speed factor 0.5, quality 0.5.
    const missing = makeAgent({ model, skills: { review: 1 } });
    const zero = makeAgent({ model, skills: { code: 0 } });
    const a = missing.sim.begin(task('m'), missing.view, 1, NO_DRAWS);
    const b = zero.sim.begin(task('m'), zero.view, 1, NO_DRAWS);
    expect(a.durationSeconds).toBe(1000 / (SPEED * 0.5));
    expect(a.outcome).toEqual({ ok: true, quality: 0.5 });
    expect(b.durationSeconds).toBe(a.durationSeconds);
    expect(b.outcome).toEqual(a.outcome);
  });
});

describe('SimAgent: recycled plans', () => {
  it('a plan reused for another attempt carries that attempt\'s outcome, and a copy keeps its own when the original is reused', () => {
    const agent = makeAgent({ model: idealModel({ qualityNoise: 0.2 }) });
    const fresh = [task('q1'), task('q2'), task('q3')].map((t) => agent.sim.begin(t, agent.view, 1, STREAMS));
    const qualities = fresh.map((p) => (p.outcome.ok ? p.outcome.quality : Number.NaN));
    expect(new Set(qualities).size).toBe(3); // noise: three different qualities
    const recycled = agent.sim.begin(task('q1'), agent.view, 1, STREAMS);
    const copy = recycled.copy();
    for (const [i, id] of ['q2', 'q3'].entries()) {
      expect(agent.sim.begin(task(id), agent.view, 1, STREAMS, recycled)).toBe(recycled);
      expect(recycled.outcome).toEqual({ ok: true, quality: qualities[i + 1] });
    }
    expect(copy.outcome).toEqual({ ok: true, quality: qualities[0] });
  });
});

describe('SimAgent: answering offers', () => {
  it('turns down a type it has no skill for, without a draw', () => {
    const { sim, view } = makeAgent({ skills: { code: 1 } });
    const reply = sim.answerOffer(task('t', { type: 'review' }), view, 1, NO_DRAWS);
    expect(reply.answer).toEqual({ accepted: false, reason: 'lacks-skill' });
  });

  it('accepts without a draw when every refusal coefficient is 0, answering after offerResponseSeconds', () => {
    const { sim, view } = makeAgent({ model: idealModel({ offerResponseSeconds: 2.5 }) });
    const reply = sim.answerOffer(task('t'), view, 1, NO_DRAWS);
    expect(reply.answer).toEqual({ accepted: true });
    expect(reply.delaySeconds).toBe(2.5);
  });

  it('refuses with probability rejectBase + rejectLoad·(other slots held ÷ capacity), within a binomial tolerance', () => {
    const { sim, view } = makeAgent({ model: idealModel({ rejectBase: 0.1, rejectLoad: 0.4 }) });
    const busy: AgentView = { ...view, active: 2, spec: { ...view.spec, capacity: 2 } };
    const n = 4000;
    const streams = outcomeStreams(5, 0);
    let refused = 0;
    for (let i = 0; i < n; i++) if (!sim.answerOffer(task(`t${i}`), busy, 1, streams).answer.accepted) refused++;
    // One other slot of two held: 0.1 + 0.4 · 1/2 = 0.3.
    expect(Math.abs(refused / n - 0.3)).toBeLessThan(binomialTolerance(0.3, n));
  });

  it('reports as setup what a start would load: the low-skill penalty included, nothing when the key is resident', () => {
    const model = idealModel({ lowSkillSetupPenalty: 0.5 });
    const { sim, view } = makeAgent({ skills: { code: 0.5 }, model });
    const t = task('t', { contextKey: 'repo', contextTokens: 1000 });
    const offered = sim.answerOffer(t, view, 1, NO_DRAWS);
    const started = sim.begin(t, view, 1, NO_DRAWS);
    expect(offered.setupTokens).toBe(started.setupTokens);
    expect(offered.setupTokens).toBe(1000 * (1 + 0.5 * 0.5));
    expect(sim.answerOffer(t, view, 2, NO_DRAWS).setupTokens).toBe(0);
  });
});

describe('SimAgent: context', () => {
  it('the first use of a contextKey costs contextTokens·(1 + lowSkillSetupPenalty·(1 − s)) and a second use is a hit with no setup', () => {
    // s = 0.5, penalty 0.5: 4000·1.25 = 5000 setup tokens, loaded at 100·4 tokens/s = 12.5 s.
    const agent = makeAgent({ skills: { code: 0.5 }, model: idealModel({ lowSkillSetupPenalty: 0.5, prefillSpeedup: 4 }) });
    const [first, second] = runAll(agent, [
      task('a1', { contextKey: 'repo', contextTokens: 4000 }),
      task('a2', { contextKey: 'repo', contextTokens: 4000 }),
    ]);
    expect(first!.setupTokens).toBe(5000);
    expect(first!.contextHit).toBe(false);
    expect(first!.durationSeconds).toBe(12.5 + 10);
    expect(second!.setupTokens).toBe(0);
    expect(second!.contextHit).toBe(true);
    expect(second!.durationSeconds).toBe(10);
    expect([...second!.agent.residentKeys]).toEqual(['repo']);
  });

  it('what one agent loads is resident on it only: agents that never loaded anything share no state', () => {
    const [one, other, third] = ['one', 'other', 'third'].map((id) => makeAgent({ id }));
    const prompt = { contextTokens: 100, contextBlocks: [1, 2], contextBlockTokens: 50 };
    const keyed = { contextKey: 'repo', contextTokens: 100 };
    const [firstBlocks, againBlocks] = runAll(one!, [task('b1', prompt), task('b2', prompt)]);
    expect([firstBlocks!.setupTokens, firstBlocks!.contextBlocksHit]).toEqual([100, 0]);
    expect([againBlocks!.setupTokens, againBlocks!.contextBlocksHit]).toEqual([0, 2]);
    const [firstKey] = runAll(one!, [task('k1', keyed)]);
    expect(firstKey!.contextHit).toBe(false);
    // Neither blocks nor keys leaked into the agents that loaded nothing.
    const [otherBlocks, otherKey] = runAll(other!, [task('b3', prompt), task('k2', keyed)]);
    expect([otherBlocks!.setupTokens, otherBlocks!.contextBlocksHit]).toEqual([100, 0]);
    expect(otherKey!.contextHit).toBe(false);
    const [thirdKey, thirdBlocks] = runAll(third!, [task('k3', keyed), task('b4', prompt)]);
    expect(thirdKey!.contextHit).toBe(false);
    expect(thirdBlocks!.contextBlocksHit).toBe(0);
  });

  it('full skill loads exactly contextTokens', () => {
    const agent = makeAgent({ model: idealModel({ lowSkillSetupPenalty: 0.5 }) });
    const plan = agent.sim.begin(task('a', { contextKey: 'repo', contextTokens: 4000 }), agent.view, 1, NO_DRAWS);
    expect(plan.setupTokens).toBe(4000);
    expect(plan.durationSeconds).toBe(40 + 10);
  });

  it('evicts the least recently used key when the window overflows', () => {
    // Window 10 000, 4000 tokens a key: a third key pushes the oldest out.
    const agent = makeAgent({ windowTokens: 10_000 });
    const keyed = (id: string, key: string): TaskView => task(id, { contextKey: key, contextTokens: 4000 });
    const plans = runAll(agent, [keyed('1', 'a'), keyed('2', 'b'), keyed('3', 'c'), keyed('4', 'a'), keyed('5', 'c')]);
    expect(plans.map((p) => p.contextHit)).toEqual([false, false, false, false, true]);
    expect(plans.map((p) => [...p.agent.residentKeys].sort())).toEqual([['a'], ['a', 'b'], ['b', 'c'], ['a', 'c'], ['a', 'c']]);
    expect(plans.map((p) => p.agent.contextUtilization)).toEqual([0.4, 0.8, 0.8, 0.8, 0.8]);
  });

  it('a key refreshed by a hit survives the next eviction', () => {
    const agent = makeAgent({ windowTokens: 10_000 });
    const keyed = (id: string, key: string): TaskView => task(id, { contextKey: key, contextTokens: 4000 });
    // a, b, a (hit: a becomes most recent), c (evicts b, not a), a (hit), b (miss).
    const plans = runAll(agent, [keyed('1', 'a'), keyed('2', 'b'), keyed('3', 'a'), keyed('4', 'c'), keyed('5', 'a'), keyed('6', 'b')]);
    expect(plans.map((p) => p.contextHit)).toEqual([false, false, true, false, true, false]);
    expect([...plans[3]!.agent.residentKeys].sort()).toEqual(['a', 'c']);
  });

  it('compacts at compactThreshold: residency is cleared and compactSeconds is added', () => {
    // Window 10 000, history grows by each task's 3000 tokens, key 'a' holds 1000, threshold 0.5.
    // 1: u 0 → load a (10 s) + work 30 s, u 0.4. 2: u 0.4 → hit, 30 s, u 0.7.
    // 3: u 0.7 ≥ 0.5 → compact (7 s), a is gone: load again (10 s) + 30 s = 47 s, u back to 0.4.
    const agent = makeAgent({ windowTokens: 10_000, model: idealModel({ compactThreshold: 0.5, compactSeconds: 7, historyGrowth: 1 }) });
    const keyed = (id: string): TaskView => task(id, { tokens: 3000, contextKey: 'a', contextTokens: 1000 });
    const plans = runAll(agent, [keyed('1'), keyed('2'), keyed('3')]);
    expect(plans.map((p) => p.durationSeconds)).toEqual([40, 30, 47]);
    expect(plans.map((p) => p.contextHit)).toEqual([false, true, false]);
    expect(plans.map((p) => p.setupTokens)).toEqual([1000, 0, 1000]);
    expect(plans.map((p) => p.agent.contextUtilization)).toEqual([0.4, 0.7, 0.4]);
    expect(plans[2]!.agent.residentKeys).not.toBe(plans[1]!.agent.residentKeys);
  });

  it('does not compact below the threshold', () => {
    const agent = makeAgent({ windowTokens: 10_000, model: idealModel({ compactThreshold: 0.9, compactSeconds: 7, historyGrowth: 1 }) });
    const plans = runAll(agent, [task('1', { tokens: 3000 }), task('2', { tokens: 3000 }), task('3', { tokens: 3000 })]);
    expect(plans.map((p) => p.durationSeconds)).toEqual([30, 30, 30]);
    expect(plans.map((p) => p.agent.contextUtilization)).toEqual([0.3, 0.6, 0.9]);
  });

  it('utilization above contextDegradeThreshold degrades speed and quality', () => {
    // u = 0.75, threshold 0.5: excess (0.75 − 0.5)/(1 − 0.5) = 0.5; speed factor 1 − 0.5·0.5 = 0.75,
    // quality 1 − 0.25·0.5 = 0.875. Setup 7500 tokens at 100/s = 75 s.
    const model = idealModel({ contextDegradeThreshold: 0.5, contextSpeedPenalty: 0.5, contextQualityPenalty: 0.25 });
    const agent = makeAgent({ windowTokens: 10_000, model });
    const plan = agent.sim.begin(task('x', { contextKey: 'big', contextTokens: 7500 }), agent.view, 1, NO_DRAWS);
    expect(plan.agent.contextUtilization).toBe(0.75);
    expect(plan.durationSeconds).toBe(75 + 1000 / (SPEED * 0.75));
    expect(plan.outcome).toEqual({ ok: true, quality: 0.875 });
  });

  it('utilization at or below contextDegradeThreshold does not degrade', () => {
    const model = idealModel({ contextDegradeThreshold: 0.5, contextSpeedPenalty: 0.5, contextQualityPenalty: 0.25 });
    const agent = makeAgent({ windowTokens: 10_000, model });
    const plan = agent.sim.begin(task('x', { contextKey: 'half', contextTokens: 5000 }), agent.view, 1, NO_DRAWS);
    expect(plan.agent.contextUtilization).toBe(0.5);
    expect(plan.durationSeconds).toBe(50 + 10);
    expect(plan.outcome).toEqual({ ok: true, quality: 1 });
  });

  it('reports residentKeys copy-on-write: an earlier report is never mutated later', () => {
    const agent = makeAgent({ windowTokens: 10_000 });
    const keyed = (id: string, key: string): TaskView => task(id, { contextKey: key, contextTokens: 4000 });
    const first = agent.sim.begin(keyed('1', 'a'), agent.view, 1, NO_DRAWS).agent.residentKeys;
    const second = agent.sim.begin(keyed('2', 'b'), agent.view, 1, NO_DRAWS).agent.residentKeys;
    const third = agent.sim.begin(keyed('3', 'c'), agent.view, 1, NO_DRAWS).agent.residentKeys; // evicts a
    expect([...first]).toEqual(['a']);
    expect([...second].sort()).toEqual(['a', 'b']);
    expect([...third].sort()).toEqual(['b', 'c']);
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it('a hit reports the very same residentKeys set (nothing changed)', () => {
    const agent = makeAgent({ windowTokens: 10_000 });
    const keyed = (id: string, key: string): TaskView => task(id, { contextKey: key, contextTokens: 1000 });
    const [, b, hit] = runAll(agent, [keyed('1', 'a'), keyed('2', 'b'), keyed('3', 'a')]);
    expect(hit!.contextHit).toBe(true);
    expect(hit!.agent.residentKeys).toBe(b!.agent.residentKeys);
  });

  it('an agent without resident context reports the shared empty set', () => {
    const agent = makeAgent();
    expect(agent.sim.begin(task('x'), agent.view, 1, NO_DRAWS).agent.residentKeys).toBe(NO_RESIDENT_KEYS);
  });
});

describe('SimAgent: failures and luck', () => {
  const N = 20_000;
  const manyTasks = Array.from({ length: N }, (_, i) => task(`f${i}`));

  it('with failureRate 0.3 about 30% of attempts fail', () => {
    const plans = runAll(makeAgent({ failureRate: 0.3 }), manyTasks);
    const share = plans.filter((p) => !p.outcome.ok).length / N;
    expect(Math.abs(share - 0.3)).toBeLessThan(binomialTolerance(0.3, N));
  });

  it('failure probability adds skillFailureRate·(1 − s) to failureRate', () => {
    // 0.1 + 0.4·(1 − 0.5) = 0.3.
    const agent = makeAgent({ failureRate: 0.1, skills: { code: 0.5 }, model: idealModel({ skillFailureRate: 0.4 }) });
    const share = runAll(agent, manyTasks).filter((p) => !p.outcome.ok).length / N;
    expect(Math.abs(share - 0.3)).toBeLessThan(binomialTolerance(0.3, N));
  });

  it('a failed attempt ends with agent-error at a uniform point before the full work time', () => {
    const full = 1000 / SPEED;
    const plans = runAll(makeAgent({ failureRate: 0.3 }), manyTasks);
    const failed = plans.filter((p) => !p.outcome.ok);
    const succeeded = plans.filter((p) => p.outcome.ok);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((p) => p.durationSeconds < full && p.durationSeconds >= 0)).toBe(true);
    expect(failed[0]!.outcome).toEqual({ ok: false, reason: 'agent-error' });
    expect(succeeded.every((p) => p.durationSeconds === full)).toBe(true);
    // The fail point is uniform on [0, 1): mean 1/2, sd 1/√12.
    const { mean } = meanAndSd(failed.map((p) => p.durationSeconds / full));
    expect(Math.abs(mean - 0.5)).toBeLessThan(meanTolerance(1 / Math.sqrt(12), failed.length));
  });

  it('the same (task id, attempt) gets the same luck on two agents with the same coefficients, whatever ran before', () => {
    const model = idealModel({ skillQualityPenalty: 0.2, qualityNoise: 0.1, serviceTimeCv: 0.5 });
    const x = makeAgent({ id: 'x', failureRate: 0.2, skills: { code: 0.8 }, model });
    const y = makeAgent({ id: 'y', failureRate: 0.2, skills: { code: 0.8 }, model });
    const tasks = Array.from({ length: 300 }, (_, i) => task(`c${i}`, { tokens: 100 + 7 * i }));
    const onX = runAll(x, tasks);
    const onY = runAll(y, [...tasks].reverse()).reverse(); // a different order of events
    expect(onY.map((p) => [p.durationSeconds, p.outcome])).toEqual(onX.map((p) => [p.durationSeconds, p.outcome]));
    expect(onX.some((p) => !p.outcome.ok)).toBe(true);
  });

  it('a different attempt of the same task gets different luck', () => {
    const agent = makeAgent({ model: idealModel({ serviceTimeCv: 0.5 }) });
    const tasks = Array.from({ length: 50 }, (_, i) => task(`r${i}`));
    const first = tasks.map((t) => agent.sim.begin(t, agent.view, 1, STREAMS).durationSeconds);
    const second = tasks.map((t) => agent.sim.begin(t, agent.view, 2, STREAMS).durationSeconds);
    expect(first.filter((d, i) => d === second[i]).length).toBe(0);
  });

  it('common random numbers couple failures: a more reliable agent fails only where a less reliable one also fails', () => {
    const reliable = runAll(makeAgent({ id: 'r', failureRate: 0.1 }), manyTasks);
    const flaky = runAll(makeAgent({ id: 'f', failureRate: 0.4 }), manyTasks);
    expect(reliable.every((p, i) => p.outcome.ok || !flaky[i]!.outcome.ok)).toBe(true);
    expect(reliable.filter((p) => !p.outcome.ok).length).toBeLessThan(flaky.filter((p) => !p.outcome.ok).length);
  });

  it('service-time noise has mean 1 and the configured coefficient of variation', () => {
    // Lognormal factor with mean 1, cv 0.5 on a 10 s task: |mean − 10| < 4·5/√n; w = 1 + cv² = 1.25,
    // kurtosis w⁴ + 2w³ + 3w² − 3 ≈ 8.04, |sd − 5| < 4·5·√((κ − 1)/n)/2.
    const plans = runAll(makeAgent({ model: idealModel({ serviceTimeCv: 0.5 }) }), manyTasks);
    const { mean, sd } = meanAndSd(plans.map((p) => p.durationSeconds));
    const w = 1.25;
    expect(Math.abs(mean - 10)).toBeLessThan(meanTolerance(5, N));
    expect(Math.abs(sd - 5)).toBeLessThan(sdTolerance(5, w ** 4 + 2 * w ** 3 + 3 * w ** 2 - 3, N));
    expect(plans.every((p) => p.outcome.ok)).toBe(true);
  });

  it('quality noise is centred on the mean quality and clamped to [0, 1]', () => {
    // Mean quality 0.5 (skill 0, penalty 0.5), noise sd 0.05: clamping is 10 sd away, so |mean − 0.5| < 4·0.05/√n.
    const agent = makeAgent({ skills: {}, model: idealModel({ skillQualityPenalty: 0.5, qualityNoise: 0.05 }) });
    const qualities = runAll(agent, manyTasks).map((p) => (p.outcome.ok ? p.outcome.quality : Number.NaN));
    expect(Math.abs(meanAndSd(qualities).mean - 0.5)).toBeLessThan(meanTolerance(0.05, N));
    const wild = makeAgent({ model: idealModel({ qualityNoise: 3 }) });
    const wildQualities = runAll(wild, manyTasks.slice(0, 2000)).map((p) => (p.outcome.ok ? p.outcome.quality : Number.NaN));
    expect(wildQualities.every((q) => q >= 0 && q <= 1)).toBe(true);
    expect(wildQualities.filter((q) => q === 0).length).toBeGreaterThan(0);
  });
});
