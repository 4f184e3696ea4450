/**
 * The fleetsim-events format checks what it replays: the strategy and replication that select
 * the records (a wrong type used to match nothing, so that every submission was left out without
 * a word), and every field of a submitted spec (a wrong type used to fail inside the run, an
 * unknown field to be carried along and ignored).
 */
import { describe, expect, it } from 'vitest';
import { expectInputError } from '../scenario/helpers.js';
import { statsOf, tempDir } from './traceFixtures.js';

/** A submitted record of strategy `rr`, replication 0, with `changes` applied to its top level and its spec. */
function submitted(id: string, time: number, changes: { record?: Record<string, unknown>; spec?: Record<string, unknown> } = {}): string {
  const spec = { id, type: 'request', priority: 2, tokens: 10, contextTokens: 0, ...changes.spec };
  return `${JSON.stringify({ strategy: 'rr', replication: 0, time, kind: 'submitted', task: id, spec, ...changes.record })}\n`;
}

describe('fleetsim-events: the strategy and replication of a submitted record', () => {
  it.each([
    ['a strategy that is not a label', { strategy: 5 }, 'strategy', 'expected a strategy label (a string), got "5"'],
    ['a replication that is not an index', { replication: 'first' }, 'replication', 'expected a replication index (an integer >= 0), got "first"'],
    ['a negative replication', { replication: -1 }, 'replication', 'expected a replication index (an integer >= 0), got "-1"'],
  ])('refuse %s, naming the row', (_what, record, column, message) => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 'e.jsonl', submitted('t0', 0, { record }) + submitted('t1', 1), 'fleetsim-events'), `line 1, column ${column}`, message, `${dir}/e.jsonl`);
  });

  it('select the first pair in the file, other pairs being passed over', () => {
    const dir = tempDir();
    const text = submitted('t0', 0) + submitted('t0', 0, { record: { strategy: 'other' } }) + submitted('t0', 0, { record: { replication: 1 } }) + submitted('t1', 1);
    expect(statsOf(dir, 'e.jsonl', text, 'fleetsim-events').rows).toBe(2);
  });
});

describe('fleetsim-events: the fields of a submitted spec', () => {
  it.each([
    ['dependsOn', 't0', 'expected a list of task ids, got "t0"'],
    ['dependsOn', [1], 'expected a list of task ids, got "[1]"'],
    ['tags', 'a', 'expected a list of strings, got "a"'],
    ['timeoutSeconds', 0, 'expected a number of seconds > 0, got "0"'],
    ['ttlSeconds', 'soon', 'expected a number of seconds > 0, got "soon"'],
    ['maxRetries', 1.5, 'expected a number of retries (an integer >= 0), got "1.5"'],
    ['contextBlocks', [1, 'two'], 'expected a list of integer block ids, got "[1,\\"two\\"]"'],
    ['dependencyPolicy', { t0: 'retry' }, 'expected task ids each mapped to cascade-fail, cancel or ignore'],
    ['traceFailed', 'yes', 'expected true or false, got "yes"'],
    ['assignee', '', 'expected an agent id, got ""'],
    ['contextTokens', null, 'expected a token count (a number >= 0), got "null"'],
    ['tokns', 10, 'unknown field of a submitted spec (did you mean "tokens"?)'],
  ])('refuse spec.%s = %j, naming the row and the field', (field, value, message) => {
    const dir = tempDir();
    expectInputError(() => statsOf(dir, 'e.jsonl', submitted('t1', 0, { spec: { [field]: value } }), 'fleetsim-events'), `line 1, column spec.${field}`, message, `${dir}/e.jsonl`);
  });

  it('read every field a spec may have, given right', () => {
    const dir = tempDir();
    const spec = {
      contextKey: 'k', contextBlocks: [1, 2], contextBlockTokens: 16, traceFailed: false, dependsOn: ['t0'], dependencyPolicy: { t0: 'cancel' },
      parentId: 't0', workflowId: 'w', tenant: 'team', assignee: 'a-0', tags: ['x'], maxRetries: 2, timeoutSeconds: 5, ttlSeconds: 9, deadline: 30,
    };
    expect(statsOf(dir, 'e.jsonl', submitted('t0', 0) + submitted('t1', 1, { spec }), 'fleetsim-events').rows).toBe(2);
  });
});
