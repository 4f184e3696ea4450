/**
 * The JSON Schema of scenario files, generated from the zod schema (./schema.ts) by zod's own
 * converter, for editors (completion, hover, errors as one types) and for other tools. It
 * describes what a file may hold, the input side of the zod schema (defaults are optional
 * fields); the cross-field rules of normalize.ts (a pool needs a count, a target metric must
 * exist, …) are beyond it, so `fleetsim validate` remains the final word. Shipped as
 * `schema/scenario.schema.json`; a test keeps that file equal to this function's output.
 */
import { z } from 'zod';
import { TARGET_METRICS } from '../metrics/targetMetrics.js';
import { STRATEGIES } from '../strategies/index.js';
import { scenarioFileSchema } from './schema.js';

/** Where the schema is shipped in the package, relative to its root. */
export const SCENARIO_SCHEMA_FILE = 'schema/scenario.schema.json';

/**
 * The JSON Schema (draft 2020-12) of a scenario file, as a plain object. Strategy and target
 * metric names are plain strings in the zod schema (normalize.ts checks them, to say "did you
 * mean"); here they become enums, so that editors complete them.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  const strategyNames = STRATEGIES.map((definition) => definition.name);
  setEnum(generated, ['properties', 'strategies', 'items', 'anyOf', 0], strategyNames);
  setEnum(generated, ['properties', 'strategies', 'items', 'anyOf', 1, 'properties', 'name'], strategyNames);
  setEnum(generated, ['properties', 'targets', 'properties', 'checks', 'items', 'properties', 'metric'], TARGET_METRICS);
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

/**
 * Adds `enum: values` to the string schema at `path` inside `schema`.
 * @throws Error when nothing is there: the zod schema changed shape and this needs updating
 */
function setEnum(schema: object, path: readonly (string | number)[], values: readonly string[]): void {
  let node: unknown = schema;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  if (node === null || typeof node !== 'object' || (node as { type?: unknown }).type !== 'string') {
    throw new Error(`scenarioJsonSchema: no string schema at ${path.join('.')}`);
  }
  (node as { enum?: readonly string[] }).enum = [...values];
}
