/**
 * JSON written piece by piece: the same text as `JSON.stringify(value, null, 2)`, handed to a
 * writer in chunks of bounded size, so a document far larger than the longest string V8 can
 * build (about 512 MiB; 50 replications of a 10,000-agent fleet reach it) can still be printed.
 * For plain data (objects, arrays, strings, numbers, booleans, null), which is what results are.
 */

/** Chunks are handed over once they reach this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * Writes `value` as `JSON.stringify(value, null, 2)` would, followed by a newline, in chunks of
 * about {@link CHUNK_CHARS} characters (a single array element or object field longer than that
 * is one chunk).
 */
export function writeJsonChunks(value: unknown, write: (chunk: string) => void): void {
  const parts: string[] = [];
  let buffered = 0;
  const push = (text: string): void => {
    parts.push(text);
    buffered += text.length;
    if (buffered >= CHUNK_CHARS) {
      write(parts.join(''));
      parts.length = 0;
      buffered = 0;
    }
  };
  writeValue(value, '', push);
  push('\n');
  if (parts.length > 0) write(parts.join(''));
}

function writeValue(value: unknown, indent: string, push: (text: string) => void): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return push('[]');
    const inner = `${indent}  `;
    push('[\n');
    value.forEach((element, i) => {
      push(inner);
      // JSON.stringify writes null for array slots it cannot represent.
      if (element === undefined || typeof element === 'function' || typeof element === 'symbol') push('null');
      else writeValue(element, inner, push);
      push(i + 1 < value.length ? ',\n' : `\n${indent}]`);
    });
    return;
  }
  if (typeof value === 'object' && value !== null && !hasToJson(value)) {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined && typeof field !== 'function' && typeof field !== 'symbol');
    if (entries.length === 0) return push('{}');
    if (entries.every(([, field]) => typeof field !== 'object' || field === null)) {
      // A flat object (an agent's figures, a metric group's leaves): one call, re-indented.
      return push(JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`));
    }
    const inner = `${indent}  `;
    push('{\n');
    entries.forEach(([key, field], i) => {
      push(`${inner}${JSON.stringify(key)}: `);
      writeValue(field, inner, push);
      push(i + 1 < entries.length ? ',\n' : `\n${indent}}`);
    });
    return;
  }
  // Primitives, and objects that say how to serialise themselves.
  push(JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`));
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
