/**
 * JSON written piece by piece: the same text as `JSON.stringify(value, null, 2)`, handed to a
 * writer in chunks of bounded size, so a document far larger than the longest string V8 can
 * build (about 512 MiB; 50 replications of a 10,000-agent fleet reach it) can still be printed.
 * For plain data (objects, arrays, strings, numbers, booleans, null), which is what results are.
 *
 * A subtree whose text is small is written by `JSON.stringify` itself (V8's serialiser, ~4× the
 * speed of writing it leaf by leaf here, and no garbage per value), and the elements of a large
 * array in batches of such size: a run on 100,000 agents prints 200,000 per-agent rows. Only the
 * containers too large for one batch are walked here, key by key. An array met twice (with one
 * replication a run's per-agent rows are both its summary's and its replication's) is cut into
 * the same batches the second time, from the first time's plan, without estimating its elements again.
 *
 * The chunks come from a generator, in groups of about {@link CHUNK_CHARS} characters, so a
 * writer can wait for its reader between groups: standard output to a pipe that fills otherwise
 * queues the rest of the document in memory (see `runCommand`). Groups, not single chunks: a
 * yield passes through every level of the walk, and one per batch (~1,100 for 100,000 agents)
 * made V8 compile the walk's generators, ~35 ms more CPU on the one call a run makes.
 */

/** Chunks are handed over once they reach this many characters. */
const CHUNK_CHARS = 1 << 20;

/** A piece at least this long is handed over on its own rather than joined into a chunk. */
const LARGE_PIECE_CHARS = 1 << 14;

/**
 * Largest text, in estimated characters, given to `JSON.stringify` in one call (a subtree, or a
 * batch of an array's elements): small beside a chunk, so chunks stay near their size.
 */
const BATCH_CHARS = 1 << 16;

/**
 * The text of `JSON.stringify(value, null, 2)` followed by a newline, in chunks of up to about
 * {@link CHUNK_CHARS} characters (a batch is a chunk of its own; a single leaf longer than a
 * chunk is one chunk), yielded in groups of at least {@link CHUNK_CHARS} characters (the last
 * one less), each group made when the one before has been taken.
 */
export function* jsonChunks(value: unknown): Generator<readonly string[], void, undefined> {
  const out = new ChunkedText(new Map());
  yield* writeValue(value, 0, out);
  out.push('\n');
  out.flush();
  yield* out.takeReady(true);
}

/**
 * A run of a large array's elements written as one piece: a batch given to `JSON.stringify`, or
 * (`alone`) one element too large for a batch, written by walking it.
 */
interface ArrayPart {
  readonly from: number;
  readonly to: number;
  readonly alone: boolean;
}

/**
 * Text gathered in pieces and handed over a chunk at a time, joined into one flat string: a
 * chunk built by `+=` instead is a rope of some 100,000 pieces, which took ~1.7× the CPU to
 * build and write to a pipe (200,000 per-agent rows, CPU time of three alternated rounds).
 * A long piece (a batch) is handed over by itself, after the chunk before it. Chunks wait in
 * {@link ChunkedText.takeReady} until the generator yields them.
 */
class ChunkedText {
  private readonly pieces: string[] = [];
  private length = 0;
  /** Chunks made and not yet taken, and their characters. */
  private ready: string[] = [];
  private readyChars = 0;
  /** Keys already quoted: a document repeats the same few field names for every row. */
  private readonly quotedKeys = new Map<string, string>();

  /**
   * @param arrayPlans - how each large array written so far was cut, to cut it alike if it is met
   * again: batches hold the same elements at any nesting, so only the first time is estimated.
   */
  constructor(readonly arrayPlans: Map<readonly unknown[], readonly ArrayPart[]>) {}

  push(text: string): void {
    if (text.length >= LARGE_PIECE_CHARS) {
      // Handed over as it is: joining it into a chunk would only copy it once more.
      this.flush();
      this.ready.push(text);
      this.readyChars += text.length;
      return;
    }
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
    if (this.length > 0) {
      this.ready.push(this.pieces.join(''));
      this.readyChars += this.length;
    }
    this.pieces.length = 0;
    this.length = 0;
  }

  /**
   * The chunks made since the last group was taken, as one group, once they reach
   * {@link CHUNK_CHARS} characters (or, with `all`, whatever there is); else no group.
   */
  takeReady(all = false): readonly (readonly string[])[] {
    if (this.ready.length === 0 || (!all && this.readyChars < CHUNK_CHARS)) return NO_GROUPS;
    const group = this.ready;
    this.ready = [];
    this.readyChars = 0;
    return [group];
  }
}

const NO_GROUPS: readonly (readonly string[])[] = [];

/** Two spaces per level, as `JSON.stringify(value, null, 2)` indents. */
function indentOf(level: number): string {
  return '  '.repeat(level);
}

/** `value` written at nesting `level` (its first line at the cursor, the others indented); yields the groups of chunks it completes. */
function* writeValue(value: unknown, level: number, out: ChunkedText): Generator<readonly string[], void, undefined> {
  switch (typeof value) {
    case 'number': return out.push(Number.isFinite(value) ? String(value) : 'null');
    case 'string': return out.push(JSON.stringify(value));
    case 'boolean': return out.push(value ? 'true' : 'false');
    case 'object':
      if (value === null) return out.push('null');
      if (hasToJson(value)) break;
      if (Array.isArray(value) && out.arrayPlans.has(value)) return yield* writeArray(value, level, out);
      if (estimatedChars(value, level, BATCH_CHARS) >= 0) return out.push(stringifiedAt(value, level));
      if (Array.isArray(value)) return yield* writeArray(value, level, out);
      return yield* writeObject(value, level, out);
  }
  // Objects that say how to serialise themselves (and anything else JSON.stringify decides on).
  out.push(JSON.stringify(value, null, 2).replaceAll('\n', `\n${indentOf(level)}`));
}

/** A large array: its elements in batches of about {@link BATCH_CHARS}, large ones one by one. */
function* writeArray(value: readonly unknown[], level: number, out: ChunkedText): Generator<readonly string[], void, undefined> {
  let parts = out.arrayPlans.get(value);
  if (parts === undefined) {
    parts = arrayParts(value, level);
    out.arrayPlans.set(value, parts);
  }
  const inner = indentOf(level + 1);
  const separator = `,\n${inner}`;
  out.push(`[\n${inner}`);
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (k > 0) out.push(separator);
    if (part.alone) yield* writeValue(value[part.from], level + 1, out);
    else out.push(batchAt(value, part.from, part.to, level));
    yield* out.takeReady();
  }
  out.push(`\n${indentOf(level)}]`);
}

/** A large array cut into batches of about {@link BATCH_CHARS} (estimated at nesting `level`) and elements too large for one. */
function arrayParts(value: readonly unknown[], level: number): ArrayPart[] {
  const parts: ArrayPart[] = [];
  let batchStart = 0;
  let budget = BATCH_CHARS;
  for (let i = 0; i < value.length; i++) {
    const left = estimatedChars(value[i], level + 1, budget);
    if (left >= 0) {
      budget = left;
      continue;
    }
    if (batchStart < i) parts.push({ from: batchStart, to: i, alone: false });
    const alone = estimatedChars(value[i], level + 1, BATCH_CHARS);
    if (alone >= 0) {
      // Too large for what was left of the batch only: it starts the next one.
      batchStart = i;
      budget = alone;
      continue;
    }
    // An object or array larger than a batch by itself (anything else fits one).
    parts.push({ from: i, to: i + 1, alone: true });
    batchStart = i + 1;
    budget = BATCH_CHARS;
  }
  if (batchStart < value.length) parts.push({ from: batchStart, to: value.length, alone: false });
  return parts;
}

function* writeObject(value: object, level: number, out: ChunkedText): Generator<readonly string[], void, undefined> {
  const inner = indentOf(level + 1);
  let written = 0;
  for (const key of Object.keys(value)) {
    const field = (value as Readonly<Record<string, unknown>>)[key];
    if (isSkipped(field)) continue;
    out.push(written === 0 ? '{\n' : ',\n');
    out.pushKey(inner, key);
    yield* writeValue(field, level + 1, out);
    yield* out.takeReady();
    written++;
  }
  out.push(written === 0 ? '{}' : `\n${indentOf(level)}}`);
}

/**
 * `JSON.stringify(value, null, 2)` as it reads at nesting `level`: the value is serialised
 * inside `level` one-element arrays, which indent it as the document does, and cut out. No
 * re-indenting copy; the cut is a slice of V8's string.
 */
function stringifiedAt(value: unknown, level: number): string {
  const text = JSON.stringify(nested(value, level), null, 2);
  // Each wrapper opens with `<its indent>[\n` and closes with `\n<its indent>]`.
  return text.slice(level * level + 3 * level, text.length - (level * level + level));
}

/** Elements `from` to `to` (excluded) of an array at nesting `level`, with their separators. */
function batchAt(value: readonly unknown[], from: number, to: number, level: number): string {
  const text = stringifiedAt(value.slice(from, to), level);
  // Cut `[\n` and the first element's indent, and the closing `\n<indent>]`.
  return text.slice(2 + 2 * (level + 1), text.length - (2 + 2 * level));
}

function nested(value: unknown, level: number): unknown {
  let wrapped = value;
  for (let i = 0; i < level; i++) wrapped = [wrapped];
  return wrapped;
}

/**
 * What is left of `budget` after the characters `value`'s text takes at nesting `level`
 * (an upper estimate for numbers, keys and layout; strings as their length), or -1 once the
 * budget is spent. Stops there, so a large container costs at most `budget` steps; an object
 * with `toJSON` spends it all (it is written on its own).
 */
function estimatedChars(value: unknown, level: number, budget: number): number {
  switch (typeof value) {
    case 'string': return budget - value.length - 2;
    case 'object': break;
    default: return budget - 24;
  }
  if (value === null) return budget - 4;
  if (hasToJson(value)) return -1;
  const lineChars = 2 * level + 4;
  let left = budget - lineChars;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && left >= 0; i++) left = estimatedChars(value[i], level + 1, left - lineChars);
    return left;
  }
  for (const key in value) {
    if (left < 0) break;
    left = estimatedChars((value as Readonly<Record<string, unknown>>)[key], level + 1, left - lineChars - key.length - 4);
  }
  return left;
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function isSkipped(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}
