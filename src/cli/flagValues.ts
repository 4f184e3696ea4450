/**
 * Flag values yargs lets through but that would be silently misread: a switch given a value
 * (`--json=maybe` reads as false) and a string flag given the empty string (`--out ''` is the
 * working directory, `--token-file ''` a file named nothing). Each is an input error naming the flag.
 */
import { InputError } from '../scenario/errors.js';

/** The values yargs reads exactly as written for a switch. */
const SWITCH_VALUES = new Set(['true', 'false']);

/** String flags whose empty value means what leaving them out does (`--id-prefix ''`: no prefix). */
const MAY_BE_EMPTY = new Set(['id-prefix']);

/** The option names yargs declares for the command being run. */
export interface DeclaredFlags {
  /** Switches (boolean options), kebab-case and camelCase alike. */
  readonly boolean: readonly string[];
  /** String options and positionals. */
  readonly string: readonly string[];
}

/**
 * Throws an {@link InputError} naming the flag when `rawArgs` gives a switch (`--name=value` or
 * `--no-name=value`) a value other than `true` or `false`, or a string flag (`--name ''` or
 * `--name=`) the empty string. Nothing after `--` is looked at.
 */
export function rejectMisreadFlagValues(rawArgs: readonly string[], declared: DeclaredFlags): void {
  const switches = new Set(declared.boolean);
  const strings = new Set(declared.string);
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') return;
    const switchValue = /^--(?:no-)?([^=]+)=(.*)$/s.exec(arg);
    if (switchValue !== null && isDeclared(switches, switchValue[1]!) && !SWITCH_VALUES.has(switchValue[2]!)) {
      throw new InputError('command line', `--${switchValue[1]!}`, `a switch: expected no value (or =true, =false), got ${JSON.stringify(switchValue[2]!)}`);
    }
    const flag = /^--([^=]+)(=?)$/.exec(arg);
    if (flag === null || !isDeclared(strings, flag[1]!) || MAY_BE_EMPTY.has(flag[1]!)) continue;
    if (flag[2] === '=' || rawArgs[i + 1] === '') throw new InputError('command line', `--${flag[1]!}`, 'expected a value, got the empty string');
  }
}

function isDeclared(names: ReadonlySet<string>, name: string): boolean {
  return names.has(name) || names.has(name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()));
}
