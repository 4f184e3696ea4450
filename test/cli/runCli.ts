/**
 * Runs the built command line (`dist/src/cli/main.js`, built by `npm test` before vitest) as a
 * user would, capturing its exit code and output.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Exit code, stdout and stderr of one invocation. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `fleetsim ...args` from the repository root. */
export function runCli(...args: string[]): CliRun {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
