/**
 * Bad result documents never crash `fleetsim report` and are never drawn as garbage, as a
 * property. Real documents are made once, a compare (with its series) and a sweep of two cells
 * of each of first-look and team-targets (which has targets), 2 replications; then one is edited
 * one to three times, at the document level (a key deleted or a list element dropped, a value
 * replaced by one of another type or at a type's edges, an unknown key, a list element
 * duplicated, two sibling values swapped; half the cases only in the document's outline, outside
 * the metric trees, which are most of its values) or at the text level (cut short, a byte-order
 * mark, emptied, a stray fragment, megabytes of blanks).
 *
 * The file is read by `readReportDocument` and its HTML report written by `writeHtmlReport`, as
 * `fleetsim report` does. Either the report is written, and then neither its page nor any chart
 * shows NaN, undefined, Infinity or [object Object] (a damaged figure drawn as if it were data)
 * unless the file holds that text itself (a strategy labelled "NaN");
 * or it is refused with an InputError of one line that starts with the file's name and names a
 * field that is in the edited document (or whose parent is), or nothing for a file that is not
 * JSON.
 *
 * Unknown keys are accepted, as the reader documents. Drawing a report's charts takes most of the
 * time: 250 cases take about 25 s on two cores (800 cases of another seed pass too, in 61 s).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { writeHtmlReport } from '../../src/report/htmlReport.js';
import { readReportDocument } from '../../src/report/load.js';
import { documentJson } from '../../src/report/reportDir.js';
import { isInputError, type InputError } from '../../src/scenario/errors.js';
import { fieldProblem, mutate, mutateText, mutationArb, refusalProblem, textMutationArb, type Mutation, type Segment, type TextMutation } from '../support/documentMutations.js';
import { compareDocuments, sweepDocuments } from '../support/resultDocuments.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-report-files-'));
const FILE = join(dir, 'summary.json');
const OUT = join(dir, 'report');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOCUMENT_FIELDS = [
  'format', 'version', 'kind', 'scenario', 'seed', 'replications', 'baseline', 'metrics', 'path', 'title', 'better', 'leaderboard', 'digits', 'grid', 'cells',
  'index', 'params', 'strategies', 'strategy', 'name', 'ci95', 'ci95Low', 'ci95High', 'perReplication', 'paired', 'mean', 'halfWidth', 'significant',
  'leaderboards', 'entries', 'rank', 'targets', 'checks', 'results', 'targeted', 'pass', 'low', 'high', 'timing', 'series', 'queueDepth', 'latencyCdf',
  'share', 'latency', 'p95', 'perAgent', 'id', 'completed', 'tokens', 'byType',
];
const documentEdit = mutationArb({ unknownKeys: ['extra', 'note', 'replication', 'strategie', 'p59'], knownFields: DOCUMENT_FIELDS });
const METRIC_PARTS: ReadonlySet<Segment> = new Set(['metrics', 'ci95', 'ci95Low', 'ci95High', 'perReplication', 'paired', 'leaderboards', 'series']);
const inOutline = (path: readonly Segment[]): boolean => !path.some((segment) => METRIC_PARTS.has(segment));
/** Text a report shows only when it draws something that is not a figure. */
const GARBAGE = /\bNaN\b|\bundefined\b|\bInfinity\b|\[object Object\]/;

let documents: ExperimentDocument[];

beforeAll(async () => {
  documents = [...await compareDocuments(), ...await sweepDocuments()];
}, 120_000);

/** What is wrong with how `text` (from `document`, when the edits were made to the document) was reported, or undefined when all is well. */
async function problemWith(text: string, document: unknown): Promise<string | undefined> {
  writeFileSync(FILE, text);
  rmSync(OUT, { recursive: true, force: true });
  let read: ReturnType<typeof readReportDocument>;
  try {
    read = readReportDocument(FILE);
  } catch (error) {
    return refusalProblem(error, FILE) ?? fieldProblem(error as InputError, document, isInputError(error) && error.expected.startsWith('invalid JSON: '));
  }
  try {
    await writeHtmlReport(read.document, OUT);
  } catch (error) {
    return `read, but drawing its report threw ${String(error)}`;
  }
  for (const name of readdirSync(OUT)) {
    // A label the file itself holds ("NaN" as a strategy's name) is shown as written.
    const shown = GARBAGE.exec(readFileSync(join(OUT, name), 'utf8'));
    if (shown !== null && !text.includes(shown[0])) return `the report's ${name} shows ${shown[0]}`;
  }
  return undefined;
}

describe('mutated result documents', () => {
  it('each real document is reported unmutated (the files the mutations start from)', async () => {
    for (const document of documents) expect(await problemWith(documentJson(document), document)).toBeUndefined();
  }, 60_000);

  it('are reported, or refused with one line naming the file and a field of the document', async () => {
    const edits = fc.oneof(
      { weight: 4, arbitrary: fc.record({ level: fc.constant('document' as const), outline: fc.boolean(), edits: fc.array(documentEdit, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ level: fc.constant('text' as const), outline: fc.constant(false), edits: fc.array(textMutationArb(4), { minLength: 1, maxLength: 2 }) }) },
    );
    await fc.assert(fc.asyncProperty(fc.nat({ max: 3 }), edits, async (which, { level, outline, edits: drawn }) => {
      const document: unknown = JSON.parse(documentJson(documents[which]!));
      if (level === 'document') {
        const done = (drawn as Mutation[]).map((edit) => mutate(document, edit, outline ? inOutline : undefined));
        expect(await problemWith(JSON.stringify(document, null, 2), document), `document ${which}: ${done.join('; ')}`).toBeUndefined();
        return;
      }
      let text = documentJson(documents[which]!);
      const done = (drawn as TextMutation[]).map((edit) => {
        const result = mutateText(text, edit);
        text = result.text;
        return result.edit;
      });
      expect(await problemWith(text, undefined), `document ${which}: ${done.join('; ')}`).toBeUndefined();
    }), { seed: 28, numRuns: 250 });
  }, 180_000);
});
