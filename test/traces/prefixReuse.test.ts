/**
 * Mooncake prefix reuse: the hit accounting per block, against a small trace computed by hand,
 * through the whole pipeline (file → tasks → agent model → metrics and events).
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/messages.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { tempDir, writeFixture } from './traceFixtures.js';

/**
 * Blocks of 4 tokens; one agent with a 21-token window, so every request runs alone, in order.
 * Resident blocks after each request (least recently used first) and what it loads:
 *
 * | row | blocks  | input | leading hits | setup | resident after (tokens)                        |
 * |-----|---------|-------|--------------|-------|------------------------------------------------|
 * | 1   | 1 2     | 8     | 0            | 8     | 1 2 (8)                                        |
 * | 2   | 1 2 3   | 10    | 2            | 2     | 1 2 3 (10; block 3 holds the last 2 tokens)    |
 * | 3   | 1 4     | 8     | 1            | 4     | 2 3 1 4 (14)                                   |
 * | 4   | 5 6 7   | 12    | 0            | 12    | 1 4 5 6 7 (26 → 2 and 3 evicted → 20)          |
 * | 5   | 2 8     | 8     | 0            | 8     | 5 6 7 2 8 (28 → 1 and 4 evicted → 20)          |
 * | 6   | 1 2     | 8     | 0 (1 is gone, so 2 counts for nothing) | 8 | 6 7 8 1 2 (24 → 5 evicted → 20) |
 * | 7   | 5 6 7   | 12    | 0 (5 is gone: 6 and 7 behind it are loaded again) | 12 | …              |
 *
 * Blocks 17, hits 3: context hit rate 3/17; setup tokens 54.
 */
const ROWS = [
  [0, 8, [1, 2]],
  [10_000, 10, [1, 2, 3]],
  [20_000, 8, [1, 4]],
  [30_000, 12, [5, 6, 7]],
  [40_000, 8, [2, 8]],
  [50_000, 8, [1, 2]],
  [60_000, 12, [5, 6, 7]],
] as const;

describe('prefix blocks (mooncake hash_ids) as context', () => {
  it('count a hit per leading resident block, load only the blocks after them, and evict least recently used blocks', () => {
    const dir = tempDir();
    writeFixture(dir, 'prefix.jsonl', ROWS.map(([timestamp, input, ids]) => JSON.stringify({ timestamp, input_length: input, output_length: 1, hash_ids: ids })).join('\n') + '\n');
    const scenario = loadScenario(writeFixture(dir, 'prefix.yaml', `
name: prefix
replications: 1
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, lowSkillSetupPenalty: 0, contextDegradeThreshold: 0.99, historyGrowth: 0 }
agents: [{ id: solo, capacity: 1, speed: 1000, contextWindow: 21, skills: { request: 1 } }]
workload:
  trace: { file: prefix.jsonl, format: mooncake, blockTokens: 4 }
strategies: [round-robin]`));
    const starts: { setup: number; hits: number | undefined }[] = [];
    const run = runSimulation({
      scenario, strategy: scenario.strategies[0]!, replication: 0,
      onEvent: (event: EngineEvent) => {
        if (event.kind === 'transition' && event.to === 'running') starts.push({ setup: event.setupTokens!, hits: event.contextBlocksHit });
      },
    });
    expect(starts).toEqual([
      { setup: 8, hits: 0 }, { setup: 2, hits: 2 }, { setup: 4, hits: 1 }, { setup: 12, hits: 0 },
      { setup: 8, hits: 0 }, { setup: 8, hits: 0 }, { setup: 12, hits: 0 },
    ]);
    expect(run.metrics.contextHitRate).toBeCloseTo(3 / 17, 12);
    expect(run.counts.completed).toBe(ROWS.length);
  });
});
