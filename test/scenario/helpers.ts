/**
 * Shared pieces for the scenario-loader tests: a small valid scenario to vary one field at a
 * time, and an assertion that a call fails with an InputError at an exact field path.
 */
import { expect } from 'vitest';
import { InputError, isInputError } from '../../src/scenario/errors.js';
import { normalizeScenario, type ScenarioOverrides } from '../../src/scenario/normalize.js';
import type { Scenario } from '../../src/scenario/types.js';

/** The file name the tests' in-memory scenarios claim to come from. */
export const FILE = 'test.yaml';

/** A valid scenario with generated work: one agent, two task types, Poisson arrivals. */
export function generatedScenario(): Record<string, unknown> {
  return {
    name: 'base',
    stop: { time: 100 },
    agents: [{ id: 'solo', speed: 10, skills: { code: 1, review: 0.5 } }],
    workload: {
      arrivals: { process: 'poisson', rate: 1 },
      tasks: [
        { type: 'code', tokens: 100 },
        { type: 'review', tokens: 50 },
      ],
    },
    strategies: ['round-robin'],
  };
}

/** A valid scenario with listed work only: a chain of three jobs, a ← b ← c. */
export function jobScenario(): Record<string, unknown> {
  return {
    name: 'chain',
    agents: [{ id: 'solo', speed: 10 }],
    workload: {
      jobs: [
        { id: 'a', at: 0, type: 'build', tokens: 10 },
        { id: 'b', at: 0, type: 'build', tokens: 10, dependsOn: ['a'] },
        { id: 'c', at: 1, type: 'test', tokens: 10, dependsOn: ['b'] },
      ],
    },
    strategies: ['random'],
  };
}

/**
 * A copy of `scenario` with the field at `path` (`agents[0].skills.reviw`) set to `value`, or
 * removed when `value` is undefined. Missing containers on the way are created as objects.
 */
export function withField(scenario: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(scenario);
  const keys = path.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== '');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    target[key] ??= {};
    target = target[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/** Normalizes an in-memory scenario as if read from {@link FILE}. */
export function normalize(raw: unknown, overrides?: ScenarioOverrides): Scenario {
  return normalizeScenario(raw, FILE, overrides);
}

/**
 * Asserts that `run` throws an InputError at exactly `path` whose message matches `message`,
 * and that the message is one line of the form `<file>: <path>: …`. Returns the error.
 */
export function expectInputError(run: () => unknown, path: string, message: RegExp | string, file = FILE): InputError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an InputError, but nothing was thrown').toBeDefined();
  if (!isInputError(caught)) throw caught;
  expect(caught.path).toBe(path);
  expect(caught.file).toBe(file);
  expect(caught.message).not.toContain('\n');
  expect(caught.message.startsWith(path === '' ? `${file}: ` : `${file}: ${path}: `)).toBe(true);
  if (typeof message === 'string') expect(caught.expected).toContain(message);
  else expect(caught.expected).toMatch(message);
  return caught;
}
