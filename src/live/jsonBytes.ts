/**
 * JSON written straight into a {@link LineBuffer}: exactly the bytes of `JSON.stringify(value)`
 * in UTF-8, without making the JSON string. `JSON.stringify` builds its result as a tree of
 * string parts that is copied once more into one flat string as soon as anything reads its
 * bytes (a checksum, a write); for the write-ahead log's inputs and the events file's records,
 * a few hundred bytes each several times per task, those copies were a large share of what the
 * service allocated.
 *
 * Plain data takes the direct path: objects whose prototype is `Object.prototype` or null,
 * arrays, strings, finite numbers, booleans, null; object properties that are undefined are
 * left out as JSON leaves them out. Anything else anywhere in the value (a `Set`, a non-finite
 * number, an undefined array item, a `toJSON`, a class instance, a bigint…) sends the whole
 * value to the general path, `stringify`, so the bytes stay what it writes.
 */
import type { LineBuffer } from './lineBuffer.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');
const NULL_BYTES = Buffer.from('null');

/**
 * Appends the JSON of `value` to `lines`: written directly when it is plain data (see the
 * module's description), else the text `stringify(value)` returns (default `JSON.stringify`),
 * which must be what `JSON.stringify` writes for plain data. If `stringify` throws, nothing is
 * appended and the error propagates.
 */
export function appendJson<T>(lines: LineBuffer, value: T, stringify: (value: T) => string = JSON.stringify): void {
  const start = lines.length;
  if (writeValue(lines, value)) return;
  lines.truncate(start);
  lines.text(stringify(value));
}

/**
 * The bytes that open one field of an object's JSON: `{"name":` for the first field
 * (`first`), `,"name":` for the others. For writers of a record of known fields
 * ({@link appendField}), which copy these instead of checking and writing each key.
 */
export function fieldBytes(name: string, first = false): Buffer {
  return Buffer.from(`${first ? '{' : ','}${JSON.stringify(name)}:`);
}

/**
 * Appends one field of a record as `JSON.stringify` writes it inside the object: its opening
 * bytes (from {@link fieldBytes}) and the JSON of `value`; nothing when `value` is undefined
 * and the field `optional` (JSON leaves it out). Returns false, having written part of it maybe,
 * when `value` is not plain data or is a required field's undefined: the caller then truncates
 * what it wrote and writes the whole record with {@link appendJson}.
 */
export function appendField(lines: LineBuffer, field: Uint8Array, value: unknown, optional = false): boolean {
  if (value === undefined) return optional;
  lines.ascii(field);
  return writeValue(lines, value);
}

/** Writes `value` if it is plain data; false (having written part of it, maybe) if not. */
function writeValue(lines: LineBuffer, value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      writeString(lines, value);
      return true;
    case 'number':
      if (!Number.isFinite(value)) return false;
      if (Number.isSafeInteger(value)) lines.digits(value);
      else lines.plainAscii(String(value));
      return true;
    case 'boolean':
      lines.ascii(value ? TRUE_BYTES : FALSE_BYTES);
      return true;
    case 'object':
      if (value === null) {
        lines.ascii(NULL_BYTES);
        return true;
      }
      return Array.isArray(value) ? writeArray(lines, value) : writeObject(lines, value);
    default:
      return false;
  }
}

function writeArray(lines: LineBuffer, items: readonly unknown[]): boolean {
  lines.byte(OPEN_BRACKET);
  for (let at = 0; at < items.length; at++) {
    if (at > 0) lines.byte(COMMA);
    // JSON writes null for an undefined item or a hole: rare, left to the general path.
    const item = items[at];
    if (item === undefined || !writeValue(lines, item)) return false;
  }
  lines.byte(CLOSE_BRACKET);
  return true;
}

function writeObject(lines: LineBuffer, object: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(object);
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in object) return false;
  lines.byte(OPEN_BRACE);
  let first = true;
  // for…in walks a plain object's own enumerable string keys in the order JSON.stringify does.
  for (const key in object) {
    const item = (object as Record<string, unknown>)[key];
    if (item === undefined) continue;
    if (!first) lines.byte(COMMA);
    first = false;
    writeString(lines, key);
    lines.byte(COLON);
    if (!writeValue(lines, item)) return false;
  }
  lines.byte(CLOSE_BRACE);
  return true;
}

/** A JSON string: as is when nothing in it is escaped or wider than a byte, else `JSON.stringify`'s text of it. */
function writeString(lines: LineBuffer, text: string): void {
  if (!lines.quotedPlainAscii(text)) lines.text(JSON.stringify(text));
}
