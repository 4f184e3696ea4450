/**
 * `fleetsim merge`: the documents of the shards of one sweep joined into the document an
 * unsharded run gives. Cells are summarised again from their replications by the same code
 * that summarised them in the shard, and the document is assembled by the same function, so
 * the result is byte-identical to an unsharded sweep apart from `timing`.
 */
import { z } from 'zod';
import { InputError, firstLineOf, formatPath, type PathSegment } from '../scenario/errors.js';
import { parseWith } from '../scenario/zodIssues.js';
import { unmeasurable } from '../metrics/ranges.js';
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
  checkRuns(shard.file, ['cells', position], runs);
  try {
    // The targets are judged again too, from the checks the shard recorded.
    const targets = cell.targets === undefined ? null : { strategies: cell.targets.strategies, checks: cell.targets.checks };
    return summarizeCell({ index: cell.index, params: cell.params, strategies, runs, targets }, cell.baseline);
  } catch (error) {
    throw new InputError(shard.file, path, `not a valid cell (${firstLineOf(error)})`);
  }
}

/** One number of a run's metrics: where it is, below the run, and its value. */
type RunLeaf = readonly [path: readonly PathSegment[], value: unknown];

/** Top-level keys of a run that are not its pooled metrics. */
const CLASS_TABLES = ['byType', 'byPriority', 'byTenant'] as const;

const agentRow = z.looseObject({
  id: z.string(), completed: z.number().min(0), tokens: z.number().min(0), busySeconds: z.number().min(0), drainingSeconds: z.number().min(0),
});

/**
 * Every run of a cell checked before it is summarised again: each one has the metrics and class
 * tables the cell's first run has, each class the figures of the cell's first class, every figure null or a value
 * a run can measure, and a per-agent table. A run that lacks a metric the others have would
 * otherwise be summarised without it, and a value out of range (or a NaN from one) pass for data.
 * Runs are compared with one another rather than with this version's metrics, so that documents
 * written before a metric existed stay readable.
 */
function checkRuns(file: string, cellPath: readonly PathSegment[], runs: readonly (readonly RunMetrics[])[]): void {
  let pooledShape: string | undefined;
  let classShape: string | undefined;
  let tablesShape: readonly (typeof CLASS_TABLES)[number][] | undefined;
  runs.forEach((replications, s) => replications.forEach((run, r) => {
    const at = [...cellPath, 'strategies', s, 'perReplication', r];
    if (run === null || typeof run !== 'object' || Array.isArray(run)) throw new InputError(file, formatPath(at), 'expected the metrics of a run (an object)');
    const pooled = leavesOf(run, [], new Set(['perAgent', ...CLASS_TABLES]));
    pooledShape ??= shapeOf(pooled);
    checkLeaves(file, at, run, pooled, pooledShape);
    // A run without a class table would count as having had no task of any class.
    const tables = CLASS_TABLES.filter((key) => (run as unknown as Record<string, unknown>)[key] !== undefined);
    tablesShape ??= tables;
    const lacking = tablesShape.find((key) => !tables.includes(key));
    if (lacking !== undefined) throw new InputError(file, formatPath([...at, lacking]), `required: the cell's first run has a ${lacking} table`);
    const extra = tables.find((key) => !tablesShape!.includes(key));
    if (extra !== undefined) throw new InputError(file, formatPath([...at, extra]), `the cell's first run has no ${extra} table: the runs of a cell have the same tables`);
    for (const key of CLASS_TABLES) {
      const table = (run as unknown as Record<string, unknown>)[key];
      // Documents written before classes were measured have no tables.
      if (table === undefined) continue;
      if (table === null || typeof table !== 'object' || Array.isArray(table)) throw new InputError(file, formatPath([...at, key]), 'expected an object of classes');
      for (const [name, metrics] of Object.entries(table)) {
        const classAt = [...at, key, name];
        if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw new InputError(file, formatPath(classAt), 'expected the metrics of a class (an object)');
        const leaves = leavesOf(metrics, [], new Set());
        classShape ??= shapeOf(leaves);
        checkLeaves(file, classAt, metrics, leaves, classShape);
      }
    }
    parseWith(z.array(agentRow), run.perAgent, file, [...at, 'perAgent']);
  }));
}

/** The leaves of a metrics tree, depth first, leaving out the top-level keys `skipped`. */
function leavesOf(node: object, prefix: readonly PathSegment[], skipped: ReadonlySet<string>): RunLeaf[] {
  return Object.entries(node).flatMap(([key, value]): RunLeaf[] => {
    if (prefix.length === 0 && skipped.has(key)) return [];
    const path = [...prefix, key];
    return value !== null && typeof value === 'object' ? leavesOf(value as object, path, skipped) : [[path, value]];
  });
}

function shapeOf(leaves: readonly RunLeaf[]): string {
  return JSON.stringify(leaves.map(([path]) => path));
}

/** Throws naming the first leaf the tree at `at` has that the shape lacks (or lacks that it has), or whose value no run can measure. */
function checkLeaves(file: string, at: readonly PathSegment[], tree: object, leaves: readonly RunLeaf[], shape: string): void {
  if (shapeOf(leaves) !== shape) {
    const expected = JSON.parse(shape) as PathSegment[][];
    const own = new Set(leaves.map(([path]) => JSON.stringify(path)));
    const extra = leaves.find(([path]) => !expected.some((other) => JSON.stringify(other) === JSON.stringify(path)));
    if (extra !== undefined) throw new InputError(file, formatPath([...at, ...extra[0]]), `unknown metric: the cell's first run has no ${extra[0].join('.')}`);
    const missing = expected.find((path) => !own.has(JSON.stringify(path))) ?? expected[0]!;
    // Named by its shortest absent part (`latency` when the whole group is gone): a field the user can look for.
    let depth = 1;
    let node = tree as Record<string, unknown>;
    while (depth < missing.length) {
      const next = node[missing[depth - 1] as string];
      if (next === null || typeof next !== 'object') break;
      node = next as Record<string, unknown>;
      depth++;
    }
    throw new InputError(file, formatPath([...at, ...missing.slice(0, depth)]), `required: ${missing.join('.')} (the cell's first run has it)`);
  }
  for (const [path, value] of leaves) {
    const problem = unmeasurable(path.join('.'), value);
    if (problem !== undefined) throw new InputError(file, formatPath([...at, ...path]), problem);
  }
}
