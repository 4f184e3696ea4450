/**
 * Work stealing through the steal index gives the very decisions of the unindexed rule: every
 * hungry agent asked again, in hungry order, whenever a task is left waiting, each choosing its
 * victim by scanning the fleet. The reference is that rule run by the engine itself (a strategy
 * without `stealRules` gets it), with the scan of the first work-stealing; the two engines take
 * the same random inputs on small early-binding fleets (swarm inputs: tags, assignees,
 * priorities, pauses, drains, agents joining and leaving, cancellations, expiries) and must emit
 * the same events, conserving every task.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTags, skillFor, type AgentView } from '../../src/engine/agent.js';
import type { DecisionContext, Strategy } from '../../src/engine/strategy.js';
import type { TaskView } from '../../src/engine/task.js';
import { findStrategy } from '../../src/strategies/index.js';
import { runInputs, scenarioArb } from '../support/swarm.js';

function workStealing(minSkill: number): Strategy {
  const definition = findStrategy('work-stealing')!;
  return definition.create(definition.params.parse({ minSkill }));
}

/** The busiest agent whose last queued task the thief may take, by a scan (ties to the lowest index). */
function scanForLoot(thief: AgentView, ctx: DecisionContext, minSkill: number): TaskView | undefined {
  let loot: TaskView | undefined;
  let victimQueued = 0;
  for (const victim of ctx.fleet.agents) {
    if (victim === thief || victim.queued <= victimQueued) continue;
    const task = ctx.fleet.lastQueued!(victim);
    if (task === undefined || task.spec.assignee !== undefined || !hasTags(thief, task.spec.tags) || skillFor(thief, task.spec.type) < minSkill) continue;
    loot = task;
    victimQueued = victim.queued;
  }
  return loot;
}

/** work-stealing's placement and hooks, stealing by the scan, with no steal rules. */
function reference(minSkill: number): Strategy {
  const inner = workStealing(minSkill);
  return {
    name: 'work-stealing',
    pickAgent: (task, ctx) => inner.pickAgent(task, ctx),
    onAgentJoined: (agent, ctx) => inner.onAgentJoined?.(agent, ctx),
    onAgentLeft: (agent, ctx) => inner.onAgentLeft?.(agent, ctx),
    onAgentLoadChanged: (agent, ctx) => inner.onAgentLoadChanged?.(agent, ctx),
    steal: (thief, ctx) => scanForLoot(thief, ctx, minSkill),
  };
}

const earlyScenarios = scenarioArb('work-stealing').map((scenario) => ({
  ...scenario,
  config: { ...scenario.config, binding: 'early' as const, delegation: { ...scenario.config.delegation, claim: 'strategy' as const } },
}));

describe('work stealing through the steal index', () => {
  it('emits the events of the unindexed rule, on random early-binding inputs', () => {
    let steals = 0;
    fc.assert(
      fc.property(earlyScenarios, (scenario) => {
        const indexed = runInputs(scenario, workStealing(0));
        const scanned = runInputs(scenario, reference(0));
        expect(indexed.h.events).toEqual(scanned.h.events);
        expect(indexed.h.steals).toBe(scanned.h.steals);
        steals += indexed.h.steals;
        indexed.checkLiveness();
      }),
      { seed: 1313, numRuns: 250 },
    );
    expect(steals).toBeGreaterThan(50); // the inputs do make agents steal (70 with this seed)
  });

  it('the comparison can tell: a rule that robs the least busy agent instead differs', () => {
    const leastBusy: Strategy = { ...reference(0), steal: (thief, ctx) => {
      let loot: TaskView | undefined;
      let victimQueued = Number.POSITIVE_INFINITY;
      for (const victim of ctx.fleet.agents) {
        if (victim === thief || victim.queued === 0 || victim.queued >= victimQueued) continue;
        const task = ctx.fleet.lastQueued!(victim);
        if (task === undefined || task.spec.assignee !== undefined || !hasTags(thief, task.spec.tags)) continue;
        loot = task;
        victimQueued = victim.queued;
      }
      return loot;
    } };
    let differs = 0;
    fc.assert(
      fc.property(earlyScenarios, (scenario) => {
        const indexed = runInputs(scenario, workStealing(0));
        const other = runInputs(scenario, { ...leastBusy });
        if (JSON.stringify(indexed.h.events) !== JSON.stringify(other.h.events)) differs++;
      }),
      { seed: 1313, numRuns: 250 },
    );
    expect(differs).toBeGreaterThan(0);
  });
});
