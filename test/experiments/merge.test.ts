import { describe, expect, it } from 'vitest';
import { mergeShards, type ShardFile } from '../../src/experiments/merge.js';
import type { ExperimentDocument } from '../../src/experiments/types.js';
import { documentJson } from '../../src/report/reportDir.js';
import { experimentOf, fleetSmallText, withoutTiming } from './support.js';

const PARAMS = ['agents[0].count=8,10', 'workload.arrivals.rate=6,7.5'];
const OPTIONS = { params: PARAMS, overrides: { replications: 2 } };

async function shards(count: number): Promise<ShardFile[]> {
  const files: ShardFile[] = [];
  for (let index = 1; index <= count; index++) {
    files.push({ file: `shard-${index}.json`, document: await experimentOf(fleetSmallText(), { ...OPTIONS, shard: { index, count } }) });
  }
  return files;
}

/** A shard as it comes back from disk. */
function reread(shard: ShardFile): ShardFile {
  return { file: shard.file, document: JSON.parse(documentJson(shard.document)) as ExperimentDocument };
}

describe('merge', () => {
  it('joins a sweep sharded three ways into the document of the unsharded sweep', async () => {
    const whole = await experimentOf(fleetSmallText(), OPTIONS);
    expect(whole.cells).toHaveLength(4);
    const parts = await shards(3);
    expect(parts.map((p) => p.document.cells.map((c) => c.index))).toEqual([[0, 3], [1], [2]]);
    // Shards may be given in any order.
    const merged = mergeShards([parts[2]!, parts[0]!, parts[1]!].map(reread));
    expect(merged.shard).toBeUndefined();
    expect(withoutTiming(merged)).toBe(withoutTiming(whole));
    expect(merged.timing.parts.map((p) => p.shard)).toEqual(['1/3', '2/3', '3/3']);
  });

  it('judges the targets of every cell again, as the unsharded sweep does', async () => {
    const text = `${fleetSmallText()}targets:\n  strategies: [join-shortest-queue]\n  checks:\n    - { metric: latency.p95, max: 5 }\n`;
    const whole = await experimentOf(text, OPTIONS);
    expect(whole.cells.every((cell) => cell.targets?.results.length === 3)).toBe(true);
    const parts: ShardFile[] = [];
    for (let index = 1; index <= 2; index++) {
      parts.push(reread({ file: `shard-${index}.json`, document: await experimentOf(text, { ...OPTIONS, shard: { index, count: 2 } }) }));
    }
    expect(withoutTiming(mergeShards(parts))).toBe(withoutTiming(whole));
  });

  it('refuses a missing shard, a shard given twice, shards of different sweeps and unsharded documents', async () => {
    const parts = await shards(3);
    expect(() => mergeShards([parts[0]!, parts[1]!])).toThrow('command line: merge: shard 3/3 missing');
    expect(() => mergeShards([parts[0]!, parts[1]!, { ...parts[1]!, file: 'again.json' }]))
      .toThrow('again.json: shard: 2/3 is also shard-2.json');
    const other = { file: 'other.json', document: { ...parts[2]!.document, seed: 99 } };
    expect(() => mergeShards([parts[0]!, parts[1]!, other])).toThrow('other.json: seed: differs from shard-1.json: the shards are not of one sweep');
    const whole = await experimentOf(fleetSmallText(), OPTIONS);
    expect(() => mergeShards([{ file: 'whole.json', document: whole }])).toThrow(/^whole\.json: shard: absent/);
    const two = { file: 'two.json', document: { ...parts[2]!.document, shard: { index: 2, count: 2 } } as ExperimentDocument };
    expect(() => mergeShards([parts[0]!, two])).toThrow('two.json: shard: is 2/2, but shard-1.json is one of 3 shards');
  });

  it('refuses a shard holding a cell of another shard', async () => {
    const parts = await shards(3);
    const doc = parts[1]!.document;
    const moved = { ...parts[1]!, document: { ...doc, cells: [{ ...doc.cells[0]!, index: 0 }] } as ExperimentDocument };
    expect(() => mergeShards([parts[0]!, moved, parts[2]!])).toThrow('shard-2.json: cells[0].index: cell 0 does not belong to shard 2/3');
  });

  it('refuses a replication that lacks a metric or class table the others have, or holds one they do not, naming the field', async () => {
    const [one, two] = await shards(2);
    const edited = (edit: (runs: Record<string, any>[]) => void): ShardFile => { // eslint-disable-line @typescript-eslint/no-explicit-any -- a run's metrics edited as JSON
      const shard = reread(one!);
      edit(shard.document.cells[0]!.strategies[1]!.perReplication as unknown as Record<string, any>[]); // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
      return shard;
    };
    const lacking = edited((runs) => { delete runs[1]!.latency.p95; });
    expect(() => mergeShards([lacking, two!])).toThrow('shard-1.json: cells[0].strategies[1].perReplication[1].latency.p95: required: latency.p95 (the cell\'s first run has it)');
    const groupless = edited((runs) => { delete runs[0]!.wait; });
    expect(() => mergeShards([groupless, two!])).toThrow('shard-1.json: cells[0].strategies[1].perReplication[0].wait: required: wait.mean (the cell\'s first run has it)');
    const tableless = edited((runs) => { delete runs[1]!.byPriority; });
    expect(() => mergeShards([tableless, two!])).toThrow('shard-1.json: cells[0].strategies[1].perReplication[1].byPriority: required: the cell\'s first run has a byPriority table');
    const renamed = edited((runs) => { runs[0]!.latency.p59 = runs[0]!.latency.p95; delete runs[0]!.latency.p95; });
    expect(() => mergeShards([renamed, two!])).toThrow('shard-1.json: cells[0].strategies[1].perReplication[0].latency.p59: unknown metric: the cell\'s first run has no latency.p59');
  });

  it('refuses a figure no run can measure, in the pooled metrics, a class or the per-agent table', async () => {
    const [one, two] = await shards(2);
    const at = 'cells[0].strategies[0].perReplication[0]';
    const cases: [(run: Record<string, any>) => void, string][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any -- a run's metrics edited as JSON
      [(run) => { run.throughput = 1e308; }, `${at}.throughput: expected null or a number in [0, 9007199254740991] (the metric's range), got 1e+308`],
      [(run) => { run.utilization = 1.5; }, `${at}.utilization: expected null or a number in [0, 1] (the metric's range), got 1.5`],
      [(run) => { run.latency.mean = 'fast'; }, `${at}.latency.mean: expected null or a number in [0, 9007199254740991] (the metric's range), got "fast"`],
      [(run) => { run.perAgent[0].completed = 'x'; }, `${at}.perAgent[0].completed: expected a number, got "x"`],
    ];
    for (const [edit, message] of cases) {
      const shard = reread(one!);
      edit(shard.document.cells[0]!.strategies[0]!.perReplication[0] as unknown as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
      expect(() => mergeShards([shard, two!])).toThrow(`shard-1.json: ${message}`);
    }
  });
});
