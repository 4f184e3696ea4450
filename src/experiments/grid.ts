/**
 * The grid of a sweep: `--param path=v1,v2,…` flags parsed, expanded into cells (every
 * combination, the last flag varying fastest), each cell's values written into the scenario
 * FILE document and validated like a file, so a cell can hold nothing a file could not.
 */
import { parse as parseYaml } from 'yaml';
import { InputError, didYouMean, formatPath, type PathSegment } from '../scenario/errors.js';
import { normalizeScenario, type ScenarioOverrides } from '../scenario/normalize.js';
import type { Scenario } from '../scenario/types.js';
import { describeValue } from '../scenario/zodIssues.js';
import type { GridParameter, ParamValue, ShardInfo } from './types.js';
import { counted } from '../counted.js';

/** Most cells one sweep may have (a limit on everything). */
export const MAX_CELLS = 10_000;

/** Top-level fields a sweep may not vary: they are the experiment's, not a cell's. */
const FIXED_FIELDS: Readonly<Record<string, string>> = {
  name: 'every cell belongs to one scenario',
  seed: 'cells share the seed so that they are compared on common random numbers (use --seed)',
  replications: 'every cell runs the same replications (use --replications)',
};

/** Keys that would reach an object's prototype instead of a field. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed `--param` flag. */
export interface ParsedParameter extends GridParameter {
  /** The path split into property names and array indices. */
  readonly segments: readonly PathSegment[];
}

/** One cell: its index, its values and the validated scenario. */
export interface GridCell {
  /** Position in the grid (row-major over the parameters, in `--param` order). */
  readonly index: number;
  /** The swept values of this cell, by path. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The scenario with those values set, validated. */
  readonly scenario: Scenario;
}

/**
 * Parses `--param` flags (`path=v1,v2`). Values are YAML scalars (`3`, `0.2`, `true`, `late`,
 * `"a,b"` is not supported: values are split on commas first).
 * @throws InputError naming `--param` for a malformed flag, a bad path, a repeated path or a
 * value that is not a scalar
 */
export function parseParameters(flags: readonly string[]): ParsedParameter[] {
  const seen = new Set<string>();
  return flags.map((flag) => {
    const equals = flag.indexOf('=');
    if (equals <= 0) throw new InputError('command line', '--param', `expected path=value1,value2,…, got ${describeValue(flag)}`);
    const pathText = flag.slice(0, equals).trim();
    const segments = parsePath(pathText);
    const path = formatPath(segments);
    const fixed = typeof segments[0] === 'string' && segments.length === 1 ? FIXED_FIELDS[segments[0]] : undefined;
    if (fixed !== undefined) throw new InputError('command line', `--param ${path}`, `cannot be swept: ${fixed}`);
    if (seen.has(path)) throw new InputError('command line', `--param ${path}`, 'given twice: list every value in one --param');
    seen.add(path);
    const values = flag.slice(equals + 1).split(',').map((text) => parseValue(text, path));
    return { path, segments, values };
  });
}

/**
 * A path as a user writes it: `agents[0].count`, `workload.arrivals.rate`,
 * `agents[1].skills["code review"]`.
 */
function parsePath(text: string): PathSegment[] {
  const fail = (why: string): never => {
    throw new InputError('command line', `--param ${text}`, `bad path: ${why}; expected fields and indexes such as agents[0].count or workload.arrivals.rate`);
  };
  const segments: PathSegment[] = [];
  const token = /\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < text.length) {
    token.lastIndex = at;
    const match = token.exec(text);
    if (match === null) fail(`unexpected ${JSON.stringify(text.slice(at, at + 10))} at character ${at + 1}`);
    const [whole, word, index, quoted] = match!;
    if (word !== undefined) {
      if (whole.startsWith('.') === (segments.length === 0)) fail(segments.length === 0 ? 'it starts with "."' : `"${word}" must follow a "."`);
      segments.push(word);
    } else if (index !== undefined) {
      if (segments.length === 0) fail('it starts with an index');
      segments.push(Number(index));
    } else {
      if (segments.length === 0) fail('it starts with an index');
      segments.push(JSON.parse(quoted!) as string);
    }
    at += whole.length;
  }
  if (segments.length === 0) fail('it is empty');
  const forbidden = segments.find((segment) => typeof segment === 'string' && FORBIDDEN_KEYS.has(segment));
  if (forbidden !== undefined) fail(`"${String(forbidden)}" is not a scenario field`);
  return segments;
}

function parseValue(text: string, path: string): ParamValue {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError('command line', `--param ${path}`, 'empty value: expected value1,value2,… with no empty entry');
  let value: unknown;
  try {
    value = parseYaml(trimmed);
  } catch {
    value = undefined;
  }
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as ParamValue;
  throw new InputError('command line', `--param ${path}`, `expected a number, a word, true, false or null, got ${describeValue(trimmed)}`);
}

/** How many cells the grid has (1 for no parameters). */
export function cellCount(grid: readonly GridParameter[]): number {
  return grid.reduce((count, parameter) => count * parameter.values.length, 1);
}

/** The values of cell `index`, row-major with the last parameter varying fastest. */
export function cellParams(grid: readonly GridParameter[], index: number): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  let rest = index;
  for (let p = grid.length - 1; p >= 0; p--) {
    const { values, path } = grid[p]!;
    params[path] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  // Built last-first; re-key so that the record lists paths in `--param` order.
  return Object.fromEntries(grid.map(({ path }) => [path, params[path]!]));
}

/**
 * Every cell of the grid over the file document `raw`, validated. The file itself is validated
 * first, so that its own mistakes are reported as the file's; a cell that fails afterwards
 * fails because of its values, and its error names `--param`.
 * @throws InputError for an invalid file, a path that leads nowhere or a value the file's
 * schema rejects
 */
export function buildCells(raw: unknown, file: string, grid: readonly ParsedParameter[], overrides: ScenarioOverrides = {}): GridCell[] {
  const base = normalizeScenario(raw, file, overrides);
  const count = cellCount(grid);
  if (count > MAX_CELLS) throw new InputError('command line', '--param', `the grid has ${count} cells; at most ${MAX_CELLS} are allowed`);
  if (grid.length === 0) return [{ index: 0, params: {}, scenario: base }];
  const cells: GridCell[] = [];
  for (let index = 0; index < count; index++) {
    const params = cellParams(grid, index);
    let document = treeCopy(raw);
    for (const parameter of grid) document = setAt(document, parameter, params[parameter.path]!, file);
    cells.push({ index, params, scenario: validateCell(document, file, grid, params, overrides) });
  }
  return cells;
}

function validateCell(
  document: unknown, file: string, grid: readonly ParsedParameter[], params: Record<string, ParamValue>, overrides: ScenarioOverrides,
): Scenario {
  try {
    return normalizeScenario(document, file, overrides);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // Blame the parameter the error's field lies in (or under); else the whole cell.
    const culprit = grid.find((p) => error.path === p.path || error.path.startsWith(`${p.path}.`) || error.path.startsWith(`${p.path}[`));
    const named = culprit === undefined ? grid : [culprit];
    const flag = `--param ${named.map((p) => `${p.path}=${String(params[p.path])}`).join(' ')}`;
    const where = culprit !== undefined && error.path === culprit.path ? '' : `${error.path === '' ? 'scenario' : error.path}: `;
    throw new InputError(file, flag, `${where}${error.expected}`);
  }
}

/**
 * `document` with `value` written at the parameter's path. Objects on the way are created when
 * missing (`warmup.time` without a `warmup`); a strategy written as a bare name becomes
 * `{ name }` when a path reaches into it (`strategies[2].params.context`).
 */
function setAt(document: unknown, parameter: ParsedParameter, value: ParamValue, file: string): unknown {
  const { segments, path } = parameter;
  const fail = (depth: number, why: string): never => {
    throw new InputError(file, `--param ${path}`, `${formatPath(segments.slice(0, depth)) || 'the scenario'} ${why}`);
  };
  const root = { document };
  let parent: Record<PathSegment, unknown> = root;
  let key: PathSegment = 'document';
  segments.forEach((segment, depth) => {
    let node = parent[key];
    if (typeof segment === 'number') {
      // A missing list is a typo of the field's name (`agnets[0]`): no list is created.
      if (node === undefined && typeof key === 'string') fail(depth - 1, `has no field "${key}"${didYouMean(key, Object.keys(parent))}`);
      if (!Array.isArray(node)) fail(depth, `is ${describeValue(node)}, not a list: cannot take [${segment}]`);
      const list = node as unknown[];
      if (segment >= list.length) fail(depth, `has ${list.length} entr${list.length === 1 ? 'y' : 'ies'}: there is no [${segment}]`);
    } else {
      if (node === undefined) node = parent[key] = {};
      if (typeof node === 'string' && segments[0] === 'strategies' && depth === 2) node = parent[key] = { name: node };
      if (node === null || typeof node !== 'object' || Array.isArray(node)) fail(depth, `is ${describeValue(node)}, not an object: cannot set "${segment}"`);
    }
    parent = node as Record<PathSegment, unknown>;
    key = segment;
  });
  parent[key] = value;
  return root.document;
}

/** A copy of a parsed document in which no object is shared (YAML aliases share them). */
function treeCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(treeCopy);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, treeCopy(v)]));
  }
  return value;
}

/**
 * Parses `--shard i/n` (i from 1 to n).
 * @throws InputError naming `--shard` for anything else
 */
export function parseShard(text: string): ShardInfo {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || !(count >= 1 && count <= MAX_CELLS && index >= 1 && index <= count)) {
    throw new InputError('command line', '--shard', `expected i/n with 1 <= i <= n (this machine's share of n), got ${describeValue(text)}`);
  }
  return { index, count };
}

/**
 * Whether cell `index` belongs to shard `shard`: cells are dealt round-robin, so neighbouring
 * cells (which often cost alike) spread over the machines.
 */
export function inShard(index: number, shard: ShardInfo): boolean {
  return index % shard.count === shard.index - 1;
}

/**
 * Refuses a shard that would get no cell (`--shard 3/5` of a 2-cell grid): it would write an
 * empty report and look like success.
 * @throws InputError naming `--shard`
 */
export function checkShardHasCells(shard: ShardInfo, cells: number): void {
  if (shard.index > cells) {
    throw new InputError('command line', '--shard', `shard ${shard.index}/${shard.count} gets no cell: the grid has only ${counted(cells, 'cell')}, so use at most ${counted(cells, 'shard')}`);
  }
}
