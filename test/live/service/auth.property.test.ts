/**
 * Bad token files never crash and are never misread, as a property. A valid token file is
 * generated as docs/LIVE.md describes it (tokens of at least 16 characters, hex digits and
 * words, each mapped to a role or a list of roles, written plainly one per line), then edited
 * one to three times, at the document level (an entry or a role deleted, a value replaced by one
 * of another type, an unknown key, a list element duplicated, two values swapped) or at the text
 * level (cut short, a byte-order mark, emptied, a stray fragment, megabytes of blanks).
 *
 * The file is read by `loadTokenFile`, the reader of `fleetsim serve --token-file`. Either it
 * loads, and then an {@link Authorizer} built from it lets exactly the roles the file gives each
 * token act, and every token it holds is written in the file as it is (a token read as a number
 * would not be); or it is refused with an InputError of one line that starts with the file's name,
 * names an entry (`token #2`) or nothing (a problem of the whole file), and never prints a token.
 * When the edits were made to the document, the document says which: a file whose entries are all
 * tokens that a request can carry, mapped to known roles, must load; any other must be refused.
 *
 * A token written twice is refused naming its second entry and never printing it; a file of the
 * 1 MiB a token file may be loads, one byte more (or /dev/zero) is refused before it is parsed.
 *
 * 3,000 cases take about 3 s on two cores.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Authorizer, MAX_TOKEN_FILE_BYTES, MIN_TOKEN_LENGTH, loadTokenFile, type Need } from '../../../src/live/service/auth.js';
import { HttpError } from '../../../src/live/service/httpError.js';
import { isInputError } from '../../../src/scenario/errors.js';
import { MAX_NESTING_DEPTH } from '../../../src/nestingDepth.js';
import { mutate, mutateText, mutationArb, refusalProblem, textMutationArb, type Mutation, type TextMutation } from '../../support/documentMutations.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-token-files-'));
const FILE = join(dir, 'tokens.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Roles as the documentation lists them. */
const ROLES = ['submitter', 'admin', 'agent:coder-1', 'agent:reviewer-2', 'agent:*'] as const;
/** A role-like string the format does not know, and values of other types. */
const REPLACEMENTS: readonly unknown[] = ['superuser', 'agent:', 'agent:a b', 'Admin', '', 'null', 'admin ', 0, 3, -1, 1e308, true, null, [], {}, ['admin', 7], { nested: 'admin' }];

/** Tokens as people make them: hex digits (all digits and `1e5…` among them), words, punctuation. */
const tokenArb = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: MIN_TOKEN_LENGTH, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: MIN_TOKEN_LENGTH, maxLength: 24 }),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: MIN_TOKEN_LENGTH, maxLength: 20 })).map(([d, rest]) => `${d}e${rest}`),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/='), minLength: MIN_TOKEN_LENGTH, maxLength: 48 }),
);
/** Tokens no `Authorization` header can carry: a blank inside, a letter beyond ASCII. */
const uncarriedArb = fc.tuple(tokenArb, fc.constantFrom(' ', '\t', 'é', '€')).map(([token, odd]) => `${token.slice(0, 8)}${odd}${token.slice(8)}`);
const rolesArb = fc.oneof(fc.constantFrom(...ROLES), fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 3 }));
const fileArb = fc.uniqueArray(fc.tuple(fc.oneof({ weight: 9, arbitrary: tokenArb }, { weight: 1, arbitrary: uncarriedArb }), rolesArb), { minLength: 1, maxLength: 5, selector: ([token]) => token });

const documentEdit = mutationArb({ unknownKeys: ['extra', 'note', 'x-comment-0123456789', 'a token with spaces 0123', 'tab\ttoken-0123456789abc'], knownFields: [...ROLES], replacements: REPLACEMENTS });

/** What a route needs, for each role a token may be checked against. */
const NEEDS: readonly Need[] = [{ kind: 'submitter' }, { kind: 'admin' }, { kind: 'agent', agentId: 'coder-1' }, { kind: 'agent', agentId: 'reviewer-2' }, { kind: 'any' }];
const ROLE = /^(submitter|admin|agent:\*|agent:[^#*\s]+)$/;
/** A token a request's `Authorization: Bearer` header can carry. */
const CARRIED = /^[\x21-\x7e]+$/;

/** Whether a token holding `roles` may act where `need` says (docs/LIVE.md, "Authentication"). */
function allows(roles: readonly string[], need: Need): boolean {
  return roles.some((role) => role === 'admin' || need.kind === 'any' || (need.kind === 'submitter' && role === 'submitter')
    || (need.kind === 'agent' && (role === 'agent:*' || role === `agent:${need.agentId}`)));
}

/** The file's text as a person writes it: `token: role` or `token: [role, role]`, one entry a line, nothing quoted that need not be. */
function fileText(document: unknown): string {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return stringify(document);
  return Object.entries(document).map(([token, roles]) => {
    const key = /^[\w.~+/=-]+$/.test(token) ? token : JSON.stringify(token);
    return `${key}: ${stringify(roles, { collectionStyle: 'flow' }).trimEnd()}\n`;
  }).join('');
}

/** Whether the document is a valid token file: what the loader must accept, all else it must refuse. */
function isValid(document: unknown): boolean {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return false;
  const entries = Object.entries(document);
  return entries.length > 0 && entries.every(([token, roles]) => token.length >= MIN_TOKEN_LENGTH && CARRIED.test(token)
    && (typeof roles === 'string' ? [roles] : roles) instanceof Array
    && (typeof roles === 'string' ? [roles] : roles as unknown[]).length > 0
    && (typeof roles === 'string' ? [roles] : roles as unknown[]).every((role) => typeof role === 'string' && ROLE.test(role)));
}

/** What went wrong with `check`, as a status: 0 when the token may act. */
function statusOf(authorizer: Authorizer, token: string, need: Need): number {
  try {
    authorizer.check(`Bearer ${token}`, need);
    return 0;
  } catch (error) {
    if (error instanceof HttpError) return error.statusCode;
    throw error;
  }
}

/**
 * What is wrong with how `text` (the file's content) was read, or undefined when all is well.
 * `document` is what the file was written from when known (document edits), for the verdict on
 * whether it must load; `tokens` are every token of the unedited file, never to be printed.
 */
function problemWith(text: string, document: unknown, tokens: readonly string[]): string | undefined {
  writeFileSync(FILE, text);
  let loaded: Record<string, string | string[]>;
  try {
    loaded = loadTokenFile(FILE);
  } catch (error) {
    const improper = refusalProblem(error, FILE);
    if (improper !== undefined || !isInputError(error)) return improper;
    if (error.path !== '' && !/^token #\d+$/.test(error.path)) return `message names neither an entry nor the whole file: ${error.message}`;
    const printed = tokens.find((token) => error.message.includes(token));
    if (printed !== undefined) return `message prints a token: ${error.message}`;
    if (document !== undefined && isValid(document)) return `a valid file was refused: ${error.message}`;
    return undefined;
  }
  if (document !== undefined && !isValid(document)) return `an invalid file loaded as ${JSON.stringify(loaded)}`;
  const authorizer = new Authorizer(loaded as ConstructorParameters<typeof Authorizer>[0]);
  for (const [token, held] of Object.entries(loaded)) {
    if (!text.includes(token)) return `loaded a token not written in the file: ${JSON.stringify(token)}`;
    const roles = typeof held === 'string' ? [held] : held;
    for (const need of NEEDS) {
      const status = statusOf(authorizer, token, need);
      if (status !== (allows(roles, need) ? 0 : 403)) return `token ${JSON.stringify(token)} with roles ${roles.join(', ')} got ${status} for ${JSON.stringify(need)}`;
    }
  }
  if (document !== undefined && JSON.stringify(loaded) !== JSON.stringify(document)) return `loaded ${JSON.stringify(loaded)} from ${JSON.stringify(document)}`;
  return undefined;
}

describe('mutated token files', () => {
  it('an unedited generated file loads and grants what it says when every token can be carried, and is refused when one cannot', () => {
    fc.assert(fc.property(fileArb, (entries) => {
      const document = Object.fromEntries(entries);
      expect(problemWith(fileText(document), document, entries.map(([token]) => token))).toBeUndefined();
    }), { seed: 28, numRuns: 500 });
  });

  it('load and grant what they say, or are refused with one line naming the file and the entry, never a token', () => {
    const edits = fc.oneof(
      fc.record({ level: fc.constant('document' as const), edits: fc.array(documentEdit, { minLength: 1, maxLength: 3 }) }),
      fc.record({ level: fc.constant('text' as const), edits: fc.array(textMutationArb(2), { minLength: 1, maxLength: 2 }) }),
    );
    fc.assert(fc.property(fileArb, edits, (entries, { level, edits: drawn }) => {
      const document: unknown = Object.fromEntries(entries);
      const tokens = entries.map(([token]) => token);
      if (level === 'document') {
        const done = (drawn as Mutation[]).map((edit) => mutate(document, edit));
        expect(problemWith(fileText(document), document, tokens), done.join('; ')).toBeUndefined();
        return;
      }
      let text = fileText(document);
      const done = (drawn as TextMutation[]).map((edit) => {
        const result = mutateText(text, edit);
        text = result.text;
        return result.edit;
      });
      expect(problemWith(text, undefined, tokens), done.join('; ')).toBeUndefined();
    }), { seed: 28, numRuns: 2000 });
  });
});

describe('token files at their limits', () => {
  it('a token written twice is refused naming both entries, never printing the token', () => {
    fc.assert(fc.property(fileArb, fc.nat(), fc.constantFrom(...ROLES), (entries, pick, role) => {
      const carried = entries.filter(([token]) => CARRIED.test(token));
      fc.pre(carried.length > 0);
      const first = entries.indexOf(carried[pick % carried.length]!);
      const twice = `${fileText(Object.fromEntries(entries))}${fileText({ [entries[first]![0]]: role })}`;
      writeFileSync(FILE, twice);
      let message = '';
      try {
        loadTokenFile(FILE);
      } catch (error) {
        message = isInputError(error) ? error.message : String(error);
      }
      // Another entry may be refused first (a token no header carries): the same kind of refusal.
      const refusedFirst = entries.some(([token]) => !CARRIED.test(token));
      if (!refusedFirst) expect(message).toBe(`${FILE}: token #${entries.length + 1}: the same token as token #${first + 1}: a token has one entry`);
      expect(message).toMatch(new RegExp(`^${FILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: token #\\d+: `));
      for (const [token] of entries) expect(message).not.toContain(token);
    }), { seed: 28, numRuns: 300 });
  });

  it('refuses a file nested deeper than the YAML parser\'s stack as nested too deep, not with the parser\'s stack overflow', () => {
    writeFileSync(FILE, `${'a'.repeat(MIN_TOKEN_LENGTH)}: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    expect(() => loadTokenFile(FILE)).toThrow(`${FILE}: lists and maps nested more than ${MAX_NESTING_DEPTH} deep: expected a mapping token → role (or list of roles)`);
  });

  it(`loads a file of ${MAX_TOKEN_FILE_BYTES} bytes, and refuses one byte more and /dev/zero before parsing them`, () => {
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; ; i++) {
      const line = `${String(i).padStart(MIN_TOKEN_LENGTH + 8, 'f')}: agent:worker-${i}\n`;
      if (bytes + line.length > MAX_TOKEN_FILE_BYTES) break;
      lines.push(line);
      bytes += line.length;
    }
    const full = lines.join('') + '#'.repeat(MAX_TOKEN_FILE_BYTES - bytes);
    writeFileSync(FILE, full);
    expect(Object.keys(loadTokenFile(FILE))).toHaveLength(lines.length);
    writeFileSync(FILE, `${full}#`);
    expect(() => loadTokenFile(FILE)).toThrow(`${FILE}: the file is larger than 1 MiB, the most a token file may be: give a group of agents one token of role agent:* rather than one token each`);
    expect(() => loadTokenFile('/dev/zero')).toThrow('/dev/zero: the file is larger than 1 MiB, the most a token file may be');
  });
});
