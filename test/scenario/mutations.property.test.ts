/**
 * Bad scenario files never crash, as a property: every library scenario, mutated at a drawn
 * field (a key deleted, a value replaced by one of another type or out of range, an unknown key
 * added, a list element duplicated, two sibling values swapped), either loads or is refused with
 * an InputError whose message is one line, starts with the file's name and names a field that
 * is in the mutated document (or whose parent is, for a required field that is missing). A
 * mutated scenario that loads must also run: a short run of its first strategy finishes without
 * throwing (the run asserts task conservation itself).
 *
 * 6,000 cases (one to three mutations each) take about 14 s on two cores; about one in seven
 * mutated files loads and is run, the rest are refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isInputError, type InputError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { fieldProblem, isContainer, mutate, mutationArb, refusalProblem } from '../support/documentMutations.js';

const LIBRARY = 'scenarios';
const FILES = readdirSync(LIBRARY).filter((name) => /\.ya?ml$/.test(name)).sort();
/** Each library file's document, parsed once (merge keys expanded, as the loader reads them). */
const DOCUMENTS = new Map(FILES.map((name) => [name, parse(readFileSync(join(LIBRARY, name), 'utf8'), { merge: true }) as unknown]));

/** Most tasks a run of a mutated scenario may generate (a run takes milliseconds). */
const RUN_TASKS = 200;
/** Simulated seconds after which a run of a mutated scenario generates no more work. */
const RUN_SECONDS = 300;

/** Every field name the format knows, anywhere: the property names of the shipped JSON Schema. */
const KNOWN_FIELDS = [...new Set(propertyNames(JSON.parse(readFileSync('schema/scenario.schema.json', 'utf8'))))].sort();

/** The one refusal that names no field: a run too big for the work budget. */
const WHOLE_RUN = /^one run would simulate about .* tasks, more than the/;

const scenarioMutation = mutationArb({ unknownKeys: ['extra', 'spead', 'note', 'x-comment', 'rate '], knownFields: KNOWN_FIELDS });

/** Names of the properties declared anywhere in a JSON Schema. */
function propertyNames(schema: unknown): string[] {
  if (Array.isArray(schema)) return schema.flatMap(propertyNames);
  if (!isContainer(schema)) return [];
  const properties = (schema as Record<string, unknown>).properties;
  const own = isContainer(properties) ? Object.keys(properties) : [];
  return own.concat(...Object.values(schema).map(propertyNames));
}

/** The same scenario with no warm-up and a stop of at most {@link RUN_TASKS} tasks and {@link RUN_SECONDS}, for a quick run. */
function shortRun(scenario: Scenario): Scenario {
  return {
    ...scenario,
    warmup: { timeSeconds: 0, tasks: 0 },
    stop: { ...scenario.stop, timeSeconds: Math.min(scenario.stop.timeSeconds, RUN_SECONDS), tasks: Math.min(scenario.stop.tasks, RUN_TASKS) },
  };
}

/**
 * What is wrong with how the loader and a short run treat `document` (mutated from library file
 * `name`), or undefined when all is well: it loads and runs, or is refused by a proper InputError.
 */
function problemWith(name: string, document: unknown): string | undefined {
  const file = join(LIBRARY, name);
  let scenario: Scenario;
  try {
    scenario = parseScenario(stringify(document), file);
  } catch (error) {
    // Only the work budget is about the run as a whole rather than one field.
    return refusalProblem(error, file) ?? fieldProblem(error as InputError, document, isInputError(error) && WHOLE_RUN.test(error.expected));
  }
  const strategy = scenario.strategies[0]!;
  try {
    runSimulation({ scenario: shortRun(scenario), strategy, replication: 0 });
  } catch (error) {
    return `loaded, but its run threw ${String(error)}`;
  }
  return undefined;
}

describe('mutated library scenarios', () => {
  it('each library file loads and runs unmutated (the baseline the mutations start from)', () => {
    for (const name of FILES) expect(problemWith(name, structuredClone(DOCUMENTS.get(name)))).toBeUndefined();
  });

  it('load and run, or are refused with one line naming the file and a field of the document', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FILES), fc.array(scenarioMutation, { minLength: 1, maxLength: 3 }), (name, mutations) => {
        const document = structuredClone(DOCUMENTS.get(name));
        const edits = mutations.map((mutation) => mutate(document, mutation));
        expect(problemWith(name, document), `${name}: ${edits.join('; ')}`).toBeUndefined();
      }),
      { seed: 27, numRuns: 6000 },
    );
  }, 120_000);
});
