/**
 * The JSON Schema for editors: the shipped file is what the zod schema generates, and it
 * accepts every scenario the loader accepts among the library and the fixtures, and rejects
 * what the loader rejects for its shape (unknown fields, wrong types, bad enum values).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/scenario/errors.js';
import { SCENARIO_SCHEMA_FILE, scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/jsonSchema.js';
import { loadScenario, readScenarioDocument } from '../../src/scenario/load.js';
import { ROOT } from '../cli/runCli.js';
import { generatedScenario, normalize, withField } from './helpers.js';

const MODELINE = '# yaml-language-server: $schema=../schema/scenario.schema.json';

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(scenarioJsonSchema());

function filesIn(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => `${dir}/${f}`);
}

const LIBRARY = filesIn('scenarios');
const FIXTURES = filesIn('test/fixtures/scenarios');

/** Whether the loader accepts `file` (relative to the repository root). */
function loads(file: string): boolean {
  try {
    loadScenario(join(ROOT, file));
    return true;
  } catch {
    return false;
  }
}

describe('the JSON Schema of scenario files', () => {
  it('is shipped as generated (regenerate with `npm run schema` after changing src/scenario/schema.ts)', () => {
    const shipped = readFileSync(join(ROOT, SCENARIO_SCHEMA_FILE), 'utf8');
    expect(shipped, `${SCENARIO_SCHEMA_FILE} is out of date: run \`npm run schema\` (or \`node dist/src/cli/main.js schema > ${SCENARIO_SCHEMA_FILE}\`)`)
      .toBe(scenarioJsonSchemaText());
    expect(scenarioJsonSchema().$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('accepts every library scenario, each opening with the editor modeline above its own comment', () => {
    expect(LIBRARY.length).toBeGreaterThan(10);
    for (const file of LIBRARY) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      expect(lines[0], file).toBe(MODELINE);
      expect(lines[1], `${file}: its own opening comment follows the modeline`).toMatch(/^# \S/);
      expect(loads(file), file).toBe(true);
      expect(validate(readScenarioDocument(join(ROOT, file))), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('accepts the fixtures the loader accepts and rejects the others', () => {
    const verdicts = FIXTURES.map((file) => {
      let document: unknown;
      try {
        document = readScenarioDocument(join(ROOT, file));
      } catch {
        return [file, false, false];
      }
      return [file, loads(file), validate(document)];
    });
    for (const [file, loaderAccepts, schemaAccepts] of verdicts) expect(schemaAccepts, String(file)).toBe(loaderAccepts);
    expect(verdicts.filter(([, ok]) => !ok).map(([file]) => file)).toEqual([
      'test/fixtures/scenarios/empty.yaml', 'test/fixtures/scenarios/malformed.json', 'test/fixtures/scenarios/malformed.yaml',
    ]);
    expect(validate(null)).toBe(false);
  });

  it('accepts shorthand the loader accepts: tokens as a number, strategies as names or with params', () => {
    const scenario = withField(generatedScenario(), 'strategies', ['round-robin', { name: 'power-of-d', params: { d: 2 } }]);
    expect(validate(scenario), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(withField(scenario, 'workload.tasks[0].tokens', { dist: 'lognormal', mean: 100, sd: 20 }))).toBe(true);
  });

  it('rejects an unknown field, a wrong type, a bad enum value, a missing required field, unknown names and bad targets', () => {
    const base = generatedScenario();
    expect(validate(base)).toBe(true);
    const bad: [string, unknown][] = [
      ['colour', 'blue'],
      ['agents[0].spead', 10],
      ['agents[0].speed', 'fast'],
      ['agents[0].speed', -1],
      ['engine.binding', 'lazy'],
      ['workload.arrivals.process', 'bursty'],
      ['workload.tasks[0].tokens', { dist: 'exponential' }],
      ['agents', undefined],
      ['replications', 2.5],
      ['targets', { strategies: ['round-robin'], checks: [{ metric: 'utilization', min: '80%' }] }],
      ['targets', { strategies: ['round-robin'], checks: [{ metric: 'utilization', minimum: 0.8 }] }],
      // Names the loader checks after the zod schema are enums in the JSON Schema.
      ['strategies', ['round-robn']],
      ['strategies', [{ name: 'power-of-2', params: { d: 2 } }]],
      ['targets', { strategies: ['round-robin'], checks: [{ metric: 'gini.task', max: 0.3 }] }],
    ];
    for (const [path, value] of bad) {
      const scenario = withField(base, path, value);
      expect(() => normalize(scenario), path).toThrow(InputError);
      expect(validate(scenario), `${path} = ${JSON.stringify(value)}`).toBe(false);
    }
  });
});
