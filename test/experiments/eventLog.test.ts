/**
 * The event log of an experiment: each job writes its part, and the parts are joined in job
 * order, so the log is the same whatever the number of workers.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventPartFile, joinEventParts, makeEventPartsDir, removeEventParts } from '../../src/experiments/eventLog.js';
import { ExperimentPool } from '../../src/experiments/pool.js';
import { executeCells } from '../../src/experiments/experiment.js';
import { parseScenario } from '../../src/scenario/load.js';
import { fleetSmallText } from './support.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'fleetsim-events-'));
}

describe('event log parts', () => {
  it('joins the parts in job order, whatever order they were written in, and removes them', () => {
    const dir = scratch();
    const file = join(dir, 'log.jsonl');
    const parts = makeEventPartsDir(file);
    for (const index of [2, 0, 1]) writeFileSync(eventPartFile(parts, index), `{"job":${index}}\n`);
    joinEventParts(parts, 3, file);
    expect(readFileSync(file, 'utf8')).toBe('{"job":0}\n{"job":1}\n{"job":2}\n');
    removeEventParts(parts);
    expect(readdirSync(dir)).toEqual(['log.jsonl']);
  });
});

describe('an experiment with an event log', () => {
  const scenario = parseScenario(fleetSmallText(), 'fleet.yaml', { replications: 2, strategies: ['random', 'join-shortest-queue'] });
  const cells = [{ index: 0, params: {}, scenario: { ...scenario, stop: { ...scenario.stop, timeSeconds: 150 } } }];

  it('writes every run\'s events, grouped by strategy then replication, the same with one worker and with two', async () => {
    const dir = scratch();
    const one = join(dir, 'one.jsonl');
    const two = join(dir, 'two.jsonl');
    await executeCells(cells, { workers: 1, eventsFile: one });
    // A pool of its own: these runs are too small for executeCells to start threads itself.
    const pool = new ExperimentPool(2);
    try {
      await executeCells(cells, { pool, eventsFile: two });
      expect(pool.itemsDone.here + pool.itemsDone.workers).toBe(4);
    } finally {
      await pool.close();
    }
    const text = readFileSync(one, 'utf8');
    expect(readFileSync(two, 'utf8')).toBe(text);
    const runs: string[] = [];
    for (const line of text.trimEnd().split('\n')) {
      const { strategy, replication } = JSON.parse(line) as { strategy: string; replication: number };
      const run = `${strategy}/${replication}`;
      if (runs.at(-1) !== run) runs.push(run);
    }
    expect(runs).toEqual(['random/0', 'random/1', 'join-shortest-queue/0', 'join-shortest-queue/1']);
    // Only the two logs are left: the part files are gone.
    expect(readdirSync(dir).sort()).toEqual(['one.jsonl', 'two.jsonl']);
  });
});
