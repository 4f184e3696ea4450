/**
 * What a Markdown document names in code (inline code spans and fenced blocks) that the checkout
 * must still have: repository paths, the commands and flags of the `fleetsim` command line, the
 * scripts `npm run` runs, and the flags of `npm run bench` and of the scripts a reader runs by path. test/lint/docsReferences.test.ts
 * holds the README and docs/ to them.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A piece of code of a Markdown document: an inline code span, or one line of a fenced block. */
export interface CodeText {
  /** Line of the document (from 1) the piece starts on. */
  readonly line: number;
  /** Its text; a span's line breaks become spaces, a fenced line's `\` continuations are joined. */
  readonly text: string;
}

/** The inline code spans of one paragraph (lines without a blank one), each with its line. */
function inlineSpans(paragraph: readonly string[], firstLine: number): CodeText[] {
  const text = paragraph.join('\n');
  const spans: CodeText[] = [];
  // A span opens with a run of backticks and closes at the next run of the same length.
  for (const match of text.matchAll(/(?<!`)(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    const line = firstLine + (text.slice(0, match.index).match(/\n/g)?.length ?? 0);
    spans.push({ line, text: match[2]!.replace(/\n/g, ' ').trim() });
  }
  return spans;
}

/** The code of `markdown`, in document order. */
export function codeTexts(markdown: string): CodeText[] {
  const texts: CodeText[] = [];
  let paragraph: string[] = [];
  let paragraphLine = 0;
  let inFence = false;
  let continued: CodeText | undefined;
  const endParagraph = (): void => {
    texts.push(...inlineSpans(paragraph, paragraphLine));
    paragraph = [];
  };
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) {
      endParagraph();
      inFence = !inFence;
      continued = undefined;
      return;
    }
    if (inFence) {
      const joined: CodeText = continued === undefined ? { line: index + 1, text: line.trim() } : { line: continued.line, text: `${continued.text} ${line.trim()}` };
      if (joined.text.endsWith('\\')) continued = { line: joined.line, text: joined.text.slice(0, -1).trimEnd() };
      else {
        continued = undefined;
        texts.push(joined);
      }
      return;
    }
    if (line.trim() === '') {
      endParagraph();
      return;
    }
    if (paragraph.length === 0) paragraphLine = index + 1;
    paragraph.push(line);
  });
  endParagraph();
  return texts;
}

/**
 * A path from one of the repository's top directories, not part of a longer path
 * (`node_modules/fleetsim/scenarios/`, `../shared/…`, `<dist>/bench/…` are not the checkout's).
 */
const REPOSITORY_PATH = /(?<![\w./~$@:<>-])(?:src|test|bench|scripts|scenarios|examples|schema|docs|dist|reports)\/[^\s`'"()[\],;|]*/g;

/** A glob, a `<placeholder>`, an elision or a shell variable: a pattern, not one path. */
const PATTERN = /[<>*{}…$?]/;

/**
 * The repository paths named in `texts`, each with its line: patterns are left out, and so are the
 * outputs of runs under reports/ (the committed baselines under reports/baseline/ excepted).
 */
export function pathReferences(texts: readonly CodeText[]): { line: number; path: string }[] {
  const paths: { line: number; path: string }[] = [];
  for (const { line, text } of texts) {
    for (const match of text.matchAll(REPOSITORY_PATH)) {
      // Sentence punctuation after a path, and a `:line` after a file, are not part of it.
      const path = match[0].replace(/:\d+$/, '').replace(/[.:]+$/, '');
      if (PATTERN.test(path)) continue;
      if (path.startsWith('reports/') && !path.startsWith('reports/baseline/')) continue;
      paths.push({ line, path });
    }
  }
  return paths;
}

/** A source file named without its directory, or by the last part of it (`wal.ts`, `service/app.ts`, `./worker.js`). */
const SOURCE_NAME = /(?<![\w./~$@:<>*-])(?:\.\/)?((?:[\w-]+\/)*[\w-][\w.-]*\.(?:ts|mts|cts|js|mjs|cjs|py))(?![\w.])/g;

/** The directories whose sources a document may name without their directory. */
const SOURCE_DIRECTORIES = ['src', 'test', 'bench', 'scripts', 'examples'];

/** The source files named in `texts` by name alone or by the last part of their path, each with its line. */
export function sourceNameReferences(texts: readonly CodeText[]): { line: number; name: string }[] {
  const names: { line: number; name: string }[] = [];
  for (const { line, text } of texts) {
    for (const match of text.matchAll(SOURCE_NAME)) {
      const name = match[1]!;
      // A path from the top is a repository path (pathReferences).
      if (/^(?:src|test|bench|scripts|scenarios|examples|schema|docs|dist|reports)\//.test(name) || PATTERN.test(name)) continue;
      names.push({ line, name });
    }
  }
  return names;
}

/** Every file at the top of `root` and under its source directories, as a path from `root` with `/`. */
function sourceFiles(root: string): string[] {
  const top = readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => `./${entry.name}`);
  return top.concat(...SOURCE_DIRECTORIES.map((dir) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((file) => `${dir}/${file.replace(/\\/g, '/')}`) : [])));
}

/** Whether a file of `files` ends with `name`, or with its TypeScript source for a built `.js`. */
function namesASource(files: readonly string[], name: string): boolean {
  const candidates = [name, name.replace(/\.js$/, '.ts'), name.replace(/\.mjs$/, '.mts'), name.replace(/\.cjs$/, '.cts')];
  return files.some((file) => candidates.some((candidate) => file.endsWith(`/${candidate}`)));
}

/** A flag given to a program in a document's code. */
export interface FlagReference {
  /** Line of the document (from 1) the flag is written on. */
  readonly line: number;
  /** Whose flag it is: `fleetsim <command>` (`fleetsim` for the top level), `npm run bench`, a script's path, or `` for a flag written on its own. */
  readonly program: string;
  /** The flag as written, without its `=value`: `--workers`. */
  readonly flag: string;
}

/** What the code of a document names: commands, flags, bench parts. */
export interface CommandReferences {
  /** `fleetsim <command>`s, with the command as written. */
  readonly commands: readonly { line: number; command: string }[];
  /** Flags given to a fleetsim command, to `npm run bench` or to a script, and flags written on their own. */
  readonly flags: readonly FlagReference[];
  /** The parts `npm run bench --only` is given. */
  readonly benchParts: readonly { line: number; part: string }[];
  /** The scripts of package.json that `npm run` is given. */
  readonly npmScripts: readonly { line: number; script: string }[];
}

/** What ends one command of a shell line: a pipe, a list operator, a comment or a redirection. */
const COMMAND_END = /\s(?:\||&&|;|&|#|\d?>)(?=\s|$)/;

/** The flags of a command's arguments (`args`, the text after the command), quoted values left out. */
function flagsOf(args: string): string[] {
  const unquoted = args.replace(/'[^']*'|"[^"]*"/g, ' ');
  return [...unquoted.matchAll(/(?<![\w-])--([a-z0-9][\w-]*)/gi)].map((match) => `--${match[1]!}`);
}

/** The arguments of the command that ends at `end` of `text`: the rest of that command. */
function argumentsAfter(text: string, end: number): string {
  const rest = text.slice(end);
  const stop = COMMAND_END.exec(rest);
  return stop === null ? rest : rest.slice(0, stop.index);
}

/**
 * `fleetsim` (as installed, or the built file) then its command, or then a flag of the top level.
 * A word after it that is followed by more than a space (`fleetsim serve: …`) is not a command.
 */
const FLEETSIM = /(?:(?<![\w:/.-])fleetsim|dist\/src\/cli\/main\.js)(?:\s+([a-z][a-z-]*)(?=\s|$)|(?=\s+-|\s*$))/g;

/** `npm run bench --`, or its built entry point. */
const BENCH = /npm run bench(?:\s+--(?=\s|$))?|dist\/bench\/main\.js/g;

/** A script a reader runs by path (built or not): a stand-alone harness of bench/, or one of scripts/. */
const SCRIPT = /(?<![\w./-])(?:dist\/)?((?:bench|scripts)\/[\w-]+)\.(?:js|ts|mjs)(?![\w.])/g;

/**
 * The commands and flags named in `texts`. `commands` are the fleetsim command line's: a code text
 * that starts with one of them (`serve --latency-probe`) is that command, written without `fleetsim`.
 */
export function commandReferences(texts: readonly CodeText[], commands: readonly string[]): CommandReferences {
  const named: { line: number; command: string }[] = [];
  const flags: FlagReference[] = [];
  const benchParts: { line: number; part: string }[] = [];
  const npmScripts: { line: number; script: string }[] = [];
  const startsWithCommand = new RegExp(`^(?:${commands.map((command) => command.replace(/-/g, '\\-')).join('|')})(?=\\s|$)`);
  for (const { line, text } of texts) {
    const invocations = [...text.matchAll(FLEETSIM)].map((match) => ({ command: match[1], end: match.index + match[0].length }));
    const bare = startsWithCommand.exec(text);
    if (bare !== null) invocations.push({ command: bare[0], end: bare[0].length });
    for (const { command, end } of invocations) {
      if (command !== undefined) named.push({ line, command });
      const program = command === undefined ? 'fleetsim' : `fleetsim ${command}`;
      for (const flag of flagsOf(argumentsAfter(text, end))) flags.push({ line, program, flag });
    }
    for (const match of text.matchAll(BENCH)) {
      const args = argumentsAfter(text, match.index + match[0].length);
      for (const flag of flagsOf(args)) flags.push({ line, program: 'npm run bench', flag });
      for (const only of args.matchAll(/--only\s+([\w-]+)/g)) benchParts.push({ line, part: only[1]! });
      // The bench passes these on to the `fleetsim serve` it starts.
      for (const passed of args.matchAll(/--service-args\s+(["'])(.*?)\1/g)) {
        for (const flag of flagsOf(passed[2]!)) flags.push({ line, program: 'fleetsim serve', flag });
      }
    }
    for (const match of text.matchAll(SCRIPT)) {
      if (match[1] === 'bench/main') continue;
      const source = match[1]!.startsWith('bench/') ? `${match[1]!}.ts` : match[0].replace(/^dist\//, '');
      for (const flag of flagsOf(argumentsAfter(text, match.index + match[0].length))) flags.push({ line, program: source, flag });
    }
    if (text.startsWith('--')) for (const flag of flagsOf(text)) flags.push({ line, program: '', flag });
    for (const match of text.matchAll(/(?<![\w-])npm run\s+(\w[\w:.-]*)/g)) npmScripts.push({ line, script: match[1]! });
  }
  return { commands: named, flags, benchParts, npmScripts };
}

/** The flags and parts that exist, to check a document's references against. */
export interface KnownFlags {
  /** The options of each fleetsim command, by command; `''` holds the top level's. */
  readonly fleetsim: ReadonlyMap<string, ReadonlySet<string>>;
  /** The options of `npm run bench` (bench/benchArgs.ts's). */
  readonly bench: ReadonlySet<string>;
  /** The parts `npm run bench -- --only` takes. */
  readonly benchParts: ReadonlySet<string>;
  /** Flags of other programs a document may write on their own (the scripts', Node's, V8's, valgrind's). */
  readonly others: ReadonlySet<string>;
}

/** The flags a script of the checkout reads: the `'--flag'` literals of its source. */
function scriptFlags(root: string, source: string): Set<string> | undefined {
  const file = join(root, source);
  if (!existsSync(file)) return undefined;
  return new Set([...readFileSync(file, 'utf8').matchAll(/['"](--[a-z0-9][\w-]*)['"]/gi)].map((match) => match[1]!));
}

/** Whether `flags` has `flag`, or has `--x` for a `--no-x` (yargs and V8 take the negation of each). */
function hasFlag(flags: ReadonlySet<string> | undefined, flag: string): boolean {
  return flags !== undefined && (flags.has(flag) || (flag.startsWith('--no-') && flags.has(`--${flag.slice('--no-'.length)}`)));
}

/**
 * One line per reference of `markdown` (the document `doc`, at `root`) to something that does not
 * exist: `doc:line: what: why`.
 */
export function brokenReferences(doc: string, markdown: string, root: string, known: KnownFlags): string[] {
  const texts = codeTexts(markdown);
  const broken: { line: number; text: string }[] = [];
  for (const { line, path } of pathReferences(texts)) {
    if (!existsSync(join(root, path))) broken.push({ line, text: `${path}: no such file or directory` });
  }
  const files = sourceFiles(root);
  for (const { line, name } of sourceNameReferences(texts)) {
    if (!namesASource(files, name)) broken.push({ line, text: `${name}: no source file of that name` });
  }
  const { commands, flags, benchParts, npmScripts } = commandReferences(texts, [...known.fleetsim.keys()].filter((command) => command !== ''));
  for (const { line, command } of commands) {
    if (!known.fleetsim.has(command)) broken.push({ line, text: `fleetsim ${command}: no such command` });
  }
  const anyCommand = new Set([...known.fleetsim.values()].flatMap((options) => [...options]));
  const scripts = new Map<string, Set<string> | undefined>();
  for (const { line, program, flag } of flags) {
    if (program === '') {
      if (![anyCommand, known.bench, known.others].some((set) => hasFlag(set, flag))) broken.push({ line, text: `${flag}: no fleetsim command, bench, script, Node or V8 takes it` });
    } else if (program.startsWith('fleetsim')) {
      const command = program.slice('fleetsim '.length);
      if (known.fleetsim.has(command) && !hasFlag(known.fleetsim.get(command), flag)) broken.push({ line, text: `${program} ${flag}: not an option of ${program}` });
    } else if (program === 'npm run bench') {
      if (!hasFlag(known.bench, flag)) broken.push({ line, text: `npm run bench ${flag}: not a flag of the bench` });
    } else {
      if (!scripts.has(program)) scripts.set(program, scriptFlags(root, program));
      const read = scripts.get(program);
      if (read === undefined) broken.push({ line, text: `${program}: no such script` });
      else if (!hasFlag(read, flag)) broken.push({ line, text: `${program} ${flag}: the script does not read it` });
    }
  }
  for (const { line, part } of benchParts) {
    if (!known.benchParts.has(part)) broken.push({ line, text: `npm run bench --only ${part}: no such part` });
  }
  const packageFile = join(root, 'package.json');
  const scriptsOfPackage = existsSync(packageFile) ? ((JSON.parse(readFileSync(packageFile, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {}) : {};
  for (const { line, script } of npmScripts) {
    if (!Object.hasOwn(scriptsOfPackage, script)) broken.push({ line, text: `npm run ${script}: no such script in package.json` });
  }
  // A reference written twice on one line is one miss.
  return [...new Set(broken.sort((a, b) => a.line - b.line).map(({ line, text }) => `${doc}:${line}: ${text}`))];
}
