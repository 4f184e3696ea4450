/**
 * Reading a `summary.json` back for `fleetsim report`. The document's outline is checked by the
 * experiments' reader; here, in addition, everything the charts read: each charted metric of
 * each strategy (a number or null, in `metrics` and `ci95`), the per-agent table, and the
 * `series`, so that a damaged file is a one-line input error rather than a crash.
 */
import { z } from 'zod';
import { readDocument } from '../experiments/documentFile.js';
import { InputError } from '../scenario/errors.js';
import { parseWith } from '../scenario/zodIssues.js';
import type { ReportDocument } from './charts.js';

const numbers = z.array(z.number());

const seriesEntry = z.looseObject({
  cell: z.int().min(0),
  strategy: z.string().min(1),
  replication: z.int().min(0),
  replications: z.int().min(1).optional(),
  queueDepth: z.looseObject({ bucketSeconds: z.number().positive(), time: numbers, mean: numbers, max: numbers }),
  latencyCdf: z.looseObject({ count: z.int().min(0), share: numbers, latency: numbers }),
});

const agentEntry = z.looseObject({ id: z.string(), completed: z.number(), tokens: z.number() });

/**
 * Reads the document at `path` (a `summary.json`, or a directory holding one).
 * @throws InputError when it cannot be read, is not a fleetsim document, or lacks what the
 * report draws
 */
export function readReportDocument(path: string): { file: string; document: ReportDocument } {
  const { file, document } = readDocument(path);
  document.cells.forEach((cell, c) => cell.strategies.forEach((outcome, s) => {
    const at = `cells[${c}].strategies[${s}]`;
    for (const info of document.metrics) {
      checkLeaf(outcome.metrics, info.path, file, `${at}.metrics`);
      checkLeaf(outcome.ci95, info.path, file, `${at}.ci95`);
    }
    parseWith(z.array(agentEntry), (outcome.metrics as { perAgent?: unknown }).perAgent, file, ['cells', c, 'strategies', s, 'metrics', 'perAgent']);
  }));
  const series = (document as { series?: unknown }).series;
  if (series !== undefined) parseWith(z.array(seriesEntry), series, file, ['series']);
  return { file, document: document as ReportDocument };
}

function checkLeaf(tree: unknown, path: string, file: string, at: string): void {
  let node = tree;
  for (const key of path.split('.')) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  if (node !== null && typeof node !== 'number') throw new InputError(file, `${at}.${path}`, `expected a number or null, got ${node === undefined ? 'nothing' : JSON.stringify(node)}`);
}
