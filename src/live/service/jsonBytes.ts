/**
 * JSON written straight as UTF-8 bytes into large shared slabs, each result a view of its slab:
 * what `Buffer.from(JSON.stringify(value))` gives, without the string. V8's JSON.stringify builds
 * its result in parts of doubling size joined at the end, and Buffer.from flattens and copies it:
 * about four bytes of short-lived heap per byte of JSON, for records kept as bytes anyway (the
 * task registry's settled tasks). A slab is freed once no view of it is left; records forgotten
 * oldest first free their slabs in turn.
 *
 * The values written are JSON values (strings, finite numbers, booleans, null, arrays, objects
 * whose fields are such values or `undefined`), as JSON.stringify writes them: fields in their
 * enumeration order, an `undefined` field left out (`null` in an array), a number that is not
 * finite as `null`. A string of printable ASCII without `"` or `\` (ids, states, kinds) is copied
 * byte by byte; any other goes through JSON.stringify, which escapes it.
 */

/** Bytes of a slab: many records per slab, few slabs alive. */
const SLAB_BYTES = 64 * 1024;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Writes one JSON record at a time; see the module's comment. */
export class JsonBytesWriter {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private start = 0;
  private at = 0;

  /** The bytes written since the last call, as a view of the slab. */
  finish(): Buffer {
    const record = this.slab.subarray(this.start, this.at);
    this.start = this.at;
    return record;
  }

  /** Writes JSON's punctuation or field names: printable ASCII, as is. */
  raw(ascii: string): void {
    this.reserve(ascii.length);
    for (let i = 0; i < ascii.length; i++) this.slab[this.at++] = ascii.charCodeAt(i);
  }

  /** Writes a string as JSON. */
  string(value: string): void {
    this.reserve(value.length + 2);
    const from = this.at;
    this.slab[this.at++] = QUOTE;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code < 0x20 || code >= 0x7f || code === QUOTE || code === BACKSLASH) {
        this.at = from;
        this.escaped(value);
        return;
      }
      this.slab[this.at++] = code;
    }
    this.slab[this.at++] = QUOTE;
  }

  /** Writes a number as JSON (`null` if it is not finite). */
  number(value: number): void {
    this.raw(Number.isFinite(value) ? String(value) : 'null');
  }

  /** Writes any JSON value (see the module's comment). */
  value(value: unknown): void {
    if (typeof value === 'string') this.string(value);
    else if (typeof value === 'number') this.number(value);
    else if (typeof value === 'boolean') this.raw(value ? 'true' : 'false');
    else if (value === null || value === undefined) this.raw('null');
    else if (Array.isArray(value)) {
      this.raw('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.raw(',');
        this.value(value[i]);
      }
      this.raw(']');
    } else {
      const fields = value as Readonly<Record<string, unknown>>;
      let first = true;
      this.raw('{');
      for (const key in fields) {
        const field = fields[key];
        if (field === undefined || !Object.hasOwn(fields, key)) continue;
        this.raw(first ? '' : ',');
        first = false;
        this.string(key);
        this.raw(':');
        this.value(field);
      }
      this.raw('}');
    }
  }

  /** A string with characters JSON escapes or that take more than a byte in UTF-8. */
  private escaped(value: string): void {
    const json = JSON.stringify(value);
    // At most three UTF-8 bytes per UTF-16 unit.
    this.reserve(json.length * 3);
    this.at += this.slab.write(json, this.at, 'utf8');
  }

  /** Room for `bytes` more: a new slab, with the record begun so far moved to it, if needed. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.slab.length) return;
    const begun = this.at - this.start;
    const slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (begun + bytes)));
    this.slab.copy(slab, 0, this.start, this.at);
    this.slab = slab;
    this.start = 0;
    this.at = begun;
  }
}
