/**
 * The classes of task a scenario's workload can produce (by type, priority, tenant), so that a
 * target naming a class no task can be in is refused when the file is loaded rather than
 * judged as "no data" after the run.
 */
import { DEFAULT_TENANT, type ClassDimension } from '../metrics/classes.js';
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

