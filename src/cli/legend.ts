/**
 * The legend printed under the terminal tables (never in `--json`): what each abbreviated
 * column means, and which parameters tell apart the variants of a strategy listed twice
 * (`power-of-d#2`), written as `--strategy` specs so they can be copied into the flag.
 */
import { formatStrategySpec } from '../scenario/strategySpec.js';

/** A term of a table and what it means. */
export type LegendEntry = readonly [term: string, meaning: string];

/** Meanings of the metrics the terminal tables show, by metric path (src/metrics/types.ts). */
export const METRIC_MEANINGS: Readonly<Record<string, string>> = {
  'gini.tasks': 'Gini coefficient of tasks completed per agent: 0 = all agents did the same, near 1 = one did everything',
  'latency.p95': '95th percentile of task latency (submission to completion), seconds',
  'latency.mean': 'mean task latency (submission to completion), seconds',
  'latency.p50': 'median task latency (submission to completion), seconds',
  'latency.p99': '99th percentile of task latency (submission to completion), seconds',
  'wait.p95': '95th percentile of the time a task waited before it started, seconds',
  throughput: 'tasks completed per second',
  'wait.mean': 'mean time a task waited before it started, seconds',
  deadlineSuccess: 'share of tasks with a deadline that completed by it (- when no task has one)',
  contextWaste: 'share of processed tokens spent loading context (setup) rather than on the task',
  'quality.mean': 'mean quality of completed work, 0..1',
  utilization: 'busy slot-seconds / capacity slot-seconds over the measured window',
  'tasks.completed': 'tasks completed in the measured window',
};

/** The legend as indented, aligned lines under a `legend:` heading ('' for no entries). */
export function legendText(entries: readonly LegendEntry[]): string {
  if (entries.length === 0) return '';
  const width = Math.max(...entries.map(([term]) => term.length));
  return `legend:\n${entries.map(([term, meaning]) => `  ${term.padEnd(width)}  ${meaning}`).join('\n')}\n`;
}

/**
 * For each strategy whose registry name appears more than once (labels `name`, `name#2`, …),
 * the label and its parameters as a spec. Strategies listed once need no explanation.
 */
export function variantEntries(strategies: readonly StrategyVariant[]): LegendEntry[] {
  return variantEntriesOfCells([strategies]);
}

/** A strategy entry of a result: its label, registry name and parameters. */
export interface StrategyVariant {
  /** Unique label in results. */
  readonly label: string;
  /** Registry name. */
  readonly name: string;
  /** Its parameters, with defaults applied. */
  readonly params: unknown;
}

/**
 * {@link variantEntries} over the cells of a sweep: a label whose parameters differ between
 * cells (a swept strategy parameter) is said to vary, since the cell column tells them apart.
 */
export function variantEntriesOfCells(cells: readonly (readonly StrategyVariant[])[]): LegendEntry[] {
  const specs = new Map<string, Set<string>>();
  const repeated = new Set<string>();
  for (const strategies of cells) {
    const counts = new Map<string, number>();
    for (const s of strategies) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    for (const s of strategies) {
      if ((counts.get(s.name) ?? 0) > 1) repeated.add(s.label);
      const set = specs.get(s.label) ?? new Set<string>();
      set.add(formatStrategySpec(s.name, s.params));
      specs.set(s.label, set);
    }
  }
  return [...repeated].map((label) => {
    const variants = [...specs.get(label)!];
    return [label, variants.length === 1 ? `the variant ${variants[0]!}` : 'a variant whose parameters vary by cell'] as const;
  });
}

/** The registry name of a label: `power-of-d#2` → `power-of-d`. */
export function nameOfLabel(label: string): string {
  return label.replace(/#\d+$/, '');
}
