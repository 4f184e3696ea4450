/**
 * Switches (boolean flags) given a value. yargs reads `--json=maybe` as `--json=false` and
 * goes on; a user who wrote it meant something, so it is an input error instead.
 */
import { InputError } from '../scenario/errors.js';

/** The values yargs reads exactly as written for a switch. */
const SWITCH_VALUES = new Set(['true', 'false']);

/**
 * Throws an {@link InputError} naming the flag when `rawArgs` gives one of `switchNames`
 * (`--name=value` or `--no-name=value`) a value other than `true` or `false`.
 */
export function rejectSwitchValues(rawArgs: readonly string[], switchNames: readonly string[]): void {
  const switches = new Set(switchNames);
  for (const arg of rawArgs) {
    if (arg === '--') return;
    const match = /^--(?:no-)?([^=]+)=(.*)$/s.exec(arg);
    if (match === null) continue;
    const [, name, value] = match as unknown as [string, string, string];
    if (!switches.has(name) && !switches.has(camelCase(name))) continue;
    if (!SWITCH_VALUES.has(value)) {
      throw new InputError('command line', `--${name}`, `a switch: expected no value (or =true, =false), got ${JSON.stringify(value)}`);
    }
  }
}

function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
