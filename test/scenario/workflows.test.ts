/**
 * `workload.workflows`: the file format (defaults, normalized form) and the one-line errors that
 * name the field path.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { expectInputError, generatedScenario, normalize, withField } from './helpers.js';

/** A YAML scenario whose only work is one workflow with a supervisor (the docs' example, small). */
const WORKFLOW_YAML = `
name: dag
stop: { time: 3600 }
agents:
  - { id: lead-0, speed: 50, skills: { plan: 1 } }
  - { pool: worker, count: 2, speed: 20, skills: { code: 0.9, research: 0.6 }, tags: [python] }
workload:
  workflows:
    - name: feature
      arrivals: { process: poisson, rate: 0.01 }
      count: 200
      deadline: { dist: uniform, min: 600, max: 1200 }
      onFailure: cancel
      dag: { fanOut: 3, depth: 2 }
      nodes:
        - { type: code, weight: 2, tokens: { dist: exponential, mean: 800 }, contextTokens: 2000, tags: [python], priority: 1 }
        - { type: research, tokens: 500 }
      supervisor:
        assignee: lead-0
        decomposeTokens: { dist: constant, value: 400 }
        synthesisTokens: 300
strategies: [round-robin]
`;

/** A valid scenario in object form: generated tasks plus one workflow without a supervisor. */
function workflowScenario(): Record<string, unknown> {
  return withField(generatedScenario(), 'workload.workflows', [
    {
      name: 'fan',
      arrivals: { process: 'poisson', rate: 0.1 },
      dag: { fanOut: 2, depth: 2 },
      nodes: [{ type: 'code', tokens: 10 }],
    },
  ]);
}

/** Expects `normalize(base with path = value)` to fail at `errorPath` with `message`. */
function rejects(base: Record<string, unknown>, path: string, value: unknown, errorPath: string, message: RegExp | string): void {
  expectInputError(() => normalize(withField(base, path, value)), errorPath, message);
}

describe('workload.workflows: a valid file', () => {
  it('parses from YAML into a fully specified, frozen template', () => {
    const scenario = parseScenario(WORKFLOW_YAML, 'dag.yaml');
    expect(scenario.workload.workflows).toHaveLength(1);
    const workflow = scenario.workload.workflows[0]!;
    expect(Object.isFrozen(workflow)).toBe(true);
    expect(Object.isFrozen(workflow.nodes[0]!.tags)).toBe(true);
    expect(workflow.name).toBe('feature');
    expect(workflow.arrivals).toEqual({ process: 'poisson', ratePerSecond: 0.01 });
    expect(workflow.count).toBe(200);
    expect(workflow.deadline).toEqual({ dist: 'uniform', min: 600, max: 1200 });
    expect(workflow.onFailure).toBe('cancel');
    // join defaults to true
    expect(workflow.dag).toEqual({ fanOut: 3, depth: 2, join: true });
    expect(workflow.nodes[0]).toEqual({
      type: 'code',
      weight: 2,
      tokens: { dist: 'exponential', mean: 800 },
      contextTokens: 2000,
      priority: [{ level: 1, probability: 1 }],
      tags: ['python'],
    });
    // A bare number is a constant; weight, contextTokens, tags and priority get their defaults.
    expect(workflow.nodes[1]).toEqual({
      type: 'research',
      weight: 1,
      tokens: { dist: 'constant', value: 500 },
      contextTokens: 0,
      priority: [{ level: 2, probability: 1 }],
      tags: [],
    });
    expect(workflow.supervisor).toEqual({
      assignee: 'lead-0',
      type: 'plan',
      priority: 2,
      decomposeTokens: { dist: 'constant', value: 400 },
      synthesisTokens: { dist: 'constant', value: 300 },
    });
  });

  it('defaults: unlimited count, cascade-fail, no deadline, no supervisor; other workloads get an empty list', () => {
    const workflow = normalize(workflowScenario()).workload.workflows[0]!;
    expect(workflow.count).toBe(Infinity);
    expect(workflow.onFailure).toBe('cascade-fail');
    expect(workflow.deadline).toBeUndefined();
    expect(workflow.supervisor).toBeUndefined();
    expect(workflow.dag.join).toBe(true);
    expect(normalize(generatedScenario()).workload.workflows).toEqual([]);
  });

  it('join: false is kept without a supervisor', () => {
    const raw = withField(workflowScenario(), 'workload.workflows[0].dag.join', false);
    expect(normalize(raw).workload.workflows[0]!.dag.join).toBe(false);
  });

  it('agents may have skills for node types and the supervisor type only workflows have', () => {
    const scenario = parseScenario(WORKFLOW_YAML, 'dag.yaml');
    expect(scenario.agents[0]!.spec.skills).toEqual({ plan: 1 });
    expect(scenario.agents[1]!.spec.skills).toEqual({ code: 0.9, research: 0.6 });
  });

  it('a skill for a type no one produces is still an error, and the known types include the workflows\'', () => {
    const yaml = WORKFLOW_YAML.replace('skills: { plan: 1 }', 'skills: { plam: 1 }');
    expectInputError(() => parseScenario(yaml, 'dag.yaml'), 'agents[0].skills.plam', 'no task type "plam" in the workload (did you mean "plan"?); known types: code, research, plan', 'dag.yaml');
  });

  it('workflows with a count and no stop run until done', () => {
    const raw = withField(withField(workflowScenario(), 'workload.workflows[0].count', 5), 'stop', undefined);
    const withoutTasks = withField(withField(withField(raw, 'workload.arrivals', undefined), 'workload.tasks', []), 'agents[0].skills', { code: 1 });
    const scenario = normalize(withoutTasks);
    expect(scenario.stop).toEqual({ timeSeconds: Infinity, tasks: Infinity, drain: true });
  });
});

describe('workload.workflows: errors name the field path', () => {
  it('fanOut and depth are bounded', () => {
    rejects(workflowScenario(), 'workload.workflows[0].dag.fanOut', 0, 'workload.workflows[0].dag.fanOut', 'expected a number >= 1, got 0');
    rejects(workflowScenario(), 'workload.workflows[0].dag.fanOut', 17, 'workload.workflows[0].dag.fanOut', 'expected a number <= 16, got 17');
    rejects(workflowScenario(), 'workload.workflows[0].dag.depth', 5, 'workload.workflows[0].dag.depth', 'expected a number <= 4, got 5');
    rejects(workflowScenario(), 'workload.workflows[0].dag.depth', 1.5, 'workload.workflows[0].dag.depth', 'expected an integer, got 1.5');
  });

  it('an unknown supervisor assignee names the field and guesses the agent', () => {
    const yaml = WORKFLOW_YAML.replace('assignee: lead-0', 'assignee: lead-1');
    expectInputError(
      () => parseScenario(yaml, 'dag.yaml'),
      'workload.workflows[0].supervisor.assignee',
      'no agent has id "lead-1" (did you mean "lead-0"?); known agents: lead-0, worker-0, worker-1',
      'dag.yaml',
    );
  });

  it('unknown keys are errors at every level of a workflow', () => {
    rejects(workflowScenario(), 'workload.workflows[0].fanOut', 3, 'workload.workflows[0].fanOut', 'unknown field "fanOut"');
    rejects(workflowScenario(), 'workload.workflows[0].dag.joins', true, 'workload.workflows[0].dag.joins', 'unknown field "joins" (did you mean "join"?)');
    rejects(workflowScenario(), 'workload.workflows[0].nodes[0].deadline', { dist: 'constant', value: 1 }, 'workload.workflows[0].nodes[0].deadline', 'unknown field "deadline"');
    rejects(
      workflowScenario(),
      'workload.workflows[0].supervisor',
      { assignee: 'solo', decomposeTokens: 1, synthesisTokens: 1, synthesizeTokens: 1 },
      'workload.workflows[0].supervisor.synthesizeTokens',
      'unknown field "synthesizeTokens"',
    );
    rejects(workflowScenario(), 'workload.workflow', [], 'workload.workflow', 'unknown field "workflow" (did you mean "workflows"?)');
  });

  it('required fields say so', () => {
    rejects(workflowScenario(), 'workload.workflows[0].dag', undefined, 'workload.workflows[0].dag', 'required');
    rejects(workflowScenario(), 'workload.workflows[0].arrivals', undefined, 'workload.workflows[0].arrivals', 'required');
    rejects(workflowScenario(), 'workload.workflows[0].nodes', [], 'workload.workflows[0].nodes', 'expected a non-empty list');
    rejects(workflowScenario(), 'workload.workflows[0].supervisor', { decomposeTokens: 1, synthesisTokens: 1 }, 'workload.workflows[0].supervisor.assignee', 'required: expected a string');
  });

  it('onFailure is one of the three edge policies', () => {
    rejects(workflowScenario(), 'workload.workflows[0].onFailure', 'fail', 'workload.workflows[0].onFailure', 'expected one of "cascade-fail", "cancel", "ignore", got "fail"');
  });

  it('an MMPP with both rates 0 points into the workflow', () => {
    const mmpp = { process: 'mmpp', rates: [0, 0], dwell: [10, 10] };
    rejects(workflowScenario(), 'workload.workflows[0].arrivals', mmpp, 'workload.workflows[0].arrivals.rates', 'expected at least one rate > 0');
  });

  it('a uniform deadline or token distribution needs min <= max', () => {
    rejects(workflowScenario(), 'workload.workflows[0].deadline', { dist: 'uniform', min: 9, max: 1 }, 'workload.workflows[0].deadline.max', 'expected max >= min (9), got 1');
    rejects(workflowScenario(), 'workload.workflows[0].nodes[0].tokens', { dist: 'uniform', min: 9, max: 1 }, 'workload.workflows[0].nodes[0].tokens.max', 'expected max >= min');
    rejects(
      workflowScenario(),
      'workload.workflows[0].supervisor',
      { assignee: 'solo', decomposeTokens: 1, synthesisTokens: { dist: 'uniform', min: 9, max: 1 } },
      'workload.workflows[0].supervisor.synthesisTokens.max',
      'expected max >= min',
    );
  });

  it('node and supervisor token counts share the task types\' bound of 10⁹', () => {
    rejects(workflowScenario(), 'workload.workflows[0].nodes[0].tokens', 1e308, 'workload.workflows[0].nodes[0].tokens', 'expected a number <= 1000000000, got 1e+308');
    rejects(workflowScenario(), 'workload.workflows[0].nodes[0].contextTokens', 1e308, 'workload.workflows[0].nodes[0].contextTokens', 'expected a number <= 1000000000, got 1e+308');
    rejects(
      workflowScenario(),
      'workload.workflows[0].supervisor',
      { assignee: 'solo', decomposeTokens: { dist: 'exponential', mean: 1e308 }, synthesisTokens: 1 },
      'workload.workflows[0].supervisor.decomposeTokens.mean',
      'expected a number <= 1000000000, got 1e+308',
    );
  });

  it('names are unique and usable in task ids', () => {
    const second = { name: 'fan', arrivals: { process: 'none' }, dag: { fanOut: 1, depth: 1 }, nodes: [{ type: 'code', tokens: 1 }] };
    const raw = withField(workflowScenario(), 'workload.workflows[1]', second);
    expectInputError(() => normalize(raw), 'workload.workflows[1].name', 'duplicate workflow name "fan" (first at workload.workflows[0].name)');
    rejects(workflowScenario(), 'workload.workflows[0].name', 'a/b', 'workload.workflows[0].name', 'expected letters, digits, ".", "_" or "-" (task ids are built from it), got "a/b"');
  });

  it('node types are unique within a workflow', () => {
    const nodes = [{ type: 'code', tokens: 1 }, { type: 'code', tokens: 2 }];
    rejects(workflowScenario(), 'workload.workflows[0].nodes', nodes, 'workload.workflows[0].nodes[1].type', 'duplicate node type "code"');
  });

  it('join: false contradicts a supervisor', () => {
    const raw = withField(workflowScenario(), 'workload.workflows[0].supervisor', { assignee: 'solo', decomposeTokens: 1, synthesisTokens: 1 });
    rejects(raw, 'workload.workflows[0].dag.join', false, 'workload.workflows[0].dag.join', 'join: false is not allowed with a supervisor');
    expect(normalize(raw).workload.workflows[0]!.dag.join).toBe(true);
  });

  it('a job may not take an id a workflow generates', () => {
    const raw = withField(workflowScenario(), 'workload.jobs', [
      { id: 'fan-x/1', at: 0, type: 'code', tokens: 1 },
      { id: 'fan-12/join', at: 0, type: 'code', tokens: 1 },
    ]);
    expectInputError(() => normalize(raw), 'workload.jobs[1].id', '"fan-12/join" is reserved: workflow "fan" takes the ids fan-<n>/…');
  });

  it('a workflow that never stops arriving needs stop.time', () => {
    const onlyWorkflows = withField(withField(workflowScenario(), 'workload.arrivals', undefined), 'workload.tasks', []);
    rejects(onlyWorkflows, 'stop', undefined, 'stop', 'required: workload.workflows[0] ("fan") generates instances without end');
    const byTasks = withField(workflowScenario(), 'stop', { tasks: 10 });
    expectInputError(() => normalize(byTasks), 'stop.time', 'give stop.time, or count on the workflow');
  });

  it('workflows that never arrive leave nothing to run', () => {
    const raw = withField(withField(workflowScenario(), 'workload.arrivals', undefined), 'workload.tasks', []);
    rejects(raw, 'workload.workflows[0].arrivals', { process: 'none' }, 'workload', 'nothing to run');
  });
});
