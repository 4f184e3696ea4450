/**
 * The workload section: arrival process, generated task types, hand-listed jobs and workflow
 * templates, with the checks a schema cannot express (unique names, priority maps, the
 * dependency graph, supervisors that are real agents).
 */
import type { AgentSpec } from '../engine/agent.js';
import { InputError, didYouMean, formatPath, type PathSegment } from './errors.js';
import { buildTrace } from './trace.js';
import {
  MAX_PRIORITY_LEVEL,
  type JobEntry,
  type TaskTypeEntry,
  type WorkflowEntry,
  type WorkloadEntry,
} from './schema.js';
import type {
  ArrivalProcess,
  Distribution,
  ScenarioJob,
  TaskTypeConfig,
  WorkflowNodeConfig,
  WorkflowTemplate,
  WorkloadConfig,
} from './types.js';

/** Probabilities of a priority map may miss 1 by this much (decimal fractions rarely sum exactly). */
const PRIORITY_SUM_TOLERANCE = 1e-9;
/** Ids the simulator gives generated tasks (`t0`, `t1`, …); a job may not take one. */
const GENERATED_TASK_ID = /^t(0|[1-9][0-9]*)$/;
/** Ids trace tasks take (`r0`, `r1`, …; src/traces/traceTasks.ts); a job may not take one. */
const TRACE_TASK_ID = /^r(0|[1-9][0-9]*)$/;
/** Most ids a dependency-cycle message lists before eliding the rest. */
const CYCLE_IDS_SHOWN = 12;
/** What a workflow name may be made of: task ids are `${name}-${n}/${path}`, so no `/`. */
const WORKFLOW_NAME = /^[A-Za-z0-9_.-]+$/;
/** Most agent ids an unknown-assignee message lists before eliding the rest. */
const AGENT_IDS_SHOWN = 12;
/**
 * Fewest expected arrivals of one calm-and-burst cycle of an MMPP (calm rate × calm dwell +
 * burst rate × burst dwell). The simulator's arrival clock gives up after a million state
 * switches without an arrival; at this floor the chance of that is about e^-50.
 */
export const MIN_MMPP_ARRIVALS_PER_CYCLE = 1e-4;

/** Builds the workload, throwing an {@link InputError} for the first mistake. */
export function buildWorkload(entry: WorkloadEntry, file: string): WorkloadConfig {
  const arrivals = buildArrivals(entry.arrivals, ['workload', 'arrivals'], file);
  const trace = entry.trace === undefined ? undefined : buildTrace(entry.trace, file);
  if (arrivals.process === 'none') {
    if (entry.jobs.length === 0 && trace === undefined && !entry.workflows.some((w) => w.arrivals.process !== 'none')) {
      throw new InputError(file, 'workload', 'nothing to run: expected arrivals with tasks (generated work), a trace, jobs (listed work) or workflows with arrivals, or a mix');
    }
    if (entry.tasks.length > 0) {
      throw new InputError(file, 'workload.tasks', 'task types need an arrival process to generate them: add workload.arrivals or remove workload.tasks');
    }
  } else if (entry.tasks.length === 0) {
    throw new InputError(file, 'workload.tasks', 'expected a non-empty list: workload.arrivals generates tasks from these types');
  }
  const taskTypes = entry.tasks.map((task, i) => buildTaskType(task, ['workload', 'tasks', i], file));
  checkUnique(taskTypes.map((t) => t.type), (i) => ['workload', 'tasks', i, 'type'], 'task type', file);
  const jobs = buildJobs(entry.jobs, arrivals.process !== 'none', file);
  const workflows = buildWorkflows(entry.workflows, entry.jobs, file);
  if (trace !== undefined) {
    const clash = entry.jobs.findIndex((job) => TRACE_TASK_ID.test(job.id));
    if (clash >= 0) throw new InputError(file, `workload.jobs[${clash}].id`, `"${entry.jobs[clash]!.id}" is reserved: trace tasks take the ids r0, r1, r2, …`);
  }
  return { arrivals, taskTypes, jobs, workflows, ...(trace === undefined ? {} : { trace }) };
}

/**
 * Every task type the workload can produce: the generated mix's, the jobs' own, and the
 * workflows' node and supervisor types.
 */
export function workloadTypes(workload: WorkloadConfig): string[] {
  const types = new Set<string>(workload.taskTypes.map((t) => t.type));
  for (const job of workload.jobs) types.add(job.type);
  for (const type of workload.trace?.types ?? []) types.add(type);
  for (const workflow of workload.workflows) {
    for (const node of workflow.nodes) types.add(node.type);
    if (workflow.supervisor !== undefined) types.add(workflow.supervisor.type);
  }
  return [...types];
}

/**
 * Every `assignee` (of a workflow's supervisor, a task type, a job) names an agent of the fleet,
 * and every task type's, job's and workflow node's `tags` are all carried by some agent (by the
 * assignee, when there is one): otherwise its tasks could never run, and would wait in flight for ever.
 * @param agents - the fleet, pools expanded
 */
export function checkTaskRouting(workload: WorkloadConfig, agents: readonly { readonly spec: AgentSpec }[], file: string): void {
  const agentIds = (): string[] => agents.map((agent) => agent.spec.id);
  // Made when an assignee is first met: most scenarios name none, and a fleet may be 100,000 agents.
  let known: ReadonlySet<string> | undefined;
  const isKnown = (assignee: string): boolean => (known ??= new Set(agentIds())).has(assignee);
  const noSuchAgent = (assignee: string): string => `no agent has id "${assignee}"${didYouMean(assignee, agentIds())}`;
  workload.workflows.forEach((workflow, i) => {
    const assignee = workflow.supervisor?.assignee;
    if (assignee === undefined || isKnown(assignee)) return;
    const ids = agentIds();
    const shown = ids.length > AGENT_IDS_SHOWN ? [...ids.slice(0, AGENT_IDS_SHOWN), '…'] : ids;
    throw new InputError(file, `workload.workflows[${i}].supervisor.assignee`, `${noSuchAgent(assignee)}; known agents: ${shown.join(', ')}`);
  });
  const check = (where: string, assignee: string | undefined, tags: readonly string[]): void => {
    if (assignee !== undefined && !isKnown(assignee)) throw new InputError(file, `${where}.assignee`, noSuchAgent(assignee));
    // No tags: every agent qualifies, the assignee too (the fleet is never empty), so skip the scan.
    if (tags.length === 0) return;
    const carriers = agents.filter((agent) => tags.every((tag) => agent.spec.tags.includes(tag)));
    if (carriers.length === 0) throw new InputError(file, `${where}.tags`, `no agent carries all of ${tags.join(', ')}`);
    if (assignee !== undefined && !carriers.some((agent) => agent.spec.id === assignee)) {
      throw new InputError(file, `${where}.tags`, `the assignee "${assignee}" does not carry all of ${tags.join(', ')}`);
    }
  };
  workload.taskTypes.forEach((type, i) => check(`workload.tasks[${i}]`, type.assignee, type.tags));
  workload.jobs.forEach((job, i) => check(`workload.jobs[${i}]`, job.assignee, job.tags));
  workload.workflows.forEach((workflow, i) => workflow.nodes.forEach((node, j) => check(`workload.workflows[${i}].nodes[${j}]`, undefined, node.tags)));
}

/**
 * A workflow whose instances keep arriving (arrivals, no `count`) needs `stop.time`, or the
 * run would never end. (`stop.tasks` counts the tasks of `workload.tasks` only.)
 * @param stopGiven - whether the file has a `stop` section, for the field the message names
 */
export function checkWorkflowsEnd(
  workflows: readonly WorkflowTemplate[],
  stop: { readonly timeSeconds: number },
  stopGiven: boolean,
  file: string,
): void {
  if (Number.isFinite(stop.timeSeconds)) return;
  const endless = workflows.findIndex((w) => w.arrivals.process !== 'none' && !Number.isFinite(w.count));
  if (endless < 0) return;
  throw new InputError(
    file,
    stopGiven ? 'stop.time' : 'stop',
    `required: workload.workflows[${endless}] ("${workflows[endless]!.name}") generates instances without end; give stop.time, or count on the workflow`,
  );
}

/** Jobs after `stopTimeSeconds` would never be submitted: say so rather than drop them. */
export function checkJobsBeforeStop(jobs: readonly ScenarioJob[], stopTimeSeconds: number, file: string): void {
  const late = jobs.findIndex((job) => job.atSeconds > stopTimeSeconds);
  if (late < 0) return;
  throw new InputError(file, `workload.jobs[${late}].at`, `expected at most stop.time (${stopTimeSeconds} s), got ${jobs[late]!.atSeconds}: the job would never be submitted`);
}

function buildArrivals(arrivals: WorkloadEntry['arrivals'], path: readonly PathSegment[], file: string): ArrivalProcess {
  if (arrivals === undefined) return { process: 'none' };
  switch (arrivals.process) {
    case 'none':
      return { process: 'none' };
    case 'poisson':
      return { process: 'poisson', ratePerSecond: arrivals.rate };
    case 'mmpp':
      if (arrivals.rates[0] === 0 && arrivals.rates[1] === 0) {
        throw new InputError(file, formatPath([...path, 'rates']), 'expected at least one rate > 0, got [0, 0]: no task would ever arrive');
      }
      checkMmppCycle(arrivals.rates, arrivals.dwell, path, file);
      return { process: 'mmpp', ratesPerSecond: [arrivals.rates[0], arrivals.rates[1]], meanDwellSeconds: [arrivals.dwell[0], arrivals.dwell[1]] };
    default: {
      const unreachable: never = arrivals;
      throw new Error(`unknown arrival process ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Refuses an MMPP that would switch state about a million times between two arrivals. */
function checkMmppCycle(rates: readonly [number, number], dwell: readonly [number, number], path: readonly PathSegment[], file: string): void {
  const arrivalsPerCycle = rates[0] * dwell[0] + rates[1] * dwell[1];
  if (arrivalsPerCycle >= MIN_MMPP_ARRIVALS_PER_CYCLE) return;
  throw new InputError(
    file,
    formatPath([...path, 'dwell']),
    `expected rates × dwell (the arrivals of one calm-and-burst cycle) to be at least ${MIN_MMPP_ARRIVALS_PER_CYCLE}, got ${arrivalsPerCycle}: ` +
      'the process would switch state about a million times between two tasks; lengthen the dwell times or raise the rates',
  );
}

function buildTaskType(entry: TaskTypeEntry, path: readonly PathSegment[], file: string): TaskTypeConfig {
  const tokens: Distribution = typeof entry.tokens === 'number' ? { dist: 'constant', value: entry.tokens } : entry.tokens;
  checkDistribution(tokens, [...path, 'tokens'], file);
  const deadline = entry.deadline !== undefined ? tokenDistribution(entry.deadline, [...path, 'deadline'], file) : undefined;
  return {
    type: entry.type,
    weight: entry.weight,
    tokens,
    contextTokens: entry.contextTokens,
    ...(entry.contextKeys === undefined ? {} : { contextKeys: { count: entry.contextKeys.count, zipf: entry.contextKeys.zipf } }),
    priority: buildPriority(entry.priority, [...path, 'priority'], file),
    ...(deadline === undefined ? {} : { deadline }),
    ...taskLimits(entry),
  };
}

/** What a task type and a job both set, last (so their keys keep their order): limits, tags and owner. */
type TaskLimits = Pick<TaskTypeConfig, 'timeoutSeconds' | 'ttlSeconds' | 'maxRetries' | 'tags' | 'tenant' | 'assignee'>;

/** An entry's {@link TaskLimits}, each optional one present only when the entry sets it. */
function taskLimits(entry: Pick<TaskTypeEntry, 'timeout' | 'ttl' | 'maxRetries' | 'tags' | 'tenant' | 'assignee'>): TaskLimits {
  return {
    ...(entry.timeout === undefined ? {} : { timeoutSeconds: entry.timeout }),
    ...(entry.ttl === undefined ? {} : { ttlSeconds: entry.ttl }),
    ...(entry.maxRetries === undefined ? {} : { maxRetries: entry.maxRetries }),
    tags: [...entry.tags],
    ...(entry.tenant === undefined ? {} : { tenant: entry.tenant }),
    ...(entry.assignee === undefined ? {} : { assignee: entry.assignee }),
  };
}

/** The schema checked each parameter's range; what is left is how they relate. */
function checkDistribution(distribution: Distribution, path: readonly PathSegment[], file: string): void {
  if (distribution.dist === 'uniform' && distribution.min > distribution.max) {
    throw new InputError(file, formatPath([...path, 'max']), `expected max >= min (${distribution.min}), got ${distribution.max}`);
  }
}

/** A level, or a map level → probability, as the sorted list the simulator draws from. */
function buildPriority(
  priority: TaskTypeEntry['priority'],
  path: readonly PathSegment[],
  file: string,
): { level: number; probability: number }[] {
  if (typeof priority === 'number') return [{ level: priority, probability: 1 }];
  const levels: { level: number; probability: number }[] = [];
  for (const [key, probability] of Object.entries(priority)) {
    // YAML and JSON both hand map keys over as strings: `{ 1: 0.2 }` arrives as { "1": 0.2 }.
    if (!/^[0-9]$/.test(key) || Number(key) > MAX_PRIORITY_LEVEL) {
      throw new InputError(file, formatPath([...path, key]), `expected a priority level 0..${MAX_PRIORITY_LEVEL} as key, got "${key}"`);
    }
    levels.push({ level: Number(key), probability });
  }
  const sum = levels.reduce((total, { probability }) => total + probability, 0);
  if (!(Math.abs(sum - 1) <= PRIORITY_SUM_TOLERANCE)) {
    throw new InputError(file, formatPath(path), `expected probabilities that sum to 1, got a sum of ${Number(sum.toPrecision(12))}`);
  }
  return levels.sort((a, b) => a.level - b.level);
}

function buildJobs(entries: readonly JobEntry[], generatesTasks: boolean, file: string): ScenarioJob[] {
  checkUnique(entries.map((job) => job.id), (i) => ['workload', 'jobs', i, 'id'], 'job id', file);
  if (generatesTasks) {
    const clash = entries.findIndex((job) => GENERATED_TASK_ID.test(job.id));
    if (clash >= 0) {
      throw new InputError(file, `workload.jobs[${clash}].id`, `"${entries[clash]!.id}" is reserved: generated tasks take the ids t0, t1, t2, …`);
    }
  }
  checkDependencies(entries, file);
  return entries.map(buildJob);
}

function buildJob(entry: JobEntry): ScenarioJob {
  return {
    id: entry.id,
    atSeconds: entry.at,
    type: entry.type,
    tokens: entry.tokens,
    priority: entry.priority,
    ...(entry.contextKey === undefined ? {} : { contextKey: entry.contextKey }),
    contextTokens: entry.contextTokens,
    ...(entry.deadline === undefined ? {} : { deadlineSeconds: entry.deadline }),
    dependsOn: entry.dependsOn.map(dependencyId),
    dependencyPolicy: Object.fromEntries(entry.dependsOn.flatMap((edge) => (typeof edge === 'string' ? [] : [[edge.id, edge.onFailure]]))),
    ...taskLimits(entry),
  };
}

/** The id a `dependsOn` entry names. */
export function dependencyId(edge: string | { readonly id: string }): string {
  return typeof edge === 'string' ? edge : edge.id;
}

/** Workflow templates, with unique names, and no job taking an id a workflow generates. */
function buildWorkflows(entries: readonly WorkflowEntry[], jobs: readonly JobEntry[], file: string): WorkflowTemplate[] {
  const workflows = entries.map((entry, i) => buildWorkflow(entry, ['workload', 'workflows', i], file));
  checkUnique(workflows.map((w) => w.name), (i) => ['workload', 'workflows', i, 'name'], 'workflow name', file);
  jobs.forEach((job, j) => {
    const owner = workflows.find((w) => isWorkflowTaskId(job.id, w.name));
    if (owner === undefined) return;
    throw new InputError(file, `workload.jobs[${j}].id`, `"${job.id}" is reserved: workflow "${owner.name}" takes the ids ${owner.name}-<n>/…`);
  });
  return workflows;
}

/** True when `id` has the form of a task id of workflow `name`: `${name}-${n}/…`. */
function isWorkflowTaskId(id: string, name: string): boolean {
  return id.startsWith(`${name}-`) && /^(0|[1-9][0-9]*)\//.test(id.slice(name.length + 1));
}

function buildWorkflow(entry: WorkflowEntry, path: readonly PathSegment[], file: string): WorkflowTemplate {
  if (!WORKFLOW_NAME.test(entry.name)) {
    throw new InputError(
      file,
      formatPath([...path, 'name']),
      `expected letters, digits, ".", "_" or "-" (task ids are built from it), got ${JSON.stringify(entry.name)}`,
    );
  }
  const arrivals = buildArrivals(entry.arrivals, [...path, 'arrivals'], file);
  const deadline = entry.deadline === undefined ? undefined : tokenDistribution(entry.deadline, [...path, 'deadline'], file);
  if (entry.supervisor !== undefined && entry.dag.join === false) {
    throw new InputError(file, formatPath([...path, 'dag', 'join']), 'join: false is not allowed with a supervisor: its synthesis task joins the leaves');
  }
  const nodes = entry.nodes.map((node, k): WorkflowNodeConfig => buildTaskType(node, [...path, 'nodes', k], file));
  checkUnique(nodes.map((node) => node.type), (k) => [...path, 'nodes', k, 'type'], 'node type', file);
  const supervisor = entry.supervisor;
  return {
    name: entry.name,
    arrivals,
    count: entry.count ?? Infinity,
    ...(deadline === undefined ? {} : { deadline }),
    onFailure: entry.onFailure,
    ...(entry.tenant === undefined ? {} : { tenant: entry.tenant }),
    dag: { fanOut: entry.dag.fanOut, depth: entry.dag.depth, join: entry.dag.join ?? true },
    nodes,
    ...(supervisor === undefined
      ? {}
      : {
          supervisor: {
            assignee: supervisor.assignee,
            type: supervisor.type,
            priority: supervisor.priority,
            decomposeTokens: tokenDistribution(supervisor.decomposeTokens, [...path, 'supervisor', 'decomposeTokens'], file),
            synthesisTokens: tokenDistribution(supervisor.synthesisTokens, [...path, 'supervisor', 'synthesisTokens'], file),
          },
        }),
  };
}

/** A number n (tokens, or seconds for a deadline) as the constant n; a distribution checked. */
function tokenDistribution(tokens: number | Distribution, path: readonly PathSegment[], file: string): Distribution {
  const distribution: Distribution = typeof tokens === 'number' ? { dist: 'constant', value: tokens } : tokens;
  checkDistribution(distribution, path, file);
  return distribution;
}

/** Every `dependsOn` id names a listed job, once, and the graph has no cycle. */
function checkDependencies(jobs: readonly JobEntry[], file: string): void {
  const indexById = new Map(jobs.map((job, i) => [job.id, i]));
  jobs.forEach((job, i) => {
    const seen = new Set<string>();
    job.dependsOn.forEach((edge, j) => {
      const id = dependencyId(edge);
      const where = `workload.jobs[${i}].dependsOn[${j}]`;
      if (!indexById.has(id)) throw new InputError(file, where, `no job has id "${id}"${didYouMean(id, indexById.keys())}`);
      if (seen.has(id)) throw new InputError(file, where, `"${id}" is listed twice`);
      seen.add(id);
    });
  });
  const cycle = findCycle(jobs, indexById);
  if (cycle === undefined) return;
  // Name the job of the cycle that comes first in the file, and the entry that closes the loop.
  const first = cycle.indexOf(Math.min(...cycle));
  const ordered = [...cycle.slice(first), ...cycle.slice(0, first)];
  const start = ordered[0]!;
  const next = jobs[ordered[1 % ordered.length]!]!.id;
  const ids = [...ordered, start].map((i) => jobs[i]!.id);
  const shown = ids.length > CYCLE_IDS_SHOWN ? [...ids.slice(0, CYCLE_IDS_SHOWN - 1), '…', ids[ids.length - 1]] : ids;
  throw new InputError(
    file,
    `workload.jobs[${start}].dependsOn[${jobs[start]!.dependsOn.map(dependencyId).indexOf(next)}]`,
    `dependency cycle: ${shown.join(' → ')} (each job waits for the next, so none can start)`,
  );
}

/**
 * A cycle in the dependency graph as job indices (each depends on the next, the last on the
 * first), or undefined. Iterative depth-first search, so a long chain cannot overflow the stack.
 */
function findCycle(jobs: readonly JobEntry[], indexById: ReadonlyMap<string, number>): number[] | undefined {
  const NEW = 0, ON_PATH = 1, DONE = 2;
  const state = new Uint8Array(jobs.length);
  for (let root = 0; root < jobs.length; root++) {
    if (state[root] !== NEW) continue;
    const path: { job: number; next: number }[] = [{ job: root, next: 0 }];
    state[root] = ON_PATH;
    while (path.length > 0) {
      const frame = path[path.length - 1]!;
      const deps = jobs[frame.job]!.dependsOn;
      if (frame.next === deps.length) {
        state[frame.job] = DONE;
        path.pop();
        continue;
      }
      const dep = indexById.get(dependencyId(deps[frame.next++]!))!;
      if (state[dep] === ON_PATH) return path.slice(path.findIndex((f) => f.job === dep)).map((f) => f.job);
      if (state[dep] === NEW) {
        state[dep] = ON_PATH;
        path.push({ job: dep, next: 0 });
      }
    }
  }
  return undefined;
}

/** Throws for the second occurrence of a name, pointing at it and at the first. */
function checkUnique(names: readonly string[], pathOf: (i: number) => PathSegment[], what: string, file: string): void {
  const firstIndex = new Map<string, number>();
  names.forEach((name, i) => {
    const earlier = firstIndex.get(name);
    if (earlier !== undefined) {
      throw new InputError(file, formatPath(pathOf(i)), `duplicate ${what} "${name}" (first at ${formatPath(pathOf(earlier))})`);
    }
    firstIndex.set(name, i);
  });
}
