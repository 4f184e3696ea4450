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

  it('folds a carriage return too, which would overwrite the line on a terminal', () => {
    expect(new InputError('s.yaml', 'name', 'first\rsecond\r\nthird').message).toBe('s.yaml: name: first second third');
  });

  it('quotes a file name that would not show (empty, white space at an end) and keeps the name as given', () => {
    expect(new InputError('', '', 'cannot read file').message).toBe('"": cannot read file');
    const blank = new InputError(' ', 'name', 'x');
    expect(blank.message).toBe('" ": name: x');
    expect(blank.file).toBe(' ');
    expect(new InputError('my runs.json', '', 'x').message).toBe('my runs.json: x');
  });

  it('quotes a file name or path holding a control character, so the message stays one line', () => {
    const error = new InputError('a\nb.yaml', '--a\tb', 'unknown');
    expect(error.message).toBe('"a\\nb.yaml": "--a\\tb": unknown');
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.path).toBe('--a\tb');
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
