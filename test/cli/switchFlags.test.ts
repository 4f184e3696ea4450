/**
 * A switch given a value: `--json=yes` would read as false, so it is an input error naming the
 * flag; `=true`, `=false`, other flags' values and anything after `--` pass.
 */
import { describe, expect, it } from 'vitest';
import { rejectSwitchValues } from '../../src/cli/switchFlags.js';

const SWITCHES = ['help', 'json', 'allow-huge', 'allowHuge'];

describe('rejectSwitchValues', () => {
  it('refuses a switch given a value other than true or false, naming the flag and the value', () => {
    expect(() => rejectSwitchValues(['run', 'x.yaml', '--json=yes'], SWITCHES)).toThrow('command line: --json: a switch: expected no value (or =true, =false), got "yes"');
    expect(() => rejectSwitchValues(['--allow-huge=1'], SWITCHES)).toThrow('--allow-huge:');
    expect(() => rejectSwitchValues(['--no-json='], SWITCHES)).toThrow('--json:');
  });

  it('passes =true, =false, bare switches and the values of other flags', () => {
    expect(() => rejectSwitchValues(['--json=true', '--allow-huge=false', '--json', '--out=yes', '--seed=3'], SWITCHES)).not.toThrow();
  });

  it('leaves alone what follows "--"', () => {
    expect(() => rejectSwitchValues(['--', '--json=yes'], SWITCHES)).not.toThrow();
  });
});
