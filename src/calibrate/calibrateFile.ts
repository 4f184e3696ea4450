/**
 * Calibrates a scenario from an events file and writes it: reads the chosen runs, fits them
 * (./calibration.ts), and writes the scenario YAML.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { makeDirectory } from '../makeDirectory.js';
import { InputError, systemErrorReason } from '../scenario/errors.js';
import { calibrate, type Calibration } from './calibration.js';
import { readEvents, type RunChoice } from './eventsReader.js';
import { ObservationFold } from './observations.js';

/** What to calibrate and where to write it. */
export interface CalibrateOptions {
  /** The events file. */
  readonly events: string;
  /** The scenario file to write. */
  readonly out: string;
  /** A fitted Poisson workload instead of the events file as a trace. */
  readonly synthetic: boolean;
  /** Which runs of a multi-run events file to fit (default: every replication of the first strategy). */
  readonly run?: RunChoice;
}

/**
 * Fits and writes the scenario; returns the calibration.
 * @throws InputError naming the events file (and line) for bad input, or `--out` when the
 *   scenario cannot be written
 */
export function calibrateFile(options: CalibrateOptions): Calibration {
  const { events, out } = options;
  const fold = new ObservationFold(events);
  const read = readEvents(events, options.run ?? {}, (event, line, run) => fold.add(event, line, run));
  const observations = fold.finish();
  if (observations.types.size === 0) throw new InputError(events, '', 'no submitted task in the run: nothing to fit a workload from');
  const completed = [...observations.agents.values()].some((agent) => [...agent.byType.values()].some((observed) => observed.completed.length > 0));
  if (!completed) throw new InputError(events, '', 'no completed task in the run: agent speeds cannot be fitted');
  const workload = options.synthetic ? { kind: 'synthetic' as const } : { kind: 'trace' as const, file: relative(dirname(out), resolve(events)) };
  const name = `calibrated-${basename(events, extname(events)).replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  const calibration = calibrate(events, read, observations, workload, name);
  // Work rates many orders of magnitude apart (a token count of 1e-300 among hundreds) overflow an agent's estimate: refused, never
  // written or printed as Infinity (an interval may be unbounded: few observations bound a variance on one side only).
  const overflowed = calibration.parameters.find((parameter) => parameter.name.startsWith('agents[') && !Number.isFinite(parameter.value));
  if (overflowed !== undefined) {
    throw new InputError(events, '', `no finite fit of ${overflowed.name} (${overflowed.value}): the work rates of its attempts (tokens ÷ seconds) span more orders of magnitude than a fit can rest on`);
  }
  writing(out, () => {
    makeDirectory(dirname(out));
    writeFileSync(out, `# ${String(calibration.scenario.description)}\n# Intervals and goodness of fit: fleetsim calibrate's output (docs/CALIBRATION.md).\n${stringify(calibration.scenario)}`);
  });
  return calibration;
}

function writing(file: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, '--out', `cannot write (${systemErrorReason(error)})`);
  }
}
