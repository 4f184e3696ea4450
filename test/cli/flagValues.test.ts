/**
 * Flag values yargs would misread: a switch given a value other than true or false, and a
 * string flag given the empty string, are input errors naming the flag; `=true`, `=false`,
 * other values, `--id-prefix ''` and anything after `--` pass. A flag that takes a value given twice
 * (but `--param`) or in a `--no-` form is an input error too, as is a switch given both on and off;
 * a repeated switch passes. Names are read as yargs reads them, so other spellings are caught too.
 */
import { describe, expect, it } from 'vitest';
import { rejectMisreadFlagValues } from '../../src/cli/flagValues.js';

const BOOLEAN = ['help', 'json', 'allow-huge', 'allowHuge'];
const STRING = ['scenario', 'out', 'token-file', 'tokenFile', 'id-prefix', 'idPrefix', 'param', 'driver'];
const NUMBER = ['seed', 'lock-seconds', 'lockSeconds'];
const DECLARED = { boolean: BOOLEAN, string: STRING, number: NUMBER, key: Object.fromEntries([...BOOLEAN, ...STRING, 'seed', 'lock-seconds', 'lockSeconds'].map((name) => [name, true])) };

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
    expect(() => rejectMisreadFlagValues(['--json=true', '--allow-huge=false', '--json', '--out=o', '--id-prefix', '', '--seed='], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--out', 'o'], DECLARED)).not.toThrow();
  });

  it('refuses a flag that takes a value given twice, in any spelling, naming the flag', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--seed', '1', '--seed', '2'], DECLARED)).toThrow('command line: --seed: given more than once: give it once');
    expect(() => rejectMisreadFlagValues(['--driver=sim', '--driver', 'live'], DECLARED)).toThrow('--driver:');
    expect(() => rejectMisreadFlagValues(['--lock-seconds', '1', '--lockSeconds', '2'], DECLARED)).toThrow('--lockSeconds:');
  });

  it('refuses a number flag given something that is not a number, quoting what was typed', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--seed', 'x'], DECLARED)).toThrow('command line: --seed: expected a number, got "x"');
    expect(() => rejectMisreadFlagValues(['--lock-seconds=soon'], DECLARED)).toThrow('command line: --lock-seconds: expected a number, got "soon"');
    expect(() => rejectMisreadFlagValues(['--lockSeconds', '1_000'], DECLARED)).toThrow('--lockSeconds: expected a number, got "1_000"');
  });

  it('leaves numbers, and what yargs itself refuses or ranges checks later, to them', () => {
    expect(() => rejectMisreadFlagValues(['--seed', '7', '--lock-seconds=1e3'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--seed', '-1'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--seed', 'Infinity'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--seed', '--json'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--seed'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--', '--seed', 'x'], DECLARED)).not.toThrow();
  });

  it('refuses a switch given both on and off, in any of its forms, naming the flag', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--json', '--no-json'], DECLARED)).toThrow('command line: --json: given both on and off (yargs would keep the last): give it once');
    expect(() => rejectMisreadFlagValues(['--no-json', '--json=true'], DECLARED)).toThrow('command line: --json: given both on and off');
    expect(() => rejectMisreadFlagValues(['--allow-huge=false', '--allowHuge'], DECLARED)).toThrow('command line: --allowHuge: given both on and off');
    expect(() => rejectMisreadFlagValues(['--json', 'true', '--json', 'false'], DECLARED)).toThrow('command line: --json: given both on and off');
    expect(() => rejectMisreadFlagValues(['--json', '--no-json=false', '--json=true', '--json', 'true', 'x.yaml'], DECLARED)).not.toThrow();
    expect(() => rejectMisreadFlagValues(['--no-json', '--json=false'], DECLARED)).not.toThrow();
  });

  it('reads a name as yargs does (doubled hyphens, capitals), so a respelling is checked like the flag', () => {
    expect(() => rejectMisreadFlagValues(['--allow--huge=1'], DECLARED)).toThrow('command line: --allow--huge: a switch: expected no value');
    expect(() => rejectMisreadFlagValues(['--ALLOW-HUGE', '--no-allow-huge'], DECLARED)).toThrow('--allow-huge: given both on and off');
    expect(() => rejectMisreadFlagValues(['--lock-seconds', '1', '--LOCK-SECONDS', '2'], DECLARED)).toThrow('--LOCK-SECONDS: given more than once');
    expect(() => rejectMisreadFlagValues(['--lock--seconds', 'soon'], DECLARED)).toThrow('--lock--seconds: expected a number, got "soon"');
  });

  it('passes a repeated switch and a repeatable flag (--param)', () => {
    expect(() => rejectMisreadFlagValues(['--json', '--json', '--param', 'seed=1,2', '--param', 'stop.time=60'], DECLARED)).not.toThrow();
  });

  it('refuses the --no- form of a flag that takes a value, naming the flag', () => {
    expect(() => rejectMisreadFlagValues(['run', 'x.yaml', '--no-seed'], DECLARED)).toThrow('command line: --seed: takes a value; there is no --no-seed');
    expect(() => rejectMisreadFlagValues(['--no-out=x'], DECLARED)).toThrow('--out:');
  });

  it('leaves alone what follows "--"', () => {
    expect(() => rejectMisreadFlagValues(['--', '--json=yes', '--out', '', '--no-seed', '--seed', '1', '--seed', '2'], DECLARED)).not.toThrow();
  });
});
