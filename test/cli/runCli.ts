/**
 * Runs the built command line (`dist/src/cli/main.js`, built by `npm test` before vitest) as a
 * user would, capturing its exit code and output.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Exit code, stdout and stderr of one invocation. */
export interface CliRun {
  /** The exit code; null when a signal ended the process (the two-minute timeout among them). */
  readonly status: number | null;
  /** Everything it wrote on stdout. */
  readonly stdout: string;
  /** Everything it wrote on stderr, where bad input is reported. */
  readonly stderr: string;
}

/** Runs `fleetsim ...args` from the repository root. */
export function runCli(...args: string[]): CliRun {
  return runCliWith({}, ...args);
}

/** Runs `fleetsim ...args` from the repository root with these environment variables set too. */
export function runCliWith(env: Readonly<Record<string, string>>, ...args: string[]): CliRun {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Bad input: exit 2, nothing on stdout, one line on stderr holding (or matching) every fragment, no stack trace. */
export function expectInputError(run: CliRun, ...fragments: (string | RegExp)[]): void {
  expect(run.status, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  for (const fragment of fragments) {
    if (typeof fragment === 'string') expect(lines[0]).toContain(fragment);
    else expect(lines[0]).toMatch(fragment);
  }
}
