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
import { formatPath, isInputError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { runSimulation } from '../../src/sim/simulation.js';

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

type Segment = string | number;
type Container = Record<string, unknown> | unknown[];

/** Values of another type, or at a type's edges, put in place of a field's value. */
const REPLACEMENTS: readonly unknown[] = [
  'text', '', 'NaN', '.nan', 'Infinity', '-1', -1, -0.5, 0, 1e308, -1e308, 1e-300, 2 ** 53 + 1, 0.5, 3,
  Number.NaN, Number.POSITIVE_INFINITY, true, false, null, [], {}, [1, 'two'], [0, 0], [1e-300, 1e-300], { nested: { field: 1 } },
];

/** One edit of a document: what to do, and draws that pick where (taken modulo the candidates). */
type Mutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'unknown-key'; readonly at: number; readonly key: string }
  | { readonly kind: 'set-field'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'duplicate'; readonly at: number; readonly element: number }
  | { readonly kind: 'swap'; readonly at: number; readonly first: number; readonly second: number };

const pick = fc.nat({ max: 100_000 });
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: pick }),
  fc.record({ kind: fc.constant('replace' as const), at: pick, value: fc.constantFrom(...REPLACEMENTS) }),
  fc.record({ kind: fc.constant('unknown-key' as const), at: pick, key: fc.constantFrom('extra', 'spead', 'note', 'x-comment', 'rate ') }),
  fc.record({ kind: fc.constant('set-field' as const), at: pick, key: fc.constantFrom(...KNOWN_FIELDS), value: fc.constantFrom(...REPLACEMENTS) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: pick, element: pick }),
  fc.record({ kind: fc.constant('swap' as const), at: pick, first: pick, second: pick }),
);

/** Names of the properties declared anywhere in a JSON Schema. */
function propertyNames(schema: unknown): string[] {
  if (Array.isArray(schema)) return schema.flatMap(propertyNames);
  if (!isContainer(schema)) return [];
  const properties = (schema as Record<string, unknown>).properties;
  const own = isContainer(properties) ? Object.keys(properties) : [];
  return own.concat(...Object.values(schema).map(propertyNames));
}

/** Paths of every value in `node` (the root's is []), depth first in document order. */
function pathsOf(node: unknown, path: Segment[] = []): Segment[][] {
  const own = [path];
  if (Array.isArray(node)) return own.concat(...node.map((child, i) => pathsOf(child, [...path, i])));
  if (typeof node === 'object' && node !== null) return own.concat(...Object.entries(node).map(([key, child]) => pathsOf(child, [...path, key])));
  return own;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<Segment, unknown>)[segment];
  }
  return node;
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/**
 * Applies `mutation` to `document` in place and says what it did (`replace workload.rate`); a
 * mutation with nowhere to apply does nothing.
 */
function mutate(document: unknown, mutation: Mutation): string {
  const paths = pathsOf(document);
  const where = (candidates: Segment[][]): Segment[] | undefined => candidates[mutation.at % Math.max(1, candidates.length)];
  switch (mutation.kind) {
    case 'delete':
    case 'replace': {
      const path = where(paths.filter((p) => p.length > 0));
      if (path === undefined) return 'nothing';
      const parent = valueAt(document, path.slice(0, -1)) as Container;
      const key = path[path.length - 1]!;
      if (mutation.kind === 'replace') (parent as Record<Segment, unknown>)[key] = structuredClone(mutation.value);
      else if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return `${mutation.kind} ${formatPath(path)}`;
    }
    case 'unknown-key':
    case 'set-field': {
      const path = where(paths.filter((p) => { const v = valueAt(document, p); return isContainer(v) && !Array.isArray(v); }));
      if (path === undefined) return 'nothing';
      (valueAt(document, path) as Record<string, unknown>)[mutation.key] = mutation.kind === 'set-field' ? structuredClone(mutation.value) : 1;
      return `set ${formatPath([...path, mutation.key])}`;
    }
    case 'duplicate': {
      const path = where(paths.filter((p) => { const v = valueAt(document, p); return Array.isArray(v) && v.length > 0; }));
      if (path === undefined) return 'nothing';
      const list = valueAt(document, path) as unknown[];
      const index = mutation.element % list.length;
      list.splice(index, 0, structuredClone(list[index]));
      return `duplicate ${formatPath([...path, index])}`;
    }
    case 'swap': {
      const path = where(paths.filter((p) => { const v = valueAt(document, p); return isContainer(v) && Object.keys(v).length >= 2; }));
      if (path === undefined) return 'nothing';
      const container = valueAt(document, path) as Record<Segment, unknown>;
      const keys: Segment[] = Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container);
      const a = keys[mutation.first % keys.length]!;
      const b = keys[mutation.second % keys.length]!;
      [container[a], container[b]] = [container[b], container[a]];
      return `swap ${formatPath([...path, a])} and ${formatPath([...path, b])}`;
    }
  }
}

/**
 * Splits a formatted field path (`agents[0].skills["code review"]`) into its segments: words,
 * list indices and quoted keys.
 */
function segmentsOf(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
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
    if (!isInputError(error)) return `the loader threw ${String(error)}`;
    if (error.message.includes('\n')) return `message of more than one line: ${error.message}`;
    if (!error.message.startsWith(`${file}: `)) return `message does not start with the file: ${error.message}`;
    // Only the work budget is about the run as a whole rather than one field.
    if (error.path === '') return WHOLE_RUN.test(error.expected) ? undefined : `message names no field: ${error.message}`;
    if (!error.message.startsWith(`${file}: ${error.path}: `)) return `message does not name its field path: ${error.message}`;
    // A field that is wrong is in the document; one that is missing is not, but its parent is.
    const segments = segmentsOf(error.path);
    if (valueAt(document, segments) !== undefined || isContainer(valueAt(document, segments.slice(0, -1)))) return undefined;
    return `the field it names is not in the document, nor is its parent: ${error.message}`;
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
      fc.property(fc.constantFrom(...FILES), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (name, mutations) => {
        const document = structuredClone(DOCUMENTS.get(name));
        const edits = mutations.map((mutation) => mutate(document, mutation));
        expect(problemWith(name, document), `${name}: ${edits.join('; ')}`).toBeUndefined();
      }),
      { seed: 27, numRuns: 6000 },
    );
  }, 120_000);
});
