/**
 * What `fleetsim regress` prints: per scenario, the metrics that moved (or all of them with
 * `--all`) with the baseline and current means, the paired change and its half-width, the
 * tolerance and the verdict; then problems, notes, and one closing line.
 */
import { counted } from '../counted.js';
import type { RegressRow, ScenarioVerdict } from '../experiments/regress.js';
import { UPDATE_ADVICE, failed } from '../experiments/regress.js';
import { difference, textTable, type Table } from '../report/tables.js';

/**
 * The report of a regress run. With `update`, differences are being accepted into the baseline,
 * so they are reported as changes rather than failures.
 */
export function regressText(verdicts: readonly ScenarioVerdict[], all: boolean, update = false): string {
  const parts: string[] = [];
  for (const verdict of verdicts) {
    const moved = verdict.rows.filter((row) => row.verdict !== 'same' && row.verdict !== 'no data');
    const rows = all ? verdict.rows : moved;
    const status = !failed(verdict) ? 'ok' : update ? 'new' : 'FAIL';
    parts.push(`${status}  ${verdict.scenario}: ${verdict.rows.length} checks, ${moved.length} moved`);
    if (rows.length > 0) parts.push(indent(textTable(diffTable(rows))));
    // With --update the advice to run --update is what is happening: say so instead.
    for (const problem of verdict.problems) parts.push(update ? `    new: ${problem.replace(UPDATE_ADVICE, 'accepting it')}` : `    problem: ${problem}`);
    for (const note of verdict.notes) parts.push(`    note: ${note}`);
  }
  const failures = verdicts.filter(failed);
  const regressed = verdicts.flatMap((v) => v.rows).filter((row) => row.verdict === 'regressed').length;
  if (failures.length === 0) parts.push(`regress: ${counted(verdicts.length, 'scenario')} within tolerance`);
  else if (update) {
    // A scenario the baseline lacks has no old figures to differ from: it is new to the file.
    const one = failures.length === 1;
    parts.push(`regress: ${failures.length} of ${counted(verdicts.length, 'scenario')} ${one ? 'differs from the baseline or is' : 'differ from the baseline or are'} new to it; accepting ${one ? 'it' : 'them'}`);
  }
  else {
    const problems = verdicts.reduce((sum, v) => sum + v.problems.length, 0);
    const what = [`${counted(regressed, 'metric')} regressed`, ...(problems === 0 ? [] : [counted(problems, 'problem')])];
    parts.push(`regress: FAILED: ${failures.length} of ${verdicts.length} scenarios (${what.join(', ')})`);
  }
  return parts.join('\n') + '\n';
}

function diffTable(rows: readonly RegressRow[]): Table {
  const fixed = (value: number | null, digits: number): string => (value === null ? '-' : value.toFixed(digits));
  return {
    header: ['strategy', 'metric', 'better', 'baseline', 'now', 'change (95%)', 'tolerance', 'verdict'],
    rows: rows.map((row) => [
      row.strategy, row.title, row.better, fixed(row.baseline, row.digits), fixed(row.current, row.digits),
      difference(row.change, row.digits), `${row.limit.toFixed(row.digits)}`, row.verdict === 'regressed' ? 'REGRESSED' : row.verdict,
    ]),
    align: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
  };
}

function indent(text: string): string {
  return text.replace(/\n$/, '').split('\n').map((line) => `    ${line}`).join('\n');
}
