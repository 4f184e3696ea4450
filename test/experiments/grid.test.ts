import { describe, expect, it } from 'vitest';
import { buildCells, cellCount, cellParams, inShard, parseParameters, parseShard } from '../../src/experiments/grid.js';
import { InputError } from '../../src/scenario/errors.js';
import { generatedScenario } from '../scenario/helpers.js';

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('sweep grid', () => {
  it('parses paths with fields, indexes and quoted keys, and YAML scalar values', () => {
    const [a, b, c] = parseParameters(['agents[0].count=3,4', 'workload.arrivals.rate=0.2, 0.4', 'agents[0].skills["code review"]=true,late,null']);
    expect(a).toMatchObject({ path: 'agents[0].count', segments: ['agents', 0, 'count'], values: [3, 4] });
    expect(b!.values).toEqual([0.2, 0.4]);
    expect(c).toMatchObject({ path: 'agents[0].skills["code review"]', values: [true, 'late', null] });
  });

  it('names --param and the path for malformed flags, paths and values', () => {
    expect(inputError(() => parseParameters(['agents[0].count'])).message).toMatch(/^command line: --param: expected path=value1,value2/);
    expect(inputError(() => parseParameters(['agents[x].count=1'])).message).toMatch(/--param agents\[x\]\.count: bad path/);
    expect(inputError(() => parseParameters(['.seed=1'])).message).toMatch(/bad path: it starts with "."/);
    expect(inputError(() => parseParameters(['a.__proto__.b=1'])).message).toMatch(/not a scenario field/);
    expect(inputError(() => parseParameters(['stop.time=1,,2'])).message).toMatch(/--param stop\.time: empty value/);
    expect(inputError(() => parseParameters(['stop.time={a: 1}'])).message).toMatch(/--param stop\.time: expected a number, a word/);
    expect(inputError(() => parseParameters(['seed=1,2'])).message).toMatch(/--param seed: cannot be swept/);
    expect(inputError(() => parseParameters(['stop.time=1', 'stop.time=2'])).message).toMatch(/given twice/);
  });

  it('lays cells out row-major, the last parameter varying fastest', () => {
    const grid = parseParameters(['a=1,2', 'b=x,y,z']);
    expect(cellCount(grid)).toBe(6);
    expect(cellParams(grid, 0)).toEqual({ a: 1, b: 'x' });
    expect(cellParams(grid, 2)).toEqual({ a: 1, b: 'z' });
    expect(cellParams(grid, 3)).toEqual({ a: 2, b: 'x' });
    expect(Object.keys(cellParams(grid, 5))).toEqual(['a', 'b']);
  });

  it('writes each cell into the file document and validates it like a file', () => {
    const raw = generatedScenario();
    const cells = buildCells(raw, 'test.yaml', parseParameters(['agents[0].speed=5,20', 'warmup.time=10']));
    expect(cells.map((c) => c.scenario.agents[0]!.spec.tokensPerSecond)).toEqual([5, 20]);
    expect(cells.map((c) => c.scenario.warmup.timeSeconds)).toEqual([10, 10]);
    expect(cells[1]!.params).toEqual({ 'agents[0].speed': 20, 'warmup.time': 10 });
    // The document given is not modified.
    expect(raw).toEqual(generatedScenario());
  });

  it('turns a strategy given by name into { name, params } when a path reaches into it', () => {
    const raw = { ...generatedScenario(), strategies: ['round-robin', 'power-of-d'] };
    const cells = buildCells(raw, 'test.yaml', parseParameters(['strategies[1].params.d=1,3']));
    expect(cells.map((c) => c.scenario.strategies[1]!.params)).toEqual([{ d: 1 }, { d: 3 }]);
  });

  it('names --param with the value for a path that leads nowhere or a value the schema rejects', () => {
    const raw = generatedScenario();
    const grid = (flag: string) => parseParameters([flag]);
    expect(inputError(() => buildCells(raw, 'test.yaml', grid('agents[3].speed=1'))).message)
      .toBe('test.yaml: --param agents[3].speed: agents has 1 entry: there is no [3]');
    expect(inputError(() => buildCells(raw, 'test.yaml', grid('name.x=1'))).message)
      .toBe('test.yaml: --param name.x: name is "base", not an object: cannot set "x"');
    expect(inputError(() => buildCells(raw, 'test.yaml', grid('agents[0].speed=5,-1'))).message)
      .toBe('test.yaml: --param agents[0].speed=-1: expected a number > 0, got -1');
    expect(inputError(() => buildCells(raw, 'test.yaml', grid('agents[0].spead=5'))).message)
      .toMatch(/^test\.yaml: --param agents\[0\]\.spead=5: unknown field "spead" \(did you mean "speed"\?\)/);
    // A cross-field check names the parameter its field is.
    const both = parseParameters(['warmup.time=50', 'stop.time=40']);
    expect(inputError(() => buildCells(raw, 'test.yaml', both)).message)
      .toBe('test.yaml: --param warmup.time=50: expected less than stop.time (40 s), got 50: nothing would be measured');
    // An error in a field no parameter names blames every value of the cell.
    const arrivals = parseParameters(['workload.arrivals.process=none', 'stop.time=40']);
    expect(inputError(() => buildCells(raw, 'test.yaml', arrivals)).message)
      .toMatch(/^test\.yaml: --param workload\.arrivals\.process=none stop\.time=40: workload\.arrivals\.rate: unknown field "rate"/);
  });

  it('reports the file\'s own mistakes as the file\'s, before any cell', () => {
    const raw = { ...generatedScenario(), stop: { time: -1 } };
    expect(inputError(() => buildCells(raw, 'test.yaml', parseParameters(['agents[0].speed=5']))).message)
      .toBe('test.yaml: stop.time: expected a number > 0, got -1');
  });

  it('deals cells to shards round-robin, each cell to exactly one shard', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (let cell = 0; cell < 10; cell++) {
      const owners = [1, 2, 3].filter((index) => inShard(cell, { index, count: 3 }));
      expect(owners).toEqual([(cell % 3) + 1]);
    }
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1', '1/2/3', '-1/2']) {
      expect(inputError(() => parseShard(bad)).message, bad).toMatch(/^command line: --shard: expected i\/n with 1 <= i <= n/);
    }
  });
});
