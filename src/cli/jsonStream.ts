/**
 * JSON written piece by piece: the same text as `JSON.stringify(value, null, 2)`, handed to a
 * writer in chunks of bounded size, so a document far larger than the longest string V8 can
 * build (about 512 MiB; 50 replications of a 10,000-agent fleet reach it) can still be printed.
 * For plain data (objects, arrays, strings, numbers, booleans, null), which is what results are.
 *
 * Every object and array is written here, leaf by leaf, rather than handed to
 * `JSON.stringify` and re-indented: a run on 100,000 agents prints 200,000 per-agent rows, and
 * a string per row re-indented (and the entries' arrays that chose the path) was garbage the
 * size of the document.
 */

/** Chunks are handed over once they reach this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` would, followed by a newline, in chunks of
 * about {@link CHUNK_CHARS} characters (a single leaf longer than that is one chunk).
 */
export function writeJsonChunks(value: unknown, write: (chunk: string) => void): void {
  const out = new ChunkedText(write);
  writeValue(value, '', out);
  out.push('\n');
  out.flush();
}

/**
 * Text gathered in pieces and handed over a chunk at a time, joined into one flat string: a
 * chunk built by `+=` instead is a rope of some 100,000 pieces, which took ~1.7× the CPU to
 * build and write to a pipe (200,000 per-agent rows, CPU time of three alternated rounds).
 */
class ChunkedText {
  private readonly pieces: string[] = [];
  private length = 0;
  /** Keys already quoted: a document repeats the same few field names for every row. */
  private readonly quotedKeys = new Map<string, string>();

  constructor(private readonly write: (chunk: string) => void) {}

  push(text: string): void {
    this.pieces.push(text);
    this.length += text.length;
    if (this.length >= CHUNK_CHARS) this.flush();
  }

  /** `"key": ` after `indent`. */
  pushKey(indent: string, key: string): void {
    let quoted = this.quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = `${JSON.stringify(key)}: `;
      this.quotedKeys.set(key, quoted);
    }
    this.push(indent);
    this.push(quoted);
  }

  flush(): void {
    if (this.length > 0) this.write(this.pieces.join(''));
    this.pieces.length = 0;
    this.length = 0;
  }
}

function writeValue(value: unknown, indent: string, out: ChunkedText): void {
  switch (typeof value) {
    case 'number': return out.push(Number.isFinite(value) ? String(value) : 'null');
    case 'string': return out.push(JSON.stringify(value));
    case 'boolean': return out.push(value ? 'true' : 'false');
    case 'object':
      if (value === null) return out.push('null');
      if (Array.isArray(value)) return writeArray(value, indent, out);
      if (!hasToJson(value)) return writeObject(value, indent, out);
  }
  // Objects that say how to serialise themselves (and anything else JSON.stringify decides on).
  out.push(JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`));
}

function writeArray(value: readonly unknown[], indent: string, out: ChunkedText): void {
  if (value.length === 0) return out.push('[]');
  const inner = `${indent}  `;
  out.push('[\n');
  for (let i = 0; i < value.length; i++) {
    const element = value[i];
    out.push(inner);
    // JSON.stringify writes null for array slots it cannot represent (holes included).
    if (isSkipped(element)) out.push('null');
    else writeValue(element, inner, out);
    out.push(i + 1 < value.length ? ',\n' : `\n${indent}]`);
  }
}

function writeObject(value: object, indent: string, out: ChunkedText): void {
  const inner = `${indent}  `;
  let written = 0;
  for (const key of Object.keys(value)) {
    const field = (value as Readonly<Record<string, unknown>>)[key];
    if (isSkipped(field)) continue;
    out.push(written === 0 ? '{\n' : ',\n');
    out.pushKey(inner, key);
    writeValue(field, inner, out);
    written++;
  }
  out.push(written === 0 ? '{}' : `\n${indent}}`);
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
