import { describe, expect, it } from 'vitest';
import type { EngineConfig } from '../../src/engine/config.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { AgentModel } from '../../src/scenario/types.js';
import { generatedScenario, jobScenario, normalize, withField } from './helpers.js';

/** The documented defaults (docs/SCENARIOS.md), written out so that a changed default fails. */
const DOCUMENTED_MODEL: AgentModel = {
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
  offerResponseSeconds: 1,
  rejectBase: 0,
  rejectLoad: 0,
  rejectContext: 0,
};

const DOCUMENTED_ENGINE: EngineConfig = {
  binding: 'late',
  queue: { maxDepth: Infinity, overflow: 'reject', dispatchScanLimit: 256 },
  retry: { maxRetries: 3, backoff: { baseSeconds: 1, factor: 2, jitter: 0.1, maxSeconds: 300 }, minQuality: 0 },
  delegation: { mode: 'assign', claim: 'strategy', offerTimeoutSeconds: Infinity, maxOffers: 10 },
  dependencies: { onFailure: 'cancel' },
  failureMemory: { seconds: 0, maxEntries: 10_000 },
  preemption: 'none',
  ingress: { ratePerSecond: Infinity, burst: 1 },
  autoscale: [],
  settledMemory: 0,
};

describe('top-level defaults', () => {
  it('a scenario that sets only what it must gets seed 1, 5 replications, no warm-up and no description', () => {
    const scenario = normalize(generatedScenario());
    expect(scenario.description).toBe('');
    expect(scenario.seed).toBe(1);
    expect(scenario.replications).toBe(5);
    expect(scenario.warmup).toEqual({ timeSeconds: 0, tasks: 0 });
    expect(scenario.source).toBe('test.yaml');
  });

  it('the engine section defaults to late binding, an unbounded queue and 3 retries with backoff', () => {
    expect(normalize(generatedScenario()).engine).toEqual(DOCUMENTED_ENGINE);
  });

  it('engine fields map to EngineConfig names, unset ones keeping their defaults', () => {
    const raw = withField(generatedScenario(), 'engine', { retry: { backoff: { base: 0.5, max: 20 } }, queue: { maxDepth: 10 } });
    const engine = normalize(raw).engine;
    expect(engine.retry.backoff).toEqual({ baseSeconds: 0.5, factor: 2, jitter: 0.1, maxSeconds: 20 });
    expect(engine.queue).toEqual({ maxDepth: 10, overflow: 'reject', dispatchScanLimit: 256 });
  });

  it('settled memory defaults to 0 without dependencies and to 1,000,000 with them', () => {
    expect(normalize(withField(jobScenario(), 'workload.jobs[1].dependsOn', [])).engine.settledMemory).toBe(1_000_000);
    const noDeps = withField(withField(jobScenario(), 'workload.jobs[1].dependsOn', []), 'workload.jobs[2].dependsOn', []);
    expect(normalize(noDeps).engine.settledMemory).toBe(0);
    expect(normalize(withField(jobScenario(), 'engine.settledMemory', 50)).engine.settledMemory).toBe(50);
  });
});

describe('stop and drain', () => {
  it('a time limit alone stops arrivals at that time and does not drain', () => {
    expect(normalize(generatedScenario()).stop).toEqual({ timeSeconds: 100, tasks: Infinity, drain: false });
  });

  it('a task count alone has no time limit and drains', () => {
    expect(normalize(withField(generatedScenario(), 'stop', { tasks: 500 })).stop).toEqual({ timeSeconds: Infinity, tasks: 500, drain: true });
  });

  it('both limits: whichever comes first, no drain unless asked', () => {
    expect(normalize(withField(generatedScenario(), 'stop', { time: 60, tasks: 500 })).stop).toEqual({ timeSeconds: 60, tasks: 500, drain: false });
    expect(normalize(withField(generatedScenario(), 'stop', { time: 60, drain: true })).stop.drain).toBe(true);
  });

  it('listed jobs alone need no stop and run until every task is final', () => {
    expect(normalize(jobScenario()).stop).toEqual({ timeSeconds: Infinity, tasks: Infinity, drain: true });
  });

  it('a warm-up by tasks leaves the time part at 0', () => {
    const raw = withField(withField(generatedScenario(), 'stop', { tasks: 500 }), 'warmup', { tasks: 50 });
    expect(normalize(raw).warmup).toEqual({ timeSeconds: 0, tasks: 50 });
  });
});

describe('agents', () => {
  it('a single agent gets capacity 1, weight = capacity, no tags, no failures and the default model', () => {
    const [agent] = normalize(generatedScenario()).agents;
    expect(agent).toEqual({
      spec: { id: 'solo', capacity: 1, tokensPerSecond: 10, skills: { code: 1, review: 0.5 }, weight: 1, tags: [] },
      failureRate: 0,
      model: DOCUMENTED_MODEL,
    });
    expect(agent!.spec).not.toHaveProperty('contextWindowTokens');
  });

  it('weight defaults to capacity; an explicit weight is kept', () => {
    expect(normalize(withField(generatedScenario(), 'agents[0].capacity', 4)).agents[0]!.spec.weight).toBe(4);
    expect(normalize(withField(generatedScenario(), 'agents[0].weight', 0.5)).agents[0]!.spec.weight).toBe(0.5);
  });

  it('skills default to none (every type counts as skill 0)', () => {
    expect(normalize(jobScenario()).agents[0]!.spec.skills).toEqual({});
  });

  it('a pool expands into ids coder-0, coder-1, coder-2 with the pool name as first tag', () => {
    const raw = withField(generatedScenario(), 'agents', [
      { pool: 'coder', count: 3, capacity: 2, speed: 40, skills: { code: 0.9 }, tags: ['fast'], contextWindow: 128000, failureRate: 0.01 },
      { id: 'solo', speed: 10 },
    ]);
    const agents = normalize(raw).agents;
    expect(agents.map((agent) => agent.spec.id)).toEqual(['coder-0', 'coder-1', 'coder-2', 'solo']);
    for (const agent of agents.slice(0, 3)) {
      expect(agent.spec).toMatchObject({ capacity: 2, tokensPerSecond: 40, skills: { code: 0.9 }, weight: 2, tags: ['coder', 'fast'], contextWindowTokens: 128000 });
      expect(agent.failureRate).toBe(0.01);
    }
  });

  it('agentModel sets defaults for every agent, and an agent\'s model overrides them field by field', () => {
    const raw = withField(
      withField(generatedScenario(), 'agentModel', { qualityNoise: 0, skillSpeedPenalty: 0.2 }),
      'agents',
      [
        { id: 'plain', speed: 1 },
        { id: 'custom', speed: 1, model: { skillSpeedPenalty: 0, compactSeconds: 30 } },
      ],
    );
    const [plain, custom] = normalize(raw).agents;
    expect(plain!.model).toEqual({ ...DOCUMENTED_MODEL, qualityNoise: 0, skillSpeedPenalty: 0.2 });
    expect(custom!.model).toEqual({ ...DOCUMENTED_MODEL, qualityNoise: 0, skillSpeedPenalty: 0, compactSeconds: 30 });
  });
});

describe('workload', () => {
  it('a task type gets weight 1, no context, priority 2 and a number of tokens becomes a constant', () => {
    const [code] = normalize(generatedScenario()).workload.taskTypes;
    expect(code).toEqual({ type: 'code', weight: 1, tokens: { dist: 'constant', value: 100 }, contextTokens: 0, priority: [{ level: 2, probability: 1 }], tags: [] });
  });

  it('a priority map { 1: 0.2, 2: 0.8 } becomes levels with probabilities, sorted by level', () => {
    const raw = withField(generatedScenario(), 'workload.tasks[0].priority', { 3: 0.5, 0: 0.3, 1: 0.2 });
    expect(normalize(raw).workload.taskTypes[0]!.priority).toEqual([
      { level: 0, probability: 0.3 },
      { level: 1, probability: 0.2 },
      { level: 3, probability: 0.5 },
    ]);
  });

  it('a priority map from YAML text parses the same way', () => {
    const text = [
      'name: p',
      'stop: { time: 10 }',
      'agents: [{ id: a, speed: 1 }]',
      'workload:',
      '  arrivals: { process: poisson, rate: 1 }',
      '  tasks: [{ type: code, tokens: 5, priority: { 1: 0.2, 2: 0.8 } }]',
      'strategies: [random]',
    ].join('\n');
    expect(parseScenario(text, 'p.yaml').workload.taskTypes[0]!.priority).toEqual([
      { level: 1, probability: 0.2 },
      { level: 2, probability: 0.8 },
    ]);
  });

  it('a single priority level is probability 1', () => {
    expect(normalize(withField(generatedScenario(), 'workload.tasks[0].priority', 0)).workload.taskTypes[0]!.priority).toEqual([{ level: 0, probability: 1 }]);
  });

  it('context keys default to Zipf exponent 1; timeout, ttl and deadline keep their names with units', () => {
    const raw = withField(generatedScenario(), 'workload.tasks[0]', {
      type: 'code',
      tokens: { dist: 'uniform', min: 1, max: 3 },
      contextKeys: { count: 40 },
      deadline: { dist: 'constant', value: 60 },
      timeout: 30,
      ttl: 600,
      maxRetries: 0,
    });
    expect(normalize(raw).workload.taskTypes[0]).toMatchObject({
      contextKeys: { count: 40, zipf: 1 },
      deadline: { dist: 'constant', value: 60 },
      timeoutSeconds: 30,
      ttlSeconds: 600,
      maxRetries: 0,
    });
  });

  it('Poisson and MMPP arrivals map to rates per second and mean dwell times', () => {
    expect(normalize(generatedScenario()).workload.arrivals).toEqual({ process: 'poisson', ratePerSecond: 1 });
    const mmpp = withField(generatedScenario(), 'workload.arrivals', { process: 'mmpp', rates: [0.1, 2], dwell: [600, 60] });
    expect(normalize(mmpp).workload.arrivals).toEqual({ process: 'mmpp', ratesPerSecond: [0.1, 2], meanDwellSeconds: [600, 60] });
  });

  it('without arrivals the process is none', () => {
    expect(normalize(jobScenario()).workload.arrivals).toEqual({ process: 'none' });
    expect(normalize(jobScenario()).workload.taskTypes).toEqual([]);
  });

  it('a job gets priority 2, no context and no dependencies unless it says so', () => {
    const jobs = normalize(jobScenario()).workload.jobs;
    expect(jobs[0]).toEqual({ id: 'a', atSeconds: 0, type: 'build', tokens: 10, priority: 2, contextTokens: 0, dependsOn: [], dependencyPolicy: {}, tags: [] });
    expect(jobs[2]!.dependsOn).toEqual(['b']);
  });

  it('a job\'s optional fields keep their names with units', () => {
    const raw = withField(jobScenario(), 'workload.jobs[0]', { id: 'a', at: 5, type: 'build', tokens: 0, priority: 0, contextKey: 'repo', contextTokens: 100, deadline: 60, timeout: 10, ttl: 20, maxRetries: 1 });
    expect(normalize(raw).workload.jobs[0]).toEqual({
      id: 'a', atSeconds: 5, type: 'build', tokens: 0, priority: 0, contextKey: 'repo', contextTokens: 100,
      deadlineSeconds: 60, dependsOn: [], dependencyPolicy: {}, timeoutSeconds: 10, ttlSeconds: 20, maxRetries: 1, tags: [],
    });
  });
});

describe('strategies', () => {
  it('a strategy listed again is labelled name#2, name#3', () => {
    const raw = withField(generatedScenario(), 'strategies', ['random', 'round-robin', { name: 'random' }, { name: 'random', params: {} }]);
    expect(normalize(raw).strategies).toEqual([
      { name: 'random', label: 'random', params: {} },
      { name: 'round-robin', label: 'round-robin', params: {} },
      { name: 'random', label: 'random#2', params: {} },
      { name: 'random', label: 'random#3', params: {} },
    ]);
  });
});
