import { describe, expect, it } from 'vitest';
import { InputError, closestName, formatPath, isInputError } from '../../src/scenario/errors.js';

describe('InputError', () => {
  it('reads "<file>: <path>: <what was expected>" on one line', () => {
    const error = new InputError('s.yaml', 'agents[0].speed', 'expected a number > 0, got -1');
    expect(error.message).toBe('s.yaml: agents[0].speed: expected a number > 0, got -1');
    expect(error.file).toBe('s.yaml');
    expect(error.path).toBe('agents[0].speed');
    expect(error.expected).toBe('expected a number > 0, got -1');
    expect(error.name).toBe('InputError');
  });

  it('leaves the path out when the mistake is not in one field', () => {
    expect(new InputError('s.yaml', '', 'cannot read file (ENOENT: no such file)').message).toBe('s.yaml: cannot read file (ENOENT: no such file)');
  });

  it('folds a multi-line explanation into one line', () => {
    expect(new InputError('s.yaml', 'name', 'first\n   second\n').message).toBe('s.yaml: name: first second');
  });

  it('is told apart from other errors by isInputError', () => {
    expect(isInputError(new InputError('f', '', 'x'))).toBe(true);
    expect(isInputError(new Error('x'))).toBe(false);
    expect(isInputError('x')).toBe(false);
  });
});

describe('formatPath', () => {
  it('writes keys with dots and indices in brackets', () => {
    expect(formatPath(['agents', 0, 'skills', 'code'])).toBe('agents[0].skills.code');
    expect(formatPath(['workload', 'tasks', 1, 'priority', '2'])).toBe('workload.tasks[1].priority.2');
  });

  it('quotes keys that are not plain words', () => {
    expect(formatPath(['agents', 0, 'skills', 'code review'])).toBe('agents[0].skills["code review"]');
  });

  it('is empty for the document itself', () => {
    expect(formatPath([])).toBe('');
  });
});

describe('closestName', () => {
  it('suggests a name one or two edits away', () => {
    expect(closestName('reviw', ['code', 'review'])).toBe('review');
    expect(closestName('round-robbin', ['random', 'round-robin'])).toBe('round-robin');
  });

  it('suggests nothing when no name is close', () => {
    expect(closestName('deploy', ['code', 'review'])).toBeUndefined();
    expect(closestName('ab', ['xy'])).toBeUndefined();
  });
});
