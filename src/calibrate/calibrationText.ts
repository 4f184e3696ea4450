/** The text `fleetsim calibrate` prints: one row per fitted parameter, then the caveats. */
import { textTable } from '../report/tables.js';
import { runsLabel, type Calibration, type FittedParameter } from './calibration.js';
import { formatPValue } from './statistics.js';

/** The calibration as a table with 95% intervals and a goodness-of-fit column. */
export function calibrationText(calibration: Calibration, out: string): string {
  const rows = calibration.parameters.map((parameter) => [
    parameter.name,
    number(parameter.value),
    `[${number(parameter.interval[0])}, ${number(parameter.interval[1])}]`,
    String(parameter.n),
    parameter.method,
    fit(parameter),
    parameter.note ?? '',
  ]);
  const table = textTable({
    header: ['parameter', 'estimate', '95% interval', 'n', 'method', 'goodness of fit', 'note'],
    rows,
    align: ['left', 'right', 'right', 'right', 'left', 'left', 'left'],
  });
  const run = runsLabel(calibration.runs);
  const notes = calibration.notes.map((note) => `note: ${note}\n`).join('');
  return `calibrated ${calibration.source} (${run}) → ${out}\n${table}${notes}`;
}

function fit(parameter: FittedParameter): string {
  const { gof } = parameter;
  if (gof === null) return parameter.method === 'observed' || parameter.interval[0] === parameter.interval[1] ? 'exact (no variation)' : '–';
  return `${gof.test} ${number(gof.statistic)}, ${formatPValue(gof.pValue)}`;
}

function number(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 || x === Math.round(x) ? x.toFixed(x === Math.round(x) ? 0 : 1) : x.toPrecision(4);
}
