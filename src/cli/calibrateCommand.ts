/**
 * `fleetsim calibrate <events.jsonl> --out scenario.yaml [--synthetic] [--json]`: fits a scenario
 * from an events file (docs/CALIBRATION.md) and prints the fitted parameters with their 95%
 * intervals and goodness of fit.
 */
import { calibrateFile } from '../calibrate/calibrateFile.js';
import { calibrationText } from '../calibrate/calibrationText.js';
import { InputError } from '../scenario/errors.js';
import type { CalibrateArgs } from './calibrateFlags.js';

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
