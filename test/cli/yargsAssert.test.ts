/**
 * What the CLI bundle (scripts/bundleCli.mjs) does with yargs's assertions: they compare in the
 * bundle, and Node's `assert` module, which only a failing check needs, is not loaded by a
 * command that parses its arguments as it should.
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

describe("yargs's assertions in the bundle", () => {
  it('leave Node\'s assert module unloaded through a run, its help and the program\'s help', () => {
    for (const args of [['run', 'scenarios/first-look.yaml', '--json'], ['run', '--help'], ['--help']]) {
      const modules = loadedModules(...args);
      // The probe sees the modules the command loads (the code cache's vm, for one).
      expect(modules, args.join(' ')).toContain('NativeModule vm');
      expect(modules, args.join(' ')).not.toContain('NativeModule assert');
    }
  });
});
