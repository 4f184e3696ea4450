import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, YAML_SCAN_FROM_CHARS } from '../../src/nestingDepth.js';
import { MAX_SCENARIO_BYTES, loadScenario, parseScenario } from '../../src/scenario/load.js';
import { expectInputError } from './helpers.js';

const FIXTURES = 'test/fixtures/scenarios';
const fixture = (name: string): string => join(FIXTURES, name);

describe('loadScenario: reading files', () => {
  it('a missing file is an input error naming the file and the system reason', () => {
    const file = fixture('no-such-file.yaml');
    const error = expectInputError(() => loadScenario(file), '', 'cannot read file (ENOENT', file);
    expect(error.message).toBe(`${file}: cannot read file (ENOENT: no such file)`);
  });

  it('a directory is an input error, not a crash', () => {
    expectInputError(() => loadScenario(FIXTURES), '', 'cannot read file (EISDIR', FIXTURES);
  });

  it('a file that is neither YAML nor JSON by name is an input error', () => {
    expectInputError(() => loadScenario('vitest.config.ts'), '', 'unsupported file type ".ts": expected .yaml, .yml or .json', 'vitest.config.ts');
  });

  it('malformed YAML is an input error with the line of the mistake, on one line', () => {
    const file = fixture('malformed.yaml');
    expectInputError(() => loadScenario(file), '', /^invalid YAML at line 5, column \d+: /, file);
  });

  it('malformed JSON is an input error with the line of the mistake', () => {
    const file = fixture('malformed.json');
    expectInputError(() => loadScenario(file), '', /^invalid JSON at line 4, column \d+: /, file);
  });

  it('an empty file is an input error saying so', () => {
    const file = fixture('empty.yaml');
    expectInputError(() => loadScenario(file), '', 'the file is empty', file);
    expectInputError(() => parseScenario('  \n', 'x.json'), '', 'the file is empty', 'x.json');
  });

  it('a duplicated YAML key is an error, not a silent overwrite', () => {
    expectInputError(() => parseScenario('name: a\nname: b\n', 'x.yaml'), '', /^invalid YAML at line 2, column 1: Map keys must be unique/, 'x.yaml');
  });

  it('a YAML tag the loader does not know is an error, not a silently changed value', () => {
    expectInputError(() => parseScenario('name: !secret a\n', 'x.yaml'), '', /^invalid YAML at line 1, column 7: Unresolved tag: !secret/, 'x.yaml');
  });

  it('several YAML documents in one file are an error', () => {
    expectInputError(() => parseScenario('name: a\n---\nname: b\n', 'x.yaml'), '', 'a scenario file holds one YAML document; found 2', 'x.yaml');
  });

  it('a document that is not a mapping is an input error at the top level', () => {
    expectInputError(() => parseScenario('[1, 2]', 'x.json'), '', 'expected an object, got a list (2 items)', 'x.json');
    expectInputError(() => parseScenario('just text', 'x.yaml'), '', 'expected an object, got "just text"', 'x.yaml');
  });
});

describe('loadScenario: valid files', () => {
  it('reads JSON and YAML into the same scenario, recording the source file', () => {
    const fromJson = loadScenario(fixture('minimal.json'));
    const fromYaml = loadScenario(fixture('minimal.yaml'));
    expect(fromJson.source).toBe(fixture('minimal.json'));
    expect({ ...fromJson, source: '' }).toEqual({ ...fromYaml, source: '' });
  });

  it('returns a deeply frozen scenario', () => {
    const scenario = loadScenario(fixture('full.yaml'));
    expect(Object.isFrozen(scenario)).toBe(true);
    expect(Object.isFrozen(scenario.engine.retry.backoff)).toBe(true);
    expect(Object.isFrozen(scenario.agents[0]!.spec.skills)).toBe(true);
    expect(Object.isFrozen(scenario.workload.taskTypes[0]!.priority[0])).toBe(true);
    expect(Object.isFrozen(scenario.workload.jobs[1]!.dependsOn)).toBe(true);
    expect(Object.isFrozen(scenario.strategies[2]!.params)).toBe(true);
  });

  it('reads every section of the full example', () => {
    const scenario = loadScenario(fixture('full.yaml'));
    expect(scenario.name).toBe('full-example');
    expect(scenario.agents.map((agent) => agent.spec.id)).toEqual(['coder-0', 'coder-1', 'coder-2', 'reviewer']);
    expect(scenario.engine.queue).toEqual({ maxDepth: 1000, overflow: 'shed-lowest', dispatchScanLimit: 64 });
    expect(scenario.engine.retry).toEqual({ maxRetries: 2, backoff: { baseSeconds: 2, factor: 3, jitter: 0, maxSeconds: 60 }, minQuality: 0 });
    expect(scenario.engine.settledMemory).toBe(1_000_000);
    expect(scenario.workload.jobs.map((job) => job.id)).toEqual(['build', 'ship']);
    expect(scenario.strategies.map((choice) => choice.label)).toEqual(['round-robin', 'least-connections', 'round-robin#2']);
  });

  it('supports YAML merge keys, so entries can share settings', () => {
    const scenario = loadScenario(fixture('pools.yml'));
    expect(scenario.agents.map((agent) => [agent.spec.id, agent.spec.capacity, agent.spec.tokensPerSecond])).toEqual([
      ['small-0', 2, 20],
      ['small-1', 2, 20],
      ['big-0', 2, 40],
    ]);
  });

  it('loads every scenario in the library (scenarios/)', () => {
    const files = readdirSync('scenarios').filter((name) => /\.(ya?ml|json)$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(() => loadScenario(join('scenarios', name)), name).not.toThrow();
  });

  it('the full example in docs/SCENARIOS.md is the fixture, so the documented example stays valid', () => {
    const docs = readFileSync('docs/SCENARIOS.md', 'utf8');
    const example = /## Full example\s+```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const fromDocs = parseScenario(example!, 'SCENARIOS.md');
    const fromFixture = loadScenario(fixture('full.yaml'));
    expect({ ...fromDocs, source: '' }).toEqual({ ...fromFixture, source: '' });
  });
});

describe('loadScenario: files that are not one scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-load-'));
  const write = (name: string, data: string | Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, data);
    return file;
  };

  it('binary data is "not YAML or JSON", not a quote of mojibake', () => {
    const garbage = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x41]);
    for (const name of ['garbage.yaml', 'garbage.json']) {
      const file = write(name, garbage);
      const error = expectInputError(() => loadScenario(file), '', 'not YAML or JSON: the file holds binary data', file);
      expect(error.message).not.toContain('\\u0000');
    }
  });

  it('several YAML documents in one file say how many were found', () => {
    const file = write('multi.yaml', 'name: a\n---\nname: b\n---\nname: c\n');
    expectInputError(() => loadScenario(file), '', 'a scenario file holds one YAML document; found 3', file);
  });

  it('"-" (standard input) is refused with a sentence saying so', () => {
    expectInputError(() => loadScenario('-'), '', 'reading a scenario from standard input ("-") is not supported', '-');
  });

  it(`a file larger than ${MAX_SCENARIO_BYTES} bytes is refused before it is parsed`, () => {
    const file = write('huge.yaml', `name: x\ndescription: "${'x'.repeat(MAX_SCENARIO_BYTES)}"\n`);
    expectInputError(() => loadScenario(file), '', 'the file is larger than 1 MiB, the most a scenario file may be', file);
  });

  it('lists or maps nested deeper than any scenario are refused before the parser builds them', () => {
    const padding = `# ${'x'.repeat(YAML_SCAN_FROM_CHARS)}\n`;
    const deep = `${'['.repeat(500_000)}`;
    const message = `lists and maps nested more than ${MAX_NESTING_DEPTH} deep: no scenario field takes that`;
    expectInputError(() => loadScenario(write('deep.yaml', `${padding}name: x\nagents: ${deep}\n`)), '', message, join(dir, 'deep.yaml'));
    expectInputError(() => loadScenario(write('deep.json', `{"agents": ${deep}`)), '', message, join(dir, 'deep.json'));
    const valid = readFileSync('scenarios/first-look.yaml', 'utf8');
    expect(loadScenario(write('padded.yaml', `${padding}${valid}`)).name).toBe('first-look');
  });

  it('nesting the parser runs out of stack on, short of the scan or by indentation, is refused as nested too deep', () => {
    const message = `lists and maps nested more than ${MAX_NESTING_DEPTH} deep: no scenario field takes that`;
    const brackets = `name: x\nagents: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`;
    expect(brackets.length).toBeLessThan(YAML_SCAN_FROM_CHARS);
    expectInputError(() => loadScenario(write('brackets.yaml', brackets)), '', message, join(dir, 'brackets.yaml'));
    const indented = ['name: x', 'agents:', ...Array.from({ length: 1000 }, (_, level) => `${' '.repeat(level + 1)}k${level}:`), `${' '.repeat(1001)}v: 1`].join('\n');
    expectInputError(() => loadScenario(write('indented.yaml', indented)), '', message, join(dir, 'indented.yaml'));
  });

  it.runIf(existsSync('/dev/zero'))('an endless device is refused as too large rather than read until memory runs out', () => {
    expectInputError(() => loadScenario('/dev/zero'), '', 'larger than 1 MiB', '/dev/zero');
  });
});
