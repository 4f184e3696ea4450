/**
 * The prefix tree of cache-aware: the agent bound the longest leading run of a prompt's blocks,
 * among the eligible ones, and a memory bounded by forgetting the least recently touched leaf.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrefixTree } from '../../src/strategies/prefixTree.js';

const anyone = (): boolean => true;

describe('PrefixTree', () => {
  it('finds the agent bound the longest leading run of blocks, and how many blocks it matched', () => {
    const tree = new PrefixTree(100);
    tree.insert([1, 2, 3], 0);
    tree.insert([1, 2, 7, 8], 1);
    tree.insert([1, 9], 2);
    expect([tree.match([1, 2, 7, 8, 5], anyone), tree.matchedBlocks]).toEqual([1, 4]);
    expect([tree.match([1, 2, 3, 4], anyone), tree.matchedBlocks]).toEqual([0, 3]);
    // Only block 1 is shared by all three: the most recently bound of them, 2.
    expect([tree.match([1, 5], anyone), tree.matchedBlocks]).toEqual([2, 1]);
    // A shared block later in the prompt counts for nothing without its leading run.
    expect([tree.match([6, 2, 3], anyone), tree.matchedBlocks]).toEqual([-1, 0]);
  });

  it('passes over agents that are not eligible, settling for a shorter run', () => {
    const tree = new PrefixTree(100);
    tree.insert([1, 2], 0);
    tree.insert([1, 2, 3, 4], 1);
    expect([tree.match([1, 2, 3, 4], (agent) => agent !== 1), tree.matchedBlocks]).toEqual([0, 2]);
    expect([tree.match([1, 2, 3, 4], () => false), tree.matchedBlocks]).toEqual([-1, 0]);
  });

  it('binding a prefix again makes its agent the most recent holder', () => {
    const tree = new PrefixTree(100);
    tree.insert([1, 2], 0);
    tree.insert([1, 2], 1);
    expect(tree.match([1, 2], anyone)).toBe(1);
    tree.insert([1, 2], 0);
    expect(tree.match([1, 2], anyone)).toBe(0);
    expect(tree.size).toBe(2);
  });

  it('beyond maxBlocks forgets the least recently touched blocks, deepest first', () => {
    const tree = new PrefixTree(4);
    tree.insert([1, 2, 3], 0); // nodes 1 2 3
    tree.insert([5], 1); // 4 nodes
    tree.insert([1, 2], 2); // touches 1 and 2, not 3: now 3 is the oldest
    tree.insert([6], 3); // 5 nodes: 3 forgotten
    expect(tree.size).toBe(4);
    expect([tree.match([1, 2, 3], anyone), tree.matchedBlocks]).toEqual([2, 2]);
    tree.insert([7, 8], 3); // 6 nodes: 5, then 2 (older than 1) forgotten
    expect(tree.size).toBe(4);
    expect([tree.match([5], anyone), tree.matchedBlocks]).toEqual([-1, 0]);
    expect([tree.match([1, 2], anyone), tree.matchedBlocks]).toEqual([2, 1]);
    expect([tree.match([7, 8], anyone), tree.matchedBlocks]).toEqual([3, 2]);
  });

  it('agrees with a model that scans every binding, and, bounded, with a model of prefixes in recency order', () => {
    const prompt = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 });
    const step = fc.record({ blocks: prompt, agent: fc.integer({ min: 0, max: 3 }), eligible: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 12 }), (steps, maxBlocks) => {
      const tree = new PrefixTree(1_000);
      const bounded = new PrefixTree(maxBlocks);
      const bindings: { blocks: number[]; agent: number }[] = [];
      // Remembered prefixes (joined ids) → their holders, least recently touched first.
      const remembered = new Map<string, number[]>();
      for (const { blocks, agent, eligible } of steps) {
        const isEligible = (a: number): boolean => eligible[a]!;
        // Unbounded: the longest leading run some eligible agent was bound, and of the
        // bindings through it the latest one to an eligible agent.
        let expected = -1;
        let depth = 0;
        for (let length = 1; length <= blocks.length; length++) {
          const through = bindings.filter((b) => b.blocks.length >= length && b.blocks.slice(0, length).every((id, i) => id === blocks[i]) && isEligible(b.agent));
          if (through.length === 0) break;
          expected = through[through.length - 1]!.agent;
          depth = length;
        }
        expect(tree.match(blocks, isEligible)).toBe(expected);
        expect(tree.matchedBlocks).toBe(depth);
        // Bounded: the same walk over the remembered prefixes only.
        let boundedExpected = -1;
        let boundedDepth = 0;
        for (let length = 1; length <= blocks.length; length++) {
          const holders = remembered.get(blocks.slice(0, length).join());
          const holder = holders === undefined ? undefined : [...holders].reverse().find(isEligible);
          if (holder === undefined) break;
          boundedExpected = holder;
          boundedDepth = length;
        }
        expect(bounded.match(blocks, isEligible)).toBe(boundedExpected);
        expect(bounded.matchedBlocks).toBe(boundedDepth);
        tree.insert(blocks, agent);
        bounded.insert(blocks, agent);
        bindings.push({ blocks, agent });
        for (let length = blocks.length; length >= 1; length--) {
          const key = blocks.slice(0, length).join();
          const holders = (remembered.get(key) ?? []).filter((a) => a !== agent);
          remembered.delete(key);
          remembered.set(key, [...holders, agent]);
        }
        while (remembered.size > maxBlocks) remembered.delete(remembered.keys().next().value!);
        expect(bounded.size).toBe(remembered.size);
      }
    }), { seed: 1212, numRuns: 500 });
  });
});
