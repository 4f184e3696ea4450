/**
 * Generated edits of a parsed document (a scenario, a results document, a baseline, a token
 * file), for the property tests that check every file the command line reads: a key deleted (a
 * list element dropped), a value replaced by one of another type or at a type's edges, an unknown
 * key added, a known field set, a list element duplicated, two sibling values swapped. Each edit
 * says what it did, so a failing case reads as the edits that made it.
 */
import fc from 'fast-check';
import { formatPath, isInputError, type InputError } from '../../src/scenario/errors.js';

/** A key or a list index of a path into a document. */
export type Segment = string | number;
type Container = Record<string, unknown> | unknown[];

/** Values of another type, or at a type's edges, put in place of a field's value. */
export const REPLACEMENTS: readonly unknown[] = [
  'text', '', 'NaN', '.nan', 'Infinity', '-1', -1, -0.5, 0, 1e308, -1e308, 1e-300, 2 ** 53 + 1, 0.5, 3,
  Number.NaN, Number.POSITIVE_INFINITY, true, false, null, [], {}, [1, 'two'], [0, 0], [1e-300, 1e-300], { nested: { field: 1 } },
];

/** One edit of a document: what to do, and draws that pick where (taken modulo the candidates). */
export type Mutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'unknown-key'; readonly at: number; readonly key: string }
  | { readonly kind: 'set-field'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'duplicate'; readonly at: number; readonly element: number }
  | { readonly kind: 'swap'; readonly at: number; readonly first: number; readonly second: number };

/** What the edits draw from: keys no format knows, and the format's own field names. */
export interface MutationVocabulary {
  /** Keys added as unknown fields (typos among them). */
  readonly unknownKeys: readonly string[];
  /** Field names of the format, set anywhere with a replacement value. */
  readonly knownFields: readonly string[];
  /** Values put in place of a field's; {@link REPLACEMENTS} when absent. */
  readonly replacements?: readonly unknown[];
}

const pick = fc.nat({ max: 100_000 });

/** Edits drawn from `vocabulary`. */
export function mutationArb(vocabulary: MutationVocabulary): fc.Arbitrary<Mutation> {
  const replacement = fc.constantFrom(...(vocabulary.replacements ?? REPLACEMENTS));
  return fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), at: pick }),
    fc.record({ kind: fc.constant('replace' as const), at: pick, value: replacement }),
    fc.record({ kind: fc.constant('unknown-key' as const), at: pick, key: fc.constantFrom(...vocabulary.unknownKeys) }),
    fc.record({ kind: fc.constant('set-field' as const), at: pick, key: fc.constantFrom(...vocabulary.knownFields), value: replacement }),
    fc.record({ kind: fc.constant('duplicate' as const), at: pick, element: pick }),
    fc.record({ kind: fc.constant('swap' as const), at: pick, first: pick, second: pick }),
  );
}

/** Paths of every value in `node` (the root's is []), depth first in document order. */
export function pathsOf(node: unknown, path: Segment[] = []): Segment[][] {
  const own = [path];
  if (Array.isArray(node)) return own.concat(...node.map((child, i) => pathsOf(child, [...path, i])));
  if (typeof node === 'object' && node !== null) return own.concat(...Object.entries(node).map(([key, child]) => pathsOf(child, [...path, key])));
  return own;
}

/** The value at `path` in `root`, or undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<Segment, unknown>)[segment];
  }
  return node;
}

/** True for an object or a list. */
export function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/**
 * Applies `mutation` to `document` in place and says what it did (`replace workload.rate`); a
 * mutation with nowhere to apply does nothing. `within` narrows the edits to the values under
 * these paths (the whole document when absent).
 */
export function mutate(document: unknown, mutation: Mutation, within?: (path: readonly Segment[]) => boolean): string {
  const paths = pathsOf(document).filter((path) => within === undefined || within(path));
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
export function segmentsOf(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
}

/**
 * Whether the formatted field `path` is in `document`, or, for a required field that is missing,
 * its parent is: the field a message names must be one the user can find.
 */
export function namesFieldOf(document: unknown, path: string): boolean {
  const segments = segmentsOf(path);
  return valueAt(document, segments) !== undefined || isContainer(valueAt(document, segments.slice(0, -1)));
}

/** An edit of a file's text rather than of its document. */
export type TextMutation =
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'byte-order-mark' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'garbage'; readonly at: number; readonly text: string }
  | { readonly kind: 'padded'; readonly megabytes: number };

/** Text edits: cut short, a byte-order mark in front, emptied, a stray fragment inserted, padded with up to `maxMegabytes` MiB of blanks. */
export function textMutationArb(maxMegabytes: number): fc.Arbitrary<TextMutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: pick }),
    fc.record({ kind: fc.constant('byte-order-mark' as const) }),
    fc.record({ kind: fc.constant('empty' as const) }),
    fc.record({ kind: fc.constant('garbage' as const), at: pick, text: fc.constantFrom('}', ']', ',', '{"', '\0', '\uFFFD', ': :', '\n- x\n', '\t', '"\\u12', '&anchor', '*alias', '!!binary') }),
    fc.record({ kind: fc.constant('padded' as const), megabytes: fc.integer({ min: 1, max: maxMegabytes }) }),
  );
}

/** `text` edited by `mutation`, and what was done. */
export function mutateText(text: string, mutation: TextMutation): { text: string; edit: string } {
  switch (mutation.kind) {
    case 'truncate': {
      const at = mutation.at % Math.max(1, text.length);
      return { text: text.slice(0, at), edit: `cut at ${at} of ${text.length}` };
    }
    case 'byte-order-mark': return { text: `\uFEFF${text}`, edit: 'a byte-order mark in front' };
    case 'empty': return { text: '', edit: 'emptied' };
    case 'garbage': {
      const at = mutation.at % Math.max(1, text.length);
      return { text: text.slice(0, at) + mutation.text + text.slice(at), edit: `${JSON.stringify(mutation.text)} inserted at ${at}` };
    }
    case 'padded': return { text: text + ' '.repeat(mutation.megabytes << 20) + '\n', edit: `padded with ${mutation.megabytes} MiB of blanks` };
  }
}

/**
 * What is wrong with `error` as the refusal of `file`, or undefined when it is a proper one: an
 * InputError of one line that starts with the file's name and then, when it names a field, that
 * field's path.
 */
export function refusalProblem(error: unknown, file: string): string | undefined {
  if (!isInputError(error)) return `threw ${String(error)}`;
  if (error.message.includes('\n')) return `message of more than one line: ${error.message}`;
  if (!error.message.startsWith(`${file}: `)) return `message does not start with the file: ${error.message}`;
  if (error.path !== '' && !error.message.startsWith(`${file}: ${error.path}: `)) return `message does not name its field path: ${error.message}`;
  return undefined;
}

/**
 * What is wrong with the field a proper refusal names, or undefined when all is well: it is in
 * `document` (or its parent is, for a field that is missing), or, for a refusal that names no
 * field, `wholeFile` says the problem is the file's as a whole. `document` undefined (the text
 * was edited, not the document) leaves nothing to check.
 */
export function fieldProblem(error: InputError, document: unknown, wholeFile: boolean): string | undefined {
  if (document === undefined) return undefined;
  if (error.path === '') return wholeFile ? undefined : `message names no field: ${error.message}`;
  return namesFieldOf(document, error.path) ? undefined : `the field it names is not in the document, nor is its parent: ${error.message}`;
}
