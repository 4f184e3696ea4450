/**
 * Bad shard documents never crash `fleetsim merge` and are never misread, as a property. Real
 * shards are made once: sweeps of two library scenarios (first-look; team-targets, which has
 * targets), two cells each, 2 replications, run as shards 1/2 and 2/2. One shard's
 * `summary.json` is then edited one to three times, at the document level (a key deleted or a
 * list element dropped, a value replaced by one of another type or at a type's edges, an unknown
 * key, a list element duplicated, two sibling values swapped; half the cases only in the
 * document's outline, outside the metric trees, which are most of its values) or at the text
 * level (cut short, a byte-order mark, emptied, a stray fragment, megabytes of blanks).
 *
 * Both shards are read by `readDocument` and joined by `mergeShards`, as `fleetsim merge` does.
 * Either the merge succeeds, and then its document is written as the report directory's files
 * (`summary.json`, the CSV files, `summary.md`) and printed as the command prints it, with every
 * number finite and every replication holding every metric and class table a real run has; or
 * it is refused with an InputError of one line that names a shard's file and a field that is in
 * that file's document (or whose parent is), or nothing for a file that is not JSON, or the
 * command line (`merge`) for shards that do not add up to the sweep.
 *
 * Unknown keys are accepted, as the reader documents (it checks the outline merging relies on);
 * the HTML report a merge also draws is the subject of test/report/load.property.test.ts.
 * 500 cases take about 24 s on two cores (the runs, made once, about 3 s).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentText } from '../../src/cli/experimentOutput.js';
import { readDocument } from '../../src/experiments/documentFile.js';
import { mergeShards } from '../../src/experiments/merge.js';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { leafPaths } from '../../src/metrics/summary.js';
import { BREAKDOWN_KEY } from '../../src/metrics/classes.js';
import { documentJson, writeReportDir } from '../../src/report/reportDir.js';
import { isInputError } from '../../src/scenario/errors.js';
import { fieldProblem, mutate, mutateText, mutationArb, pathsOf, refusalProblem, textMutationArb, type Mutation, type Segment, type TextMutation } from '../support/documentMutations.js';
import { sweepShards } from '../support/resultDocuments.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-shard-files-'));
const SHARD_FILES = [join(dir, 'shard-1.json'), join(dir, 'shard-2.json')];
const OUT = join(dir, 'merged');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Field names of the document, set anywhere with a replacement value. */
const DOCUMENT_FIELDS = [
  'format', 'version', 'kind', 'shard', 'index', 'count', 'scenario', 'seed', 'replications', 'baseline', 'grid', 'path', 'values', 'cells', 'params',
  'strategies', 'strategy', 'name', 'metrics', 'ci95', 'perReplication', 'targets', 'checks', 'results', 'metric', 'min', 'max', 'pass', 'timing', 'parts',
  'wallSeconds', 'workers', 'perAgent', 'id', 'completed', 'tokens', 'latency', 'p95', 'throughput', 'byType',
];
const documentEdit = mutationArb({ unknownKeys: ['extra', 'note', 'replication', 'strategie', 'p59'], knownFields: DOCUMENT_FIELDS });
/** The parts of a document that are metric trees, summaries of them, or derived from them. */
const METRIC_PARTS: ReadonlySet<Segment> = new Set(['metrics', 'ci95', 'ci95Low', 'ci95High', 'perReplication', 'paired', 'leaderboards', 'series']);
const inOutline = (path: readonly Segment[]): boolean => !path.some((segment) => METRIC_PARTS.has(segment));
const CLASS_TABLES = Object.values(BREAKDOWN_KEY);

let sweeps: ExperimentDocument[][];
/** The pooled metric paths of a real run: every replication of a merged document must have them all. */
let runLeaves: string;

beforeAll(async () => {
  sweeps = await sweepShards();
  runLeaves = JSON.stringify(leafPaths(sweeps[0]![0]!.cells[0]!.strategies[0]!.perReplication[0]!));
}, 120_000);

/** The first non-finite number in `value` (a NaN written as null would pass for no data), as its path. */
function nonFinite(value: unknown): string | undefined {
  for (const path of pathsOf(value)) {
    let node: unknown = value;
    for (const segment of path) node = (node as Record<Segment, unknown>)[segment];
    if (typeof node === 'number' && !Number.isFinite(node)) return path.join('.');
  }
  return undefined;
}

/**
 * What is wrong with how the shards were merged, or undefined when all is well. `texts` are the
 * two files' contents; `documents` what they were written from, when the edits were made to the
 * document (unknown after a text edit).
 */
function problemWith(texts: readonly string[], documents: readonly (unknown | undefined)[]): string | undefined {
  texts.forEach((text, i) => writeFileSync(SHARD_FILES[i]!, text));
  let merged: ExperimentDocument;
  try {
    merged = mergeShards(SHARD_FILES.map(readDocument));
  } catch (error) {
    if (!isInputError(error)) return `the merge threw ${String(error)}`;
    // Shards that do not add up to the sweep are the command line's mistake (`merge`), no one file's.
    if (error.file === 'command line') return refusalProblem(error, error.file) ?? (error.path === 'merge' ? undefined : `names the command line's ${error.path}: ${error.message}`);
    const named = SHARD_FILES.indexOf(error.file);
    if (named < 0) return `message names no shard file: ${error.message}`;
    return refusalProblem(error, error.file) ?? fieldProblem(error, documents[named], error.expected.startsWith('invalid JSON: '));
  }
  try {
    writeReportDir(OUT, merged, documentJson(merged));
    experimentText(merged, OUT);
  } catch (error) {
    return `merged, but writing or printing it threw ${String(error)}`;
  }
  const bad = nonFinite(merged);
  if (bad !== undefined) return `merged with a non-finite number at ${bad}`;
  for (const [c, cell] of merged.cells.entries()) {
    for (const outcome of cell.strategies) {
      for (const [r, run] of outcome.perReplication.entries()) {
        if (JSON.stringify(leafPaths(run)) !== runLeaves) return `merged cells[${c}] ${outcome.strategy} replication ${r} without the metrics of a run: ${leafPaths(run).join(',')}`;
        const tables = CLASS_TABLES.filter((key) => run[key] !== undefined);
        if (tables.length !== CLASS_TABLES.length) return `merged cells[${c}] ${outcome.strategy} replication ${r} with class tables ${tables.join(', ')} only: the others' classes counted as empty`;
      }
    }
  }
  return undefined;
}

describe('mutated shard documents', () => {
  it('the shards of each sweep merge unmutated (the files the mutations start from)', () => {
    for (const shards of sweeps) expect(problemWith(shards.map((shard) => documentJson(shard)), shards)).toBeUndefined();
  });

  it('merge, or are refused with one line naming the file and a field of its document', () => {
    const edits = fc.oneof(
      { weight: 4, arbitrary: fc.record({ level: fc.constant('document' as const), outline: fc.boolean(), edits: fc.array(documentEdit, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ level: fc.constant('text' as const), outline: fc.constant(false), edits: fc.array(textMutationArb(4), { minLength: 1, maxLength: 2 }) }) },
    );
    fc.assert(fc.property(fc.nat({ max: 1 }), fc.nat({ max: 1 }), edits, (sweep, shard, { level, outline, edits: drawn }) => {
      const documents: unknown[] = sweeps[sweep]!.map((document) => JSON.parse(documentJson(document)));
      const texts = documents.map((document) => JSON.stringify(document, null, 2));
      let done: string[];
      if (level === 'document') {
        done = (drawn as Mutation[]).map((edit) => mutate(documents[shard], edit, outline ? inOutline : undefined));
        texts[shard] = JSON.stringify(documents[shard], null, 2);
      } else {
        done = (drawn as TextMutation[]).map((edit) => {
          const result = mutateText(texts[shard]!, edit);
          texts[shard] = result.text;
          return result.edit;
        });
        documents[shard] = undefined;
      }
      expect(problemWith(texts, documents), `sweep ${sweep}, shard ${shard + 1}: ${done.join('; ')}`).toBeUndefined();
    }), { seed: 28, numRuns: 500 });
  }, 120_000);
});
