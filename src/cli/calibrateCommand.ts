/**
 * `fleetsim calibrate <events.jsonl> --out scenario.yaml [--synthetic] [--json]`: fits a scenario
 * from an events file (docs/CALIBRATION.md) and prints the fitted parameters with their 95%
 * intervals and goodness of fit.
 */
import type { Argv } from 'yargs';
import { calibrateFile } from '../calibrate/calibrateFile.js';
import { calibrationText } from '../calibrate/calibrationText.js';
import { InputError } from '../scenario/errors.js';
import { withExamples } from './help.js';

/** Flags of `calibrate`. */
export interface CalibrateArgs {
  events: string;
  out: string;
  synthetic: boolean;
  json: boolean;
  strategy?: string;
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

/**
 * Runs the command.
 * @throws InputError for a bad flag or a bad events file
 */
export function calibrateCommand(args: CalibrateArgs): void {
  if (args.replication !== undefined && (!Number.isInteger(args.replication) || args.replication < 0)) {
    throw new InputError('command line', '--replication', `expected an integer >= 0, got ${String(args.replication)}`);
  }
  const calibration = calibrateFile({
    events: args.events,
    out: args.out,
    synthetic: args.synthetic,
    run: { strategy: args.strategy, replication: args.replication },
  });
  if (args.json) {
    const { scenario: _scenario, ...rest } = calibration;
    process.stdout.write(`${JSON.stringify({ ...rest, out: args.out }, null, 2)}\n`);
  } else {
    process.stdout.write(calibrationText(calibration, args.out));
  }
}
