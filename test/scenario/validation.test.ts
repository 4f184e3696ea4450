import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED_JOBS, MAX_RUN_SECONDS, MAX_TASK_TOKENS } from '../../src/scenario/schema.js';
import { strategyNames } from '../../src/strategies/index.js';
import { expectInputError, generatedScenario, jobScenario, normalize, withField } from './helpers.js';

/** Expects `normalize(base with path = value)` to fail at `errorPath` with `message`. */
function rejects(base: Record<string, unknown>, path: string, value: unknown, errorPath: string, message: RegExp | string): void {
  expectInputError(() => normalize(withField(base, path, value)), errorPath, message);
}

describe('wrong types and ranges name the field and say what was expected', () => {
  it('a string where a number belongs is "expected a number, got …"', () => {
    rejects(generatedScenario(), 'agents[0].speed', 'fast', 'agents[0].speed', 'expected a number, got "fast"');
  });

  it('a fraction where an integer belongs is "expected an integer"', () => {
    rejects(generatedScenario(), 'agents[0].capacity', 1.5, 'agents[0].capacity', 'expected an integer, got 1.5');
    rejects(generatedScenario(), 'seed', -1, 'seed', 'expected a number >= 0, got -1');
  });

  it('a stop or warm-up time past 2^53 s is refused: a run\'s agent-seconds over it would overflow (1e308 s crashed the summary)', () => {
    rejects(generatedScenario(), 'stop.time', 1e308, 'stop.time', `expected a number <= ${MAX_RUN_SECONDS}, got 1e+308`);
    rejects(generatedScenario(), 'warmup.time', 2 ** 60, 'warmup.time', `expected a number <= ${MAX_RUN_SECONDS}`);
    // At the bound the work budget is what refuses it (unless allowed huge).
    expect(() => normalize(withField(generatedScenario(), 'stop.time', MAX_RUN_SECONDS), { allowHuge: true })).not.toThrow();
  });

  it('a negative arrival rate is "expected a number > 0"', () => {
    rejects(generatedScenario(), 'workload.arrivals.rate', -1, 'workload.arrivals.rate', 'expected a number > 0, got -1');
  });

  it('a missing required field says it is required', () => {
    rejects(generatedScenario(), 'agents[0].speed', undefined, 'agents[0].speed', 'required: expected a number');
    rejects(generatedScenario(), 'name', undefined, 'name', 'required: expected a string');
  });

  it('a skill above 1 names the skill and the bound', () => {
    rejects(generatedScenario(), 'agents[0].skills.code', 1.2, 'agents[0].skills.code', 'expected a number <= 1, got 1.2');
  });

  it('an empty agents list is "expected a non-empty list"', () => {
    rejects(generatedScenario(), 'agents', [], 'agents', 'expected a non-empty list');
  });

  it('an unknown enum value lists the allowed values and guesses the intended one', () => {
    rejects(generatedScenario(), 'engine.binding', 'lazy', 'engine.binding', 'expected one of "late", "early", got "lazy"');
    rejects(generatedScenario(), 'workload.arrivals.process', 'poison', 'workload.arrivals.process', '"poisson", "mmpp", "none", got "poison" (did you mean "poisson"?)');
  });

  it('an unknown distribution names the allowed ones', () => {
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'normal', mean: 1 }, 'workload.tasks[0].tokens.dist', 'expected one of "constant", "exponential", "lognormal", "uniform", got "normal"');
  });

  it('tokens that are neither a number nor a distribution say both were possible', () => {
    rejects(generatedScenario(), 'workload.tasks[0].tokens', 'big', 'workload.tasks[0].tokens', 'expected a number or an object, got "big"');
  });

  it('a distribution with a bad parameter points into the distribution', () => {
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'exponential', mean: 0 }, 'workload.tasks[0].tokens.mean', 'expected a number > 0, got 0');
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'lognormal', mean: 5 }, 'workload.tasks[0].tokens.sd', 'required: expected a number');
  });

  it('a uniform distribution needs min <= max', () => {
    rejects(generatedScenario(), 'workload.tasks[0].deadline', { dist: 'uniform', min: 600, max: 120 }, 'workload.tasks[0].deadline.max', 'expected max >= min (600), got 120');
  });

  it('a model coefficient that would make work time infinite is out of range', () => {
    rejects(generatedScenario(), 'agents[0].model', { skillSpeedPenalty: 1 }, 'agents[0].model.skillSpeedPenalty', 'expected a number < 1, got 1');
    rejects(generatedScenario(), 'agentModel', { contextDegradeThreshold: 1 }, 'agentModel.contextDegradeThreshold', 'expected a number < 1, got 1');
  });

  it('replications are bounded to 1..1000', () => {
    rejects(generatedScenario(), 'replications', 0, 'replications', 'expected a number >= 1, got 0');
    rejects(generatedScenario(), 'replications', 1001, 'replications', 'expected a number <= 1000, got 1001');
  });

  it('a queue bound below 1 is an error (omit maxDepth for no bound)', () => {
    rejects(generatedScenario(), 'engine.queue.maxDepth', 0, 'engine.queue.maxDepth', 'expected a number >= 1, got 0');
  });
});

describe('unknown keys are errors, never silently ignored', () => {
  it('an unknown top-level key names it and guesses the intended one', () => {
    const raw = withField(generatedScenario(), 'agent', []);
    expectInputError(() => normalize(raw), 'agent', 'unknown field "agent" (did you mean "agents"?)');
  });

  it('a misspelt agent field is reported as unknown rather than as the field it hides', () => {
    const raw = withField(generatedScenario(), 'agents[0]', { id: 'solo', spead: 10 });
    expectInputError(() => normalize(raw), 'agents[0].spead', /^unknown field "spead" \(did you mean "speed"\?\); known fields: id, pool, count, capacity, speed,/);
  });

  it('an unknown key deep in the engine section names the full path', () => {
    rejects(generatedScenario(), 'engine.queue.maxDeph', 10, 'engine.queue.maxDeph', 'unknown field "maxDeph" (did you mean "maxDepth"?)');
    rejects(generatedScenario(), 'engine.retry.backoff.jiter', 0, 'engine.retry.backoff.jiter', 'unknown field "jiter"');
  });

  it('an unknown key in a distribution is an error', () => {
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'constant', value: 3, sd: 1 }, 'workload.tasks[0].tokens.sd', 'unknown field "sd"');
  });
});

describe('strategies', () => {
  it('an unknown strategy is an input error naming it and listing the known ones', () => {
    const raw = withField(generatedScenario(), 'strategies', ['random', 'round-robbin']);
    const error = expectInputError(() => normalize(raw), 'strategies[1]', 'unknown strategy "round-robbin" (did you mean "round-robin"?)');
    for (const name of strategyNames()) expectContains(error.expected, name);
  });

  it('an unknown strategy given with params points at its name', () => {
    rejects(generatedScenario(), 'strategies', [{ name: 'nope', params: {} }], 'strategies[0].name', /^unknown strategy "nope"; known strategies: /);
  });

  it('parameters are validated by the strategy\'s own schema', () => {
    rejects(generatedScenario(), 'strategies', [{ name: 'random', params: { bias: 1 } }], 'strategies[0].params.bias', 'unknown parameter "bias"; random takes no parameters');
  });

  it('a misspelt key of a strategy entry is reported as unknown', () => {
    rejects(generatedScenario(), 'strategies', [{ nam: 'random' }], 'strategies[0].nam', 'unknown field "nam" (did you mean "name"?)');
  });

  it('an empty list is an error', () => {
    rejects(generatedScenario(), 'strategies', [], 'strategies', 'expected a non-empty list');
  });
});

describe('agents', () => {
  it('a skill naming an unknown task type is an input error naming agents[0].skills.reviw', () => {
    const raw = withField(generatedScenario(), 'agents[0].skills', { code: 1, reviw: 0.5 });
    expectInputError(() => normalize(raw), 'agents[0].skills.reviw', 'no task type "reviw" in the workload (did you mean "review"?); known types: code, review');
  });

  it('a skill may name a type that only listed jobs have', () => {
    const raw = withField(jobScenario(), 'agents[0].skills', { build: 1, test: 0.5 });
    normalize(raw);
    rejects(jobScenario(), 'agents[0].skills', { deploy: 1 }, 'agents[0].skills.deploy', 'known types: build, test');
  });

  it('agent ids must be unique, pools included', () => {
    const raw = withField(generatedScenario(), 'agents', [
      { pool: 'coder', count: 2, speed: 1 },
      { id: 'coder-1', speed: 1 },
    ]);
    expectInputError(() => normalize(raw), 'agents[1].id', 'duplicate agent id "coder-1" (also made by agents[0])');
  });

  it('any fleet of pools and single agents is refused exactly when two agents share an id, at the first one in file order', () => {
    // Names chosen to meet: pools `a` and `a-1` against single ids `a-1`, `a-01`, `a-1-0`, `1`.
    const entry = fc.oneof(
      fc.record({ pool: fc.constantFrom('a', 'a-1', 'b'), count: fc.integer({ min: 1, max: 3 }), speed: fc.constant(1) }),
      fc.record({ id: fc.constantFrom('a-1', 'a-01', 'a-1-0', 'a-3', 'b', '1'), speed: fc.constant(1) }),
    );
    fc.assert(fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (entries) => {
      const raw = withField(generatedScenario(), 'agents', entries);
      const firstOf = new Map<string, number>();
      let duplicate: { readonly id: string; readonly at: number; readonly earlier: number } | undefined;
      entries.forEach((agent, i) => {
        const ids = 'pool' in agent ? Array.from({ length: agent.count }, (_, k) => `${agent.pool}-${k}`) : [agent.id];
        for (const id of ids) {
          const earlier = firstOf.get(id);
          if (earlier !== undefined && duplicate === undefined) duplicate = { id, at: i, earlier };
          if (earlier === undefined) firstOf.set(id, i);
        }
      });
      if (duplicate === undefined) {
        expect(normalize(raw).agents.map((agent) => agent.spec.id)).toEqual([...firstOf.keys()]);
      } else {
        const field = 'pool' in entries[duplicate.at]! ? 'pool' : 'id';
        expectInputError(() => normalize(raw), `agents[${duplicate.at}].${field}`, `duplicate agent id "${duplicate.id}" (also made by agents[${duplicate.earlier}])`);
      }
    }), { seed: 1, numRuns: 300 });
  });

  it('an entry is either one agent (id) or a pool (pool + count)', () => {
    rejects(generatedScenario(), 'agents[0]', { id: 'a', pool: 'b', count: 2, speed: 1 }, 'agents[0].pool', 'not both');
    rejects(generatedScenario(), 'agents[0]', { speed: 1 }, 'agents[0].id', 'required: expected id (one agent) or pool with count');
    rejects(generatedScenario(), 'agents[0]', { pool: 'coder', speed: 1 }, 'agents[0].count', 'required: a pool needs count');
    rejects(generatedScenario(), 'agents[0]', { id: 'a', count: 2, speed: 1 }, 'agents[0].count', 'count applies to pools only');
  });
});

describe('workload', () => {
  it('a workload with neither arrivals nor jobs has nothing to run', () => {
    rejects(generatedScenario(), 'workload', { tasks: [] }, 'workload', 'nothing to run');
  });

  it('task types without an arrival process would be ignored, so they are an error', () => {
    rejects(jobScenario(), 'workload.tasks', [{ type: 'build', tokens: 1 }], 'workload.tasks', 'task types need an arrival process');
  });

  it('an arrival process needs task types to generate', () => {
    rejects(generatedScenario(), 'workload.tasks', [], 'workload.tasks', 'expected a non-empty list');
  });

  it('an MMPP with both rates 0 would never produce a task', () => {
    const mmpp = { process: 'mmpp', rates: [0, 0], dwell: [100, 10] };
    rejects(generatedScenario(), 'workload.arrivals', mmpp, 'workload.arrivals.rates', 'expected at least one rate > 0');
    rejects(generatedScenario(), 'workload.arrivals', { ...mmpp, rates: [1] }, 'workload.arrivals.rates', 'expected at least 2 items, got 1');
    rejects(generatedScenario(), 'workload.arrivals', { ...mmpp, rates: [1, 2], dwell: [100, 0] }, 'workload.arrivals.dwell[1]', 'expected a number > 0, got 0');
  });

  it('an MMPP whose cycles almost never bring a task (the run crashed after a million state switches) is refused at dwell', () => {
    const mmpp = { process: 'mmpp', rates: [0.08, 0.8], dwell: [1e-300, 1e-300] };
    rejects(generatedScenario(), 'workload.arrivals', mmpp, 'workload.arrivals.dwell', /^expected rates × dwell \(the arrivals of one calm-and-burst cycle\) to be at least 0\.0001, got 8\.8e-301/);
    rejects(generatedScenario(), 'workload.arrivals', { ...mmpp, rates: [0, 1e-9], dwell: [1, 1] }, 'workload.arrivals.dwell', 'got 1e-9');
    expectAccepted(withField(generatedScenario(), 'workload.arrivals', { ...mmpp, rates: [0, 1e-4], dwell: [5, 1] }));
  });

  it('task type names are unique', () => {
    rejects(generatedScenario(), 'workload.tasks[1].type', 'code', 'workload.tasks[1].type', 'duplicate task type "code" (first at workload.tasks[0].type)');
  });

  it('a priority map must have levels 0..4 as keys', () => {
    rejects(generatedScenario(), 'workload.tasks[0].priority', { 1: 0.5, 7: 0.5 }, 'workload.tasks[0].priority.7', 'expected a priority level 0..4 as key, got "7"');
    rejects(generatedScenario(), 'workload.tasks[0].priority', { high: 1 }, 'workload.tasks[0].priority.high', 'as key, got "high"');
  });

  it('a priority map\'s probabilities must sum to 1', () => {
    rejects(generatedScenario(), 'workload.tasks[0].priority', { 1: 0.2, 2: 0.7 }, 'workload.tasks[0].priority', 'expected probabilities that sum to 1, got a sum of 0.9');
    rejects(generatedScenario(), 'workload.tasks[0].priority', { 1: 1.5 }, 'workload.tasks[0].priority.1', 'expected a number <= 1, got 1.5');
  });

  it('a priority level outside 0..4 is an error', () => {
    rejects(generatedScenario(), 'workload.tasks[0].priority', 5, 'workload.tasks[0].priority', 'expected a number <= 4, got 5');
    rejects(jobScenario(), 'workload.jobs[0].priority', -1, 'workload.jobs[0].priority', 'expected a number >= 0, got -1');
  });
});

describe('jobs and their dependencies', () => {
  it('dependsOn naming an unknown job is an input error at that entry', () => {
    rejects(jobScenario(), 'workload.jobs[2].dependsOn', ['a', 'bb'], 'workload.jobs[2].dependsOn[1]', 'no job has id "bb"');
  });

  it('a cycle in dependsOn is an input error naming one job of the cycle and listing the cycle', () => {
    // a waits for c, c for b, b for a.
    const raw = withField(jobScenario(), 'workload.jobs[0].dependsOn', ['c']);
    expectInputError(() => normalize(raw), 'workload.jobs[0].dependsOn[0]', 'dependency cycle: a → c → b → a');
  });

  it('a cycle found from a later job still names the cycle\'s first job in the file', () => {
    const raw = withField(jobScenario(), 'workload.jobs[1].dependsOn', ['a', 'c']);
    expectInputError(() => normalize(raw), 'workload.jobs[1].dependsOn[1]', 'dependency cycle: b → c → b');
  });

  it('a job depending on itself is a cycle', () => {
    rejects(jobScenario(), 'workload.jobs[0].dependsOn', ['a'], 'workload.jobs[0].dependsOn[0]', 'dependency cycle: a → a');
  });

  it('the same dependency listed twice is an error', () => {
    rejects(jobScenario(), 'workload.jobs[1].dependsOn', ['a', 'a'], 'workload.jobs[1].dependsOn[1]', '"a" is listed twice');
  });

  it('job ids are unique', () => {
    rejects(jobScenario(), 'workload.jobs[2].id', 'a', 'workload.jobs[2].id', 'duplicate job id "a" (first at workload.jobs[0].id)');
  });

  it('a job may not take an id of a generated task (t0, t1, …)', () => {
    const raw = withField(generatedScenario(), 'workload.jobs', [{ id: 't3', at: 0, type: 'code', tokens: 1 }]);
    expectInputError(() => normalize(raw), 'workload.jobs[0].id', '"t3" is reserved');
  });

  it('a job after stop.time would never be submitted, so it is an error', () => {
    const raw = withField(generatedScenario(), 'workload.jobs', [{ id: 'late', at: 101, type: 'code', tokens: 1 }]);
    expectInputError(() => normalize(raw), 'workload.jobs[0].at', 'expected at most stop.time (100 s), got 101');
  });
});

describe('stop and warm-up', () => {
  it('generated work needs a stop condition', () => {
    rejects(generatedScenario(), 'stop', undefined, 'stop', 'required: expected time (seconds) or tasks');
  });

  it('stop needs time or tasks', () => {
    rejects(generatedScenario(), 'stop', {}, 'stop', 'expected time (seconds) or tasks');
    rejects(generatedScenario(), 'stop', { drain: true }, 'stop', 'expected time (seconds) or tasks');
  });

  it('stop limits must be positive', () => {
    rejects(generatedScenario(), 'stop', { time: 0 }, 'stop.time', 'expected a number > 0, got 0');
    rejects(generatedScenario(), 'stop', { tasks: 0 }, 'stop.tasks', 'expected a number >= 1, got 0');
  });

  it('drain: false without a time limit cannot be honoured', () => {
    rejects(generatedScenario(), 'stop', { tasks: 10, drain: false }, 'stop.drain', 'drain: false needs stop.time');
  });

  it('stop.tasks counts generated tasks, so it needs arrivals', () => {
    rejects(jobScenario(), 'stop', { tasks: 10 }, 'stop.tasks', 'counts generated tasks');
  });

  it('a warm-up as long as the run leaves nothing to measure', () => {
    rejects(generatedScenario(), 'warmup', { time: 100 }, 'warmup.time', 'expected less than stop.time (100 s), got 100');
    const byTasks = withField(generatedScenario(), 'stop', { tasks: 50 });
    expectInputError(() => normalize(withField(byTasks, 'warmup', { tasks: 50 })), 'warmup.tasks', 'expected less than stop.tasks (50), got 50');
  });

  it('an empty warm-up is an error rather than a silent no-op', () => {
    rejects(generatedScenario(), 'warmup', {}, 'warmup', 'expected time (seconds) or tasks');
  });
});

function expectContains(text: string, part: string): void {
  if (!text.includes(part)) throw new Error(`expected ${JSON.stringify(text)} to contain ${JSON.stringify(part)}`);
}

describe('numbers far out of range are refused with the field\'s documented bound', () => {
  it('NaN and infinity (YAML .nan, .inf) are "expected a finite number"', () => {
    rejects(generatedScenario(), 'workload.arrivals.rate', NaN, 'workload.arrivals.rate', 'expected a finite number, got NaN');
    rejects(generatedScenario(), 'agents[0].speed', Infinity, 'agents[0].speed', 'expected a finite number, got Infinity');
  });

  it('a huge integer quotes the field\'s own maximum, not the safe-integer limit', () => {
    rejects(generatedScenario(), 'agents[0].capacity', 1e300, 'agents[0].capacity', 'expected a number <= 10000, got 1e+300');
    rejects(generatedScenario(), 'stop', { tasks: 1e15 }, 'stop.tasks', 'expected a number <= 1000000000, got 1000000000000000');
    rejects(generatedScenario(), 'seed', 1e300, 'seed', 'expected a number <= 999999999999999, got 1e+300');
    rejects(generatedScenario(), 'engine.retry.maxRetries', 1e300, 'engine.retry.maxRetries', 'expected a number <= 1000');
  });

  it('model coefficients and delays that would make event times infinite or NaN are bounded', () => {
    rejects(generatedScenario(), 'agents[0].model', { serviceTimeCv: 1e300 }, 'agents[0].model.serviceTimeCv', 'expected a number <= 10, got 1e+300');
    rejects(generatedScenario(), 'agentModel', { offerResponseSeconds: 1e300 }, 'agentModel.offerResponseSeconds', 'expected a number <= 86400, got 1e+300');
    rejects(generatedScenario(), 'agents[0].speed', 1e300, 'agents[0].speed', 'expected a number <= 1000000000, got 1e+300');
  });

  it('an autoscaler cold start longer than a day is refused', () => {
    const scaled = withField(withField(generatedScenario(), 'agents', [{ pool: 'p', count: 1, speed: 10 }]), 'engine.autoscale', [{ pool: 'p', min: 1, max: 2, coldStart: 1e300 }]);
    rejects(scaled, 'engine.autoscale[0].coldStart', 1e300, 'engine.autoscale[0].coldStart', 'expected a number <= 86400, got 1e+300');
  });

  it('a lognormal whose sd dwarfs its mean (infinite samples) is refused', () => {
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'lognormal', mean: 100, sd: 1e300 }, 'workload.tasks[0].tokens.sd', 'expected at most 100 × mean, got 1e+300');
    expectAccepted(withField(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'lognormal', mean: 100, sd: 10_000 }));
  });

  it('token counts above 10⁹ are refused: two tasks of 1e308 tokens made the run\'s token totals infinite', () => {
    const bound = `expected a number <= ${MAX_TASK_TOKENS}, got 1e+308`;
    rejects(generatedScenario(), 'workload.tasks[0].tokens', 1e308, 'workload.tasks[0].tokens', bound);
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'lognormal', mean: 1e308, sd: 1 }, 'workload.tasks[0].tokens.mean', bound);
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'exponential', mean: 1e308 }, 'workload.tasks[0].tokens.mean', bound);
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'constant', value: 1e308 }, 'workload.tasks[0].tokens.value', bound);
    rejects(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'uniform', min: 0, max: 1e308 }, 'workload.tasks[0].tokens.max', bound);
    rejects(generatedScenario(), 'workload.tasks[0].contextTokens', 1e308, 'workload.tasks[0].contextTokens', bound);
    rejects(jobScenario(), 'workload.jobs[0].tokens', 1e308, 'workload.jobs[0].tokens', bound);
    rejects(jobScenario(), 'workload.jobs[0].contextTokens', 1e308, 'workload.jobs[0].contextTokens', bound);
    expectAccepted(withField(generatedScenario(), 'workload.tasks[0].tokens', MAX_TASK_TOKENS));
    expectAccepted(withField(generatedScenario(), 'workload.tasks[0].tokens', { dist: 'uniform', min: 0, max: MAX_TASK_TOKENS }));
  });

  it('a deadline distribution is in seconds, not tokens: it keeps no token bound', () => {
    expectAccepted(withField(generatedScenario(), 'workload.tasks[0].deadline', { dist: 'uniform', min: 0, max: 1e12 }));
  });

  it('more listed jobs than the documented maximum are refused', () => {
    const jobs = Array.from({ length: MAX_LISTED_JOBS + 1 }, (_, i) => ({ id: `j${i}`, at: 0, type: 'build', tokens: 1 }));
    rejects(jobScenario(), 'workload.jobs', jobs, 'workload.jobs', `expected at most ${MAX_LISTED_JOBS} items, got ${MAX_LISTED_JOBS + 1}`);
  });
});

function expectAccepted(raw: Record<string, unknown>): void {
  expect(() => normalize(raw)).not.toThrow();
}

describe('strategy parameters', () => {
  it('an unknown parameter lists the strategy\'s parameters and guesses the intended one', () => {
    rejects(generatedScenario(), 'strategies', [{ name: 'power-of-d', params: { dd: 1 } }], 'strategies[0].params.dd', 'unknown parameter "dd"; known parameters of power-of-d: d');
    rejects(generatedScenario(), 'strategies', [{ name: 'predictive', params: { windowTask: 5 } }], 'strategies[0].params.windowTask',
      'unknown parameter "windowTask" (did you mean "windowTasks"?); known parameters of predictive: windowTasks, minSkill');
  });
});

describe('deadline shorthand', () => {
  it('a number is a constant deadline in seconds, like the tokens shorthand', () => {
    const scenario = normalize(withField(generatedScenario(), 'workload.tasks[0].deadline', 60));
    expect(scenario.workload.taskTypes[0]!.deadline).toEqual({ dist: 'constant', value: 60 });
  });

  it('a workflow deadline may be a number too; zero or a word is refused', () => {
    const workflow = { name: 'wf', arrivals: { process: 'poisson', rate: 0.1 }, deadline: 300, dag: { fanOut: 2, depth: 1 }, nodes: [{ type: 'code', tokens: 10 }] };
    expect(normalize(withField(generatedScenario(), 'workload.workflows', [workflow])).workload.workflows[0]!.deadline).toEqual({ dist: 'constant', value: 300 });
    rejects(generatedScenario(), 'workload.tasks[0].deadline', 0, 'workload.tasks[0].deadline', 'expected a number > 0, got 0');
    rejects(generatedScenario(), 'workload.tasks[0].deadline', 'soon', 'workload.tasks[0].deadline', 'expected a number or an object, got "soon"');
  });
});

describe('live metrics windows', () => {
  it('default to 10 s intervals kept for an hour; 0 keeps no windows', () => {
    expect(normalize(generatedScenario()).live).toMatchObject({ metricsIntervalSeconds: 10, metricsWindowSeconds: 3600 });
    expect(normalize(withField(generatedScenario(), 'live', { metricsWindowSeconds: 0 })).live.metricsWindowSeconds).toBe(0);
  });

  it('an interval not in (0, 3600], a window not in [0, 604800], or more than 100,000 intervals is refused naming the field', () => {
    rejects(generatedScenario(), 'live', { metricsIntervalSeconds: 0 }, 'live.metricsIntervalSeconds', 'expected a number > 0, got 0');
    rejects(generatedScenario(), 'live', { metricsIntervalSeconds: 7200 }, 'live.metricsIntervalSeconds', 'expected a number <= 3600, got 7200');
    rejects(generatedScenario(), 'live', { metricsWindowSeconds: -1 }, 'live.metricsWindowSeconds', 'expected a number >= 0, got -1');
    rejects(generatedScenario(), 'live', { metricsWindowSeconds: 'hour' }, 'live.metricsWindowSeconds', 'expected a number, got "hour"');
    rejects(generatedScenario(), 'live', { metricsIntervalSeconds: 0.01, metricsWindowSeconds: 3600 }, 'live.metricsWindowSeconds',
      'expected at most 100000 intervals of live.metricsIntervalSeconds (0.01 s), got 3600 s (360000 intervals)');
    // Exactly the most: 12,500 s of 0.125 s.
    expect(normalize(withField(generatedScenario(), 'live', { metricsIntervalSeconds: 0.125, metricsWindowSeconds: 12_500 })).live.metricsWindowSeconds).toBe(12_500);
  });
});
