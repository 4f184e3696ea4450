/**
 * Assembles a `summary.json` document from summarised cells. The one place a document is built,
 * used by `compare`, `sweep` and `merge` alike, so that a merged sweep is byte-identical to an
 * unsharded one (apart from `timing`).
 */
import { METRIC_TABLE, leaderboardMetrics } from '../metrics/directions.js';
import { leaderboards } from './leaderboard.js';
import { replicationWarnings } from './warnings.js';
import {
  DOCUMENT_VERSION,
  type CellResult, type ExperimentDocument, type ExperimentDocumentBase, type ShardInfo,
} from './types.js';

/** Everything a document holds apart from its header and what is derived (leaderboards, metric table). */
export interface DocumentParts extends Omit<ExperimentDocumentBase, 'format' | 'version' | 'metrics' | 'leaderboards' | 'warnings'> {
  /** Which command made the document. */
  readonly kind: ExperimentDocument['kind'];
  /** The cells held, in any order: they are sorted by index. */
  readonly cells: readonly CellResult[];
  /** Only for the document of one shard of a sweep. */
  readonly shard?: ShardInfo;
}

/**
 * The document, with cells in index order and the leaderboards across them.
 * @throws Error when two cells share an index, or when a compare has other than one cell
 */
export function buildDocument(parts: DocumentParts): ExperimentDocument {
  const cells = [...parts.cells].sort((a, b) => a.index - b.index);
  cells.forEach((cell, i) => {
    if (i > 0 && cells[i - 1]!.index === cell.index) throw new Error(`buildDocument: cell ${cell.index} appears twice`);
  });
  const contenders = cells.flatMap((cell) => cell.strategies.map((outcome) => ({ cell: cell.index, outcome })));
  const head = { format: 'fleetsim-experiment' as const, version: DOCUMENT_VERSION };
  const body = {
    scenario: parts.scenario,
    seed: parts.seed,
    replications: parts.replications,
    warnings: replicationWarnings(parts.replications),
    baseline: parts.baseline,
    metrics: METRIC_TABLE,
    grid: parts.grid,
    cells,
    leaderboards: leaderboards(contenders, leaderboardMetrics()),
    timing: parts.timing,
    ...(parts.series === undefined ? {} : { series: parts.series }),
  };
  if (parts.kind === 'compare') {
    if (cells.length !== 1 || parts.shard !== undefined) throw new Error('buildDocument: a compare has exactly one cell and no shard');
    return { ...head, kind: 'compare', ...body };
  }
  return parts.shard === undefined ? { ...head, kind: 'sweep', ...body } : { ...head, kind: 'sweep', shard: parts.shard, ...body };
}
