/**
 * The Node flags the live bench starts its service under: the V8 pool size `fleetsim serve`
 * would give itself, set on the bench's command line so that the pid it measures is the
 * service's; flags of the user's (`--service-node-flags`, `--service-args --v8-threads`) kept.
 */
import { availableParallelism } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/live.js';

const fewCores = availableParallelism() <= 2;
let nodeOptions: string | undefined;
beforeEach(() => {
  nodeOptions = process.env.NODE_OPTIONS;
  delete process.env.NODE_OPTIONS;
});
afterEach(() => {
  if (nodeOptions !== undefined) process.env.NODE_OPTIONS = nodeOptions;
});

describe('the live bench\'s service flags', () => {
  it(`add --v8-pool-size=1 to the flags given, on this host only if it has two cores or fewer (it has ${availableParallelism()})`, () => {
    expect(serviceNodeFlags([], [])).toEqual(fewCores ? ['--v8-pool-size=1'] : []);
    expect(serviceNodeFlags(['--max-semi-space-size=4'], ['--fsyncs-in-flight', '2'])).toEqual(fewCores ? ['--max-semi-space-size=4', '--v8-pool-size=1'] : ['--max-semi-space-size=4']);
  });

  it('keep a pool size the user gave, in --service-node-flags, NODE_OPTIONS or --v8-threads', () => {
    expect(serviceNodeFlags(['--v8-pool-size=2'], [])).toEqual(['--v8-pool-size=2']);
    expect(serviceNodeFlags([], ['--v8-threads', '3'])).toEqual([]);
    process.env.NODE_OPTIONS = '--v8-pool-size=4';
    expect(serviceNodeFlags([], [])).toEqual([]);
  });
});
