import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatStrategySpec, parseStrategySpecs, splitStrategySpecs } from '../../src/scenario/strategySpec.js';
import { expectInputError, generatedScenario, normalize, withField, FILE } from './helpers.js';

describe('--strategy specs', () => {
  it('splits at top-level commas only: commas inside braces, brackets and quotes belong to a spec', () => {
    expect(splitStrategySpecs('power-of-d{d=3,x=1},random', FILE)).toEqual(['power-of-d{d=3,x=1}', 'random']);
    expect(splitStrategySpecs('scored{scorers=[{"name":"load","weight":1}],picker="a,b"},random', FILE))
      .toEqual(['scored{scorers=[{"name":"load","weight":1}],picker="a,b"}', 'random']);
    expect(splitStrategySpecs('a,b,c', FILE)).toEqual(['a', 'b', 'c']);
  });

  it('unbalanced braces or quotes are input errors at --strategy', () => {
    expectInputError(() => splitStrategySpecs('power-of-d{d=3', FILE), '--strategy', 'unclosed "{" or "["');
    expectInputError(() => splitStrategySpecs('power-of-d}', FILE), '--strategy', 'unbalanced "}"');
    expectInputError(() => splitStrategySpecs('scored{picker="max}', FILE), '--strategy', 'unclosed quote');
  });

  it('reads numbers, booleans, words and JSON, and validates them with the strategy\'s schema (defaults filled in)', () => {
    const [pod, capability, scored] = parseStrategySpecs(['power-of-d{d=3}', 'capability-match{fallback=wait}', 'scored{scorers=[{"name":"load","weight":2}], temperature=0.5}'], FILE);
    expect(pod).toEqual({ name: 'power-of-d', text: 'power-of-d{d=3}', params: { d: 3 }, bare: false });
    expect(capability!.params).toEqual({ minSkill: 0.5, fallback: 'wait' });
    expect(scored!.params).toMatchObject({ scorers: [{ name: 'load', weight: 2 }], temperature: 0.5, picker: 'max' });
  });

  it('a list split on every comma by a caller is joined again before splitting', () => {
    expect(parseStrategySpecs('cache-aware{balanceAbsThreshold=4,maxKeys=10},random'.split(','), FILE).map((s) => s.params))
      .toEqual([{ balanceAbsThreshold: 4, balanceRelThreshold: 1.5, maxKeys: 10, cacheThreshold: 0.3, maxBlocks: 250_000 }, {}]);
  });

  it('a bad parameter is an input error at --strategy naming the spec, the parameter and what was expected', () => {
    expectInputError(() => parseStrategySpecs(['power-of-d{d=0}'], FILE), '--strategy', '"power-of-d{d=0}": d: expected a number >= 1, got 0');
    expectInputError(() => parseStrategySpecs(['power-of-d{e=2}'], FILE), '--strategy', 'unknown field "e"; power-of-d takes d');
    expectInputError(() => parseStrategySpecs(['random{d=2}'], FILE), '--strategy', 'random takes no parameters');
    expectInputError(() => parseStrategySpecs(['power-of-d{d}'], FILE), '--strategy', 'expected key=value, got "d"');
    expectInputError(() => parseStrategySpecs(['power-of-d{d=}'], FILE), '--strategy', 'expected a value after "d="');
    expectInputError(() => parseStrategySpecs(['power-of-d{d=2,d=3}'], FILE), '--strategy', 'parameter "d" is given twice');
    expectInputError(() => parseStrategySpecs(['power-of-d{d=2}x'], FILE), '--strategy', 'expected the parameters to end with "}"');
    expectInputError(() => parseStrategySpecs(['power-of-e{d=2}'], FILE), '--strategy', 'unknown strategy "power-of-e" (did you mean "power-of-d"?)');
  });

  it('a spec written by formatStrategySpec parses back to the same parameters', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), (d) => {
      expect(parseStrategySpecs([formatStrategySpec('power-of-d', { d })], FILE)[0]!.params).toEqual({ d });
    }), { seed: 1 });
    fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('most-skilled', 'wait'), (minSkill, fallback) => {
      const spec = formatStrategySpec('capability-match', { minSkill, fallback });
      expect(parseStrategySpecs([spec], FILE)[0]!.params).toEqual({ minSkill, fallback });
    }), { seed: 2 });
    expect(formatStrategySpec('random', {})).toBe('random');
  });
});

describe('--strategy against the file\'s strategies', () => {
  const file = () => withField(generatedScenario(), 'strategies', ['random', { name: 'power-of-d', params: { d: 3 } }, { name: 'power-of-d', params: { d: 5 } }]);

  it('a bare name keeps every variant the file configures under that name', () => {
    const scenario = normalize(file(), { strategies: ['power-of-d', 'round-robin'] });
    expect(scenario.strategies).toEqual([
      { name: 'power-of-d', label: 'power-of-d', params: { d: 3 } },
      { name: 'power-of-d', label: 'power-of-d#2', params: { d: 5 } },
      { name: 'round-robin', label: 'round-robin', params: {} },
    ]);
  });

  it('a name with braces takes its own parameters; empty braces take the defaults', () => {
    const scenario = normalize(file(), { strategies: ['power-of-d{d=4}', 'power-of-d{}'] });
    expect(scenario.strategies).toEqual([
      { name: 'power-of-d', label: 'power-of-d', params: { d: 4 } },
      { name: 'power-of-d', label: 'power-of-d#2', params: { d: 2 } },
    ]);
  });
});
