/**
 * A file of compiled chart templates (`chartTemplates.ts`) kept between processes: the sibling
 * of the renderer's V8 code cache (`src/cli/codeCache.ts`). A thread reads it with the first
 * template it looks for, so a structure compiled by an earlier process (or by the build) is not
 * compiled again; the structures a process compiled are added when it exits (docs/ARCHITECTURE.md,
 * "Worker pool").
 *
 * - **It can only meet the compilers it was made by.** The file is named after the renderer
 *   bundle (whose name carries a hash of its content: the compilers, and the code that calls
 *   them) and Vega's and Vega-Lite's versions, which its header repeats; a file whose header
 *   differs, or that does not parse, is not used: every template is compiled as without a file,
 *   and the file is rewritten at exit.
 * - **A reader sees a whole file or none**: it is written to a temporary file renamed into place.
 *   At exit a process reads the file again and adds its own templates to what it holds then, so
 *   two processes exiting together lose at most the templates of one of them, never the file.
 * - **It is bounded**: at most {@link TemplateStoreLimits} entries and bytes; the oldest go first.
 * - **It is trusted as the code cache is.** A template is Vega's dataflow, whose expressions a
 *   view turns into functions: a file that someone could write could run code in fleetsim. It is
 *   our own file, written beside our own bundle (or in the directory `FLEETSIM_CHART_TEMPLATES_DIR`
 *   names) by fleetsim itself, as trusted as the bundle and its code cache beside it; it is
 *   checked for its shape (and a template's slots against its key), which catches a damaged
 *   file, not a forged one.
 *
 * Only the main thread writes it (a worker thread may be terminated without an `exit`); a
 * worker thread reads it and keeps what it compiles to itself.
 */
import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { writeFileWhole } from '../cli/codeCache.js';
import type { CompiledTemplate } from './chartTemplates.js';

/** The format's name in a file's header: a change of format is a mismatch too. */
const FORMAT = 'fleetsim-chart-templates/1';

/**
 * The environment variable naming a directory that holds the store instead of the renderer
 * bundle's own directory (the bench's empty store; a read-only installation's own place).
 */
export const TEMPLATE_STORE_DIR_ENV = 'FLEETSIM_CHART_TEMPLATES_DIR';

/** The compilers a store's templates were made by. */
export interface CompilerVersions {
  /** Version of the vega package. */
  readonly vega: string;
  /** Version of the vega-lite package. */
  readonly vegaLite: string;
}

/** How much a store keeps. */
export interface TemplateStoreLimits {
  /** Most templates. @defaultValue 256 */
  readonly maxEntries?: number;
  /** Most bytes of keys, JSON pieces and warnings (UTF-16 code units). @defaultValue 8 MiB */
  readonly maxBytes?: number;
}

/** Templates a report's charts look up and add to: what {@link compileThroughTemplate} takes. */
export interface TemplateSource {
  /** The template stored under `key`, if any. */
  get(key: string): CompiledTemplate | undefined;
  /** A template compiled in this process, to be kept. */
  add(key: string, template: CompiledTemplate): void;
}

/** A template as a file's line holds it: JSON pieces (null: compiled as it is), warnings. */
type Body = readonly [jsonPieces: readonly string[] | null, warnings: readonly string[]];

/** A file's first line. */
interface Header {
  readonly format: string;
  readonly vega: string;
  readonly vegaLite: string;
}

/**
 * A store's file as read: each template's key and its body's JSON text, oldest first, parsed
 * only when looked up (a file of every library scenario's structures is ~4 MB, of which a
 * report uses a few).
 */
type Read = { readonly lines: ReadonlyMap<string, string> } | { readonly lines?: undefined; readonly reason: 'missing' | 'corrupt' | 'mismatched' };

/** The name of the store beside `bundleFile`, under these compilers. */
export function templateStoreName(bundleFile: string, versions: CompilerVersions): string {
  return `${bundleFile}.vega-${versions.vega}.vega-lite-${versions.vegaLite}.templates.jsonl`;
}

/**
 * A store of compiled chart templates in `file`, read by the first {@link TemplateSource.get}.
 * The file is lines of JSON: a header (format and compilers), then each template's key and
 * body on two lines (JSON text holds no line break), oldest first. Nothing is written until
 * {@link save} (which {@link openTemplateStore} calls at exit).
 */
export class TemplateStore implements TemplateSource {
  private stored: ReadonlyMap<string, string> | undefined;
  private readonly added = new Map<string, CompiledTemplate>();
  /** Why the file, or one of its templates, was not used: a file to rewrite even without templates of our own. */
  private unusable: 'corrupt' | 'mismatched' | undefined;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  /**
   * @param file - the store's file
   * @param versions - the compilers of this process: a file made by others is not used
   * @param limits - how much the file keeps
   */
  constructor(readonly file: string, private readonly versions: CompilerVersions, limits: TemplateStoreLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 256;
    this.maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
  }

  /** The stored template of `key` (the file is read with the first call); undefined when there is none or it is damaged. */
  get(key: string): CompiledTemplate | undefined {
    if (this.stored === undefined) {
      const read = this.read();
      if (read.lines === undefined && read.reason !== 'missing') this.unusable = read.reason;
      this.stored = read.lines ?? new Map<string, string>();
    }
    const added = this.added.get(key);
    if (added !== undefined) return added;
    const line = this.stored.get(key);
    if (line === undefined) return undefined;
    const body = parseBody(line);
    if (body === undefined) this.unusable = 'corrupt';
    return body === undefined ? undefined : { jsonPieces: body[0] ?? undefined, warnings: body[1] };
  }

  /** Keeps a template this process compiled, for {@link save}. */
  add(key: string, template: CompiledTemplate): void {
    this.added.set(key, template);
  }

  /**
   * Adds this process's templates to the file as it is now (its damaged templates left out),
   * oldest out beyond the limits, and writes it whole (temporary file, rename); does nothing
   * when there is nothing to add or repair. A failure to write leaves the file as it was, which
   * costs only time.
   * @returns whether the file was written
   */
  save(): boolean {
    if (this.added.size === 0 && this.unusable === undefined) return false;
    const entries: [key: string, body: string][] = [];
    for (const [key, line] of this.read().lines ?? []) if (!this.added.has(key) && parseBody(line) !== undefined) entries.push([key, line]);
    for (const [key, template] of this.added) entries.push([key, JSON.stringify([template.jsonPieces ?? null, template.warnings] satisfies Body)]);
    let bytes = entries.reduce((sum, [key, body]) => sum + key.length + body.length, 0);
    let first = 0;
    while (first < entries.length && (entries.length - first > this.maxEntries || bytes > this.maxBytes)) {
      const [key, body] = entries[first++]!;
      bytes -= key.length + body.length;
    }
    const header: Header = { format: FORMAT, vega: this.versions.vega, vegaLite: this.versions.vegaLite };
    const lines = [JSON.stringify(header), ...entries.slice(first).flat()];
    return writeFileWhole(this.file, `${lines.join('\n')}\n`);
  }

  private read(): Read {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { reason: 'missing' };
    }
    const lines = text.split('\n');
    // A whole file ends with a line break: header, pairs of lines, and the empty rest.
    if (lines.length % 2 !== 0 || lines.at(-1) !== '') return { reason: 'corrupt' };
    let header: unknown;
    try {
      header = JSON.parse(lines[0]!);
    } catch {
      return { reason: 'corrupt' };
    }
    if (!isRecord(header) || typeof header.format !== 'string' || typeof header.vega !== 'string' || typeof header.vegaLite !== 'string') return { reason: 'corrupt' };
    if (header.format !== FORMAT || header.vega !== this.versions.vega || header.vegaLite !== this.versions.vegaLite) return { reason: 'mismatched' };
    const entries = new Map<string, string>();
    for (let line = 1; line + 1 < lines.length; line += 2) entries.set(lines[line]!, lines[line + 1]!);
    return { lines: entries };
  }
}

/**
 * A store in `file` whose templates are added when the process exits (main thread only).
 * @returns the store, for {@link compileThroughTemplate}
 */
export function openTemplateStore(file: string, versions: CompilerVersions, limits?: TemplateStoreLimits): TemplateStore {
  const store = new TemplateStore(file, versions, limits);
  if (isMainThread) process.once('exit', () => store.save());
  return store;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((element) => typeof element === 'string');
}

/** A template's body from its line, or undefined when the line is not one. */
function parseBody(line: string): Body | undefined {
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return undefined;
  }
  return Array.isArray(body) && body.length === 2 && (body[0] === null || isStrings(body[0])) && isStrings(body[1]) ? (body as unknown as Body) : undefined;
}
