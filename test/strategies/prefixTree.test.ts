/**
 * The prefix tree of cache-aware: the agent bound the longest leading run of a prompt's blocks,
 * among the eligible ones, and a memory bounded by forgetting the least recently touched leaf.
 */
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
});
