/**
 * The pipeline's filters, each as documented in src/strategies/pipeline/filters.ts.
 */
import { describe, expect, it } from 'vitest';
import { FILTER_NAMES, createFilter, filterSchema } from '../../../src/strategies/pipeline/filters.js';
import { agentAt, task } from './fixtures.js';

const filter = (config: unknown) => createFilter(filterSchema.parse(config));

describe('pipeline filters', () => {
  it('are skill-at-least, has-tags, context-below and load-below', () => {
    expect(FILTER_NAMES).toEqual(['skill-at-least', 'has-tags', 'context-below', 'load-below']);
  });

  it('skill-at-least passes skill >= min for the task type (default 0.5), a missing skill counting 0', () => {
    const atLeast = filter({ name: 'skill-at-least' });
    expect(filterSchema.parse({ name: 'skill-at-least' })).toEqual({ name: 'skill-at-least', min: 0.5 });
    expect(atLeast(task({ type: 'code' }), agentAt(0, { skills: { code: 0.5 } }))).toBe(true);
    expect(atLeast(task({ type: 'code' }), agentAt(0, { skills: { code: 0.49, review: 1 } }))).toBe(false);
    expect(atLeast(task({ type: 'review' }), agentAt(0, { skills: { code: 1 } }))).toBe(false);
    expect(filter({ name: 'skill-at-least', min: 0.9 })(task({ type: 'code' }), agentAt(0, { skills: { code: 0.8 } }))).toBe(false);
  });

  it('has-tags passes when the agent carries every tag of the task; a task without tags fits all', () => {
    const tagged = filter({ name: 'has-tags' });
    const agent = agentAt(0, { tags: ['gpu', 'eu', 'coder'] });
    expect(tagged(task({ tags: ['gpu', 'eu'] }), agent)).toBe(true);
    expect(tagged(task({ tags: ['gpu', 'us'] }), agent)).toBe(false);
    expect(tagged(task({ tags: [] }), agentAt(1))).toBe(true);
    expect(tagged(task(), agentAt(1))).toBe(true);
  });

  it('context-below passes context utilization strictly below max (default 0.8)', () => {
    const below = filter({ name: 'context-below' });
    expect(below(task(), agentAt(0, { contextUtilization: 0.79 }))).toBe(true);
    expect(below(task(), agentAt(0, { contextUtilization: 0.8 }))).toBe(false);
    expect(filter({ name: 'context-below', max: 0.3 })(task(), agentAt(0, { contextUtilization: 0.5 }))).toBe(false);
  });

  it('load-below passes tasks in hand per slot strictly below max (default 1: room left)', () => {
    const below = filter({ name: 'load-below' });
    expect(below(task(), agentAt(0, { capacity: 4, active: 3 }))).toBe(true);
    expect(below(task(), agentAt(0, { capacity: 4, active: 3, queued: 1 }))).toBe(false);
    expect(filter({ name: 'load-below', max: 2 })(task(), agentAt(0, { capacity: 2, active: 2, queued: 1 }))).toBe(true);
  });

  it('reject unknown names and unknown settings in their config', () => {
    expect(filterSchema.safeParse({ name: 'skill-above' }).success).toBe(false);
    expect(filterSchema.safeParse({ name: 'has-tags', min: 1 }).success).toBe(false);
    expect(filterSchema.safeParse({ name: 'skill-at-least', min: 1.2 }).success).toBe(false);
  });
});
