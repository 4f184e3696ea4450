/**
 * The tag index gives the constraint fallback exactly the agents a fleet scan would keep: every
 * agent carrying all of a task's tags, in fleet order, as the fleet grows; and past its limit of
 * tag sets it hands back the whole fleet (the scan), never a wrong subset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTags, type AgentRecord } from '../../src/engine/agent.js';
import { MAX_TAG_SETS, TagIndex } from '../../src/engine/tagIndex.js';

const TAGS = ['gpu', 'eu', 'us', 'big', 'secure'] as const;

/** An agent as the index reads it: its place in the fleet and its tags. */
function agent(index: number, tags: readonly string[]): AgentRecord {
  return { index, spec: { id: `a${index}`, tags } } as unknown as AgentRecord;
}

const tagSet = fc.uniqueArray(fc.constantFrom(...TAGS), { minLength: 1, maxLength: 3 });

describe('TagIndex', () => {
  it('lists the agents with every tag of a set, in fleet order, while the fleet grows', () => {
    fc.assert(fc.property(
      fc.array(fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 4 }), { minLength: 1, maxLength: 60 }),
      fc.array(fc.tuple(fc.nat(60), tagSet), { minLength: 1, maxLength: 40 }),
      (agentTags, reads) => {
        const fleet: AgentRecord[] = [];
        const index = new TagIndex();
        for (const [size, tags] of reads) {
          while (fleet.length < Math.min(size, agentTags.length)) fleet.push(agent(fleet.length, agentTags[fleet.length]!));
          expect(index.agentsWith(fleet, tags)).toEqual(fleet.filter((a) => hasTags(a, tags)));
        }
      },
    ), { seed: 1 });
  });

  it('treats a set and the same tags in another order as different sets, each right', () => {
    const fleet = [agent(0, ['gpu']), agent(1, ['gpu', 'eu']), agent(2, ['eu', 'gpu']), agent(3, [])];
    const index = new TagIndex();
    expect(index.agentsWith(fleet, ['gpu', 'eu']).map((a) => a.index)).toEqual([1, 2]);
    expect(index.agentsWith(fleet, ['eu', 'gpu']).map((a) => a.index)).toEqual([1, 2]);
    expect(index.agentsWith(fleet, ['gpu']).map((a) => a.index)).toEqual([0, 1, 2]);
  });

  it(`indexes at most ${MAX_TAG_SETS} tag sets, then hands back the whole fleet for a new one`, () => {
    const fleet = [agent(0, ['t0']), agent(1, [])];
    const index = new TagIndex();
    for (let i = 0; i < MAX_TAG_SETS; i++) expect(index.agentsWith(fleet, [`t${i}`])).toEqual(i === 0 ? [fleet[0]] : []);
    expect(index.agentsWith(fleet, ['another'])).toBe(fleet);
    // Sets indexed before the limit stay exact.
    expect(index.agentsWith(fleet, ['t0'])).toEqual([fleet[0]]);
  });
});
