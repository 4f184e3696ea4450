/**
 * `fleetsim load <scenario> --url URL`: submits the scenario's workload (a trace's tasks too) to a
 * `fleetsim serve` in real time scaled by `--speedup` (src/live/clients/loadClient.ts,
 * docs/LIVE.md "Emulated agents and load"), then prints a one-line summary. SIGINT or SIGTERM stops it early (the summary is
 * printed all the same).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError, systemErrorReason } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { LoadClient, MAX_BATCH_SIZE, type LoadSummary } from '../live/clients/loadClient.js';
import { onStopSignal, parseServiceUrl, parseSpeedup, parseToken } from './clientFlags.js';

/** Flags of `load`. */
export interface LoadArgs {
  /** The scenario whose workload to submit. */
  scenario: string;
  /** `--url`: the service's base URL. */
  url: string;
  /** `--token`: the bearer token to send, when the service checks tokens. */
  token?: string;
  /** `--speedup`: K, arrival times, relative deadlines, timeouts and TTLs divided by K. */
  speedup: number;
  /** `--tasks`: submit at most this many tasks (the earliest). */
  tasks?: number;
  /** `--acked`: a file to write the acknowledged task ids to, one a line. */
  acked?: string;
  /** `--id-prefix`: a prefix for every task id (to load one service twice). */
  idPrefix?: string;
  /** `--batch`: tasks per `POST /v1/tasks/batch` at most; 1: one `POST /v1/tasks` per task. */
  batch?: number;
}

/** `fleetsim load`: resolves with true when every submission was acknowledged. */
export async function loadCommand(args: LoadArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<boolean> {
  const url = parseServiceUrl(args.url);
  const speedup = parseSpeedup(args.speedup);
  if (args.tasks !== undefined && !(Number.isInteger(args.tasks) && args.tasks >= 0)) {
    throw new InputError('command line', '--tasks', `expected an integer >= 0, got ${String(args.tasks)}`);
  }
  if (args.batch !== undefined && !(Number.isInteger(args.batch) && args.batch >= 1 && args.batch <= MAX_BATCH_SIZE)) {
    throw new InputError('command line', '--batch', `expected an integer from 1 to ${MAX_BATCH_SIZE}, got ${String(args.batch)}`);
  }
  const scenario = loadScenario(args.scenario);
  let acked: number | undefined;
  if (args.acked !== undefined) {
    try {
      acked = openSync(args.acked, 'w');
    } catch (error) {
      throw new InputError('command line', '--acked', `cannot write ${args.acked} (${systemErrorReason(error)})`);
    }
  }
  const client = new LoadClient({
    scenario, url, speedup,
    ...(args.token === undefined ? {} : { token: parseToken(args.token) }),
    ...(args.tasks === undefined ? {} : { maxTasks: args.tasks }),
    ...(args.idPrefix === undefined ? {} : { idPrefix: args.idPrefix }),
    ...(args.batch === undefined ? {} : { batchSize: args.batch }),
    // One line per acknowledgement, written at once: the file is true even if this process is killed.
    ...(acked === undefined ? {} : { onAcknowledged: (id: string) => void writeSync(acked, `${id}\n`) }),
    log: (line) => process.stderr.write(`fleetsim load: ${line}\n`),
  });
  const release = onStopSignal(() => client.stop());
  // Announced once a stop signal is handled (as `fleetsim agents` does): a supervisor may stop it from here on.
  process.stderr.write(`fleetsim load: submitting ${args.scenario}'s workload to ${url} (speedup ${speedup})\n`);
  let summary: LoadSummary;
  try {
    summary = await client.run();
  } finally {
    release();
    if (acked !== undefined) closeSync(acked);
  }
  write(`${loadSummaryLine(summary)}\n`);
  return summary.acknowledged === summary.submitted;
}

/** The one-line summary printed on exit. */
export function loadSummaryLine(s: LoadSummary): string {
  return `fleetsim load: ${s.submitted} submitted, ${s.acknowledged} acknowledged, ${s.retried} retried, ${s.refused} refused, `
    + `${s.skipped} skipped, max lag ${s.maxLagSeconds.toFixed(3)} s, ${s.wallSeconds.toFixed(1)} s`;
}
