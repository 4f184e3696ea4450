/**
 * Who may call the service: a token file (YAML) maps bearer tokens to roles, and every route asks
 * for one. Roles: `submitter` (tasks), `admin` (everything), `agent:<id>` (that agent's routes),
 * `agent:*` (any agent's routes, for emulators), `provisioner:<pool>` (that autoscaled pool's
 * provisioning requests, and the routes of any agent of that pool, such as those it provisions),
 * `provisioner:*` (every pool's). Tokens are compared in constant time (their
 * SHA-256 digests, so the length of a guess tells nothing either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isMap, isNode, isScalar, parseDocument } from 'yaml';
import { z } from 'zod';
import { readBoundedText, type BoundedFileKind } from '../../boundedFile.js';
import { MAX_NESTING_DEPTH, yamlNestedTooDeep, yamlNestingOver } from '../../nestingDepth.js';
import { InputError, firstLineOf } from '../../scenario/errors.js';
import { HttpError } from './httpError.js';

/** A role a token may carry. */
export type Role = 'submitter' | 'admin' | `agent:${string}` | `provisioner:${string}`;

/**
 * What a route needs: a submitter, an admin, the agent named in its path, or a provisioner of a
 * pool (of any pool when `pool` is undefined: a provisioning request the service does not know).
 */
export type Need =
  | { readonly kind: 'submitter' } | { readonly kind: 'admin' } | { readonly kind: 'agent'; readonly agentId: string }
  | { readonly kind: 'provisioner'; readonly pool: string | undefined } | { readonly kind: 'any' };

/** Shortest token accepted in a token file. */
export const MIN_TOKEN_LENGTH = 16;

const ROLE = /^(submitter|admin|agent:\*|agent:[^#*\s]+|provisioner:\*|provisioner:[^*\s]+)$/;
/** A token as a request's `Authorization: Bearer <token>` header carries it: printable ASCII, no blank. */
const CARRIED = /^[\x21-\x7e]+$/;

/** Whether `token` is one a request's `Authorization: Bearer <token>` header can carry as the service reads it. */
export function isCarriableToken(token: string): boolean {
  return CARRIED.test(token);
}
const rolesSchema = z.union([z.string(), z.array(z.string()).min(1)]);

interface Grant {
  readonly digest: Buffer;
  readonly roles: readonly Role[];
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Decides whether a request's bearer token carries a role that may act. */
export class Authorizer {
  private readonly grants: readonly Grant[];

  /**
   * @param tokens - token → role or roles; undefined: no authentication (every request may act).
   * @param poolOfAgent - the pool of an agent the fleet knows, if it has one (a `provisioner:<pool>` token acts for the agents of its pool).
   */
  constructor(tokens: Readonly<Record<string, Role | readonly Role[]>> | undefined, private readonly poolOfAgent: (agentId: string) => string | undefined = () => undefined) {
    this.grants = tokens === undefined ? [] : Object.entries(tokens).map(([token, roles]) => ({ digest: digestOf(token), roles: typeof roles === 'string' ? [roles] : roles }));
    this.enabled = tokens !== undefined;
  }

  /** False when the service runs without a token file. */
  readonly enabled: boolean;

  /**
   * Checks a request's `Authorization` header against what the route needs: 401 without a
   * token or with an unknown one, 403 when the token's roles may not act.
   */
  check(authorization: string | undefined, need: Need): void {
    this.checkAll(authorization, [need]);
  }

  /** {@link Authorizer.check} for every one of `needs` (in order), the token looked up once. */
  checkAll(authorization: string | undefined, needs: Iterable<Need>): void {
    if (!this.enabled) return;
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) throw new HttpError(401, 'authorization: expected the header "Authorization: Bearer <token>"');
    const roles = this.rolesOf(match[1]!);
    if (roles === undefined) throw new HttpError(401, 'authorization: unknown token');
    for (const need of needs) {
      if (!roles.some((held) => allows(held, need, this.poolOfAgent))) throw new HttpError(403, `authorization: the token may not act ${describe(need)}`);
    }
  }

  /**
   * Who a request is, for what tells callers apart (a provisioner that names itself not): with
   * authentication, `token:` and the first 16 hex digits of its token's SHA-256; without,
   * `anonymous`. Call it after {@link Authorizer.check}.
   */
  identity(authorization: string | undefined): string {
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!this.enabled || match === null) return 'anonymous';
    return `token:${digestOf(match[1]!).toString('hex').slice(0, 16)}`;
  }

  /**
   * Who holds a provisioner's leases: the name it gives (`provisioner` of its polls), scoped by
   * its token's {@link Authorizer.identity} under authentication, so that a caller with another
   * token cannot renew a lease by giving the holder's name; the token's identity alone when it
   * gives none; the name alone (or `anonymous`) without authentication.
   */
  provisionerIdentity(authorization: string | undefined, name: string | undefined): string {
    const identity = this.identity(authorization);
    if (name === undefined) return identity;
    return this.enabled ? `${identity}/${name}` : name;
  }

  /** The roles of a token; every grant is compared, so the time taken does not depend on which one matches. */
  private rolesOf(token: string): readonly Role[] | undefined {
    const digest = digestOf(token);
    let found: readonly Role[] | undefined;
    for (const grant of this.grants) if (timingSafeEqual(grant.digest, digest)) found = grant.roles;
    return found;
  }
}

function allows(held: Role, need: Need, poolOfAgent: (agentId: string) => string | undefined): boolean {
  if (held === 'admin' || need.kind === 'any') return true;
  if (need.kind === 'submitter') return held === 'submitter';
  if (need.kind === 'agent') {
    if (held === 'agent:*' || held === `agent:${need.agentId}`) return true;
    if (!held.startsWith('provisioner:')) return false;
    const pool = poolOfAgent(need.agentId);
    return pool !== undefined && (held === 'provisioner:*' || held === `provisioner:${pool}`);
  }
  if (need.kind === 'provisioner') {
    if (need.pool === undefined) return held.startsWith('provisioner:');
    return held === 'provisioner:*' || held === `provisioner:${need.pool}`;
  }
  return false;
}

function describe(need: Need): string {
  switch (need.kind) {
    case 'submitter': return 'as a submitter (role submitter or admin)';
    case 'admin': return 'as an admin (role admin)';
    case 'agent': return `for agent ${need.agentId} (role agent:${need.agentId}, agent:*, provisioner:<its pool> or admin)`;
    case 'provisioner': return need.pool === undefined ? 'as a provisioner (a role provisioner:<pool>, provisioner:* or admin)' : `as a provisioner of pool ${need.pool} (role provisioner:${need.pool}, provisioner:* or admin)`;
    default: return 'here';
  }
}

/**
 * Largest token file read, in bytes (1 MiB): a token and a role take about 50 bytes a line, so
 * some 20,000 tokens, which load in 0.4 s (yaml parses them; uniqueness is checked in one pass).
 */
export const MAX_TOKEN_FILE_BYTES = 1 << 20;

/** Token files, as {@link readBoundedText} reads them. */
const TOKEN_FILE: BoundedFileKind = {
  name: 'token file',
  maxBytes: MAX_TOKEN_FILE_BYTES,
  tooBigAdvice: 'give a group of agents one token of role agent:* rather than one token each',
  syntax: 'YAML',
  cannotRead: 'cannot read the token file',
};

/**
 * Reads a token file: a YAML mapping token → role or list of roles. Every token and role is read
 * as written (the failsafe schema: `0000000000000000` is those sixteen characters, not the number
 * 0), and a token must be one a request's `Authorization: Bearer` header can carry.
 * @throws InputError naming the file (and the token's entry) when it cannot be used
 */
export function loadTokenFile(file: string): Record<string, Role | Role[]> {
  const text = readBoundedText(file, TOKEN_FILE);
  const nestedTooDeep = (): InputError => new InputError(file, '', `lists and maps nested more than ${MAX_NESTING_DEPTH} deep: expected a mapping token → role (or list of roles)`);
  if (yamlNestingOver(text)) throw nestedTooDeep();
  // Tokens are checked unique below, in one pass: YAML's own check compares every pair of keys
  // (10,000 tokens took 1.5 s).
  const document = parseDocument(text, { uniqueKeys: false, schema: 'failsafe' });
  const problem = document.errors[0];
  if (problem !== undefined && yamlNestedTooDeep(problem)) throw nestedTooDeep();
  if (problem !== undefined) throw new InputError(file, '', `invalid YAML: ${firstLineOf(problem)}`);
  const root = document.contents;
  if (!isMap(root)) throw new InputError(file, '', 'expected a mapping token → role (or list of roles)');
  if (root.items.length === 0) throw new InputError(file, '', 'expected at least one token');
  const tokens: Record<string, Role | Role[]> = {};
  const entryOf = new Map<string, number>();
  // Entries are named by position: an error message must never print a token.
  root.items.forEach((pair, i) => {
    const where = `token #${i + 1}`;
    if (!isScalar(pair.key)) throw new InputError(file, where, 'expected a token (a string), got a list or a mapping');
    const token = String(pair.key.value);
    const earlier = entryOf.get(token);
    if (earlier !== undefined) throw new InputError(file, where, `the same token as token #${earlier}: a token has one entry`);
    entryOf.set(token, i + 1);
    if (token.length < MIN_TOKEN_LENGTH) throw new InputError(file, where, `expected a token of at least ${MIN_TOKEN_LENGTH} characters`);
    if (!isCarriableToken(token)) throw new InputError(file, where, 'expected a token of printable ASCII characters without blanks (the only kind an Authorization header carries)');
    let roles: unknown = pair.value;
    try {
      if (isNode(pair.value)) roles = pair.value.toJS(document);
    } catch {
      // YAML's message quotes the file's text, which may hold a token.
      throw new InputError(file, where, 'expected a role or a non-empty list of roles, got an alias (*name) that names no anchor (&name) before it, or too many aliases');
    }
    const list = rolesSchema.safeParse(roles);
    if (!list.success) throw new InputError(file, where, 'expected a role or a non-empty list of roles');
    for (const held of typeof list.data === 'string' ? [list.data] : list.data) {
      if (!ROLE.test(held)) throw new InputError(file, where, `expected submitter, admin, agent:<id>, agent:*, provisioner:<pool> or provisioner:*, got ${JSON.stringify(held)}`);
    }
    tokens[token] = list.data as Role | Role[];
  });
  return tokens;
}
