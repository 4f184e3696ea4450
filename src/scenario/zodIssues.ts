/**
 * Turns zod's validation issues into one human line: the field path as the user would write it
 * and what was expected versus what the file holds (`expected a number > 0, got -1`). Only the
 * first issue is reported: the user fixes it and runs again, as with a compiler's first error.
 */
import type { z } from 'zod';
import { InputError, didYouMean, formatPath, type PathSegment } from './errors.js';

type Issue = z.core.$ZodIssue;

/** Where an issue points and what to say about it. */
interface Explanation {
  readonly path: PathSegment[];
  readonly text: string;
}

/**
 * Validates `raw` with `schema`, returning its output or throwing an {@link InputError} for
 * the first issue. `prefix` is where `raw` sits in the file (e.g. `strategies[2].params`).
 */
export function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  raw: unknown,
  file: string,
  prefix: readonly PathSegment[] = [],
): z.output<Schema> {
  // A file is parsed once per process: compiling zod's fast path for each object schema
  // (`new Function`, outside the CLI's code cache) would cost more than it saves.
  const result = schema.safeParse(raw, { jitless: true });
  if (result.success) return result.data;
  const first = pickIssue(result.error.issues);
  if (first === undefined) throw new Error(`zod reported failure without issues for ${file}`);
  throw issueToInputError(first, raw, file, prefix);
}

/**
 * The first issue, except that an unknown key in the same object (or an enclosing one) wins:
 * `spead: 40` is why `speed` is missing, and "unknown field "spead" (did you mean "speed"?)"
 * is the message that helps.
 */
function pickIssue(issues: readonly Issue[]): Issue | undefined {
  const first = issues[0];
  if (first === undefined) return undefined;
  const unknownKey = issues.find(
    (issue) => issue.code === 'unrecognized_keys' && issue.path.length <= first.path.length && issue.path.every((key, i) => key === first.path[i]),
  );
  if (unknownKey !== undefined) return unknownKey;
  // An integer far out of range fails zod's safe-integer check first; the field's own
  // (documented) maximum, when it has one, is the bound to quote.
  if (first.code === 'too_big' && first.origin === 'int') {
    const ownMaximum = issues.find((issue) => issue !== first && issue.code === 'too_big' && samePath(issue.path, first.path));
    if (ownMaximum !== undefined) return ownMaximum;
  }
  return first;
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}

/** The {@link InputError} for one zod issue found while validating `root`. */
export function issueToInputError(issue: Issue, root: unknown, file: string, prefix: readonly PathSegment[] = []): InputError {
  const { path, text } = explain(issue, [], root);
  return new InputError(file, formatPath([...prefix, ...path]), text);
}

/** `base` is the path (relative to `root`) of the schema that raised `issue`. */
function explain(issue: Issue, base: readonly PathSegment[], root: unknown): Explanation {
  const path = [...base, ...issue.path.map(toSegment)];
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return { path, text: `required: expected ${typeName(issue.expected)}` };
      // YAML's .nan and .inf are numbers, just not ones a scenario can use.
      if (typeof value === 'number' && !Number.isFinite(value)) return { path, text: `expected a finite number, got ${describeValue(value)}` };
      return { path, text: `expected ${typeName(issue.expected)}, got ${describeValue(value)}` };
    case 'too_small':
      return { path, text: tooSmall(issue, value) };
    case 'too_big':
      return { path, text: tooBig(issue, value) };
    case 'unrecognized_keys':
      // The schema's own message (see `strict` in schema.ts) names the key and the known ones.
      return { path: [...path, issue.keys[0] ?? ''], text: issue.message.startsWith('unknown field') ? issue.message : `unknown field "${issue.keys[0]}"` };
    case 'invalid_value':
      return { path, text: oneOf(issue.values, value) };
    case 'invalid_union':
      return explainUnion(issue, path, root, value);
    case 'invalid_key': {
      // A record's key failed its schema: the key's own issue, said of the key.
      const inner = issue.issues[0];
      const key = path[path.length - 1];
      return inner === undefined ? { path, text: issue.message } : { path, text: `the key ${describeValue(key)}: ${explain(inner, [], key).text}` };
    }
    default:
      return { path, text: issue.message };
  }
}

/**
 * A union failed. A discriminated union names its allowed tags. Otherwise, when one branch got
 * past the type check (the value was an object, and the object was wrong), that branch's issue
 * is the useful one; when none did, the value had the wrong type for every branch.
 */
function explainUnion(issue: z.core.$ZodIssueInvalidUnion, path: PathSegment[], root: unknown, value: unknown): Explanation {
  if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
    return { path, text: oneOf(issue.options, value) };
  }
  const branches = issue.errors;
  for (const branch of branches) {
    const first = pickIssue(branch);
    if (first !== undefined && !(first.code === 'invalid_type' && first.path.length === 0)) return explain(first, path, root);
  }
  const expected = branches.flatMap((branch) => (branch[0]?.code === 'invalid_type' ? [typeName(branch[0].expected)] : []));
  if (expected.length === 0) return { path, text: issue.message };
  return { path, text: value === undefined ? `required: expected ${expected.join(' or ')}` : `expected ${expected.join(' or ')}, got ${describeValue(value)}` };
}

function tooSmall(issue: z.core.$ZodIssueTooSmall, value: unknown): string {
  const minimum = Number(issue.minimum);
  switch (issue.origin) {
    case 'array':
    case 'set':
      if (minimum === 1) return 'expected a non-empty list';
      return `expected at least ${minimum} items, got ${Array.isArray(value) ? value.length : describeValue(value)}`;
    case 'string':
      return minimum === 1 ? 'expected a non-empty string' : `expected at least ${minimum} characters, got ${describeValue(value)}`;
    default:
      return `expected a number ${issue.inclusive === true ? '>=' : '>'} ${minimum}, got ${describeValue(value)}`;
  }
}

function tooBig(issue: z.core.$ZodIssueTooBig, value: unknown): string {
  const maximum = Number(issue.maximum);
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `expected at most ${maximum} items, got ${Array.isArray(value) ? value.length : describeValue(value)}`;
    case 'string':
      return `expected at most ${maximum} characters, got ${describeValue(value)}`;
    default:
      return `expected a number ${issue.inclusive === true ? '<=' : '<'} ${maximum}, got ${describeValue(value)}`;
  }
}

/** "expected one of "late", "early", got "lazy" (did you mean "late"?)". */
function oneOf(values: readonly unknown[], value: unknown): string {
  const allowed = values.map((v) => JSON.stringify(v)).join(', ');
  const expected = values.length === 1 ? allowed : `one of ${allowed}`;
  if (value === undefined) return `required: expected ${expected}`;
  const hint = typeof value === 'string' ? didYouMean(value, values.filter((v): v is string => typeof v === 'string')) : '';
  return `expected ${expected}, got ${describeValue(value)}${hint}`;
}

/** A zod type name as a user reads it. */
function typeName(expected: string): string {
  switch (expected) {
    case 'number': return 'a number';
    case 'int': return 'an integer';
    case 'string': return 'a string';
    case 'boolean': return 'true or false';
    case 'object':
    case 'record': return 'an object';
    case 'array':
    case 'tuple': return 'a list';
    default: return expected;
  }
}

/**
 * A value from the file, short: numbers and strings as written (strings quoted and cut at 40
 * characters), containers by kind. Used after "got".
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `a list (${value.length} items)`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The value at `path` inside `root`, or undefined when the path leads nowhere. */
function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === 'number' || typeof key === 'string' ? key : String(key);
}
