/**
 * Property: the fast paths of the bodies validated per task are invisible. For arbitrary values
 * (well-formed bodies at and near every limit, the same with one field mutated — a wrong type,
 * out of range, an unknown key, one more level of nesting, absent — and garbage), validating
 * with the fast path gives exactly what the zod schema alone gives: the same output (values,
 * fields and their order) or the same 400 and message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEPENDENCY_FAILURE_POLICIES } from '../../../src/engine/task.js';
import { MAX_PRIORITY_LEVEL, MAX_RETRIES } from '../../../src/scenario/schema.js';
import { agentOfferAnswer, agentReportItem, MAX_BATCH_ITEMS, multiPollBody, reportBatch, reportItem, taskBatch } from '../../../src/live/service/batchRoutes.js';
import {
  AGENT_FAILURE_REASONS, DECLINE_REASONS, MAX_ATTEMPT, MAX_ID_LENGTH, MAX_LIST_ITEMS, MAX_SECONDS, parseRequest, taskBody, type FastPath,
} from '../../../src/live/service/bodies.js';
import { fastAgentOfferAnswer, fastAgentReportItem, fastBatch, fastPollBody, fastReportItem, fastTaskBody } from '../../../src/live/service/fastBodies.js';
import { isHttpError } from '../../../src/live/service/httpError.js';
import type { z } from 'zod';

type Outcome = { readonly output: unknown } | { readonly status: number; readonly error: string };

function outcome<Schema extends z.ZodType>(schema: Schema, raw: unknown, fast?: FastPath<z.output<Schema>>): Outcome {
  try {
    return { output: parseRequest(schema, raw, 'body', fast) };
  } catch (error) {
    if (isHttpError(error)) return { status: error.statusCode, error: error.message };
    throw error;
  }
}

/** Field names in order, at every level: toStrictEqual does not compare the order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value !== 'object' || value === null) return value;
  return Object.entries(value).map(([key, field]) => [key, keyOrder(field)]);
}

function expectSame<Schema extends z.ZodType>(schema: Schema, fast: FastPath<z.output<Schema>>, raw: unknown): boolean {
  const copy = structuredClone(raw);
  const fastOutcome = outcome(schema, raw, fast);
  const zodOutcome = outcome(schema, copy);
  expect(fastOutcome).toStrictEqual(zodOutcome);
  expect(keyOrder(fastOutcome)).toStrictEqual(keyOrder(zodOutcome));
  return 'output' in fastOutcome;
}

/** Mostly values the schemas accept, sometimes one at or just beyond a limit. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<U>): fc.Arbitrary<T | U> => fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: edge });

const id = mostly(
  fc.string({ minLength: 1, maxLength: 8 }).filter((text) => !text.includes('#')),
  fc.oneof(
    fc.string({ minLength: MAX_ID_LENGTH - 1, maxLength: MAX_ID_LENGTH + 1 }),
    fc.constantFrom('', '#', 'a#b', 'é', '\u{1F600}'.repeat(MAX_ID_LENGTH / 2), '__proto__'),
  ),
);
/** Numbers at and around every limit the bodies use, and ordinary ones. */
const edgeNumber = fc.oneof(
  fc.constantFrom(
    0, -0, 1, -1, 0.5, 1.5, 2, MAX_PRIORITY_LEVEL, MAX_PRIORITY_LEVEL + 1, MAX_RETRIES, MAX_RETRIES + 1, MAX_ATTEMPT, MAX_ATTEMPT + 1,
    MAX_SECONDS, MAX_SECONDS + 1e-6, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MIN_VALUE, 1e300, Number.NaN, Infinity, -Infinity,
  ),
  fc.double(),
);
/** The limits of a range and the doubles just beyond them. */
const around = (min: number, max: number): fc.Arbitrary<number> => fc.constantFrom(min, max, min - Math.max(Number.MIN_VALUE, Math.abs(min) * Number.EPSILON), max + Math.max(Number.EPSILON, max * Number.EPSILON));
const nonNegative = mostly(fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.double({ min: 0, max: 1e6, noNaN: true })), fc.oneof(edgeNumber, around(0, Number.MAX_SAFE_INTEGER)));
const seconds = mostly(fc.double({ min: 1e-3, max: MAX_SECONDS, noNaN: true }), fc.oneof(edgeNumber, around(0, MAX_SECONDS)));
const intIn = (min: number, max: number): fc.Arbitrary<number> => mostly(fc.integer({ min, max }), fc.oneof(edgeNumber, around(min, max), fc.constantFrom(min - 1, max + 1, min + 0.5)));
const list = mostly(
  fc.array(id, { maxLength: 4 }),
  fc.constantFrom(Array.from({ length: MAX_LIST_ITEMS }, (_, i) => `t${i}`), Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => `t${i}`), ['a', ''], [1]),
);
/** Anything JSON (and what JSON cannot hold: undefined). */
const garbage = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));

const policy = mostly(fc.constantFrom(...DEPENDENCY_FAILURE_POLICIES), fc.constantFrom('retry', '', null, 0));
/**
 * A per-edge policy over the task's own `dependsOn` (mostly), sometimes naming an edge it does not
 * have, at or beyond the limit of edges, or not a record.
 */
const policies = (dependsOn: unknown): fc.Arbitrary<unknown> => {
  const edges = Array.isArray(dependsOn) ? dependsOn.filter((edge): edge is string => typeof edge === 'string') : [];
  return mostly(
    fc.subarray(edges).chain((named) => fc.tuple(...named.map(() => policy)).map((each) => Object.fromEntries(named.map((edge, i) => [edge, each[i]])))),
    fc.oneof(
      fc.dictionary(id, policy, { maxKeys: 3 }),
      fc.constantFrom(
        Object.fromEntries(Array.from({ length: MAX_LIST_ITEMS }, (_, i) => [`t${i}`, 'cancel'])),
        Object.fromEntries(Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => [`t${i}`, 'cancel'])),
        JSON.parse('{"__proto__":"cancel"}') as unknown, ['cancel'], 'cancel',
      ),
    ),
  );
};
/** A prompt prefix's block ids: safe integers, at most the list limit. */
const blocks = mostly(
  fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 6 }),
  fc.constantFrom(
    Array.from({ length: MAX_LIST_ITEMS }, (_, i) => i), Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => i), [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER + 2], [1.5], ['1'], [null],
  ),
);
/** A prompt prefix: both fields (mostly), sometimes one alone. */
const prefix = mostly(
  fc.record({ contextBlocks: blocks, contextBlockTokens: mostly(fc.constantFrom(512, 64, 0.5), fc.oneof(edgeNumber, around(0, Number.MAX_SAFE_INTEGER))) }),
  fc.record({ contextBlocks: blocks, contextBlockTokens: fc.constant(512) }, { requiredKeys: [] }),
);
const wellFormedTask = fc.record({
  id, type: id, tokens: nonNegative, priority: intIn(0, MAX_PRIORITY_LEVEL), deadline: seconds, dependsOn: list,
  parentId: id, workflowId: id, contextKey: id, contextTokens: nonNegative, traceFailed: mostly(fc.boolean(), fc.constantFrom(0, 'true', null)),
  tags: list, tenant: id, assignee: id, maxRetries: intIn(0, MAX_RETRIES), timeoutSeconds: seconds, ttlSeconds: seconds,
}, { requiredKeys: ['type'] })
  .chain((task) => fc.option(prefix, { nil: undefined, freq: 2 }).map((blocksOf) => (blocksOf === undefined ? task : { ...task, ...blocksOf })))
  .chain((task) => fc.option(policies(task.dependsOn), { nil: undefined, freq: 2 }).map((dependencyPolicy) => (dependencyPolicy === undefined ? task : { ...task, dependencyPolicy })));

const started = fc.record({
  setupTokens: nonNegative, contextHit: mostly(fc.constantFrom(true, false, null), fc.constantFrom(0, 1, 'true', [])), contextBlocksHit: intIn(0, MAX_LIST_ITEMS),
}, { requiredKeys: [] });
const finished = mostly(
  fc.oneof(
    fc.record({ ok: fc.constant(true), quality: mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.oneof(edgeNumber, around(0, 1))) }, { requiredKeys: ['ok'] }),
    fc.record({ ok: fc.constant(false), reason: mostly(fc.constantFrom(...AGENT_FAILURE_REASONS), fc.constant('crashed')) }),
  ),
  fc.record({ ok: fc.boolean(), quality: edgeNumber, reason: fc.constantFrom(...AGENT_FAILURE_REASONS) }, { requiredKeys: [] }),
);
const attempt = intIn(1, MAX_ATTEMPT);
const wellFormedReport = fc.record({ task: id, attempt, started, finished }, { requiredKeys: ['task', 'attempt'] });
const wellFormedAgentReport = fc.record({ task: id, attempt, started, finished, agent: id }, { requiredKeys: ['task', 'attempt'] });
/** An offer id as a poll hands it out (mostly), or one a poll never would. */
const offerId = mostly(fc.integer({ min: 1, max: 1e9 }).map((n) => `o${n}`), fc.constantFrom('o', 'o1x', `o${'9'.repeat(15)}`, `o${'9'.repeat(16)}`, '1', 'O1', ' o1', 'o-1'));
/** An offer answer: a decline with or without a reason, an accept (sometimes with a reason, which the schema refuses). */
const wellFormedOfferAnswer = fc.oneof(
  fc.record({ accept: fc.constant(false), reason: mostly(fc.constantFrom(...DECLINE_REASONS), fc.constantFrom('busy', '', null)), setupTokens: nonNegative, agent: id, offerId }, { requiredKeys: ['accept', 'agent', 'offerId'] }),
  fc.record({ accept: mostly(fc.constant(true), fc.constantFrom(0, 'true', null)), reason: fc.constantFrom(...DECLINE_REASONS), setupTokens: nonNegative, agent: id, offerId }, { requiredKeys: ['accept', 'agent', 'offerId', 'setupTokens'] })
    .map(({ reason, ...answer }) => (answer.setupTokens === 0 ? { ...answer, reason } : answer)),
);

/**
 * A well-formed value with one field (at the top or one level down) replaced by garbage, wrapped
 * in an array or an object, or removed, or with an unknown field added.
 */
function nearly(wellFormed: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.tuple(wellFormed, fc.nat(), fc.nat(), fc.constantFrom('garbage', 'array', 'object', 'remove', 'unknown'), garbage).map(([value, pick, inner, how, other]) => {
    const keys = Object.keys(value);
    if (how === 'unknown' || keys.length === 0) return { ...value, [`extra${pick % 2}`]: other };
    const key = keys[pick % keys.length]!;
    const field = value[key];
    const target = typeof field === 'object' && field !== null && !Array.isArray(field) && inner % 2 === 0 ? { ...field } as Record<string, unknown> : undefined;
    const host = target ?? value;
    const hostKeys = Object.keys(host);
    const name = hostKeys.length === 0 ? key : hostKeys[inner % hostKeys.length]!;
    const mutated = { how, was: host[name] };
    if (mutated.how === 'remove') delete host[name];
    else host[name] = how === 'garbage' ? other : how === 'array' ? [mutated.was] : { value: mutated.was };
    return target === undefined ? value : { ...value, [key]: target };
  });
}

const RUNS = { seed: 11, numRuns: 3000 };

describe('fast paths of the request bodies', () => {
  const cases = [
    ['a submission', taskBody, fastTaskBody, wellFormedTask],
    ['a report', reportItem, fastReportItem, wellFormedReport],
    ['a poll\'s report', agentReportItem, fastAgentReportItem, wellFormedAgentReport],
    ['a poll\'s offer answer', agentOfferAnswer, fastAgentOfferAnswer, wellFormedOfferAnswer],
  ] as const;
  for (const [name, schema, fast, wellFormed] of cases) {
    it(`validate ${name} exactly as its schema does`, () => {
      let accepted = 0;
      fc.assert(fc.property(fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 3, arbitrary: nearly(wellFormed) }, { weight: 1, arbitrary: garbage }), (raw) => {
        if (expectSame(schema as z.ZodType, fast as FastPath<unknown>, raw)) accepted++;
      }), RUNS);
      // The values exercise both sides: many accepted, many refused.
      expect(accepted).toBeGreaterThan(RUNS.numRuns / 10);
      expect(accepted).toBeLessThan(RUNS.numRuns * 0.9);
    });
  }

  it('take a batch body as is, exactly when its schema accepts it', () => {
    const items = fc.oneof(fc.array(garbage, { maxLength: 3 }), fc.constantFrom([], Array.from({ length: MAX_BATCH_ITEMS }, () => 1), Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => 1)));
    for (const [field, schema] of [['tasks', taskBatch], ['reports', reportBatch]] as const) {
      const fast = fastBatch(field, MAX_BATCH_ITEMS);
      const wellFormed = fc.record({ [field]: items }) as fc.Arbitrary<Record<string, unknown>>;
      fc.assert(fc.property(fc.oneof(wellFormed, nearly(wellFormed), garbage), (raw) => {
        expectSame(schema, fast, raw);
      }), { seed: 12, numRuns: 500 });
    }
  });

  it('take a multi-agent poll\'s body as its schema gives it, exactly when it accepts it', () => {
    const items = fc.oneof(fc.array(garbage, { maxLength: 3 }), fc.constantFrom([], Array.from({ length: MAX_BATCH_ITEMS }, () => 'a'), Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => 'a')));
    const fast = fastPollBody(MAX_BATCH_ITEMS);
    // Any field first: the output has the schema's order.
    const wellFormed = fc.oneof(
      fc.record({ agents: items, reports: items, offers: items }, { requiredKeys: ['agents'] }),
      fc.record({ offers: items, reports: items, agents: items }, { requiredKeys: [] }),
      fc.record({ reports: items, offers: items, agents: items }, { requiredKeys: ['agents'] }),
    );
    fc.assert(fc.property(fc.oneof(wellFormed, nearly(wellFormed), garbage), (raw) => {
      expectSame(multiPollBody, fast, raw);
    }), { seed: 13, numRuns: 1000 });
  });

  it('fill the defaults and keep the schema\'s field order', () => {
    const raw = { ttlSeconds: 5, tags: ['b'], type: 'code' };
    expect(JSON.stringify(fastTaskBody(raw))).toBe('{"type":"code","tokens":0,"priority":2,"contextTokens":0,"tags":["b"],"ttlSeconds":5}');
    const trace = { traceFailed: true, contextBlockTokens: 512, contextBlocks: [0, 7], type: 'request', contextTokens: 900 };
    expect(JSON.stringify(fastTaskBody(trace))).toBe('{"type":"request","tokens":0,"priority":2,"contextTokens":900,"contextBlocks":[0,7],"contextBlockTokens":512,"traceFailed":true}');
    expect(fastReportItem({ started: { contextBlocksHit: 2, setupTokens: 5 }, task: 't', attempt: 1 })).toStrictEqual({ task: 't', attempt: 1, started: { setupTokens: 5, contextBlocksHit: 2 } });
    const node = { workflowId: 'w', parentId: 'w/1', dependencyPolicy: { 'w/1': 'ignore' }, dependsOn: ['w/1'], type: 'code' };
    expect(JSON.stringify(fastTaskBody(node))).toBe('{"type":"code","tokens":0,"priority":2,"dependsOn":["w/1"],"dependencyPolicy":{"w/1":"ignore"},"parentId":"w/1","workflowId":"w","contextTokens":0}');
    expect(fastAgentReportItem({ agent: 'a1', finished: { ok: true }, started: {}, attempt: 1, task: 't' })).toStrictEqual(
      { task: 't', attempt: 1, started: { setupTokens: 0 }, finished: { ok: true, quality: 1 }, agent: 'a1' },
    );
    expect(JSON.stringify(fastAgentOfferAnswer({ offerId: 'o7', agent: 'a1', setupTokens: 3, reason: 'overloaded', accept: false }))).toBe(
      '{"accept":false,"reason":"overloaded","setupTokens":3,"agent":"a1","offerId":"o7"}',
    );
    expect(JSON.stringify(fastPollBody(MAX_BATCH_ITEMS)({ offers: [], agents: ['a1'] }))).toBe('{"agents":["a1"],"offers":[]}');
  });

  it('leave what they do not recognise to the schema', () => {
    for (const raw of [
      { type: 'code', id: undefined }, Object.assign(Object.create(null) as object, { type: 'code' }), { type: 'code', priority: 2.5 }, { task: 't', attempt: 1 },
      { type: 'code', dependsOn: ['a'], dependencyPolicy: { b: 'cancel' } }, { type: 'code', dependencyPolicy: { a: 'cancel' } },
      { type: 'code', contextBlocks: [1] }, { type: 'code', contextBlockTokens: 512 },
    ]) {
      expect(fastTaskBody(raw)).toBeUndefined();
      expect(fastReportItem(raw)).toBeUndefined();
    }
  });
});
