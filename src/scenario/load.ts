/**
 * Reading a scenario file: the file system and the two syntaxes (YAML, JSON). Everything a
 * user can get wrong becomes an {@link InputError} with a one-line message; what comes out is
 * the frozen {@link Scenario} of ./normalize.ts.
 */
import { readBoundedText, type BoundedFileKind } from '../boundedFile.js';
import { withoutByteOrderMark } from '../byteOrderMark.js';
import { extname } from 'node:path';
import { parseAllDocuments, parseDocument, type YAMLError } from 'yaml';
import { jsonNestingOver, MAX_NESTING_DEPTH, yamlNestedTooDeep, yamlNestingOver } from '../nestingDepth.js';
import { InputError, firstLineOf } from './errors.js';
import { normalizeScenario, type ScenarioOverrides } from './normalize.js';
import type { Scenario } from './types.js';

export { normalizeScenario, type ScenarioOverrides } from './normalize.js';

/** Most alias expansions a YAML file may use (guards against "billion laughs" documents). */
const MAX_YAML_ALIASES = 10_000;

/**
 * Largest scenario file read, in bytes (1 MiB; the library's largest is 12 KB). A 1 MiB file
 * of 17,000 listed jobs in YAML flow style takes 11 s and 220 MB to validate, and a 50 MB one
 * ran out of memory, so a bigger file is refused before it is parsed (docs/SCENARIOS.md, "Limits").
 */
export const MAX_SCENARIO_BYTES = 1 << 20;

/** Scenario files, as {@link readBoundedText} reads them. */
const SCENARIO_FILE: BoundedFileKind = {
  name: 'scenario file',
  maxBytes: MAX_SCENARIO_BYTES,
  tooBigAdvice: 'generate tasks with workload.arrivals and workload.tasks rather than listing them as jobs',
  syntax: 'YAML or JSON',
};

/**
 * Reads, parses and validates the scenario file at `file` (`.yaml`, `.yml` or `.json`).
 * @param overrides - command-line replacements for seed, replications and strategies
 * @throws InputError when the file cannot be read, does not parse or is not a valid scenario
 */
export function loadScenario(file: string, overrides?: ScenarioOverrides): Scenario {
  return normalizeScenario(readScenarioDocument(file), file, overrides);
}

/**
 * Reads and parses the scenario file at `file` into its document (plain JSON-like data), not
 * yet validated: for callers that edit the file's fields before validation (`fleetsim sweep`).
 * @throws InputError when the file cannot be read or does not parse
 */
export function readScenarioDocument(file: string): unknown {
  // yargs hands "-" over as ''; neither names a file.
  if (file === '-' || file === '') {
    throw new InputError(file === '' ? 'command line' : file, '', 'reading a scenario from standard input ("-") is not supported: save it to a .yaml or .json file and name that');
  }
  const text = readBoundedText(file, SCENARIO_FILE);
  const extension = extname(file).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    throw new InputError(file, '', `unsupported file type "${extension}": expected .yaml, .yml or .json`);
  }
  return parseScenarioDocument(text, file);
}

/**
 * Parses and validates scenario text. `file` names it in messages and picks the syntax: JSON
 * for a `.json` name, YAML otherwise (YAML 1.2 also reads most JSON).
 * @throws InputError on a syntax error (with its line) or an invalid scenario
 */
export function parseScenario(text: string, file: string, overrides?: ScenarioOverrides): Scenario {
  return normalizeScenario(parseScenarioDocument(text, file), file, overrides);
}

/**
 * Parses scenario text into its document, not yet validated (see {@link parseScenario}).
 * @throws InputError on a syntax error (with its line)
 */
export function parseScenarioDocument(text: string, file: string): unknown {
  // Editors on some systems save a byte-order mark, which JSON.parse rejects.
  const body = withoutByteOrderMark(text);
  return extname(file).toLowerCase() === '.json' ? parseJson(body, file) : parseYaml(body, file);
}

function parseYaml(text: string, file: string): unknown {
  if (yamlNestingOver(text)) throw nestedTooDeep(file);
  // Merge keys (`<<: *defaults`) let pools share settings; duplicate keys stay errors.
  const document = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  // Warnings (an unknown tag, say) would change what the file means without a word: refuse them.
  const problem: YAMLError | undefined = document.errors[0] ?? document.warnings[0];
  if (problem?.code === 'MULTIPLE_DOCS') {
    throw new InputError(file, '', `a scenario file holds one YAML document; found ${parseAllDocuments(text).length} (separated by "---" lines): split them into one file each`);
  }
  if (problem !== undefined && yamlNestedTooDeep(problem)) throw nestedTooDeep(file);
  if (problem !== undefined) throw new InputError(file, '', yamlMessage(problem));
  if (document.contents === null) throw new InputError(file, '', 'the file is empty: expected a scenario with name, agents, workload and strategies');
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    throw new InputError(file, '', `invalid YAML: ${firstLineOf(error)}`);
  }
}

/** No scenario nests deeper than 10; a file past the limit is refused before it is parsed. */
function nestedTooDeep(file: string): InputError {
  return new InputError(file, '', `lists and maps nested more than ${MAX_NESTING_DEPTH} deep: no scenario field takes that (is it the right file?)`);
}

/** "invalid YAML at line 3, column 7: Map keys must be unique" (the code frame dropped). */
function yamlMessage(problem: YAMLError): string {
  const position = problem.linePos?.[0];
  const what = firstLineOf(problem).replace(/ at line \d+, column \d+:?$/, '');
  return position === undefined ? `invalid YAML: ${what}` : `invalid YAML at line ${position.line}, column ${position.col}: ${what}`;
}

function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') throw new InputError(file, '', 'the file is empty: expected a scenario with name, agents, workload and strategies');
  if (jsonNestingOver(text)) throw nestedTooDeep(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const position = jsonErrorPosition(text, error);
    // V8 appends a quote of the text ("…" is not valid JSON) or an offset; the line says more.
    const what = firstLineOf(error).replace(/, ".*$/, '').replace(/ in JSON at position \d+.*$/, '');
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
    throw new InputError(file, '', `invalid JSON${where}: ${what}`);
  }
}

/**
 * Where a JSON syntax error is. Some V8 versions give an offset; others only quote the text,
 * and then the YAML parser (JSON is nearly a subset of YAML 1.2) usually finds the same spot.
 */
function jsonErrorPosition(text: string, error: unknown): { line: number; col: number } | undefined {
  const offset = /position (\d+)/.exec(firstLineOf(error))?.[1];
  if (offset !== undefined) {
    const before = text.slice(0, Number(offset));
    const lines = before.split('\n');
    return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
  }
  return parseDocument(text).errors[0]?.linePos?.[0];
}
