/**
 * scored: the whole pipeline as a scenario file configures it: defaults, the weighted sum,
 * filters and their fallback, learning through the engine, and the errors a scenario author
 * sees for a bad configuration.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AgentView } from '../../src/engine/agent.js';
import type { Binding } from '../../src/engine/strategy.js';
import type { TaskView } from '../../src/engine/task.js';
import { parseScenario } from '../../src/scenario/load.js';
import { scored } from '../../src/strategies/scored.js';
import { Harness } from '../support/harness.js';
import { expectInputError, generatedScenario, normalize, withField } from '../scenario/helpers.js';
import { decision, fleet, task } from './pipeline/fixtures.js';

function create(params: Record<string, unknown> = {}) {
  return scored.create(scored.params.parse(params));
}

function pick(params: Record<string, unknown>, agents: AgentView[], t: TaskView = task(), binding: Binding = 'late'): number | undefined {
  return create(params).pickAgent(t, decision(agents, { binding }))?.index;
}

describe('scored: configuration', () => {
  it('defaults to least-connections: one load scorer, the max picker, no filters', () => {
    expect(scored.params.parse({})).toEqual({
      filters: [], scorers: [{ name: 'load', weight: 1 }], picker: 'max', temperature: 0.1, fallback: 'unfiltered',
    });
    expect(pick({}, fleet({ capacity: 2, active: 1 }, { capacity: 4, active: 1 }, { capacity: 4, active: 3 }))).toBe(1);
  });

  it('adds up weight × score and picks the highest total', () => {
    const agents = fleet({ skills: { code: 0.9 }, active: 3 }, { skills: { code: 0.5 } });
    // a0: 0.9·w + 0.25·v; a1: 0.5·w + 1·v
    expect(pick({ scorers: [{ name: 'skill', weight: 1 }, { name: 'load', weight: 0.1 }] }, agents)).toBe(0);
    expect(pick({ scorers: [{ name: 'skill', weight: 1 }, { name: 'load', weight: 1 }] }, agents)).toBe(1);
    // A weight of 0 switches a scorer off.
    expect(pick({ scorers: [{ name: 'skill', weight: 1 }, { name: 'load', weight: 0 }] }, agents)).toBe(0);
  });

  it('never picks an agent that fails a filter while another passes', () => {
    const agents = fleet({ skills: { code: 0.3 } }, { skills: { code: 0.8 }, active: 3 }, { skills: { code: 0.9 }, contextUtilization: 0.95 });
    const params = { filters: [{ name: 'skill-at-least', min: 0.5 }, { name: 'context-below', max: 0.9 }] };
    expect(pick(params, agents)).toBe(1);
  });

  it('with fallback "unfiltered", scores every eligible agent when none passes the filters', () => {
    const agents = fleet({ skills: { code: 0.3 }, active: 1 }, { skills: { code: 0.2 } }, { skills: { code: 0.9 }, capacity: 1, active: 1 });
    expect(pick({ filters: [{ name: 'skill-at-least' }] }, agents)).toBe(1);
  });

  it('with fallback "wait", picks nobody while a passing agent is busy, and falls back when none could pass', () => {
    const params = { filters: [{ name: 'skill-at-least' }], fallback: 'wait' };
    expect(pick(params, fleet({ skills: { code: 0.3 } }, { skills: { code: 0.9 }, capacity: 1, active: 1 }))).toBeUndefined();
    expect(pick(params, fleet({ skills: { code: 0.3 } }, { skills: { code: 0.9 }, accepting: false }))).toBe(0);
    // Under early binding a busy agent is eligible: it is picked, no waiting.
    expect(pick(params, fleet({ skills: { code: 0.3 } }, { skills: { code: 0.9 }, capacity: 1, active: 1 }), task(), 'early')).toBe(1);
  });

  it('returns nobody when no agent is eligible, and the only candidate when there is one', () => {
    expect(pick({}, fleet({ capacity: 1, active: 1 }, { accepting: false }))).toBeUndefined();
    expect(pick({ picker: 'softmax' }, fleet({ capacity: 1, active: 1 }, {}))).toBe(1);
  });

  it('feeds settled attempts to its learning scorers through the engine', () => {
    const h = new Harness({
      strategy: create({ scorers: [{ name: 'quality-ewma', alpha: 1 }] }),
      agents: [{ id: 'a', capacity: 10 }, { id: 'b', capacity: 10 }],
    });
    h.submit({ id: 'first' }); // a: both unseen, the first of equals
    h.drive();
    h.finish('first', { ok: true, quality: 0.2 });
    h.submit({ id: 'second' }); // b: a now scores 0.2, b its prior 1
    expect(h.commandsOf('start').map((c) => c.agentId)).toEqual(['a', 'b']);
  });
});

describe('scored: configuration errors name the field and the allowed values', () => {
  const withStrategy = (params: unknown) => withField(generatedScenario(), 'strategies', [{ name: 'scored', params }]);

  it('an unknown scorer lists the scorers and guesses the intended one', () => {
    const error = expectInputError(
      () => normalize(withStrategy({ scorers: [{ name: 'skil', weight: 1 }] })),
      'strategies[0].params.scorers[0].name',
      'expected one of "skill", "load", "context", "tokens", "work-left", "affinity", "speed", "expected-finish", "quality-ewma", "latency-ewma", got "skil" (did you mean "skill"?)',
    );
    expect(error.message).toMatch(/^test\.yaml: strategies\[0\]\.params\.scorers\[0\]\.name: expected one of /);
  });

  it('an unknown filter lists the filters', () => {
    expectInputError(
      () => normalize(withStrategy({ filters: [{ name: 'has-tag' }] })),
      'strategies[0].params.filters[0].name',
      'expected one of "skill-at-least", "has-tags", "context-below", "load-below", got "has-tag" (did you mean "has-tags"?)',
    );
  });

  it('a scorer without a name, a misspelt setting, a bad picker or temperature each say what to write', () => {
    expectInputError(() => normalize(withStrategy({ scorers: [{ weight: 1 }] })), 'strategies[0].params.scorers[0].name', 'required: expected one of "skill"');
    expectInputError(() => normalize(withStrategy({ scorers: [{ name: 'skill', wieght: 1 }] })), 'strategies[0].params.scorers[0].wieght', 'unknown field "wieght"; known fields: name, weight');
    expectInputError(() => normalize(withStrategy({ scorers: [] })), 'strategies[0].params.scorers', 'expected a non-empty list');
    expectInputError(() => normalize(withStrategy({ picker: 'softmx' })), 'strategies[0].params.picker', 'expected one of "max", "weighted-random", "softmax", got "softmx" (did you mean "softmax"?)');
    expectInputError(() => normalize(withStrategy({ picker: 'softmax', temperature: 0 })), 'strategies[0].params.temperature', 'expected a number > 0, got 0');
    expectInputError(() => normalize(withStrategy({ scorers: [{ name: 'load', weight: -1 }] })), 'strategies[0].params.scorers[0].weight', 'expected a number >= 0, got -1');
    expectInputError(() => normalize(withStrategy({ filter: [] })), 'strategies[0].params.filter', 'unknown parameter "filter" (did you mean "filters"?); known parameters of scored: filters, scorers, picker, temperature, fallback');
  });

  it('reads the same through parseScenario from YAML text', () => {
    const yaml = `
name: bad-scorer
stop: { time: 10 }
agents: [{ id: solo, speed: 10 }]
workload: { arrivals: { process: poisson, rate: 1 }, tasks: [{ type: code, tokens: 100 }] }
strategies:
  - name: scored
    params:
      scorers: [{ name: skill }, { name: lod, weight: 0.3 }]
`;
    expectInputError(() => parseScenario(yaml, 'bad.yaml'), 'strategies[0].params.scorers[1].name', 'got "lod" (did you mean "load"?)', 'bad.yaml');
  });

  it('accepts the full example of docs/STRATEGIES.md', () => {
    const docs = readFileSync('docs/STRATEGIES.md', 'utf8');
    const example = /<!-- scored-example -->\s*```yaml\n([\s\S]*?)```/.exec(docs);
    expect(example, 'docs/STRATEGIES.md has a yaml block after <!-- scored-example -->').not.toBeNull();
    const scenario = parseScenario(example![1]!, 'STRATEGIES.md.yaml');
    const choice = scenario.strategies.find((s) => s.name === 'scored');
    expect(choice).toBeDefined();
    expect(() => scored.create(choice!.params as never)).not.toThrow();
  });
});
