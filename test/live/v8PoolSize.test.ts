/**
 * The V8 pool size a process has (command line over NODE_OPTIONS over Node's default) and what
 * `fleetsim serve --v8-threads` makes of it: a child process only when the size differs.
 */
import { describe, expect, it } from 'vitest';
import { NODE_DEFAULT_V8_POOL_SIZE, parseV8Threads, planV8Pool, v8PoolSizeIn, v8PoolSizeOf, withV8PoolSize } from '../../src/live/v8PoolSize.js';
import { InputError } from '../../src/scenario/errors.js';

const twoCores = { cores: 2, execArgv: [], nodeOptions: undefined };

describe('the V8 pool size of a process', () => {
  it('reads --v8-pool-size in any of the spellings Node takes, the last one winning', () => {
    expect(v8PoolSizeIn(['--v8-pool-size=1'])).toBe(1);
    expect(v8PoolSizeIn(['--v8_pool_size=3'])).toBe(3);
    expect(v8PoolSizeIn(['--max-semi-space-size=4', '--v8-pool-size', '2'])).toBe(2);
    expect(v8PoolSizeIn(['--v8-pool-size=2', '--v8-pool-size=5'])).toBe(5);
    expect(v8PoolSizeIn(['--v8-pool-sizes=2', '--max-semi-space-size=4'])).toBeUndefined();
  });

  it('takes the command line over NODE_OPTIONS over the default', () => {
    expect(v8PoolSizeOf([], undefined)).toEqual({ size: NODE_DEFAULT_V8_POOL_SIZE, from: 'default' });
    expect(v8PoolSizeOf([], ' --inspect=0  --v8-pool-size=2 ')).toEqual({ size: 2, from: 'NODE_OPTIONS' });
    expect(v8PoolSizeOf(['--v8-pool-size=3'], '--v8-pool-size=2')).toEqual({ size: 3, from: 'command line' });
  });

  it('replaces a pool size in a list of flags, whatever its spelling', () => {
    expect(withV8PoolSize(['--a', '--v8-pool-size', '4', '--b', '--v8_pool_size=2'], 1)).toEqual(['--a', '--b', '--v8-pool-size=1']);
    expect(withV8PoolSize([], 3)).toEqual(['--v8-pool-size=3']);
  });
});

describe('--v8-threads', () => {
  it('takes auto or an integer 1..64, and refuses anything else naming the flag', () => {
    expect(parseV8Threads(undefined)).toBe('auto');
    expect(parseV8Threads('auto')).toBe('auto');
    expect(parseV8Threads('1')).toBe(1);
    expect(parseV8Threads('64')).toBe(64);
    for (const bad of ['0', '65', '1.5', '-1', 'two']) {
      expect(() => parseV8Threads(bad)).toThrow(InputError);
      expect(() => parseV8Threads(bad)).toThrow(`--v8-threads: expected auto or an integer 1..64, got ${bad}`);
    }
  });

  it('auto: one helper thread in a child process on two cores or fewer, Node\'s default above', () => {
    expect(planV8Pool('auto', twoCores)).toMatchObject({ poolSize: 1, relaunch: true });
    expect(planV8Pool('auto', { ...twoCores, cores: 1 })).toMatchObject({ poolSize: 1, relaunch: true });
    expect(planV8Pool('auto', { ...twoCores, cores: 3 })).toMatchObject({ poolSize: NODE_DEFAULT_V8_POOL_SIZE, relaunch: false });
    expect(planV8Pool('auto', twoCores).reason).toMatch(/2 cores/);
  });

  it('auto keeps a pool size the user set, on the command line or in NODE_OPTIONS', () => {
    expect(planV8Pool('auto', { ...twoCores, execArgv: ['--v8-pool-size=4'] })).toMatchObject({ poolSize: 4, relaunch: false, reason: '--v8-threads auto: set by command line' });
    expect(planV8Pool('auto', { ...twoCores, nodeOptions: '--v8-pool-size=2' })).toMatchObject({ poolSize: 2, relaunch: false, reason: '--v8-threads auto: set by NODE_OPTIONS' });
  });

  it('a number starts a child process unless this process already has that pool size', () => {
    expect(planV8Pool(3, twoCores)).toMatchObject({ poolSize: 3, relaunch: true });
    expect(planV8Pool(NODE_DEFAULT_V8_POOL_SIZE, twoCores)).toMatchObject({ poolSize: NODE_DEFAULT_V8_POOL_SIZE, relaunch: false });
    expect(planV8Pool(1, { ...twoCores, nodeOptions: '--v8-pool-size=1' })).toMatchObject({ poolSize: 1, relaunch: false });
    expect(planV8Pool(2, { cores: 8, execArgv: ['--v8-pool-size=1'], nodeOptions: undefined })).toMatchObject({ poolSize: 2, relaunch: true });
  });
});
