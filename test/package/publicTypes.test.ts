/**
 * The package's public types as a team embedding the engine and the live driver meets them, and
 * as one driving simulations, experiments and reports does: every type the declarations of the
 * package's exports name can be imported from `fleetsim` (a type a user
 * must write, e.g. a connector's `run` context, is never reachable only through a deep import or
 * `Parameters<…>`), and every type the declarations of `fleetsim/engine` name from that entry
 * alone, all of which `fleetsim` exports too; what docs/LIVE.md says a durable driver offers
 * type-checks, and the TypeScript examples of README.md and docs/LIVE.md type-check as written
 * under `strict`. Checked on the sources with the TypeScript compiler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INDEX = join(ROOT, 'src/index.ts');
const ENGINE_ENTRY = join(ROOT, 'src/engineEntry.ts');

/**
 * The embedding API the docs describe (README.md "Using the engine in your own runtime",
 * docs/LIVE.md, docs/ARCHITECTURE.md "The engine"): the exports whose declarations are walked.
 */
const EMBEDDING_API = [
  'createEngine', 'Engine', 'EngineOptions', 'restoreEngine', 'EngineSnapshot', 'defaultEngineConfig', 'EngineConfig',
  'findStrategy', 'StrategyDefinition', 'Strategy', 'TaskSpec', 'AgentSpec', 'Command', 'EngineEvent', 'EngineInput', 'Outcome',
  'StartReport', 'AdminOperation', 'EventSink', 'EventObjects', 'TeeSink', 'replayEvent', 'eventRecord',
  'createLiveDriver', 'LiveDriver', 'LiveDriverOptions', 'LiveDriverError', 'AgentConnector', 'Clock', 'RealClock', 'ManualClock',
  'EpochClock', 'Journal', 'MemoryJournal', 'FileJournal', 'readWalFile', 'openDurableDriver', 'DurableDriver',
  'DurableDriverOptions', 'verifyDataDir', 'runLive', 'EmulatedAgents', 'VirtualTimeConnector', 'runSimulation', 'RunOptions', 'RunResult',
];

/**
 * Types the API names that are the durable driver's own business, not a user's:
 * `Engine.compactionSnapshot()` hands the driver the engine's records to serialise.
 */
const INTERNAL = ['SettledColumns', 'SnapshotCapture', 'TaskRecord'];

/** Compiler options of a strict user project, with `fleetsim` and `fleetsim/engine` mapped to the sources. */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true, noEmit: true, skipLibCheck: true, types: ['node'], baseUrl: ROOT,
  paths: { 'fleetsim': ['./src/index.ts'], 'fleetsim/engine': ['./src/engineEntry.ts'] },
};

/** The exports of the module at path `entry` (one of `program`'s root files). */
function exportsOf(program: ts.Program, entry: string): ts.Symbol[] {
  const checker = program.getTypeChecker();
  return checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
}

/**
 * The names of the types, declared in src/, that the declarations of `roots` (exports of the
 * module at path `entry`) name and that module does not export.
 */
function unexportedTypes(program: ts.Program, entry: string, roots: readonly string[]): string[] {
  const checker = program.getTypeChecker();
  const resolve = (symbol: ts.Symbol): ts.Symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  const exports = exportsOf(program, entry);
  const exported = new Set(exports.map(resolve));
  const seen = new Set<ts.Symbol>(exported);
  const missing = new Set<string>();
  const isPrivate = (node: ts.Node): boolean => (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node))
    && (ts.isPrivateIdentifier(node.name) || (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private) !== 0);
  const visit = (declaration: ts.Node): void => {
    const walk = (node: ts.Node): void => {
      if (isPrivate(node) || ts.isBlock(node)) return;
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isExpressionWithTypeArguments(node) ? node.expression : undefined;
      const symbol = name === undefined ? undefined : checker.getSymbolAtLocation(name);
      if (symbol !== undefined) note(resolve(symbol));
      ts.forEachChild(node, walk);
    };
    ts.forEachChild(declaration, walk);
  };
  const note = (symbol: ts.Symbol): void => {
    if (seen.has(symbol) || (symbol.flags & ts.SymbolFlags.TypeParameter) !== 0) return;
    seen.add(symbol);
    const declarations = symbol.declarations ?? [];
    if (!declarations.some((declaration) => declaration.getSourceFile().fileName.startsWith(join(ROOT, 'src')))) return;
    missing.add(symbol.name);
    declarations.forEach(visit);
  };
  for (const symbol of exports) {
    if (!roots.includes(symbol.name)) continue;
    for (const declaration of resolve(symbol).declarations ?? []) visit(declaration);
  }
  return [...missing].sort();
}

/** The ```ts blocks of `document` that import from 'fleetsim' or 'fleetsim/engine' (the others show a shape, not a program). */
function examples(document: string): string[] {
  const text = readFileSync(join(ROOT, document), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).filter((source) => /from 'fleetsim(\/engine)?'/.test(source));
}

/** The compiler's errors for `sources` (file name → text), each with its file and line. */
function typeErrors(sources: Readonly<Record<string, string>>): string[] {
  const host = ts.createCompilerHost(OPTIONS);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(ROOT, 'test/package', name), text]));
  host.readFile = (path) => files.get(path) ?? readFile(path);
  host.fileExists = (path) => files.has(path) || fileExists(path);
  const program = ts.createProgram([...files.keys()], OPTIONS, host);
  return [...files.keys()].flatMap((path) => ts.getPreEmitDiagnostics(program, program.getSourceFile(path)).map((diagnostic) => {
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return `${diagnostic.file!.fileName.slice(ROOT.length)}:${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  }));
}

describe('the public types of the embedding API', () => {
  let program: ts.Program;
  beforeAll(() => {
    program = ts.createProgram([INDEX, ENGINE_ENTRY], OPTIONS);
  });

  it('exports every type its declarations name, but the engine records a compaction hands the durable driver', () => {
    expect(unexportedTypes(program, INDEX, EMBEDDING_API)).toEqual(INTERNAL);
  });

  it('exports every type the declarations of all its exports name (scenarios, metrics, experiments, reports, traces), but those same engine records', () => {
    const names = exportsOf(program, INDEX).map((symbol) => symbol.name);
    expect(names).toEqual(expect.arrayContaining(['runExperiment', 'buildHtmlReport', 'loadScenario', 'judgeScenario', 'mergeShards']));
    expect(unexportedTypes(program, INDEX, names)).toEqual(INTERNAL);
  });

  it('reports a type the index leaves out (the check can fail): Engine names the records of a compaction', () => {
    expect(unexportedTypes(program, INDEX, ['Engine'])).toEqual(expect.arrayContaining(['SnapshotCapture']));
  });

  it('fleetsim/engine exports every type the declarations of its exports name, but those same engine records', () => {
    const names = exportsOf(program, ENGINE_ENTRY).map((symbol) => symbol.name);
    expect(names).toEqual(expect.arrayContaining(['createEngine', 'findStrategy', 'createLiveDriver', 'openDurableDriver', 'verifyDataDir']));
    expect(unexportedTypes(program, ENGINE_ENTRY, names)).toEqual(INTERNAL);
  });

  it('fleetsim exports all that fleetsim/engine does, and more', () => {
    const library = new Set(exportsOf(program, INDEX).map((symbol) => symbol.name));
    const engine = exportsOf(program, ENGINE_ENTRY).map((symbol) => symbol.name);
    expect(engine.filter((name) => !library.has(name))).toEqual([]);
    expect(library.size).toBeGreaterThan(engine.length);
  });
});

describe('a durable driver, as docs/LIVE.md describes it', () => {
  it('tells of durability without a promise: journal.afterDurable(seq, callback) needs no check that it exists', () => {
    const source = [
      "import { openDurableDriver, type DurableDriver } from 'fleetsim';",
      'export function announce(durable: DurableDriver, seq: number): void {',
      "  durable.journal.afterDurable(seq, () => console.log('durable', durable.journal.durableSeq, durable.journal.stats));",
      '}',
      'export const open = openDurableDriver;',
    ].join('\n');
    expect(typeErrors({ 'afterDurable.example.ts': source })).toEqual([]);
  }, 60_000);
});

describe('the TypeScript examples of the docs', () => {
  it('type-check under strict against the package, as written', () => {
    const sources = Object.fromEntries([
      ...examples('README.md').map((source, index) => [`readme-${index + 1}.example.ts`, source] as const),
      ...examples('docs/LIVE.md').map((source, index) => [`live-${index + 1}.example.ts`, source] as const),
    ]);
    // README's engine loop; LIVE.md's driver ("Using it") and durable driver ("Durability").
    expect(Object.keys(sources)).toHaveLength(3);
    expect(typeErrors(sources)).toEqual([]);
  }, 60_000);
});
