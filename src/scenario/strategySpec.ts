/**
 * The `--strategy` flag: a comma-separated list of strategy specs, each a registry name with
 * optional parameters in braces, `power-of-d{d=3}` or `scored{picker=softmax,temperature=0.5}`.
 * Values are numbers, `true`/`false`, JSON (`"text"`, `[…]`, `{…}`) or else plain strings.
 *
 * A bare name keeps the variants the scenario file configures under that name (its `params`),
 * so `--strategy power-of-d` on a file that lists `{ name: power-of-d, params: { d: 3 } }` runs
 * d = 3; a name the file does not list, or `name{}`, runs with the strategy's defaults.
 */
import { findStrategy, strategyNames, type StrategyDefinition } from '../strategies/index.js';
import { InputError, didYouMean, isInputError } from './errors.js';
import type { StrategyChoice } from './types.js';
import { parseWith } from './zodIssues.js';

/** The flag the specs come from, named in every error. */
const FLAG = '--strategy';

/** One parsed `--strategy` spec, its parameters validated by the strategy's schema. */
export interface StrategySpec {
  /** Registry name. */
  readonly name: string;
  /** The spec as written, for messages. */
  readonly text: string;
  /** Validated parameters, defaults filled in (a bare name's are the defaults). */
  readonly params: unknown;
  /** True for a name without braces, which keeps the file's variants (see the module doc). */
  readonly bare: boolean;
}

/**
 * Splits the flag's text at the commas that separate strategies: commas inside braces,
 * brackets or double quotes belong to a spec (`power-of-d{d=3},scored{scorers=[…]}`).
 * @throws InputError naming `--strategy` for unbalanced braces, brackets or quotes
 */
export function splitStrategySpecs(text: string, file: string): string[] {
  const specs: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth < 0) throw new InputError(file, FLAG, `unbalanced "${c}" in "${text}"`);
    } else if (c === ',' && depth === 0) {
      specs.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new InputError(file, FLAG, `unclosed quote in "${text}"`);
  if (depth > 0) throw new InputError(file, FLAG, `unclosed "{" or "[" in "${text}"`);
  specs.push(text.slice(start));
  return specs;
}

/**
 * Parses and validates the `--strategy` specs (names looked up, parameters checked by each
 * strategy's schema). The list may also be the flag split on every comma: it is joined again and
 * split with {@link splitStrategySpecs}, so a comma inside braces is never a separator.
 * @throws InputError naming `--strategy` for an empty list, an unknown name or a bad parameter
 */
export function parseStrategySpecs(list: readonly string[], file: string): StrategySpec[] {
  const texts = list.length === 0 ? [] : splitStrategySpecs(list.join(','), file).map((text) => text.trim());
  if (texts.length === 0 || texts.includes('')) {
    throw new InputError(file, FLAG, `expected a comma-separated list of strategy names (each optionally with parameters, name{key=value,…}); known strategies: ${strategyNames().join(', ')}`);
  }
  return texts.map((text) => parseSpec(text, file));
}

/**
 * The strategies to run for parsed specs: a bare name takes every variant `fileStrategies`
 * configures under that name (or the defaults when there is none), a spec with braces takes its
 * own parameters. Labels are given afresh in order (`name`, `name#2`, …).
 */
export function strategiesFromSpecs(specs: readonly StrategySpec[], fileStrategies: readonly StrategyChoice[]): StrategyChoice[] {
  const labels = labeller();
  return specs.flatMap((spec) => {
    const fromFile = spec.bare ? fileStrategies.filter((choice) => choice.name === spec.name).map((choice) => choice.params) : [];
    const variants = fromFile.length > 0 ? fromFile : [spec.params];
    return variants.map((params) => ({ name: spec.name, label: labels(spec.name), params }));
  });
}

/** Labels in order of appearance: the name the first time, then `name#2`, `name#3`, … */
export function labeller(): (name: string) => string {
  const seen = new Map<string, number>();
  return (name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}#${count}`;
  };
}

function parseSpec(text: string, file: string): StrategySpec {
  const open = text.indexOf('{');
  const name = (open < 0 ? text : text.slice(0, open)).trim();
  const definition = lookUp(name, file);
  if (open < 0) return { name, text, params: validate(definition, {}, text, file), bare: true };
  if (!text.endsWith('}')) throw new InputError(file, FLAG, `"${text}": expected the parameters to end with "}", as in ${name}{key=value,key=value}`);
  const raw = parseAssignments(text.slice(open + 1, -1), text, file);
  return { name, text, params: validate(definition, raw, text, file), bare: false };
}

/** `key=value,key=value` (possibly empty) as an object. */
function parseAssignments(body: string, spec: string, file: string): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (body.trim() === '') return params;
  for (const assignment of splitStrategySpecs(body, file)) {
    const equals = assignment.indexOf('=');
    const key = (equals < 0 ? assignment : assignment.slice(0, equals)).trim();
    if (equals < 0 || key === '') throw new InputError(file, FLAG, `"${spec}": expected key=value, got "${assignment.trim()}"`);
    if (Object.hasOwn(params, key)) throw new InputError(file, FLAG, `"${spec}": parameter "${key}" is given twice`);
    const value = assignment.slice(equals + 1).trim();
    if (value === '') throw new InputError(file, FLAG, `"${spec}": expected a value after "${key}="`);
    params[key] = parseValue(value, spec, key, file);
  }
  return params;
}

/** A number, a boolean, JSON (quoted string, array, object, null), or else the text itself. */
function parseValue(text: string, spec: string, key: string, file: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const number = Number(text);
  if (Number.isFinite(number)) return number;
  if (/^["[{]/.test(text) || text === 'null') {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new InputError(file, FLAG, `"${spec}": ${key}: expected a number, true, false, a word or JSON, got ${text}`);
    }
  }
  return text;
}

function validate(definition: StrategyDefinition<unknown>, raw: Record<string, unknown>, spec: string, file: string): unknown {
  try {
    return parseWith(definition.params, raw, file);
  } catch (error) {
    if (!isInputError(error)) throw error;
    const where = error.path === '' ? '' : `${error.path}: `;
    const known = parameterNames(definition);
    const hint = error.expected.startsWith('unknown field') && !error.expected.includes('known fields')
      ? `; ${definition.name} takes ${known.length === 0 ? 'no parameters' : known.join(', ')}` : '';
    throw new InputError(file, FLAG, `"${spec}": ${where}${error.expected}${hint}`);
  }
}

/** The keys of a strategy's parameter object (its schemas are zod objects). */
function parameterNames(definition: StrategyDefinition<unknown>): string[] {
  const shape = (definition.params as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function lookUp(name: string, file: string): StrategyDefinition<unknown> {
  const definition = findStrategy(name);
  if (definition !== undefined) return definition;
  const known = strategyNames();
  throw new InputError(file, FLAG, `unknown strategy "${name}"${didYouMean(name, known)}; known strategies: ${known.join(', ')}`);
}

/**
 * A strategy and its parameters written as a `--strategy` spec, `power-of-d{d=3}`: numbers,
 * booleans and words as they are, anything else as JSON. Parsing it gives the parameters back.
 */
export function formatStrategySpec(name: string, params: unknown): string {
  if (params === null || typeof params !== 'object' || Object.keys(params).length === 0) return name;
  const assignments = Object.entries(params).map(([key, value]) => `${key}=${formatValue(value)}`);
  return `${name}{${assignments.join(',')}}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A word that would not read back as itself (a number, a boolean, JSON) is quoted.
  if (typeof value === 'string' && /^[A-Za-z_][\w.-]*$/.test(value) && value !== 'true' && value !== 'false' && value !== 'null') return value;
  return JSON.stringify(value);
}
