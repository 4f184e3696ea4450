import { describe, expect, it } from 'vitest';
import { strategyNames } from '../../src/strategies/index.js';
import { expectInputError, generatedScenario, normalize, withField } from './helpers.js';

describe('command-line overrides', () => {
  it('--seed and --replications replace the file\'s values', () => {
    const scenario = normalize(generatedScenario(), { seed: 99, replications: 2 });
    expect(scenario.seed).toBe(99);
    expect(scenario.replications).toBe(2);
  });

  it('--strategy replaces the file\'s list with those names and default parameters', () => {
    const scenario = normalize(generatedScenario(), { strategies: ['least-connections', ' random', 'least-connections'] });
    expect(scenario.strategies).toEqual([
      { name: 'least-connections', label: 'least-connections', params: {} },
      { name: 'random', label: 'random', params: {} },
      { name: 'least-connections', label: 'least-connections#2', params: {} },
    ]);
  });

  it('an unknown --strategy is an input error at --strategy listing the known names', () => {
    const error = expectInputError(() => normalize(generatedScenario(), { strategies: ['random', 'fastest'] }), '--strategy', 'unknown strategy "fastest"; known strategies: ');
    for (const name of strategyNames()) expect(error.expected).toContain(name);
  });

  it('an empty --strategy list or name is an input error', () => {
    expectInputError(() => normalize(generatedScenario(), { strategies: [] }), '--strategy', 'expected a comma-separated list of strategy names');
    expectInputError(() => normalize(generatedScenario(), { strategies: ['random', ''] }), '--strategy', 'expected a comma-separated list');
  });

  it('an invalid --seed or --replications is an input error naming the flag', () => {
    expectInputError(() => normalize(generatedScenario(), { seed: -1 }), '--seed', 'expected an integer 0..999999999999999, got -1');
    expectInputError(() => normalize(generatedScenario(), { seed: 1.5 }), '--seed', 'got 1.5');
    expectInputError(() => normalize(generatedScenario(), { replications: 0 }), '--replications', 'expected an integer 1..1000, got 0');
  });

  it('a bad flag is reported even when the file is also invalid', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'name', 5), { seed: -1 }), '--seed', 'expected an integer 0..');
  });

  it('overriding the strategies does not hide an invalid strategy in the file', () => {
    const raw = withField(generatedScenario(), 'strategies', ['no-such-strategy']);
    expectInputError(() => normalize(raw, { strategies: ['random'] }), 'strategies[0]', 'unknown strategy "no-such-strategy"');
  });
});
