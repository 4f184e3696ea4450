/**
 * Flag values yargs would misread: a switch given a value other than true or false, and a
 * string flag given the empty string, are input errors naming the flag; `=true`, `=false`,
 * other values, `--id-prefix ''` and anything after `--` pass.
 */
import { describe, expect, it } from 'vitest';
import { rejectMisreadFlagValues } from '../../src/cli/flagValues.js';

const DECLARED = { boolean: ['help', 'json', 'allow-huge', 'allowHuge'], string: ['scenario', 'out', 'token-file', 'tokenFile', 'id-prefix'] };

describe('rejectMisreadFlagValues', () => {
  it('refuses a switch given a value other than true or false, naming the flag and the value', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--json=yes'], DECLARED)).toThrow('command line: --json: a switch: expected no value (or =true, =false), got "yes"');
    expect(() => rejectMisreadFlagValues(['--allow-huge=1'], DECLARED)).toThrow('--allow-huge:');
    expect(() => rejectMisreadFlagValues(['--no-json='], DECLARED)).toThrow('--json:');
  });

  it('refuses a string flag given the empty string, as a separate argument or after =', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--out', ''], DECLARED)).toThrow('command line: --out: expected a value, got the empty string');
    expect(() => rejectMisreadFlagValues(['--token-file='], DECLARED)).toThrow('--token-file:');
  });

  it('passes =true, =false, bare switches, other values and an empty --id-prefix', () => {
    expect(() => rejectMisreadFlagValues(['--json=true', '--allow-huge=false', '--json', '--out=o', '--out', 'o', '--id-prefix', '', '--seed='], DECLARED)).not.toThrow();
  });

  it('leaves alone what follows "--"', () => {
    expect(() => rejectMisreadFlagValues(['--', '--json=yes', '--out', ''], DECLARED)).not.toThrow();
  });
});
