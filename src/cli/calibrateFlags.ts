/**
 * The flags of `fleetsim calibrate`, apart from the command so that building the parser does not
 * load the calibration code (src/cli/main.ts imports each command's module only when it runs).
 */
import type { Argv } from 'yargs';
import { withExamples } from './help.js';

/** Flags of `calibrate`. */
export interface CalibrateArgs {
  /** The events file: a `run --events` output, or a serve data directory's `events.jsonl`. */
  events: string;
  /** `--out`: the scenario file (YAML) to write. */
  out: string;
  /** `--synthetic`: fit a Poisson arrival process and token distributions instead of replaying the file as a trace. */
  synthetic: boolean;
  /** `--json`: print the fitted parameters as JSON. */
  json: boolean;
  /** `--strategy`: in a `run --events` log, the strategy whose replications are fitted (default: the first in the file). */
  strategy?: string;
  /** `--replication`: fit only this replication (default: every replication of the strategy, pooled). */
  replication?: number;
}

/** Declares the command's positional and flags. */
export function calibrateOptions(y: Argv): Argv {
  return withExamples(y, 'calibrate')
    .positional('events', { type: 'string', demandOption: true, describe: 'events file: run --events output, or a serve data directory\'s events.jsonl' })
    .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'scenario file to write (YAML)' })
    .option('synthetic', { type: 'boolean', default: false, describe: 'fit a Poisson arrival process and token distributions instead of replaying the file as a trace' })
    .option('json', { type: 'boolean', default: false, describe: 'print the fitted parameters as JSON' })
    .option('strategy', { type: 'string', requiresArg: true, describe: 'in a run --events log, the strategy whose replications are fitted (default: the first in the file)' })
    .option('replication', { type: 'number', requiresArg: true, describe: 'fit only this replication (default: every replication of the strategy, pooled)' });
}
