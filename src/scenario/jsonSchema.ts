/**
 * The JSON Schema of scenario files, generated from the zod schema (./schema.ts) by zod's own
 * converter, for editors (completion, hover, errors as one types) and for other tools. It
 * describes what a file may hold, the input side of the zod schema (defaults are optional
 * fields); the cross-field rules of normalize.ts (a pool needs a count, a target metric must
 * exist, …) are beyond it, so `fleetsim validate` remains the final word. Shipped as
 * `schema/scenario.schema.json`; a test keeps that file equal to this function's output.
 */
import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

/** Where the schema is shipped in the package, relative to its root. */
export const SCENARIO_SCHEMA_FILE = 'schema/scenario.schema.json';

/** The JSON Schema (draft 2020-12) of a scenario file, as a plain object. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const { $schema, ...body } = generated;
  return {
    $schema,
    title: 'fleetsim scenario',
    description: 'A fleetsim scenario file (YAML or JSON): agents, workload, strategies. Generated from the zod schema by `fleetsim schema`; see docs/SCENARIOS.md.',
    ...body,
  };
}

/** The schema as the shipped file holds it: two-space JSON and a final newline. */
export function scenarioJsonSchemaText(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
}
