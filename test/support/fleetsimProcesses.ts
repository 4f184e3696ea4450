/**
 * Real `fleetsim` processes for the distributed suites: the built CLI (dist/src/cli/main.js,
 * `npm run build`) started as a user would, workers left running in the background.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Repository root. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A finished fleetsim process. */
export interface FinishedRun {
  /** The exit code; null when a signal ended it. */
  readonly status: number | null;
  /** Everything it wrote on stdout. */
  readonly stdout: string;
  /** Everything it wrote on stderr. */
  readonly stderr: string;
}

/** Runs `fleetsim ...args` from the repository root without blocking the test's event loop. */
export function runFleetsim(...args: string[]): Promise<FinishedRun> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** A `fleetsim worker` running in the background. */
export interface WorkerProcess {
  /** The worker process, for a test that signals it directly. */
  readonly child: ChildProcess;
  /** What it wrote on stderr so far. */
  stderr(): string;
  /** Sends `signal` and resolves once it has exited, with its exit code (null when killed). */
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts `fleetsim worker --queue url ...extra` and resolves once it says it takes jobs. */
export async function startWorker(url: string, ...extra: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'worker', '--queue', url, ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('taking experiment jobs')) resolve();
    });
    void exited.then((code) => reject(new Error(`fleetsim worker exited with ${code} before taking jobs: ${stderr}`)));
  });
  return {
    child,
    stderr: () => stderr,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `summary.json` text without its `timing` (wall-clock figures differ from run to run). */
export function withoutTiming(summaryJson: string): string {
  const document = JSON.parse(summaryJson) as Record<string, unknown>;
  delete document.timing;
  return JSON.stringify(document, null, 2);
}
