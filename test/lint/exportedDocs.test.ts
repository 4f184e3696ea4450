/**
 * The lint requires a doc comment on every exported symbol, in every folder: each declaration a
 * module exports, each member of an exported interface or object type, and each public member of
 * an exported class. It checks that the comment exists and is not empty, not what it says.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/runCli.js';

const eslint = new ESLint({ cwd: ROOT });
const DOC_RULES = new Set(['jsdoc/require-jsdoc', 'jsdoc/no-blank-blocks', 'fleetsim/export-at-declaration']);

/** The lines of `code` (1-based) the doc rules report, in order. */
async function undocumentedLines(code: string, filePath = 'src/sim/example.ts'): Promise<number[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => DOC_RULES.has(m.ruleId ?? '')).map((m) => m.line);
}

const TOP_LEVEL: Record<string, string> = {
  'a function': 'export function serviceSeconds(tokens: number): number {\n  return tokens / 40;\n}',
  'a const': 'export const TOKENS_PER_SECOND = 40;',
  'an interface': 'export interface Quota {}',
  'a type alias': "export type Tier = 'gold' | 'silver';",
  'an enum': 'export enum Lane {\n  Fast,\n}',
  'a class': 'export class Pool {}',
  'a default-exported function': 'export default function pick(): number {\n  return 0;\n}',
  'a default-exported value': 'export default (tokens: number): number => tokens / 40;',
};

describe('exported-docs lint', () => {
  for (const [what, code] of Object.entries(TOP_LEVEL)) {
    it(`flags ${what} exported without a doc comment, and accepts it with one`, async () => {
      expect(await undocumentedLines(code)).toEqual([1]);
      expect(await undocumentedLines(`/** Documented. */\n${code}`)).toEqual([]);
    });
  }

  it('does not take an empty comment for one', async () => {
    expect(await undocumentedLines('/** */\nexport const TOKENS_PER_SECOND = 40;')).toHaveLength(1);
    expect(await undocumentedLines('/**\n *\n */\nexport const TOKENS_PER_SECOND = 40;')).toHaveLength(1);
  });

  it('leaves declarations the module does not export alone', async () => {
    const code = [
      'function serviceSeconds(tokens: number): number {',
      '  return tokens / 40;',
      '}',
      'interface Quota {',
      '  readonly tokens: number;',
      '}',
      'class Pool {',
      '  size = 1;',
      '}',
      'const quota: Quota = { tokens: serviceSeconds(1) };',
      '/** Documented. */',
      'export const pool = new Pool().size + quota.tokens;',
    ].join('\n');
    expect(await undocumentedLines(code)).toEqual([]);
  });

  it('flags each undocumented member of an exported interface or object type', async () => {
    const code = [
      '/** A quota. */',
      'export interface Quota {',
      '  readonly tokens: number;',
      '  /** Documented. */',
      '  readonly requests: number;',
      '  remaining(now: number): number;',
      '}',
      '/** A limit. */',
      'export type Limit = {',
      '  readonly perSecond: number;',
      '};',
    ].join('\n');
    expect(await undocumentedLines(code)).toEqual([3, 6, 10]);
  });

  it('flags the public members of an exported class, not its private or protected ones', async () => {
    const code = [
      '/** A pool. */',
      'export class Pool {',
      '  size = 1;',
      '  private spare = 0;',
      '  protected reserved = 0;',
      '  #hidden = 0;',
      '  constructor(readonly name: string) {}',
      '  grow(by: number): void {',
      '    this.size += by + this.spare + this.reserved + this.#hidden;',
      '  }',
      '  static empty(): Pool {',
      "    return new Pool('');",
      '  }',
      '  get capacity(): number {',
      '    return this.size;',
      '  }',
      '}',
    ].join('\n');
    expect(await undocumentedLines(code)).toEqual([3, 7, 8, 11, 14]);
  });

  it('needs no comment on a constructor without parameters, or on a setter whose getter has one', async () => {
    const code = [
      '/** A pool. */',
      'export class Pool {',
      '  private count = 0;',
      '  constructor() {',
      '    this.count = 1;',
      '  }',
      '  /** How many agents it holds. */',
      '  get size(): number {',
      '    return this.count;',
      '  }',
      '  set size(agents: number) {',
      '    this.count = agents;',
      '  }',
      '  set limit(agents: number) {',
      '    this.count = Math.min(this.count, agents);',
      '  }',
      '}',
    ].join('\n');
    expect(await undocumentedLines(code)).toEqual([14]);
  });

  it("flags a module's own declaration exported through a list, not an import passed on", async () => {
    const code = [
      "import { hasFreeSlot } from '../engine/agent.js';",
      '/** Documented, but out of the rule\'s sight. */',
      'const TOKENS_PER_SECOND = 40;',
      'export { TOKENS_PER_SECOND, hasFreeSlot };',
    ].join('\n');
    expect(await undocumentedLines(code)).toEqual([4]);
  });

  it('applies in every folder: sources, benchmarks, tests, examples, scripts', async () => {
    const code = TOP_LEVEL['a function']!;
    for (const filePath of ['bench/example.ts', 'test/support/example.ts', 'examples/example.ts']) {
      expect(await undocumentedLines(code, filePath), filePath).toEqual([1]);
    }
    expect(await undocumentedLines('export function serviceSeconds(tokens) {\n  return tokens / 40;\n}', 'scripts/example.mjs')).toEqual([1]);
  });
});
