/**
 * Workflow expansion (src/sim/workflows.ts): the DAG's shape and edges, the supervisor's
 * decomposition and synthesis, and determinism per (seed, replication, workflow, instance).
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/engine/task.js';
import type { WorkflowNodeConfig, WorkflowSupervisorConfig, WorkflowTemplate } from '../../src/scenario/types.js';
import { WorkflowFactory, workflowArrivalClock, workflowNodeCount, workflowTaskCount } from '../../src/sim/workflows.js';

const SEED = 7;

/** A node type with an exponential size, so that different streams give different sizes. */
const CODE: WorkflowNodeConfig = {
  type: 'code',
  weight: 1,
  tokens: { dist: 'exponential', mean: 800 },
  contextTokens: 2000,
  priority: [{ level: 2, probability: 1 }],
  tags: ['python'],
};

const LEAD: WorkflowSupervisorConfig = {
  assignee: 'lead-0',
  type: 'plan',
  priority: 1,
  decomposeTokens: { dist: 'exponential', mean: 400 },
  synthesisTokens: { dist: 'constant', value: 300 },
};

/** A template of the given shape; `extra` replaces any field. */
function template(fanOut: number, depth: number, join: boolean, extra: Partial<WorkflowTemplate> = {}): WorkflowTemplate {
  return {
    name: 'feature',
    arrivals: { process: 'poisson', ratePerSecond: 0.01 },
    count: Infinity,
    onFailure: 'cascade-fail',
    dag: { fanOut, depth, join },
    nodes: [CODE],
    ...extra,
  };
}

/** Every path of `depth` segments or fewer over 1..fanOut, built by recursion (not by the code under test). */
function expectedPaths(fanOut: number, depth: number): string[] {
  const all: string[] = [];
  const walk = (prefix: string, level: number): void => {
    for (let c = 1; c <= fanOut; c++) {
      const path = prefix === '' ? String(c) : `${prefix}.${c}`;
      all.push(path);
      if (level < depth) walk(path, level + 1);
    }
  };
  walk('', 1);
  return all;
}

/** The path part of a node id (`feature-3/1.2` → `1.2`). */
function pathOf(id: string): string {
  return id.slice(id.indexOf('/') + 1);
}

/** True when the tasks' dependency graph has no cycle (Kahn's algorithm). */
function isAcyclic(tasks: readonly TaskSpec[]): boolean {
  const waiting = new Map(tasks.map((t) => [t.id, t.dependsOn?.length ?? 0]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks) for (const dep of t.dependsOn ?? []) dependents.set(dep, [...(dependents.get(dep) ?? []), t.id]);
  const ready = tasks.filter((t) => (t.dependsOn?.length ?? 0) === 0).map((t) => t.id);
  let done = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    done++;
    for (const next of dependents.get(id) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return done === tasks.length;
}

/** Checks shared by every instance: ids unique, edges inside the instance, policies, acyclic. */
function expectWellFormed(tasks: readonly TaskSpec[], workflowId: string, onFailure: string, external: readonly string[] = []): void {
  const ids = new Set(tasks.map((t) => t.id));
  expect(ids.size).toBe(tasks.length);
  for (const t of tasks) {
    expect(t.workflowId).toBe(workflowId);
    expect(t.id.startsWith(`${workflowId}/`)).toBe(true);
    const deps = t.dependsOn ?? [];
    expect(new Set(deps).size).toBe(deps.length);
    for (const dep of deps) expect(ids.has(dep) || external.includes(dep), `${t.id} depends on unknown ${dep}`).toBe(true);
    if (deps.length === 0) expect(t.dependencyPolicy ?? {}).toEqual({});
    else expect(t.dependencyPolicy).toEqual(Object.fromEntries(deps.map((dep) => [dep, onFailure])));
  }
  expect(isAcyclic(tasks)).toBe(true);
}

describe('the DAG of an instance without a supervisor', () => {
  const shapes: [number, number, boolean][] = [
    [1, 1, false],
    [1, 1, true],
    [1, 4, true],
    [4, 1, true],
    [3, 2, true],
    [2, 3, false],
    [3, 4, true],
  ];

  for (const [fanOut, depth, join] of shapes) {
    it(`fanOut ${fanOut}, depth ${depth}, join ${join}: every node, its parent edge, and the join on the leaves`, () => {
      const factory = new WorkflowFactory(template(fanOut, depth, join), SEED, 0);
      const tasks = factory.arrive(3, 50);
      const paths = expectedPaths(fanOut, depth);
      let nodes = 0;
      for (let k = 1, level = 1; k <= depth; k++) nodes += level *= fanOut;
      expect(paths).toHaveLength(nodes);
      expect(tasks).toHaveLength(nodes + (join ? 1 : 0));
      expect(workflowNodeCount({ fanOut, depth, join })).toBe(nodes);
      expect(workflowTaskCount(template(fanOut, depth, join))).toBe(tasks.length);
      expectWellFormed(tasks, 'feature-3', 'cascade-fail');

      const nodeTasks = tasks.filter((t) => !t.id.endsWith('/join'));
      expect(new Set(nodeTasks.map((t) => pathOf(t.id)))).toEqual(new Set(paths));
      const position = new Map(tasks.map((t, i) => [t.id, i]));
      for (const t of nodeTasks) {
        const path = pathOf(t.id);
        const cut = path.lastIndexOf('.');
        if (cut < 0) {
          expect(t.dependsOn ?? []).toEqual([]);
          expect(t.parentId).toBeUndefined();
        } else {
          const parent = `feature-3/${path.slice(0, cut)}`;
          expect(t.dependsOn).toEqual([parent]);
          expect(t.parentId).toBe(parent);
          expect(position.get(parent)!).toBeLessThan(position.get(t.id)!);
        }
      }
      const edges = tasks.reduce((sum, t) => sum + (t.dependsOn?.length ?? 0), 0);
      expect(edges).toBe(nodes - fanOut + (join ? fanOut ** depth : 0));

      const joinTask = tasks.find((t) => t.id === 'feature-3/join');
      if (!join) {
        expect(joinTask).toBeUndefined();
        return;
      }
      const leaves = paths.filter((p) => p.split('.').length === depth).map((p) => `feature-3/${p}`);
      expect(new Set(joinTask!.dependsOn)).toEqual(new Set(leaves));
      expect(joinTask!.dependsOn).toHaveLength(leaves.length);
      expect(joinTask!.parentId).toBeUndefined();
      expect(tasks[tasks.length - 1]).toBe(joinTask);
    });
  }

  it('every task carries the instance\'s one absolute deadline, drawn per instance', () => {
    const factory = new WorkflowFactory(template(2, 2, true, { deadline: { dist: 'uniform', min: 600, max: 1200 } }), SEED, 0);
    const deadlines = [0, 1, 2, 3].map((n) => {
      const tasks = factory.arrive(n, 1000);
      const deadline = tasks[0]!.deadline!;
      expect(deadline).toBeGreaterThanOrEqual(1600);
      expect(deadline).toBeLessThanOrEqual(2200);
      for (const t of tasks) expect(t.deadline).toBe(deadline);
      return deadline;
    });
    expect(new Set(deadlines).size).toBe(deadlines.length);
    // Relative to the arrival: the same instance arriving later has its deadline shifted as much.
    expect(factory.arrive(2, 1500)[0]!.deadline).toBeCloseTo(deadlines[2]! + 500, 9);
    expect(new WorkflowFactory(template(2, 2, true), SEED, 0).arrive(0, 0)[0]!.deadline).toBeUndefined();
  });

  it('nodes copy their type\'s fields and the template\'s edge policy', () => {
    const typed: WorkflowNodeConfig = { ...CODE, contextKeys: { count: 5, zipf: 1 }, timeoutSeconds: 60, ttlSeconds: 90, maxRetries: 1 };
    const factory = new WorkflowFactory(template(2, 2, true, { nodes: [typed], onFailure: 'ignore' }), SEED, 0);
    const tasks = factory.arrive(0, 0);
    expectWellFormed(tasks, 'feature-0', 'ignore');
    for (const t of tasks) {
      expect(t.type).toBe('code');
      expect(t.tags).toEqual(['python']);
      expect(t.contextTokens).toBe(2000);
      expect(t.contextKey).toMatch(/^code-[0-4]$/);
      expect(t.timeoutSeconds).toBe(60);
      expect(t.ttlSeconds).toBe(90);
      expect(t.maxRetries).toBe(1);
      expect(t.assignee).toBeUndefined();
      expect(t.tokens).toBeGreaterThan(0);
    }
  });

  it('node types follow the mix\'s weights, and priorities their map', () => {
    const review: WorkflowNodeConfig = { ...CODE, type: 'review', weight: 3, priority: [{ level: 0, probability: 0.5 }, { level: 4, probability: 0.5 }] };
    const factory = new WorkflowFactory(template(4, 2, false, { nodes: [CODE, review] }), SEED, 0);
    const tasks = Array.from({ length: 100 }, (_, n) => factory.arrive(n, n)).flat();
    const reviews = tasks.filter((t) => t.type === 'review');
    expect(reviews.length / tasks.length).toBeGreaterThan(0.7);
    expect(reviews.length / tasks.length).toBeLessThan(0.8);
    const critical = reviews.filter((t) => t.priority === 0).length / reviews.length;
    expect(critical).toBeGreaterThan(0.45);
    expect(critical).toBeLessThan(0.55);
    expect(reviews.every((t) => t.priority === 0 || t.priority === 4)).toBe(true);
    expect(tasks.filter((t) => t.type === 'code').every((t) => t.priority === 2)).toBe(true);
  });

  it('instance numbers outside 0..count-1 are a bug in the caller', () => {
    const factory = new WorkflowFactory(template(2, 1, true, { count: 3 }), SEED, 0);
    expect(factory.arrive(2, 0)).toHaveLength(3);
    expect(() => factory.arrive(3, 0)).toThrow(RangeError);
    expect(() => factory.arrive(-1, 0)).toThrow(RangeError);
    expect(() => factory.arrive(0.5, 0)).toThrow(RangeError);
    expect(() => factory.decomposed(0, 0)).toThrow(/has no supervisor/);
  });
});

describe('an instance with a supervisor', () => {
  const supervised = (fanOut = 3, depth = 2): WorkflowTemplate =>
    template(fanOut, depth, true, { supervisor: LEAD, deadline: { dist: 'exponential', mean: 900 } });

  it('arrives as exactly one decomposition task, assigned to the lead', () => {
    const factory = new WorkflowFactory(supervised(), SEED, 0);
    const tasks = factory.arrive(4, 120);
    expect(tasks).toHaveLength(1);
    const [decompose] = tasks;
    expect(decompose!.id).toBe('feature-4/decompose');
    expect(decompose!.assignee).toBe('lead-0');
    expect(decompose!.type).toBe('plan');
    expect(decompose!.priority).toBe(1);
    expect(decompose!.workflowId).toBe('feature-4');
    expect(decompose!.parentId).toBeUndefined();
    expect(decompose!.dependsOn ?? []).toEqual([]);
    expect(decompose!.tokens).toBeGreaterThan(0);
    expect(decompose!.deadline).toBeGreaterThan(120);
  });

  it('decomposes into the nodes and a synthesis on the leaves, with no join node', () => {
    for (const [fanOut, depth] of [[1, 1], [3, 2], [2, 3]] as const) {
      const factory = new WorkflowFactory(supervised(fanOut, depth), SEED, 0);
      const decompose = factory.arrive(4, 120)[0]!;
      const tasks = factory.decomposed(4, 120);
      expect(tasks.length + 1).toBe(workflowTaskCount(supervised(fanOut, depth)));
      expectWellFormed([decompose, ...tasks], 'feature-4', 'cascade-fail');
      expect(tasks.some((t) => t.id.endsWith('/join'))).toBe(false);
      const synthesis = tasks[tasks.length - 1]!;
      expect(synthesis.id).toBe('feature-4/synthesis');
      expect(synthesis.assignee).toBe('lead-0');
      expect(synthesis.type).toBe('plan');
      expect(synthesis.tokens).toBe(300);
      expect(synthesis.parentId).toBe(decompose.id);
      const leaves = expectedPaths(fanOut, depth).filter((p) => p.split('.').length === depth).map((p) => `feature-4/${p}`);
      expect(new Set(synthesis.dependsOn)).toEqual(new Set(leaves));
      expect(synthesis.dependsOn).toHaveLength(leaves.length);
      for (const t of tasks.slice(0, -1)) {
        expect(t.assignee).toBeUndefined();
        const path = pathOf(t.id);
        expect(t.parentId).toBe(path.includes('.') ? `feature-4/${path.slice(0, path.lastIndexOf('.'))}` : decompose.id);
        // The first level waits on the decomposition, so the graph may be submitted with it.
        if (!path.includes('.')) expect(t.dependsOn).toEqual([decompose.id]);
      }
      // The instance's deadline, as the decomposition had it.
      for (const t of tasks) expect(t.deadline).toBe(decompose.deadline);
    }
  });

  it('gives the same tasks on every call and from every factory with the same seed and replication', () => {
    const factory = new WorkflowFactory(supervised(), SEED, 2);
    const first = factory.decomposed(9, 30);
    factory.decomposed(3, 10);
    factory.arrive(9, 30);
    expect(factory.decomposed(9, 30)).toEqual(first);
    expect(new WorkflowFactory(supervised(), SEED, 2).decomposed(9, 30)).toEqual(first);
    expect(new WorkflowFactory(supervised(), SEED, 2).arrive(9, 30)).toEqual(factory.arrive(9, 30));
  });

  it('a different seed, replication or instance changes the token draws', () => {
    const tokens = (seed: number, replication: number, n: number): number[] => {
      const factory = new WorkflowFactory(supervised(), seed, replication);
      return [factory.arrive(n, 0)[0]!.tokens, ...factory.decomposed(n, 0).slice(0, -1).map((t) => t.tokens)];
    };
    const base = tokens(SEED, 0, 0);
    expect(base).toEqual(tokens(SEED, 0, 0));
    for (const other of [tokens(SEED + 1, 0, 0), tokens(SEED, 1, 0), tokens(SEED, 0, 1)]) {
      expect(other).toHaveLength(base.length);
      for (let i = 0; i < base.length; i++) expect(other[i]).not.toBe(base[i]);
    }
  });
});

describe('common random numbers', () => {
  it('an instance\'s tasks do not depend on the order in which instances are expanded', () => {
    const shape = template(2, 2, true, { nodes: [CODE, { ...CODE, type: 'review' }], deadline: { dist: 'exponential', mean: 100 } });
    const forward = new WorkflowFactory(shape, SEED, 0);
    const backward = new WorkflowFactory(shape, SEED, 0);
    const inOrder = Array.from({ length: 8 }, (_, n) => forward.arrive(n, 10 * n));
    const reversed = Array.from({ length: 8 }, (_, k) => 7 - k).map((n) => [n, backward.arrive(n, 10 * n)] as const);
    for (const [n, tasks] of reversed) expect(tasks).toEqual(inOrder[n]);
    // And they differ between instances (the draws are not one shared sequence restarted).
    expect(inOrder[0]!.map((t) => t.tokens)).not.toEqual(inOrder[1]!.map((t) => t.tokens));
  });

  it('the workflow\'s arrivals have a stream of their own, the same in every factory', () => {
    const shape = template(1, 1, false);
    const a = workflowArrivalClock(shape, SEED, 0);
    const b = workflowArrivalClock(shape, SEED, 0);
    const other = workflowArrivalClock({ ...shape, name: 'other' }, SEED, 0);
    let ta = 0, tb = 0, to = 0;
    for (let i = 0; i < 2000; i++) {
      ta = a.next(ta);
      tb = b.next(tb);
      to = other.next(to);
    }
    expect(ta).toBe(tb);
    expect(to).not.toBe(ta);
    // Poisson at 0.01/s: 2000 arrivals take about 200,000 s.
    expect(ta / 2000).toBeGreaterThan(90);
    expect(ta / 2000).toBeLessThan(110);
  });
});
