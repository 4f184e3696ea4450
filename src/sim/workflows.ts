/**
 * Workflow (DAG) instances: the pure, seeded expansion of one instance of a
 * {@link WorkflowTemplate} into the {@link TaskSpec}s the driver submits.
 *
 * Shape, with fan-out f and depth d: level 1 has f nodes, every node of level k < d has f
 * children at level k + 1 that depend on it, so an instance has f + f² + … + f^d nodes. Node ids
 * are `${name}-${n}/${path}` with a 1-based path (`1`, `1.2`, `1.2.3`). With `join`, one more node
 * `${name}-${n}/join` depends on every leaf (level d). With a supervisor, the instance starts as
 * one decomposition task `${name}-${n}/decompose` directly assigned to the lead; when it
 * completes, the driver submits the nodes and the synthesis task `${name}-${n}/synthesis`
 * (assigned to the lead, depending on every leaf), which takes the join node's place.
 *
 * Every task of instance n has `workflowId` `${name}-${n}`, the instance's one absolute deadline
 * (arrival + a relative deadline drawn once per instance), and `dependencyPolicy[dep] =
 * onFailure` on each of its edges. `parentId` is the node a task was split from: a node's parent
 * node, or for level-1 nodes and the synthesis the decomposition task (with a supervisor), else
 * none; the join node and the decomposition task have none.
 *
 * Randomness (common random numbers, see src/sim/random.ts): instance n of workflow `name` draws
 * from its own streams `workflow/<name>/<n>/<attribute>` of (seed, replication), one per
 * attribute (deadline, decompose, synthesis, mix, tokens, keys, priority). So an instance's tasks
 * depend only on (seed, replication, name, n), never on when or in which order instances are
 * expanded, and {@link WorkflowFactory.decomposed} gives the same nodes however often it is
 * called. Node attributes are drawn node by node in submission order: level by level, each level
 * in path order, then the join node. Pure: no I/O, no global randomness, no state between calls.
 */
import type { DependencyFailurePolicy, TaskId, TaskSpec } from '../engine/task.js';
import type { WorkflowSupervisorConfig, WorkflowTemplate } from '../scenario/types.js';
import { sampler } from './distributions.js';
import { stream, type Uniform } from './random.js';
import { TypeMix, arrivalClock, pickPriority, type ArrivalClock } from './workload.js';

/** Per-instance attributes, each drawn from its own stream. */
type Attribute = 'deadline' | 'decompose' | 'synthesis' | 'mix' | 'tokens' | 'keys' | 'priority';

/** Tags of the supervisor's tasks (none; shared, as specs are read-only). */
const NO_TAGS: readonly string[] = Object.freeze([]);

/** The id of instance `n` of workflow `name`, which is every one of its tasks' `workflowId`. */
export function workflowInstanceId(name: string, n: number): string {
  return `${name}-${n}`;
}

/** Nodes of one instance's DAG: fanOut + fanOut² + … + fanOut^depth. */
export function workflowNodeCount(dag: WorkflowTemplate['dag']): number {
  let count = 0;
  let level = 1;
  for (let k = 1; k <= dag.depth; k++) count += level *= dag.fanOut;
  return count;
}

/** Tasks one instance submits in all: its nodes, the join or synthesis, and the decomposition. */
export function workflowTaskCount(template: WorkflowTemplate): number {
  const hasSupervisor = template.supervisor !== undefined;
  return workflowNodeCount(template.dag) + (hasSupervisor || template.dag.join ? 1 : 0) + (hasSupervisor ? 1 : 0);
}

/**
 * The arrival clock of a workflow's instances, drawing from the stream
 * `workflow/<name>/arrivals` of (seed, replication), apart from every other stream.
 */
export function workflowArrivalClock(template: WorkflowTemplate, seed: number, replication: number): ArrivalClock {
  return arrivalClock(template.arrivals, stream(seed, replication, `workflow/${template.name}/arrivals`));
}

interface PreparedSupervisor {
  readonly config: WorkflowSupervisorConfig;
  readonly decomposeTokens: (random: Uniform) => number;
  readonly synthesisTokens: (random: Uniform) => number;
}

/**
 * Expands instances of one workflow template into task specs. Holds only what it precomputes
 * from the template (samplers, the node paths); every call is a pure function of its arguments
 * and the (seed, replication) it was built with, so calls may come in any order and repeat.
 */
export class WorkflowFactory {
  /** The node types, drawn as generated tasks' types are. */
  private readonly mix: TypeMix;
  private readonly deadline: ((random: Uniform) => number) | undefined;
  private readonly supervisor: PreparedSupervisor | undefined;
  /** Node paths in submission order (level by level), and the index of each node's parent (-1 at level 1). */
  private readonly paths: readonly string[];
  private readonly parentIndex: Int32Array;
  /** Index of the first leaf in `paths` (the leaves are the last fanOut^depth). */
  private readonly firstLeaf: number;

  /**
   * @param template - the workflow, as normalized from the scenario (kept as {@link template})
   * @param seed - the scenario's seed
   * @param replication - the replication, 0-based
   */
  constructor(
    /** The workflow this factory expands. */
    readonly template: WorkflowTemplate,
    private readonly seed: number,
    private readonly replication: number,
  ) {
    if (template.nodes.length === 0) throw new Error(`workflow "${template.name}" has no node types`);
    this.mix = new TypeMix(template.nodes);
    this.deadline = template.deadline === undefined ? undefined : sampler(template.deadline);
    const lead = template.supervisor;
    this.supervisor =
      lead === undefined ? undefined : { config: lead, decomposeTokens: sampler(lead.decomposeTokens), synthesisTokens: sampler(lead.synthesisTokens) };
    const { paths, parentIndex } = nodePaths(template.dag.fanOut, template.dag.depth);
    this.paths = paths;
    this.parentIndex = parentIndex;
    this.firstLeaf = paths.length - template.dag.fanOut ** template.dag.depth;
  }

  /**
   * The tasks submitted when instance `n` arrives at `now`: without a supervisor the whole DAG
   * (nodes in submission order, parents before children, then the join node if any); with one,
   * just the decomposition task.
   * @param n - instance number, an integer 0 ≤ n < template.count
   * @param now - the arrival time, seconds
   */
  arrive(n: number, now: number): TaskSpec[] {
    this.checkInstance(n);
    const instance = new Instance(this.template.name, n, this.seed, this.replication);
    const deadline = this.deadlineOf(instance, now);
    const lead = this.supervisor;
    if (lead === undefined) return this.expand(instance, deadline, undefined);
    return [this.leadTask(instance, 'decompose', lead.decomposeTokens, deadline, undefined)];
  }

  /**
   * With a supervisor: the tasks submitted when the decomposition of instance `n` completes, the
   * DAG nodes (as {@link arrive} gives them without a supervisor, the first level depending on
   * the decomposition task) and then the synthesis task, which depends on every leaf. The same
   * for every call with the same arguments. Because of that first edge, a simulator may submit
   * these with the decomposition task: they stay blocked until it completes.
   * @param n - instance number, as given to {@link arrive}
   * @param arrivedAt - the instance's arrival time (the `now` given to {@link arrive}, not the
   *   completion time): the absolute deadline is arrivedAt + the instance's relative deadline
   * @throws Error when the template has no supervisor
   */
  decomposed(n: number, arrivedAt: number): TaskSpec[] {
    const lead = this.supervisor;
    if (lead === undefined) throw new Error(`workflow "${this.template.name}" has no supervisor: its instances are not decomposed`);
    this.checkInstance(n);
    const instance = new Instance(this.template.name, n, this.seed, this.replication);
    const deadline = this.deadlineOf(instance, arrivedAt);
    const decomposeId = instance.taskId('decompose');
    const tasks = this.expand(instance, deadline, decomposeId);
    tasks.push(this.leadTask(instance, 'synthesis', lead.synthesisTokens, deadline, decomposeId, this.leafIds(tasks)));
    return tasks;
  }

  private checkInstance(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.template.count) {
      throw new RangeError(`workflow "${this.template.name}": instance number must be an integer 0 ≤ n < ${this.template.count}, got ${n}`);
    }
  }

  private deadlineOf(instance: Instance, arrivedAt: number): number | undefined {
    return this.deadline === undefined ? undefined : arrivedAt + this.deadline(instance.stream('deadline'));
  }

  /** The nodes, then the join node when the template has one and no supervisor. */
  private expand(instance: Instance, deadline: number | undefined, rootParent: TaskId | undefined): TaskSpec[] {
    const { paths, parentIndex } = this;
    const onFailure = this.template.onFailure;
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < paths.length; i++) {
      const parent = parentIndex[i]! < 0 ? undefined : tasks[parentIndex[i]!]!.id;
      // Under a supervisor the first level waits on the decomposition, so the whole graph may be
      // submitted at arrival and still run only once the lead has decomposed the request.
      const after = parent ?? rootParent;
      tasks.push(this.node(instance, instance.taskId(paths[i]!), deadline, after === undefined ? undefined : [after], after, onFailure));
    }
    if (this.template.dag.join && this.supervisor === undefined) {
      tasks.push(this.node(instance, instance.taskId('join'), deadline, this.leafIds(tasks), undefined, onFailure));
    }
    return tasks;
  }

  /** Ids of the leaves among the first nodes of `tasks` (nodes come first, leaves last among them). */
  private leafIds(tasks: readonly TaskSpec[]): TaskId[] {
    const ids: TaskId[] = [];
    for (let i = this.firstLeaf; i < this.paths.length; i++) ids.push(tasks[i]!.id);
    return ids;
  }

  /** One DAG node of a type drawn from the mix. */
  private node(
    instance: Instance,
    id: TaskId,
    deadline: number | undefined,
    dependsOn: readonly TaskId[] | undefined,
    parentId: TaskId | undefined,
    onFailure: DependencyFailurePolicy,
  ): TaskSpec {
    const type = this.mix.pick(instance.stream('mix'));
    const config = type.config;
    return {
      id,
      type: config.type,
      priority: pickPriority(type, instance.stream('priority')),
      tokens: type.tokens(instance.stream('tokens')),
      contextKey: type.keys === undefined ? undefined : type.keyNames[type.keys.draw(instance.stream('keys'))],
      contextTokens: config.contextTokens,
      deadline,
      dependsOn,
      dependencyPolicy: dependsOn === undefined ? undefined : policyFor(dependsOn, onFailure),
      parentId,
      workflowId: instance.id,
      tenant: this.template.tenant,
      assignee: undefined,
      tags: config.tags,
      maxRetries: config.maxRetries,
      timeoutSeconds: config.timeoutSeconds,
      ttlSeconds: config.ttlSeconds,
    };
  }

  /** The decomposition or synthesis task, directly assigned to the lead. */
  private leadTask(
    instance: Instance,
    kind: 'decompose' | 'synthesis',
    tokens: (random: Uniform) => number,
    deadline: number | undefined,
    parentId: TaskId | undefined,
    dependsOn?: readonly TaskId[],
  ): TaskSpec {
    const lead = this.supervisor!.config;
    return {
      id: instance.taskId(kind),
      type: lead.type,
      priority: lead.priority,
      tokens: tokens(instance.stream(kind)),
      contextKey: undefined,
      contextTokens: 0,
      deadline,
      dependsOn,
      dependencyPolicy: dependsOn === undefined ? undefined : policyFor(dependsOn, this.template.onFailure),
      parentId,
      workflowId: instance.id,
      tenant: this.template.tenant,
      assignee: lead.assignee,
      tags: NO_TAGS,
      maxRetries: undefined,
      timeoutSeconds: undefined,
      ttlSeconds: undefined,
    };
  }
}

/** The streams of one instance, each made when first asked for (a constant draws nothing from it). */
class Instance {
  /** The instance's workflow id, `${name}-${n}`. */
  readonly id: string;
  private readonly streams = new Map<Attribute, Uniform>();

  constructor(
    private readonly name: string,
    private readonly n: number,
    private readonly seed: number,
    private readonly replication: number,
  ) {
    this.id = workflowInstanceId(name, n);
  }

  taskId(suffix: string): TaskId {
    return `${this.id}/${suffix}`;
  }

  stream(attribute: Attribute): Uniform {
    let random = this.streams.get(attribute);
    if (random === undefined) {
      random = stream(this.seed, this.replication, `workflow/${this.name}/${this.n}/${attribute}`);
      this.streams.set(attribute, random);
    }
    return random;
  }
}

/** `policy` on every edge of `dependsOn`. */
function policyFor(dependsOn: readonly TaskId[], policy: DependencyFailurePolicy): Record<TaskId, DependencyFailurePolicy> {
  const edges: Record<TaskId, DependencyFailurePolicy> = {};
  for (const id of dependsOn) edges[id] = policy;
  return edges;
}

/** Paths `1` … `f`, then `1.1` … `f.f`, … down to depth d, and each path's parent index. */
function nodePaths(fanOut: number, depth: number): { paths: string[]; parentIndex: Int32Array } {
  const paths: string[] = [];
  const parents: number[] = [];
  let levelStart = 0;
  for (let c = 1; c <= fanOut; c++) {
    paths.push(String(c));
    parents.push(-1);
  }
  for (let level = 2; level <= depth; level++) {
    const levelEnd = paths.length;
    for (let p = levelStart; p < levelEnd; p++) {
      for (let c = 1; c <= fanOut; c++) {
        paths.push(`${paths[p]}.${c}`);
        parents.push(p);
      }
    }
    levelStart = levelEnd;
  }
  return { paths, parentIndex: Int32Array.from(parents) };
}
