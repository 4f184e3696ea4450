/**
 * The sections of delegation and fleet operations are checked at load like the rest: every name
 * must exist and every time must be reachable, with a one-line error naming the field.
 */
import { describe, expect, it } from 'vitest';
import { expectInputError, generatedScenario, jobScenario, normalize, withField } from './helpers.js';

function rejects(base: Record<string, unknown>, path: string, value: unknown, errorPath: string, message: RegExp | string): void {
  expectInputError(() => normalize(withField(base, path, value)), errorPath, message);
}

describe('operations', () => {
  it('come out in time order, equal times in file order, with times in seconds', () => {
    const raw = withField(generatedScenario(), 'operations', [
      { at: 50, op: 'resume-type', type: 'review' },
      { at: 10, op: 'pause-type', type: 'review' },
      { at: 50, op: 'drain', agent: 'solo' },
    ]);
    expect(normalize(raw).operations.map((op) => `${op.atSeconds}:${op.op}`)).toEqual(['10:pause-type', '50:resume-type', '50:drain']);
  });

  it('name a task type the workload has, an agent of the fleet, and a listed job', () => {
    rejects(generatedScenario(), 'operations', [{ at: 1, op: 'pause-type', type: 'reveiw' }], 'operations[0].type', /no task type in the workload is named "reveiw" \(did you mean "review"\?\)/);
    rejects(generatedScenario(), 'operations', [{ at: 1, op: 'drain', agent: 'sol' }], 'operations[0].agent', /no agent is named "sol"/);
    rejects(generatedScenario(), 'operations', [{ at: 1, op: 'add', like: 'coders' }], 'operations[0].like', /no agent or pool is named "coders"/);
    rejects(jobScenario(), 'operations', [{ at: 1, op: 'pause', task: 'z' }], 'operations[0].task', /no listed job is named "z"/);
  });

  it('may not come after stop.time, where they would never happen', () => {
    rejects(generatedScenario(), 'operations', [{ at: 150, op: 'drain', agent: 'solo' }], 'operations[0].at', /expected at most stop.time \(100 s\), got 150/);
  });

  it('reject an unknown op with the known ones', () => {
    rejects(generatedScenario(), 'operations', [{ at: 1, op: 'reboot', agent: 'solo' }], 'operations[0].op', /pause-type/);
  });
});

describe('routing fields of task types and jobs', () => {
  it('an assignee must be an agent of the fleet', () => {
    rejects(generatedScenario(), 'workload.tasks[0].assignee', 'slo', 'workload.tasks[0].assignee', /no agent has id "slo" \(did you mean "solo"\?\)/);
    rejects(jobScenario(), 'workload.jobs[0].assignee', 'nobody', 'workload.jobs[0].assignee', /no agent has id "nobody"/);
  });

  it('tags must all be carried by some agent (by the assignee, when there is one)', () => {
    rejects(generatedScenario(), 'workload.tasks[1].tags', ['gpu'], 'workload.tasks[1].tags', /no agent carries all of gpu/);
    const tagged = withField(generatedScenario(), 'agents[0].tags', ['gpu']);
    expect(normalize(withField(tagged, 'workload.tasks[1].tags', ['gpu'])).workload.taskTypes[1]!.tags).toEqual(['gpu']);
    const twoAgents = withField(tagged, 'agents[1]', { id: 'other', speed: 10, skills: { code: 1 } });
    rejects(withField(twoAgents, 'workload.tasks[0].tags', ['gpu']), 'workload.tasks[0].assignee', 'other', 'workload.tasks[0].tags', /the assignee "other" does not carry all of gpu/);
  });

  it('a workflow node\'s tags must be carried by some agent', () => {
    const raw = withField(generatedScenario(), 'workload.workflows', [
      { name: 'w', arrivals: { process: 'none' }, dag: { fanOut: 2, depth: 1 }, nodes: [{ type: 'code', tokens: 10, tags: ['gpu'] }] },
    ]);
    expectInputError(() => normalize(raw), 'workload.workflows[0].nodes[0].tags', /no agent carries all of gpu/);
    expect(normalize(withField(raw, 'agents[0].tags', ['gpu'])).workload.workflows[0]!.nodes[0]!.tags).toEqual(['gpu']);
  });

  it('a dependency may carry its edge policy', () => {
    const raw = withField(jobScenario(), 'workload.jobs[2].dependsOn', [{ id: 'b', onFailure: 'ignore' }]);
    const job = normalize(raw).workload.jobs[2]!;
    expect(job.dependsOn).toEqual(['b']);
    expect(job.dependencyPolicy).toEqual({ b: 'ignore' });
    rejects(jobScenario(), 'workload.jobs[2].dependsOn', [{ id: 'b', onFailure: 'explode' }], 'workload.jobs[2].dependsOn[0].onFailure', /"cascade-fail", "cancel", "ignore"/);
  });
});

describe('engine sections', () => {
  it('first-fit claiming needs late binding', () => {
    const raw = withField(withField(generatedScenario(), 'engine.binding', 'early'), 'engine.delegation', { claim: 'first-fit' });
    expectInputError(() => normalize(raw), 'engine.delegation.claim', /needs binding: late/);
  });

  it('an autoscaled pool must exist, start within min and max, and have its thresholds in order', () => {
    const pooled = withField(generatedScenario(), 'agents', [{ pool: 'w', count: 2, speed: 10, skills: { code: 1, review: 1 } }]);
    const scaler = { pool: 'w', min: 1, max: 4 };
    expect(normalize(withField(pooled, 'engine.autoscale', [scaler])).coldStartSeconds).toEqual({ w: 30 });
    rejects(pooled, 'engine.autoscale', [{ ...scaler, pool: 'x' }], 'engine.autoscale[0].pool', /no agents pool is named "x"/);
    rejects(pooled, 'engine.autoscale', [{ ...scaler, min: 3 }], 'engine.autoscale[0].pool', /starts with 2 agents, outside min 3 .. max 4/);
    rejects(pooled, 'engine.autoscale', [{ ...scaler, scaleDownUtilization: 0.9 }], 'engine.autoscale[0].scaleDownUtilization', /expected less than scaleUpUtilization/);
  });
});
