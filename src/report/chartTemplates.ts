/**
 * Compilations reused between charts of one structure. The report's charts of one kind (a
 * metric's intervals, a paired difference…) differ only in their rows, titles and the names on
 * their axes, so each kind is compiled once per thread (Vega-Lite → Vega → Vega's dataflow,
 * `render.ts`) with those values replaced by slots, and every chart of that kind gets that
 * output with its own values put back in: a compare's ~15 charts are compiled 6–7 times
 * instead (docs/ARCHITECTURE.md, "Worker pool").
 *
 * The output is the one the compilers would give for the chart itself, because a slot takes
 * only values that they copy without looking into them:
 *
 * - an inline data set's rows (`data.values`, not empty): put back as the same objects;
 * - a non-empty string that a JSON string or a Vega expression's string literal holds unescaped
 *   (no control characters, quotes or backslashes), under `text`, `subtitle` or `title`, or an
 *   element of a `domain` or `sort` list. Equal values share a slot, so the compilers still see
 *   which ones are equal; a spec where a channel's title equals the field name of a channel without
 *   a title (whose title that name then is) is compiled as it is, for the same reason (Vega-Lite
 *   merges channels of equal titles in a mark's description). Left out too: Object's own property names (the
 *   compilers key plain objects by sorted values) and text starting with `_` (Vega-Lite leaves
 *   such titles out of a mark's description).
 *
 * Everything else (field names, types, marks, numbers, other strings) is part of the key. A spec
 * that holds the slots' own spelling, or whose output JSON would not hold exactly, is compiled
 * as it is. test/report/chartTemplates.test.ts checks the outputs and SVGs against the compilers'.
 *
 * A template can also come from a store kept between processes (`templateStore.ts`), under the
 * same key: the spec with slots, which holds everything the compilers' output depends on but
 * the compilers themselves, which the store's file name pins.
 */
import type { ChartSpec } from './chartSpec.js';
import type { TemplateSource } from './templateStore.js';

/** What a chart's spec compiles to (plain JSON data), and the compiler's warnings. */
export interface Compiled {
  /** The compiled Vega spec, as plain JSON data. */
  readonly output: object;
  /** The compiler's warnings. */
  readonly warnings: readonly string[];
}

/**
 * A compilation with slots: its output as JSON text cut at the slots (undefined when JSON would
 * not hold it exactly), and its warnings.
 */
export interface CompiledTemplate {
  /** The text between slots and the slots' indices, alternately: text, index, text… (`String.split` with the slot pattern). */
  readonly jsonPieces: readonly string[] | undefined;
  /** The compiler's warnings. */
  readonly warnings: readonly string[];
}

/** A spec with its values in slots: the key of its template, and what each slot holds. */
interface Slotted {
  readonly key: string;
  readonly template: ChartSpec;
  readonly strings: readonly string[];
  readonly rows: readonly unknown[][];
}

/** Keys whose string value goes into a slot. */
const TEXT_KEYS = new Set(['text', 'subtitle', 'title']);
/** Keys whose list's string elements go into slots. */
const LIST_KEYS = new Set(['domain', 'sort']);
/**
 * Strings that neither JSON nor a Vega expression's string literal escapes (`JSON.stringify`,
 * vega-util's `stringValue`): no control characters, quotes, backslashes, line or paragraph
 * separators, or lone surrogates (a surrogate pair is left out too, to keep the test simple).
 */
const PLAIN_TEXT = /^[^\x00-\x1f\x7f-\x9f"'\\\u2028\u2029\ud800-\udfff]+$/;
/**
 * Object's own property names (`valueOf`, `constructor`, `__proto__`…): the compilers key plain
 * objects by the values they sort, so such a value does not behave as other text does (a sort
 * list holding `valueOf` makes Vega fail). It stays in the key, compiled as it is.
 */
const OBJECT_PROTOTYPE: object = Object.prototype;
const SLOT_MARK = 'fleetsimSlot';
const ROWS_MARK = 'fleetsimRows';
const SLOT_PATTERN = new RegExp(`${SLOT_MARK}(\\d+)z`, 'g');

/** Templates kept in one map: a report has about seven kinds of chart, a sweep fewer. */
const MAX_TEMPLATES = 64;

/**
 * Compiles `spec` through its template in `templates`: `compile` runs once per structure, on
 * the spec with slots, and its output, with this spec's values put back, is what
 * `compile(spec)` gives.
 * @param compile - a pure function of the spec whose output is plain JSON data (Vega-Lite's
 *   compiler, or that and Vega's parser); it may keep a slot's string only inside strings, as
 *   a whole or in a JSON string or a Vega expression, and a rows list only as it is
 * @param templates - where the templates are kept (one map per `compile`)
 * @param store - templates kept between processes (`templateStore.ts`), looked up when
 *   `templates` has none for the spec's structure and given the ones compiled here: what
 *   `compile` gave for the same key, so that the output is the same with or without it
 */
export function compileThroughTemplate(spec: ChartSpec, compile: (spec: ChartSpec) => Compiled, templates: Map<string, CompiledTemplate>, store?: TemplateSource): Compiled {
  const slotted = slot(spec);
  if (slotted === undefined) return compile(spec);
  let compiled = templates.get(slotted.key);
  if (compiled === undefined) {
    compiled = store?.get(slotted.key);
    if (compiled !== undefined && !fitsKey(compiled, slotted.key)) compiled = undefined;
    if (compiled === undefined) {
      let template: Compiled;
      try {
        template = compile(slotted.template);
      } catch {
        // The spec's own error, not one about slots.
        return compile(spec);
      }
      // Cut once here, so that a chart's values are put in by joining rather than by searching the text.
      compiled = { jsonPieces: exactJson(template.output)?.split(SLOT_PATTERN), warnings: template.warnings };
      store?.add(slotted.key, compiled);
    }
    if (templates.size >= MAX_TEMPLATES) templates.delete(templates.keys().next().value!);
    templates.set(slotted.key, compiled);
  }
  if (compiled.jsonPieces === undefined) return compile(spec);
  const fillPiece = (piece: string, position: number): string => (position % 2 === 1 ? slotted.strings[Number(piece)]! : piece);
  const fill = (text: string): string => text.split(SLOT_PATTERN).map(fillPiece).join('');
  return { output: restore(JSON.parse(compiled.jsonPieces.map(fillPiece).join('')), slotted.rows) as object, warnings: compiled.warnings.map(fill) };
}

/**
 * Whether a template read from a store is one the key's spec could have compiled to: every slot
 * it names is one of the key's (a damaged file's would put `undefined` in a chart).
 */
function fitsKey(template: CompiledTemplate, key: string): boolean {
  const slotsFit = (pieces: readonly string[]): boolean => {
    for (let position = 1; position < pieces.length; position += 2) {
      if (!/^\d+$/.test(pieces[position]!) || !key.includes(`${SLOT_MARK}${pieces[position]}z`)) return false;
    }
    return pieces.length % 2 === 1;
  };
  return (template.jsonPieces === undefined || slotsFit(template.jsonPieces)) && template.warnings.every((warning) => slotsFit(warning.split(SLOT_PATTERN)));
}

/** Stands for an undefined value in a template's JSON (the compilers leave many properties undefined). */
const UNDEFINED_MARK = `\u0000${SLOT_MARK}Undefined`;

/**
 * `value` as JSON text, undefined values marked, or undefined when JSON.parse would not give it
 * back exactly (a non-finite number, -0, a function, an object with methods).
 */
function exactJson(value: unknown): string | undefined {
  let exact = true;
  const json = JSON.stringify(value, (_key, child: unknown) => {
    if (child === undefined) return UNDEFINED_MARK;
    if (typeof child === 'function' || typeof child === 'symbol' || typeof child === 'bigint') exact = false;
    if (typeof child === 'number' && (!Number.isFinite(child) || Object.is(child, -0))) exact = false;
    if (typeof child === 'object' && child !== null && !Array.isArray(child) && !isDataObject(child)) exact = false;
    return child;
  });
  return exact ? json : undefined;
}

/**
 * Whether an object is data only: a plain object, or an instance of a class without methods
 * (Vega's parser gives its operators as `Entry` objects).
 */
function isDataObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype === Object.prototype || prototype === null) return true;
  return Object.getPrototypeOf(prototype) === Object.prototype && Object.getOwnPropertyNames(prototype).every((name) => name === 'constructor');
}

/** A template's parsed JSON with its undefined values and rows slots put back (in place). */
function restore(node: unknown, rows: readonly unknown[][]): unknown {
  if (node === UNDEFINED_MARK) return undefined;
  if (typeof node !== 'object' || node === null) return node;
  if (isRowsSlot(node)) return rows[node[0][ROWS_MARK]!];
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = restore(record[key], rows);
  return node;
}

/** A rows slot as the compiler passed it on: the one-element list it was given. */
function isRowsSlot(value: unknown): value is [Record<string, number>] {
  return Array.isArray(value) && value.length === 1 && typeof value[0] === 'object' && value[0] !== null && Object.keys(value[0]).length === 1 && typeof (value[0] as Record<string, unknown>)[ROWS_MARK] === 'number';
}

/** The spec with its values in slots, or undefined when it holds a slot's spelling (or is not plain JSON data). */
function slot(spec: ChartSpec): Slotted | undefined {
  const strings: string[] = [];
  const stringSlots = new Map<string, number>();
  const rows: unknown[][] = [];
  const rowSlots = new Map<string, number>();
  // The fields of channels without a title of their own, whose title is then the field's name,
  // and the titles channels have: Vega-Lite merges channels of equal titles in a mark's
  // description, so a channel title in a slot equal to such a field name would be told apart
  // from it in the template but not in the spec.
  const untitledFields = new Set<string>();
  const channelTitles = new Set<string>();
  const text = (value: string): string => {
    if (!PLAIN_TEXT.test(value) || value in OBJECT_PROTOTYPE || value.startsWith('_')) return value;
    let index = stringSlots.get(value);
    if (index === undefined) {
      index = strings.push(value) - 1;
      stringSlots.set(value, index);
    }
    return `${SLOT_MARK}${index}z`;
  };
  const walk = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') return key !== undefined && TEXT_KEYS.has(key) ? text(value) : value;
    if (Array.isArray(value)) {
      if (key !== undefined && LIST_KEYS.has(key)) return value.map((element) => (typeof element === 'string' ? text(element) : walk(element, undefined)));
      return value.map((element) => walk(element, undefined));
    }
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    const { field, title } = value as { field?: unknown; title?: unknown };
    if (typeof field === 'string' && !('title' in value)) untitledFields.add(field);
    if (typeof field === 'string' && typeof title === 'string') channelTitles.add(title);
    for (const [name, child] of Object.entries(value)) {
      if (name === 'data' && isInlineData(child)) {
        const identity = JSON.stringify(child.values, exactValue);
        let index = rowSlots.get(identity);
        if (index === undefined) {
          index = rows.push(child.values) - 1;
          rowSlots.set(identity, index);
        }
        out[name] = { ...child, values: [{ [ROWS_MARK]: index }] };
      } else {
        out[name] = walk(child, name);
      }
    }
    return out;
  };
  let key: string;
  try {
    if (JSON.stringify(spec).includes(SLOT_MARK) || JSON.stringify(spec).includes(ROWS_MARK)) return undefined;
    const template = walk(spec, undefined) as ChartSpec;
    if ([...channelTitles].some((title) => untitledFields.has(title))) return undefined;
    key = JSON.stringify(template);
    return { key, template, strings, rows };
  } catch {
    return undefined;
  }
}

/** JSON's view of a value, with what JSON would confuse (-0 and 0, NaN and null, an undefined property) told apart. */
function exactValue(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return `\u0000${Object.is(value, -0) ? '-0' : String(value)}`;
  return value === undefined ? '\u0000undefined' : value;
}

function isInlineData(data: unknown): data is { values: unknown[] } {
  return typeof data === 'object' && data !== null && Array.isArray((data as { values?: unknown }).values) && (data as { values: unknown[] }).values.length > 0;
}
