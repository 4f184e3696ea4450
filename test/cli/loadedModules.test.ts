/**
 * Node modules a command does not load when it does not need them: `assert`, which yargs's
 * assertions in the bundle (scripts/bundleCli.mjs) load only for a check that fails, and `v8`,
 * which the experiment pool takes only to make worker threads (what it sets there is checked in
 * test/experiments/pool.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { runCliWith } from './runCli.js';

/** A module run before the command that prints, at exit, the Node modules the process loaded. */
const PRINT_LOADED_MODULES = "--import=data:text/javascript,process.on('exit',()=>process._rawDebug('loaded:'+process.moduleLoadList.join(';')))";

function loadedModules(...args: string[]): string[] {
  const run = runCliWith({ NODE_OPTIONS: PRINT_LOADED_MODULES }, ...args);
  expect(run.status, run.stderr).toBe(0);
  const line = run.stderr.split('\n').find((text) => text.startsWith('loaded:'));
  expect(line, run.stderr).toBeDefined();
  return line!.slice('loaded:'.length).split(';');
}

describe('Node modules a command loads', () => {
  it("leaves assert unloaded through a run, its help and the program's help; v8 through a run on one thread", () => {
    for (const args of [['run', 'scenarios/first-look.yaml', '--json'], ['run', '--help'], ['--help']]) {
      const modules = loadedModules(...args);
      // The probe sees the modules the command loads (the code cache's vm, for one).
      expect(modules, args.join(' ')).toContain('NativeModule vm');
      expect(modules, args.join(' ')).not.toContain('NativeModule assert');
      expect(modules, args.join(' ')).not.toContain('NativeModule v8');
    }
  });
});
