/** taskBody: a scenario task as a submission on a clock K times faster. */
import { describe, expect, it } from 'vitest';
import { taskBody } from '../../../src/live/clients/taskBody.js';

describe('taskBody', () => {
  it('makes the deadline relative to the arrival and divides it, the timeout and the TTL by K; sizes stay', () => {
    const body = taskBody({ id: 't3', type: 'code', priority: 1, tokens: 500, contextTokens: 40, contextKey: 'k', deadline: 130, timeoutSeconds: 60, ttlSeconds: 20, maxRetries: 2 }, 100, 10);
    expect(body).toEqual({ id: 't3', type: 'code', priority: 1, tokens: 500, contextTokens: 40, contextKey: 'k', deadline: 3, timeoutSeconds: 6, ttlSeconds: 2, maxRetries: 2 });
  });

  it('prefixes the id and the dependencies, and leaves out what the task does not have', () => {
    const body = taskBody({ id: 'b', type: 'x', priority: 2, tokens: 1, contextTokens: 0, dependsOn: ['a'], tags: [] }, 0, 1, 'run2/');
    expect(body).toEqual({ id: 'run2/b', type: 'x', priority: 2, tokens: 1, contextTokens: 0, dependsOn: ['run2/a'] });
  });

  it('sends a deadline due at arrival as the smallest positive one', () => {
    expect(taskBody({ id: 'a', type: 'x', priority: 2, tokens: 1, contextTokens: 0, deadline: 5 }, 5, 1).deadline).toBeGreaterThan(0);
  });

  it('carries a workflow task\'s workflow, the prefix on every task id and on the workflow id', () => {
    const spec = {
      id: 'w-0/1.1', type: 'x', priority: 2, tokens: 1, contextTokens: 0, dependsOn: ['w-0/1'], dependencyPolicy: { 'w-0/1': 'cascade-fail' as const },
      parentId: 'w-0/1', workflowId: 'w-0',
    };
    expect(taskBody(spec, 0, 1)).toEqual({ ...spec });
    expect(taskBody(spec, 0, 1, 'run2/')).toEqual({
      ...spec, id: 'run2/w-0/1.1', dependsOn: ['run2/w-0/1'], dependencyPolicy: { 'run2/w-0/1': 'cascade-fail' }, parentId: 'run2/w-0/1', workflowId: 'run2/w-0',
    });
  });

  it('carries a trace task\'s prompt prefix unscaled, and traceFailed only when the trace recorded a failure', () => {
    const spec = { id: 'r4', type: 'request', priority: 2, tokens: 30, contextTokens: 1500, contextKey: 'block-9', contextBlocks: [0, 9, 12], contextBlockTokens: 512 };
    expect(taskBody(spec, 40, 10, 'p/')).toEqual({ ...spec, id: 'p/r4' });
    expect(taskBody({ ...spec, traceFailed: true, maxRetries: 0 }, 40, 10)).toEqual({ ...spec, traceFailed: true, maxRetries: 0 });
    expect(taskBody({ ...spec, traceFailed: false }, 40, 10)).not.toHaveProperty('traceFailed');
  });

  it('leaves out an empty dependencyPolicy, as the simulator\'s jobs without per-edge policies have none', () => {
    expect(taskBody({ id: 'b', type: 'x', priority: 2, tokens: 1, contextTokens: 0, dependsOn: ['a'], dependencyPolicy: {} }, 0, 1)).not.toHaveProperty('dependencyPolicy');
  });
});
