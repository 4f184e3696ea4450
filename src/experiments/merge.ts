/**
 * `fleetsim merge`: the documents of the shards of one sweep joined into the document an
 * unsharded run gives. Cells are summarised again from their replications by the same code
 * that summarised them in the shard, and the document is assembled by the same function, so
 * the result is byte-identical to an unsharded sweep apart from `timing`.
 */
import { InputError, firstLineOf } from '../scenario/errors.js';
import type { StrategyChoice } from '../scenario/types.js';
import type { RunMetrics } from '../metrics/types.js';
import { summarizeCell } from './cell.js';
import { buildDocument } from './document.js';
import { cellCount, inShard } from './grid.js';
import type { CellResult, ExperimentDocument, ShardInfo, SweepDocument } from './types.js';

/** A shard's document and the file it was read from. */
export interface ShardFile {
  /** The file, as named on the command line. */
  readonly file: string;
  /** The document it holds. */
  readonly document: ExperimentDocument;
}

/** The fields every shard of one sweep must agree on. */
const SHARED_FIELDS = ['scenario', 'seed', 'replications', 'baseline', 'grid'] as const;

/**
 * Joins the shards of one sweep.
 * @throws InputError when a file is not a shard, when shards disagree on the sweep, when a
 * shard is missing or given twice, or when a shard holds cells it should not
 */
export function mergeShards(shards: readonly ShardFile[]): SweepDocument {
  const first = shards[0];
  if (first === undefined) throw new InputError('command line', 'merge', 'expected the summary.json files of every shard');
  const count = shardOf(first).count;
  const seen = new Map<number, string>();
  for (const shard of shards) {
    const { index, count: n } = shardOf(shard);
    if (n !== count) throw new InputError(shard.file, 'shard', `is ${index}/${n}, but ${first.file} is one of ${count} shards`);
    for (const field of SHARED_FIELDS) {
      if (JSON.stringify(shard.document[field]) !== JSON.stringify(first.document[field])) {
        throw new InputError(shard.file, field, `differs from ${first.file}: the shards are not of one sweep`);
      }
    }
    const other = seen.get(index);
    if (other !== undefined) throw new InputError(shard.file, 'shard', `${index}/${count} is also ${other}`);
    seen.set(index, shard.file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new InputError('command line', 'merge', `shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);
  const ordered = [...shards].sort((a, b) => shardOf(a).index - shardOf(b).index);
  const cells = ordered.flatMap((shard) => shard.document.cells.map((cell, i) => resummarize(shard, cell, i)));
  const total = cellCount(first.document.grid);
  if (cells.length !== total) throw new InputError('command line', 'merge', `the shards hold ${cells.length} cells; the grid has ${total}`);
  const document = buildDocument({
    kind: 'sweep',
    scenario: first.document.scenario,
    seed: first.document.seed,
    replications: first.document.replications,
    baseline: first.document.baseline,
    grid: first.document.grid,
    cells,
    timing: {
      parts: ordered.flatMap((shard) => shard.document.timing.parts),
      strategies: ordered.flatMap((shard) => shard.document.timing.strategies).sort((a, b) => a.cell - b.cell),
    },
  });
  return document as SweepDocument;
}

function shardOf(shard: ShardFile): ShardInfo {
  const { document } = shard;
  if (document.kind !== 'sweep' || document.shard === undefined) {
    throw new InputError(shard.file, 'shard', 'absent: not the output of one shard (fleetsim sweep --shard i/n)');
  }
  return document.shard;
}

/** The cell summarised again from its replications, checking it belongs to its shard. */
function resummarize(shard: ShardFile, cell: CellResult, position: number): CellResult {
  const info = shardOf(shard);
  const path = `cells[${position}]`;
  if (cell.index >= cellCount(shard.document.grid) || !inShard(cell.index, info)) {
    throw new InputError(shard.file, `${path}.index`, `cell ${cell.index} does not belong to shard ${info.index}/${info.count}`);
  }
  const strategies: StrategyChoice[] = cell.strategies.map((s) => ({ name: s.name, label: s.strategy, params: s.params }));
  const runs: RunMetrics[][] = cell.strategies.map((s) => [...s.perReplication]);
  if (runs.some((r) => r.length !== shard.document.replications)) {
    throw new InputError(shard.file, `${path}.strategies`, `expected ${shard.document.replications} replications per strategy`);
  }
  try {
    // The targets are judged again too, from the checks the shard recorded.
    const targets = cell.targets === undefined ? null : { strategies: cell.targets.strategies, checks: cell.targets.checks };
    return summarizeCell({ index: cell.index, params: cell.params, strategies, runs, targets }, cell.baseline);
  } catch (error) {
    throw new InputError(shard.file, path, `not a valid cell (${firstLineOf(error)})`);
  }
}
