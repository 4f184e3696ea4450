/**
 * `results.csv`: one row per cell × strategy × replication with every scalar metric, for
 * spreadsheets and notebooks. Columns: `cell`, one per swept parameter, `strategy`,
 * `replication`, then the metric leaves by dotted path (`latency.p95`); no data is empty.
 */
import { stringify } from 'csv-stringify/sync';
import { clippedInterval, metricRange } from '../metrics/ranges.js';
import { BREAKDOWN_KEY, CLASS_DIMENSIONS, EMPTY_CLASS } from '../metrics/classes.js';
import { classKeysOf, classOf, leafPaths, metricLeaves } from '../metrics/summary.js';
import type { AgentMetrics, ScalarMetrics } from '../metrics/types.js';
import type { ExperimentDocument } from '../experiments/types.js';

/** The CSV text of a document (header line included; empty document: header only). */
export function resultsCsv(document: ExperimentDocument): string {
  const firstRun = document.cells[0]?.strategies[0]?.perReplication[0];
  const metricColumns = firstRun === undefined ? [] : leafPaths(firstRun);
  const header = ['cell', ...document.grid.map((p) => p.path), 'strategy', 'replication', ...metricColumns];
  const rows: (string | number | boolean | null)[][] = [];
  for (const cell of document.cells) {
    const swept = document.grid.map((p) => cell.params[p.path] ?? null);
    for (const outcome of cell.strategies) {
      outcome.perReplication.forEach((run, replication) => {
        rows.push([cell.index, ...swept, outcome.strategy, replication, ...metricLeaves(run).map((leaf) => leaf.value)]);
      });
    }
  }
  return stringify(rows, { header: true, columns: header, cast: { boolean: (value) => String(value) } });
}

/**
 * `classes.csv`: one row per cell × strategy × replication × class, for the metrics by class:
 * `cell`, one column per swept parameter, `strategy`, `replication`, `dimension` (type,
 * priority, tenant), `class`, then the class's metric leaves by dotted path (`latency.p95`).
 * Every class any run of the cell had gets a row in every replication (0 tasks and empty
 * figures where that run had none of it), so the rows pair across strategies.
 */
export function classesCsv(document: ExperimentDocument): string {
  const metricColumns = leafPaths(EMPTY_CLASS as unknown as ScalarMetrics);
  const header = ['cell', ...document.grid.map((p) => p.path), 'strategy', 'replication', 'dimension', 'class', ...metricColumns];
  const rows: (string | number | boolean | null)[][] = [];
  for (const cell of document.cells) {
    const swept = document.grid.map((p) => cell.params[p.path] ?? null);
    const keys = classKeysOf(cell.strategies.flatMap((outcome) => outcome.perReplication));
    for (const outcome of cell.strategies) {
      outcome.perReplication.forEach((run, replication) => {
        for (const dimension of CLASS_DIMENSIONS) {
          const key = BREAKDOWN_KEY[dimension];
          for (const name of keys[key]) {
            const leaves = metricLeaves(classOf(run, key, name) as unknown as ScalarMetrics);
            rows.push([cell.index, ...swept, outcome.strategy, replication, dimension, name, ...leaves.map((leaf) => leaf.value)]);
          }
        }
      });
    }
  }
  return stringify(rows, { header: true, columns: header, cast: { boolean: (value) => String(value) } });
}

/**
 * `leaderboards.csv`: every leaderboard of the document (across all cells) as rows: `metric`,
 * `better`, `rank`, `cell`, one column per swept parameter, `strategy`, `mean`, `halfWidth`, the
 * interval's bounds clipped to the metric's range (`low`, `high`), and the paired difference to the leader (`vsLeader.mean`, `vsLeader.halfWidth`,
 * `vsLeader.significant`).
 */
export function leaderboardsCsv(document: ExperimentDocument): string {
  const header = ['metric', 'better', 'rank', 'cell', ...document.grid.map((p) => p.path), 'strategy', 'mean', 'halfWidth', 'low', 'high',
    'vsLeader.mean', 'vsLeader.halfWidth', 'vsLeader.significant'];
  const cells = new Map(document.cells.map((cell) => [cell.index, cell]));
  const rows = document.leaderboards.flatMap((board) => board.entries.map((entry) => {
    const bounds = entry.mean === null ? { low: null, high: null } : clippedInterval(entry.mean, entry.halfWidth ?? 0, metricRange(board.metric));
    return [
      board.metric, board.better, entry.rank, entry.cell, ...document.grid.map((p) => cells.get(entry.cell)?.params[p.path] ?? null),
      entry.strategy, entry.mean, entry.halfWidth, bounds.low, bounds.high, entry.vsLeader.mean, entry.vsLeader.halfWidth, entry.vsLeader.significant,
    ];
  }));
  return stringify(rows, { header: true, columns: header, cast: { boolean: (value) => String(value) } });
}

/** The figures of an agent that `agents.csv` has a column for, in order. */
const AGENT_COLUMNS = ['completed', 'tokens', 'busySeconds', 'drainingSeconds'] as const satisfies readonly (keyof AgentMetrics)[];

/**
 * `agents.csv`: one row per cell × strategy × replication × agent, in fleet order: `cell`, one
 * column per swept parameter, `strategy`, `replication`, `agent` (its id), then `completed`,
 * `tokens`, `busySeconds` and `drainingSeconds`. Every agent of every run, where the report's
 * load charts of a large fleet draw summaries (docs/REPORTS.md).
 */
export function agentsCsv(document: ExperimentDocument): string {
  const header = ['cell', ...document.grid.map((p) => p.path), 'strategy', 'replication', 'agent', ...AGENT_COLUMNS];
  const rows: (string | number | boolean | null)[][] = [];
  for (const cell of document.cells) {
    const swept = document.grid.map((p) => cell.params[p.path] ?? null);
    for (const outcome of cell.strategies) {
      outcome.perReplication.forEach((run, replication) => {
        for (const agent of run.perAgent) rows.push([cell.index, ...swept, outcome.strategy, replication, agent.id, ...AGENT_COLUMNS.map((column) => agent[column])]);
      });
    }
  }
  return stringify(rows, { header: true, columns: header, cast: { boolean: (value) => String(value) } });
}
