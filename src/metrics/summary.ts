/**
 * Replications combined: the mean and 95% confidence interval of every metric
 * (src/metrics/types.ts), and a walker over the metric tree for tables and CSV columns.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { BREAKDOWN_KEY, CLASS_DIMENSIONS, EMPTY_CLASS, sortClassKeys, type ClassBreakdown, type ClassBreakdownKey, type ClassMetrics } from './classes.js';
import { clippedInterval, metricRange } from './ranges.js';
import { studentT975 } from './studentT.js';
import type { AgentMetrics, ClassedMetrics, RunMetrics, ScalarMetrics, Summary } from './types.js';

/** One number of a metrics tree, named by its dotted path (`latency.p95`). */
export interface MetricLeaf {
  /** Dotted path of the leaf in the tree. */
  readonly path: string;
  /** Its value; null where the metric has no data. */
  readonly value: number | null;
}

/**
 * Every pooled leaf of `metrics` (not the per-agent table, not the class tables), depth first in
 * key order (the order of the JSON output), e.g. `tasks.submitted`, …, `latency.p95`, …,
 * `maxQueueDepth`. Class figures: {@link classLeaves}.
 */
export function metricLeaves(metrics: ScalarMetrics): MetricLeaf[] {
  const leaves: MetricLeaf[] = [];
  const walk = (node: object, prefix: string): void => {
    for (const key of Object.keys(node)) {
      if (prefix === '' && NOT_POOLED.has(key)) continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const value = child(node, key);
      if (isGroup(value)) walk(value, path);
      else leaves.push({ path, value: checkedLeaf(value, path) });
    }
  };
  walk(metrics, '');
  return leaves;
}

/** The classes of each dimension, by breakdown key, in output order. */
export type ClassKeys = Readonly<Record<ClassBreakdownKey, readonly string[]>>;

/** Every class that any of `runs` has, per dimension, sorted: the classes runs are compared on. */
export function classKeysOf(runs: readonly ClassBreakdown[]): ClassKeys {
  const out = {} as Record<ClassBreakdownKey, string[]>;
  for (const dimension of CLASS_DIMENSIONS) {
    const key = BREAKDOWN_KEY[dimension];
    const present = new Set<string>();
    // Documents written before classes were measured have no tables: no classes, not an error.
    for (const run of runs) for (const name of Object.keys((run[key] as ClassBreakdown[typeof key] | undefined) ?? {})) present.add(name);
    out[key] = sortClassKeys(present);
  }
  return out;
}

/** The figures of class `name` in a run's table, or those of an empty class when it had no task of it. */
export function classOf(run: ClassBreakdown, key: ClassBreakdownKey, name: string): ClassMetrics {
  const table = run[key] as ClassBreakdown[typeof key] | undefined;
  return table !== undefined && Object.prototype.hasOwnProperty.call(table, name) ? table[name]! : EMPTY_CLASS;
}

/**
 * Every class leaf of `run` for the classes `keys` (a class the run lacks counts as empty),
 * by dotted path `byPriority.0.latency.p95`: so runs with different classes line up leaf by leaf.
 */
export function classLeaves(run: ClassBreakdown, keys: ClassKeys): MetricLeaf[] {
  const leaves: MetricLeaf[] = [];
  for (const dimension of CLASS_DIMENSIONS) {
    const key = BREAKDOWN_KEY[dimension];
    for (const name of keys[key]) {
      for (const leaf of metricLeaves(classOf(run, key, name) as unknown as ScalarMetrics)) {
        leaves.push({ path: `${key}.${name}.${leaf.path}`, value: leaf.value });
      }
    }
  }
  return leaves;
}

/** The dotted paths of {@link metricLeaves}, for column headers. */
export function leafPaths(metrics: ScalarMetrics): string[] {
  return metricLeaves(metrics).map((leaf) => leaf.path);
}

/**
 * Mean and 95% confidence interval of every metric over replications (see {@link Summary}
 * for the exact rules, null handling included).
 *
 * Each leaf is summarised over the n replications in which it is not null: mean, and
 * t(0.975, n − 1) · s / √n with s the sample standard deviation (0 when n = 1, null when
 * n = 0); the interval mean ± that half-width is clipped to the metric's range
 * (`ranges.ts`). `perAgent` is averaged per agent id over the replications that have that agent.
 *
 * @throws Error when `runs` is empty, when the runs' shapes differ, when a leaf is not a finite
 * number or null.
 */
export function summarize(runs: readonly RunMetrics[], classKeys: ClassKeys = classKeysOf(runs)): Summary {
  if (runs.length === 0) throw new Error('summarize: no runs to summarise');
  const bound = (side: 'low' | 'high') => (values: readonly number[], path: string): number | null => {
    const half = halfWidth95(values);
    return half === null ? null : clippedInterval(mean(values), half, metricRange(path))[side];
  };
  return {
    metrics: { ...combineClassed(runs, classKeys, meanOf), perAgent: averagePerAgent(runs) },
    ci95: combineClassed(runs, classKeys, halfWidth95),
    ci95Low: combineClassed(runs, classKeys, bound('low')),
    ci95High: combineClassed(runs, classKeys, bound('high')),
  };
}

/**
 * The pooled trees of `runs` combined leaf by leaf, then each class's trees the same way (class
 * leaves take the range of their pooled namesake: a class's `deadlineSuccess` is a share too).
 */
function combineClassed(
  runs: readonly RunMetrics[],
  classKeys: ClassKeys,
  reduce: (values: readonly number[], path: string) => number | null,
): ClassedMetrics {
  // The combined trees have the shape of the first run, and each leaf is a number wherever
  // all runs have a number (mean and half-width of non-empty input are numbers), so they are
  // metrics trees; the walker cannot express that to the compiler.
  const pooled = combine(runs, '', reduce) as unknown as ScalarMetrics;
  const table = (key: ClassBreakdownKey): Record<string, ClassMetrics> => {
    const out: Record<string, ClassMetrics> = {};
    for (const name of classKeys[key]) out[name] = combine(runs.map((run) => classOf(run, key, name)), '', reduce) as unknown as ClassMetrics;
    return out;
  };
  return { ...pooled, byType: table('byType'), byPriority: table('byPriority'), byTenant: table('byTenant') };
}

/** 95% confidence half-width t(0.975, n − 1) · s / √n of a sample (0 for one value). */
export function halfWidth95(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  if (n === 1) return 0;
  return (studentT975(n - 1) * sampleStandardDeviation(values)) / Math.sqrt(n);
}

/** Top-level keys of a run's metrics that are not pooled metric leaves. */
const NOT_POOLED: ReadonlySet<string> = new Set(['perAgent', 'byType', 'byPriority', 'byTenant']);

function meanOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : mean(values);
}

/** Applies `reduce` to the non-null values of each leaf position across `nodes`. */
function combine(
  nodes: readonly object[],
  prefix: string,
  reduce: (values: readonly number[], path: string) => number | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(nodes[0]!)) {
    if (prefix === '' && NOT_POOLED.has(key)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const children = nodes.map((node) => child(node, key));
    if (isGroup(children[0])) {
      out[key] = combine(children.map((c) => asGroup(c, path)), path, reduce);
      continue;
    }
    const present: number[] = [];
    for (const value of children) {
      const leaf = checkedLeaf(value, path);
      if (leaf !== null) present.push(leaf);
    }
    out[key] = reduce(present, path);
  }
  return out;
}

/**
 * Averages each agent's figures over the runs it took part in, keyed by agent id: fleets may
 * differ between replications (an autoscaler adds agents at different times, so one index is
 * a different agent in different runs). Agents come in order of first appearance, run by run.
 */
function averagePerAgent(runs: readonly RunMetrics[]): readonly AgentMetrics[] {
  const first = runs[0]!.perAgent;
  // The mean of one value is that value: one run's rows serve as they are (immutable), rather
  // than a copy of each (100,000 objects and their doubles at 100,000 agents).
  if (runs.length === 1) return first;
  if (runs.every((run) => sameAgents(run.perAgent, first))) return averageAlignedAgents(runs);
  const byId = new Map<string, AgentMetrics[]>();
  for (const run of runs) {
    for (const agent of run.perAgent) {
      const present = byId.get(agent.id);
      if (present === undefined) byId.set(agent.id, [agent]);
      else present.push(agent);
    }
  }
  return Array.from(byId, ([id, present]) => ({
    id,
    completed: mean(present.map((agent) => agent.completed)),
    tokens: mean(present.map((agent) => agent.tokens)),
    busySeconds: mean(present.map((agent) => agent.busySeconds)),
    drainingSeconds: mean(present.map((agent) => agent.drainingSeconds)),
  }));
}

/** Whether two runs list the same agents in the same order (always, without an autoscaler). */
function sameAgents(agents: readonly AgentMetrics[], others: readonly AgentMetrics[]): boolean {
  if (agents === others) return true;
  if (agents.length !== others.length) return false;
  for (let i = 0; i < agents.length; i++) if (agents[i]!.id !== others[i]!.id) return false;
  return true;
}

/**
 * {@link averagePerAgent} when every run has the same agents in the same order: by index, no
 * map of ids nor arrays per agent (the same means of the same values, in the same order).
 */
function averageAlignedAgents(runs: readonly RunMetrics[]): AgentMetrics[] {
  const values = new Array<number>(runs.length);
  const average = (index: number, field: Exclude<keyof AgentMetrics, 'id'>): number => {
    for (let r = 0; r < runs.length; r++) values[r] = runs[r]!.perAgent[index]![field];
    return mean(values);
  };
  return runs[0]!.perAgent.map((agent, i) => ({
    id: agent.id,
    completed: average(i, 'completed'),
    tokens: average(i, 'tokens'),
    busySeconds: average(i, 'busySeconds'),
    drainingSeconds: average(i, 'drainingSeconds'),
  }));
}

function child(node: object, key: string): unknown {
  return (node as Readonly<Record<string, unknown>>)[key];
}

function isGroup(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function asGroup(value: unknown, path: string): object {
  if (!isGroup(value)) throw new Error(`summarize: runs differ in shape at ${path}`);
  return value;
}

function checkedLeaf(value: unknown, path: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`metrics: leaf ${path} must be a finite number or null, got ${String(value)}`);
  }
  return value;
}
