/**
 * The classes of task a scenario's workload can produce (by type, priority, tenant), so that a
 * target naming a class no task can be in is refused when the file is loaded rather than
 * judged as "no data" after the run.
 */
import { DEFAULT_TENANT, dimensionOf, parseClassPath, type ClassDimension, type ClassPath } from '../metrics/classes.js';
import { InputError, didYouMean } from './errors.js';
import type { WorkloadConfig } from './types.js';
import { workloadTypes } from './workload.js';

/** Per dimension, the class keys tasks can have; null when the file cannot tell (a trace's rows carry them). */
export type PossibleClasses = Readonly<Record<ClassDimension, ReadonlySet<string> | null>>;

/**
 * The classes the workload's tasks can be in: types as `workloadTypes` lists them; priorities of
 * the generated mix, jobs, workflow nodes and supervisors (any level once a trace is replayed,
 * whose rows may carry their own); tenants named by those entries, `default` for entries that
 * name none (any tenant once a trace is replayed).
 */
export function possibleClasses(workload: WorkloadConfig): PossibleClasses {
  const priorities = new Set<number>();
  const entries: object[] = [...workload.taskTypes, ...workload.jobs];
  for (const type of workload.taskTypes) for (const { level } of type.priority) priorities.add(level);
  for (const job of workload.jobs) priorities.add(job.priority);
  for (const workflow of workload.workflows) {
    entries.push(...workflow.nodes);
    for (const node of workflow.nodes) for (const { level } of node.priority) priorities.add(level);
    if (workflow.supervisor !== undefined) {
      entries.push(workflow.supervisor);
      priorities.add(workflow.supervisor.priority);
    }
  }
  const traced = workload.trace !== undefined;
  const tenants = new Set(entries.map(tenantOf));
  return {
    type: new Set(workloadTypes(workload)),
    priority: traced ? null : new Set([...priorities].map(String)),
    tenant: traced ? null : tenants,
  };
}

/** The possible classes of one dimension, listed for a message (`any` when the file cannot tell). */
export function classesText(possible: PossibleClasses, dimension: ClassDimension): string {
  const classes = possible[dimension];
  return classes === null ? 'any' : [...classes].join(', ');
}

/** The tenant an entry of the workload names (the field is optional wherever it exists). */
function tenantOf(entry: object): string {
  return 'tenant' in entry && typeof entry.tenant === 'string' ? entry.tenant : DEFAULT_TENANT;
}


/**
 * The class path `metric` names, checked: undefined when it is no class path (a pooled metric,
 * for the caller to check), else its parts.
 * @param leaves - the figures of a class the field may name
 * @throws InputError naming `field` of `file` when it starts with a breakdown key but names no
 * class and leaf, or names a class no task of the workload can be in
 */
export function checkClassPath(metric: string, leaves: readonly string[], workload: WorkloadConfig, file: string, field: string): ClassPath | undefined {
  const classPath = parseClassPath(metric, leaves);
  if (classPath === undefined) return undefined;
  if (classPath === null) {
    throw new InputError(file, field, `"${metric}" names no class metric: expected ${metric.split('.')[0]}.<class>.<metric>, metric one of ${leaves.join(', ')}`);
  }
  const possible = possibleClasses(workload);
  const dimension = dimensionOf(classPath.key);
  const classes = possible[dimension];
  if (classes === null || classes.has(classPath.name)) return classPath;
  throw new InputError(file, field, `no task of the workload can have ${dimension} "${classPath.name}"${didYouMean(classPath.name, classes)}; ${dimension} classes: ${classesText(possible, dimension)}`);
}
