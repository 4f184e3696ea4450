/**
 * Reading a `summary.json` document back (for `fleetsim merge`): the file, the JSON and the
 * document's outline are checked, and every mistake is an {@link InputError} naming the file
 * and the field. The metric trees inside are checked where they are used (summarising a cell
 * again), not here.
 */
import { parseJsonText, readBoundedText, type BoundedFileKind } from '../boundedFile.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../scenario/errors.js';
import { TARGET_METRICS } from '../metrics/targetMetrics.js';
import { parseWith } from '../scenario/zodIssues.js';
import { DOCUMENT_VERSION, type ExperimentDocument } from './types.js';

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const metricsTree = z.record(z.string(), z.unknown());

const strategyOutline = z.looseObject({
  strategy: z.string().min(1),
  name: z.string().min(1),
  params: z.unknown(),
  metrics: metricsTree,
  ci95: metricsTree,
  perReplication: z.array(metricsTree).min(1),
});

const bound = z.number().nullable();

const targetMetric = z.enum(TARGET_METRICS as [string, ...string[]]);

/** A judged check, as the reports print it. */
const targetOutcomeOutline = z.looseObject({
  metric: targetMetric, min: bound, max: bound, mean: bound, halfWidth: bound, low: bound, high: bound, pass: z.boolean(),
});

/** A cell's targets: the checks (merging judges them again) and the judgements (reports show them). */
const targetsOutline = z.looseObject({
  strategies: z.array(z.string().min(1)),
  checks: z.array(z.strictObject({ metric: targetMetric, min: bound, max: bound })),
  results: z.array(z.looseObject({ strategy: z.string(), targeted: z.boolean(), pass: z.boolean(), checks: z.array(targetOutcomeOutline) })),
});

const cellOutline = z.looseObject({
  index: z.int().min(0),
  params: z.record(z.string(), paramValue),
  baseline: z.string().min(1),
  strategies: z.array(strategyOutline).min(1),
  targets: targetsOutline.optional(),
});

const timingOutline = z.looseObject({
  parts: z.array(z.looseObject({ shard: z.string().nullable(), wallSeconds: z.number().min(0), workers: z.int().min(1) })),
  strategies: z.array(z.looseObject({ cell: z.int().min(0), strategy: z.string() })),
});

/** The outline of a document: what merging relies on. */
const documentOutline = z.looseObject({
  format: z.literal('fleetsim-experiment'),
  version: z.literal(DOCUMENT_VERSION),
  kind: z.enum(['compare', 'sweep']),
  shard: z.strictObject({ index: z.int().min(1), count: z.int().min(1) }).optional(),
  scenario: z.string().min(1),
  seed: z.int().min(0),
  replications: z.int().min(1),
  baseline: z.string().min(1),
  grid: z.array(z.strictObject({ path: z.string().min(1), values: z.array(paramValue).min(1) })),
  cells: z.array(cellOutline),
  timing: timingOutline,
});

/**
 * Largest results document read, in bytes (128 MiB). The compare document of the library's
 * largest scenario (lead-and-specialists, 4 strategies) at the most replications a scenario may
 * ask for (1000) is 67 MB and parses in 0.4 s and 170 MB. JSON at the limit built to cost the
 * most (one array of 67 million zeros) takes 2 s and 1.9 GB, twice that at 256 MiB: close
 * to V8's default heap, past which the process dies rather than throws.
 */
export const MAX_DOCUMENT_BYTES = 128 * (1 << 20);

/** Results documents, as {@link readBoundedText} reads them. */
const RESULTS_DOCUMENT: BoundedFileKind = {
  name: 'results document',
  maxBytes: MAX_DOCUMENT_BYTES,
  tooBigAdvice: 'run the sweep in shards (--shard) with fewer replications or cells each, and report each shard apart',
  syntax: 'JSON',
};

/**
 * Reads the document at `path`: a `summary.json` file, or a report directory holding one.
 * @throws InputError when it cannot be read, is not JSON or is not a fleetsim document
 */
export function readDocument(path: string): { file: string; document: ExperimentDocument } {
  const file = isDirectory(path) ? join(path, 'summary.json') : path;
  const text = readBoundedText(file, RESULTS_DOCUMENT);
  const raw = parseJsonText(text, file);
  if (raw === null || typeof raw !== 'object' || (raw as { format?: unknown }).format !== 'fleetsim-experiment') {
    throw new InputError(file, 'format', 'not a fleetsim experiment document (expected the summary.json of fleetsim compare or sweep)');
  }
  parseWith(documentOutline, raw, file);
  // The outline is checked; the metric trees are checked when cells are summarised again.
  return { file, document: raw as ExperimentDocument };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
