/**
 * `fleetsim schema`: prints the JSON Schema of scenario files (the one shipped as
 * `schema/scenario.schema.json`), for editors and other tools.
 */
import { scenarioJsonSchemaText } from '../scenario/jsonSchema.js';

/** Writes the schema to stdout. */
export function schemaCommand(): void {
  process.stdout.write(scenarioJsonSchemaText());
}
