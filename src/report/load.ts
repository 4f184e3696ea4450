/**
 * Reading a `summary.json` back for `fleetsim report`. The document's outline is checked by the
 * experiments' reader; here, in addition, everything the charts read: each charted metric of
 * each strategy (a number or null, in `metrics` and `ci95`), the per-agent table, and the
 * `series`, so that a damaged file is a one-line input error rather than a crash.
 */
import { z } from 'zod';
import { readDocument } from '../experiments/documentFile.js';
import { InputError, formatPath } from '../scenario/errors.js';
import { BREAKDOWN_KEY } from '../metrics/classes.js';
import { describeValue, parseWith } from '../scenario/zodIssues.js';
import { MAX_MEASURED, unmeasurable } from '../metrics/ranges.js';
import { CLASS_CHART_METRIC, type ReportDocument } from './charts.js';

/** Seconds, depths and latencies: what a run can measure. */
const numbers = z.array(z.number().min(0).max(MAX_MEASURED));

/** Lists drawn point by point against one another must be equally long: a point lost would shift every later one. */
function sameLengths<Lists extends Record<string, unknown>>(lists: readonly (keyof Lists & string)[]) {
  return (value: Lists, context: z.core.$RefinementCtx<Lists>): void => {
    const lengthOf = (key: string): number => (value[key] as unknown[]).length;
    const first = lists[0]!;
    for (const key of lists.slice(1)) {
      if (lengthOf(key) !== lengthOf(first)) context.addIssue({ code: 'custom', path: [key], message: `expected ${lengthOf(first)} values (one per ${first}), got ${lengthOf(key)}` });
    }
  };
}

const seriesEntry = z.looseObject({
  cell: z.int().min(0),
  strategy: z.string().min(1),
  replication: z.int().min(0),
  replications: z.int().min(1).optional(),
  queueDepth: z.looseObject({ bucketSeconds: z.number().positive().max(MAX_MEASURED), time: numbers, mean: numbers, max: numbers }).superRefine(sameLengths(['time', 'mean', 'max'])),
  latencyCdf: z.looseObject({ count: z.int().min(0), share: z.array(z.number().min(0).max(1)), latency: numbers }).superRefine(sameLengths(['share', 'latency'])),
});

const agentEntry = z.looseObject({ id: z.string(), completed: z.number(), tokens: z.number() });

/** A mean of differences (either sign), and what bounds it. */
const difference = z.number().min(-MAX_MEASURED).max(MAX_MEASURED).nullable();
const halfWidth = z.number().min(0).max(MAX_MEASURED).nullable();
const pairedOutline = z.looseObject({ mean: difference, halfWidth, significant: z.boolean(), n: z.int().min(0) });

/** The document's direction table: which metrics the page and charts show, titled, in which direction, with how many digits. */
const metricTable = z.array(z.looseObject({
  path: z.string().min(1), title: z.string(), better: z.enum(['lower', 'higher']), leaderboard: z.boolean(), digits: z.int().min(0).max(20),
}));

/** A cell's leaderboards, whose leaders the page marks. */
const leaderboards = z.array(z.looseObject({
  metric: z.string(),
  entries: z.array(z.looseObject({ strategy: z.string(), mean: difference, halfWidth, vsLeader: pairedOutline })),
}));

/**
 * Reads the document at `path` (a `summary.json`, or a directory holding one).
 * @throws InputError when it cannot be read, is not a fleetsim document, or lacks what the
 * report draws
 */
export function readReportDocument(path: string): { file: string; document: ReportDocument } {
  const { file, document } = readDocument(path);
  parseWith(metricTable, document.metrics, file, ['metrics']);
  const headline = document.metrics.filter((info) => info.leaderboard);
  document.cells.forEach((cell, c) => parseWith(leaderboards, cell.leaderboards, file, ['cells', c, 'leaderboards']));
  document.cells.forEach((cell, c) => cell.strategies.forEach((outcome, s) => {
    const at = `cells[${c}].strategies[${s}]`;
    // The paired differences of each headline metric, in the table and charts of every strategy but the baseline.
    parseWith(z.record(z.string(), z.unknown()), outcome.paired, file, ['cells', c, 'strategies', s, 'paired']);
    if (outcome.strategy !== cell.baseline) for (const info of headline) parseWith(pairedOutline, outcome.paired[info.path], file, ['cells', c, 'strategies', s, 'paired', info.path]);
    for (const info of document.metrics) {
      checkLeaf(outcome.metrics, info.path, file, `${at}.metrics`, 'mean');
      checkLeaf(outcome.ci95, info.path, file, `${at}.ci95`, 'halfWidth');
    }
    parseWith(z.array(agentEntry), (outcome.metrics as { perAgent?: unknown }).perAgent, file, ['cells', c, 'strategies', s, 'metrics', 'perAgent']);
    for (const tree of ['metrics', 'ci95'] as const) {
      for (const key of Object.values(BREAKDOWN_KEY)) {
        // Documents written before classes were measured have no tables; a class a table lacks has no data.
        const table = (outcome[tree] as unknown as Record<string, unknown>)[key];
        if (table === undefined) continue;
        const tableAt = formatPath(['cells', c, 'strategies', s, tree, key]);
        if (table === null || typeof table !== 'object' || Array.isArray(table)) throw new InputError(file, tableAt, `expected an object of classes, got ${describeValue(table)}`);
        for (const [name, figures] of Object.entries(table)) {
          checkLeaf(figures, CLASS_CHART_METRIC, file, formatPath(['cells', c, 'strategies', s, tree, key, name]), tree === 'metrics' ? 'mean' : 'halfWidth');
        }
      }
    }
  }));
  const series = (document as { series?: unknown }).series;
  if (series !== undefined) parseWith(z.array(seriesEntry), series, file, ['series']);
  return { file, document: document as ReportDocument };
}

/**
 * Checks the charted figure at dotted `path` of `tree` (at `at` in the file): a value a run can
 * measure for a mean (`unmeasurable`), null or a non-negative number for a half-width. A group
 * on the way that is not an object is named itself, not the figure below it.
 */
function checkLeaf(tree: unknown, path: string, file: string, at: string, kind: 'mean' | 'halfWidth'): void {
  const keys = path.split('.');
  let node = tree;
  for (const [depth, key] of keys.entries()) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new InputError(file, [at, ...keys.slice(0, depth)].join('.'), `expected an object holding ${keys.slice(depth).join('.')}, got ${describeValue(node)}`);
    }
    node = (node as Record<string, unknown>)[key];
  }
  const problem = kind === 'mean' ? unmeasurable(path, node)
    : node === null || (typeof node === 'number' && node >= 0 && node <= MAX_MEASURED) ? undefined : `expected null or a number in [0, ${MAX_MEASURED}], got ${describeValue(node)}`;
  if (problem !== undefined) throw new InputError(file, `${at}.${path}`, problem);
}
