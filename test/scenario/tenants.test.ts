/**
 * The `tenant` field: task types, listed jobs and workflows name who submits their tasks, and
 * every task the simulator submits carries it; a workflow's node mix has no tenant of its own.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/engine/task.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { expectInputError, generatedScenario, normalize, withField } from './helpers.js';

const TENANTS_YAML = `
name: tenants
seed: 5
stop: { time: 200 }
agents: [{ pool: a, count: 2, speed: 100, skills: { code: 1, review: 1, build: 1 } }]
workload:
  arrivals: { process: poisson, rate: 0.5 }
  tasks:
    - { type: code, tokens: 100, tenant: alpha }
    - { type: review, tokens: 50 }
  jobs:
    - { id: j1, at: 3, type: build, tokens: 10, tenant: beta }
  workflows:
    - name: wf
      tenant: gamma
      arrivals: { process: poisson, rate: 0.05 }
      count: 2
      dag: { fanOut: 2, depth: 1 }
      nodes: [{ type: code, tokens: 40 }]
strategies: [round-robin]
`;

describe('the tenant field', () => {
  it('reaches every submitted task from its task type, job or workflow', () => {
    const scenario = parseScenario(TENANTS_YAML, 'tenants.yaml');
    const specs: TaskSpec[] = [];
    runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0, onEvent: (event) => {
      if (event.kind === 'submitted') specs.push(event.task.spec);
    } });
    const tenantsOf = (pick: (spec: TaskSpec) => boolean): Set<string | undefined> => new Set(specs.filter(pick).map((spec) => spec.tenant));
    const generated = (spec: TaskSpec): boolean => /^t\d+$/.test(spec.id);
    expect(tenantsOf((spec) => generated(spec) && spec.type === 'code')).toEqual(new Set(['alpha']));
    expect(tenantsOf((spec) => generated(spec) && spec.type === 'review')).toEqual(new Set([undefined]));
    expect(tenantsOf((spec) => spec.id === 'j1')).toEqual(new Set(['beta']));
    const workflowTasks = specs.filter((spec) => spec.workflowId !== undefined);
    expect(workflowTasks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(workflowTasks.map((spec) => spec.tenant))).toEqual(new Set(['gamma']));
  });

  it('an empty tenant name is an input error at its path', () => {
    expectInputError(() => normalize(withField(generatedScenario(), 'workload.tasks[0].tenant', ''), undefined), 'workload.tasks[0].tenant', /at least 1|too small|expected/i);
  });

  it('a workflow node may not name a tenant (the workflow does)', () => {
    const raw = parseYamlWorkflowWithNodeTenant();
    expect(() => parseScenario(raw, 'tenants.yaml')).toThrow(/workload\.workflows\[0\]\.nodes\[0\]/);
  });
});

function parseYamlWorkflowWithNodeTenant(): string {
  return TENANTS_YAML.replace('nodes: [{ type: code, tokens: 40 }]', 'nodes: [{ type: code, tokens: 40, tenant: delta }]');
}
