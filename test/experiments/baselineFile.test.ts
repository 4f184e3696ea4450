import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBaseline, updatedBaseline, writeBaseline, type BaselineScenario } from '../../src/experiments/baselineFile.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-baseline-'));

function entry(scenario: string, values: number[] = [1, 2]): BaselineScenario {
  return { scenario, source: `${scenario}.yaml`, seed: 1, replications: values.length, strategies: [{ strategy: 'random', params: {}, metrics: { 'latency.p95': values } }] };
}

function fileWith(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('baseline file', () => {
  it('round-trips, with scenarios sorted by name and updates replacing their own entry', () => {
    const file = join(dir, 'nested', 'baseline.json');
    const first = updatedBaseline(undefined, [entry('b'), entry('a')]);
    writeBaseline(file, first);
    expect(readBaseline(file)).toEqual(first);
    const second = updatedBaseline(readBaseline(file), [entry('b', [3, 4])]);
    expect(second.scenarios.map((s) => [s.scenario, s.strategies[0]!.metrics['latency.p95']])).toEqual([['a', [1, 2]], ['b', [3, 4]]]);
  });

  it('reports a missing, malformed or inconsistent file in one line naming the file and field', () => {
    const good = updatedBaseline(undefined, [entry('a')]);
    expect(() => readBaseline(join(dir, 'none.json'))).toThrow(/none\.json: cannot read the baseline file \(ENOENT: no such file\); create it with fleetsim regress --update$/);
    expect(() => readBaseline(fileWith('bad.json', '{ "format": '))).toThrow(/bad\.json: invalid JSON: /);
    expect(() => readBaseline(fileWith('other.json', { ...good, format: 'something' }))).toThrow(/other\.json: format: expected "fleetsim-regress-baseline", got "something"/);
    const short = { ...good, scenarios: [{ ...entry('a'), replications: 3 }] };
    expect(() => readBaseline(fileWith('short.json', short))).toThrow('short.json: scenarios[0].strategies[0].metrics["latency.p95"]: expected 3 values (one per replication), got 2');
    expect(() => readBaseline(fileWith('twice.json', { ...good, scenarios: [entry('a'), entry('a')] }))).toThrow('twice.json: scenarios[1].scenario: "a" appears twice');
    expect(() => readBaseline(fileWith('text.json', { ...good, scenarios: [{ ...entry('a'), seed: 'x' }] }))).toThrow('text.json: scenarios[0].seed: expected a number, got "x"');
  });
});
