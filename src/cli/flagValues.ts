/**
 * Flag values yargs lets through but that would be silently misread: a switch given a value
 * (`--json=maybe` reads as false), a string flag given the empty string (`--out ''` is the
 * working directory, `--token-file ''` a file named nothing), a flag that takes a value given
 * twice (yargs makes a list of the values, which `--driver` would silently read as its first and
 * `--out` would crash on), the `--no-` form of one (`--no-seed` reads as a seed of false) and a
 * number flag given something that is not a number (yargs reads `--seed x` as NaN, so the
 * message could only say "got NaN"), and a switch given both ways (`--json --no-json`: yargs
 * keeps the last). Each is an input error naming the flag, and the value. Names are read as yargs
 * reads them (`--allow--huge` and `--ALLOW-HUGE` are `--allow-huge`), so no spelling escapes.
 */
import { Parser } from 'yargs/helpers';
import { InputError } from '../scenario/errors.js';

/** The values yargs reads exactly as written for a switch. */
const SWITCH_VALUES = new Set(['true', 'false']);

/** String flags whose empty value means what leaving them out does (`--id-prefix ''`: no prefix). */
const MAY_BE_EMPTY = new Set(['id-prefix']);

/** Flags that take a value and may be given more than once, each time adding one (`--param`). */
const REPEATABLE = new Set(['param']);

/** The option names yargs declares for the command being run. */
export interface DeclaredFlags {
  /** Switches (boolean options), kebab-case and camelCase alike. */
  readonly boolean: readonly string[];
  /** String options and positionals. */
  readonly string: readonly string[];
  /** Number options, kebab-case and camelCase alike. */
  readonly number: readonly string[];
  /** Every option and positional, kebab-case and camelCase alike (yargs' own `key` table). */
  readonly key: Readonly<Record<string, unknown>>;
}

/**
 * Throws an {@link InputError} naming the flag when `rawArgs` gives a switch (`--name=value` or
 * `--no-name=value`) a value other than `true` or `false`, a string flag (`--name ''` or
 * `--name=`) the empty string, a flag that takes a value (other than a repeatable one) more than
 * once, a flag that takes a value in its `--no-name` form, a number flag a value that is not a
 * number, or a switch both on and off. Nothing after `--` is looked at.
 */
export function rejectMisreadFlagValues(rawArgs: readonly string[], declared: DeclaredFlags): void {
  const switches = new Set(declared.boolean);
  const strings = new Set(declared.string);
  const numbers = new Set(declared.number);
  const valued = new Set(Object.keys(declared.key).filter((name) => !isDeclared(switches, name)));
  const given = new Set<string>();
  const switchedTo = new Map<string, boolean>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') return;
    // One reading of each `--[no-]name[=value]` word serves every check below.
    const option = /^--(no-)?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (option === null) continue;
    const [, negated, name, inline] = option as unknown as [string, string | undefined, string, string | undefined];
    if (isDeclared(switches, name)) {
      if (inline !== undefined && !SWITCH_VALUES.has(inline)) {
        throw new InputError('command line', `--${name}`, `a switch: expected no value (or =true, =false), got ${JSON.stringify(inline)}`);
      }
      // yargs takes a bare `true` or `false` after a switch as its value.
      const next = rawArgs[i + 1];
      const value = inline ?? (next !== undefined && SWITCH_VALUES.has(next) ? next : 'true');
      const on = (value === 'true') !== (negated !== undefined);
      const earlier = switchedTo.get(camelCase(name));
      if (earlier !== undefined && earlier !== on) throw new InputError('command line', `--${name}`, 'given both on and off (yargs would keep the last): give it once');
      switchedTo.set(camelCase(name), on);
      continue;
    }
    if (isDeclared(valued, name)) {
      if (negated !== undefined) throw new InputError('command line', `--${name}`, `takes a value; there is no --no-${name}`);
      const canonical = camelCase(name);
      if (given.has(canonical) && !REPEATABLE.has(name)) throw new InputError('command line', `--${name}`, 'given more than once: give it once');
      given.add(canonical);
    }
    // The value after `=`, or the next word (unless that is another flag: yargs' own message then).
    const value = inline ?? rawArgs[i + 1];
    const nextFlag = inline === undefined && value?.startsWith('--') === true;
    if (isDeclared(numbers, name) && value !== undefined && !nextFlag && Number.isNaN(Number(value))) {
      throw new InputError('command line', `--${name}`, `expected a number, got ${JSON.stringify(value)}`);
    }
    if (isDeclared(strings, name) && !MAY_BE_EMPTY.has(name) && value === '') {
      throw new InputError('command line', `--${name}`, 'expected a value, got the empty string');
    }
  }
}

function isDeclared(names: ReadonlySet<string>, name: string): boolean {
  return names.has(name) || names.has(camelCase(name));
}

/** The key yargs files `--name` under (`allow--huge`, `ALLOW-HUGE` and `allowHuge` alike: `allowHuge`). */
function camelCase(name: string): string {
  return Parser.camelCase(name);
}
