/**
 * Bad regression baselines never crash and are never misread, as a property. A real baseline is
 * made once, as `fleetsim regress --update` makes it: two library scenarios (first-look, with a
 * class metric named in its regress tolerances, and team-targets), short runs of 2 replications,
 * every strategy. It is then edited one to three times, at the document level (a key deleted or
 * a list element dropped, a value replaced by one of another type or at a type's edges, an
 * unknown key, a list element duplicated, two sibling values swapped) or at the text level (cut
 * short, a byte-order mark, emptied, a stray fragment, megabytes of blanks).
 *
 * The file is read by `readBaseline`, the reader of `fleetsim regress --baseline`. Either it
 * loads, and then the re-runs (the same runs: the simulator is deterministic) are judged against
 * it and the report printed, every figure of it a number or no data (never NaN), no strategy of a
 * scenario judged against two entries, every series one of a metric a run can have (a ranked
 * metric or a class's namesake of one: no other is ever read, so it would be ignored); or it is refused with an InputError of one line that
 * starts with the file's name and names a field that is in the edited document (or whose parent
 * is, for a field that is missing), or nothing for a file that is not JSON or not an object.
 *
 * 3,000 cases take about 6 s on two cores (the runs, made once, about 2 s).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regressText } from '../../src/cli/regressOutput.js';
import { baselineEntry, baselineJson, readBaseline, updatedBaseline } from '../../src/experiments/baselineFile.js';
import { compareDocument, executeCells } from '../../src/experiments/experiment.js';
import { classChecksOf, judgeScenario } from '../../src/experiments/regress.js';
import { METRIC_TABLE } from '../../src/metrics/directions.js';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { isInputError, type InputError } from '../../src/scenario/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';
import { fieldProblem, isContainer, mutate, mutateText, mutationArb, refusalProblem, textMutationArb, type Mutation, type TextMutation } from '../support/documentMutations.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-baseline-files-'));
const FILE = join(dir, 'baseline.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The library scenarios of the baseline, made short: 2 replications, a few minutes or a thousand tasks. */
const SCENARIOS: readonly { file: string; text: string }[] = [
  {
    file: 'scenarios/first-look.yaml',
    text: `${readFileSync('scenarios/first-look.yaml', 'utf8').replace(/^replications: \d+$/m, 'replications: 2').replace(/^stop: .*$/m, 'stop: { time: 900 }')}\nregress: { tolerances: { byType.code.latency.p95: 0.1 } }\n`,
  },
  {
    file: 'scenarios/team-targets.yaml',
    text: readFileSync('scenarios/team-targets.yaml', 'utf8').replace(/^replications: \d+$/m, 'replications: 2').replace(/^stop: .*$/m, 'stop: { tasks: 1000 }'),
  },
];

const RUN_KEYS = ['format', 'version', 'scenarios', 'scenario', 'source', 'seed', 'replications', 'strategies', 'strategy', 'params', 'metrics', 'latency.p95', 'gini.tasks', 'throughput'];
const baselineEdit = mutationArb({ unknownKeys: ['extra', 'note', 'replication', 'latency.p59', 'strategy '], knownFields: RUN_KEYS });

/** The ranked metrics, as docs/EXPERIMENTS.md lists them. */
const RANKED: readonly string[] = METRIC_TABLE.map((info) => info.path);
/** A class's namesake of the ranked metric `leaf`: `byType.<type>.latency.p95`. */
const CLASS_PATH = (leaf: string): RegExp => new RegExp(`^by(Type|Priority|Tenant)\\..+\\.${leaf.replaceAll('.', '\\.')}$`);

let runs: { scenario: Scenario; document: ExperimentDocument }[];
let valid: unknown;

beforeAll(async () => {
  const scenarios = SCENARIOS.map(({ file, text }) => parseScenario(text, file));
  const executed = await executeCells(scenarios.map((scenario, index) => ({ index, params: {}, scenario })), { workers: 1 });
  runs = executed.map((cell, i) => ({ scenario: scenarios[i]!, document: compareDocument(cell, { shard: null, wallSeconds: 1, workers: 1 }) }));
  const entries = runs.map(({ scenario, document }, i) => baselineEntry(document, SCENARIOS[i]!.file, classChecksOf(scenario.regress)));
  valid = JSON.parse(baselineJson(updatedBaseline(undefined, entries)));
}, 120_000);

/**
 * What is wrong with how `text` (the file's content, from `document` when the edits were made to
 * the document) was read and judged, or undefined when all is well.
 */
function problemWith(text: string, document: unknown): string | undefined {
  writeFileSync(FILE, text);
  let baseline: ReturnType<typeof readBaseline>;
  try {
    baseline = readBaseline(FILE);
  } catch (error) {
    const whole = isInputError(error) && (error.expected.startsWith('invalid JSON: ') || !isContainer(document) || Array.isArray(document));
    return refusalProblem(error, FILE) ?? fieldProblem(error as InputError, document, whole);
  }
  let verdicts: ReturnType<typeof judgeScenario>[];
  try {
    verdicts = runs.map(({ scenario, document: current }) => judgeScenario(current, baseline.scenarios.find((entry) => entry.scenario === scenario.name), scenario.regress));
    regressText(verdicts, true);
  } catch (error) {
    return `loaded, but judging the runs against it threw ${String(error)}`;
  }
  for (const entry of baseline.scenarios) {
    const labels = entry.strategies.map((strategy) => strategy.strategy);
    const twice = labels.find((label, i) => labels.indexOf(label) !== i);
    if (twice !== undefined) return `loaded with strategy ${twice} of ${entry.scenario} twice: a re-run is judged against the first entry only`;
  }
  for (const strategy of baseline.scenarios.flatMap((entry) => entry.strategies)) {
    const unknown = Object.keys(strategy.metrics).find((metric) => !RANKED.includes(metric) && !RANKED.some((leaf) => CLASS_PATH(leaf).test(metric)));
    if (unknown !== undefined) return `loaded with a series of "${unknown}" for ${strategy.strategy}, a metric no run has, which no check reads`;
  }
  for (const row of verdicts.flatMap((verdict) => verdict.rows)) {
    const figures = [row.baseline, row.current, row.limit, row.change.mean, row.change.halfWidth];
    if (figures.some((figure) => figure !== null && !Number.isFinite(figure))) return `${row.strategy} ${row.metric}: judged with figures ${JSON.stringify(figures)}`;
  }
  return undefined;
}

describe('mutated regress baselines', () => {
  it('the baseline made by the runs loads, and the same runs pass against it', () => {
    expect(problemWith(JSON.stringify(valid), valid)).toBeUndefined();
    const baseline = readBaseline(FILE);
    const verdicts = runs.map(({ scenario, document }) => judgeScenario(document, baseline.scenarios.find((entry) => entry.scenario === scenario.name), scenario.regress));
    expect(verdicts.map((verdict) => [verdict.problems, verdict.rows.every((row) => row.verdict === 'same' || row.verdict === 'no data')])).toEqual([[[], true], [[], true]]);
    expect(verdicts[0]!.rows.some((row) => row.metric === 'byType.code.latency.p95')).toBe(true);
  });

  it('are judged, or refused with one line naming the file and a field of the document', () => {
    const edits = fc.oneof(
      { weight: 4, arbitrary: fc.record({ level: fc.constant('document' as const), edits: fc.array(baselineEdit, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ level: fc.constant('text' as const), edits: fc.array(textMutationArb(8), { minLength: 1, maxLength: 2 }) }) },
    );
    fc.assert(fc.property(edits, ({ level, edits: drawn }) => {
      const document = structuredClone(valid);
      if (level === 'document') {
        const done = (drawn as Mutation[]).map((edit) => mutate(document, edit));
        expect(problemWith(JSON.stringify(document, null, 1), document), done.join('; ')).toBeUndefined();
        return;
      }
      let text = baselineJson(document as Parameters<typeof baselineJson>[0]);
      const done = (drawn as TextMutation[]).map((edit) => {
        const result = mutateText(text, edit);
        text = result.text;
        return result.edit;
      });
      expect(problemWith(text, undefined), done.join('; ')).toBeUndefined();
    }), { seed: 28, numRuns: 3000 });
  }, 120_000);
});
