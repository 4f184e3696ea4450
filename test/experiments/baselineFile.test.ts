import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_BASELINE_BYTES, readBaseline, updatedBaseline, writeBaseline, type BaselineScenario } from '../../src/experiments/baselineFile.js';

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

  it('reads a file saved with a byte-order mark (as some editors write) as the same file without', () => {
    const file = join(dir, 'plain.json');
    writeBaseline(file, updatedBaseline(undefined, [entry('a')]));
    const marked = fileWith('marked.json', `\uFEFF${readFileSync(file, 'utf8')}`);
    expect(readBaseline(marked)).toEqual(readBaseline(file));
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

  it('refuses a strategy listed twice in a scenario, whose second entry a re-run would never be judged against', () => {
    const a = entry('a');
    const twice = { ...a, strategies: [a.strategies[0]!, { ...a.strategies[0]!, metrics: { 'latency.p95': [3, 4] } }] };
    expect(() => readBaseline(fileWith('strategy-twice.json', updatedBaseline(undefined, [twice])))).toThrow('strategy-twice.json: scenarios[0].strategies[1].strategy: "random" appears twice in "a"');
  });

  it('refuses a series of a metric no run has, with the name it was probably meant to be; a class\'s namesake of a ranked metric loads', () => {
    const withMetric = (metric: string): BaselineScenario => ({ ...entry('a'), strategies: [{ strategy: 'random', params: {}, metrics: { 'latency.p95': [1, 2], [metric]: [1, 2] } }] });
    const read = (name: string, metric: string) => () => readBaseline(fileWith(name, updatedBaseline(undefined, [withMetric(metric)])));
    expect(read('misspelt.json', 'latency.p96')).toThrow(/misspelt\.json: scenarios\[0\]\.strategies\[0\]\.metrics\["latency\.p96"\]: unknown metric "latency\.p96" \(did you mean "latency\.p95"\?\); a baseline holds metrics with a direction \(gini\.tasks, /);
    expect(read('unranked.json', 'utilization')).toThrow('unranked.json: scenarios[0].strategies[0].metrics.utilization: unknown metric "utilization"');
    expect(read('class-leaf.json', 'byType.code.latency.p96')).toThrow('class-leaf.json: scenarios[0].strategies[0].metrics["byType.code.latency.p96"]: unknown metric "byType.code.latency.p96"');
    expect(read('no-class.json', 'byTenant.latency.p95')).toThrow('unknown metric "byTenant.latency.p95"');
    expect(read('class.json', 'byType.code.review.latency.p95')().scenarios[0]!.strategies[0]!.metrics).toHaveProperty(['byType.code.review.latency.p95']);
  });

  it(`refuses a file larger than ${MAX_BASELINE_BYTES} bytes, and /dev/zero, before parsing it`, () => {
    const file = fileWith('huge.json', '');
    truncateSync(file, MAX_BASELINE_BYTES + 1);
    expect(() => readBaseline(file)).toThrow(/huge\.json: the file is larger than 64 MiB, the most a baseline file may be: keep a baseline file per group of scenarios/);
    expect(() => readBaseline('/dev/zero')).toThrow('/dev/zero: the file is larger than 64 MiB');
  });

  it('refuses a value no run can measure: outside its metric\'s range, or too large to be exact', () => {
    const withValues = (metric: string, values: (number | null)[]): BaselineScenario => ({ ...entry('a'), strategies: [{ strategy: 'random', params: {}, metrics: { [metric]: values } }] });
    const read = (name: string, metric: string, values: (number | null)[]) => () => readBaseline(fileWith(name, updatedBaseline(undefined, [withValues(metric, values)])));
    expect(read('negative.json', 'latency.p95', [1, -1])).toThrow('negative.json: scenarios[0].strategies[0].metrics["latency.p95"][1]: expected null or a number in [0, 9007199254740991] (the metric\'s range), got -1');
    expect(read('share.json', 'byPriority.0.deadlineSuccess', [1.5, null])).toThrow('share.json: scenarios[0].strategies[0].metrics["byPriority.0.deadlineSuccess"][0]: expected null or a number in [0, 1] (the metric\'s range), got 1.5');
    expect(read('huge.json', 'throughput', [1e308, 2])).toThrow('huge.json: scenarios[0].strategies[0].metrics.throughput[0]: expected null or a number in [0, 9007199254740991] (the metric\'s range), got 1e+308');
    expect(read('fine.json', 'gini.tasks', [0, 1])()).toBeDefined();
  });
});
