/** taskBody: a scenario task as a submission on a clock K times faster. */
import { describe, expect, it } from 'vitest';
import { droppedFields, taskBody } from '../../../src/live/clients/taskBody.js';

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

  it('names the fields the API has no place for', () => {
    expect(droppedFields({ id: 'w/1', type: 'x', priority: 2, tokens: 1, contextTokens: 0, workflowId: 'w', parentId: 'w/0', dependencyPolicy: { a: 'cancel' } }))
      .toEqual(['dependencyPolicy', 'workflowId', 'parentId']);
    expect(droppedFields({ id: 'a', type: 'x', priority: 2, tokens: 1, contextTokens: 0 })).toEqual([]);
  });
});
