/**
 * The strategies section: names looked up in the registry,
 * parameters validated by each strategy's own schema (which fills in its defaults), and a
 * unique label per entry so that a strategy listed twice with different parameters can be
 * told apart in results (`skill-weighted`, `skill-weighted#2`).
 */
import { findStrategy, strategyNames, type StrategyDefinition } from '../strategies/index.js';
import { InputError, didYouMean, type PathSegment } from './errors.js';
import type { StrategyEntry } from './schema.js';
import { labeller } from './strategySpec.js';
import type { StrategyChoice } from './types.js';
import { parseWith } from './zodIssues.js';

/** The scenario file's `strategies` list, resolved. */
export function resolveStrategies(entries: readonly StrategyEntry[], file: string): StrategyChoice[] {
  const labels = labeller();
  return entries.map((entry, i) => {
    const named = typeof entry === 'string';
    const name = named ? entry : entry.name;
    const definition = lookUp(name, file, named ? `strategies[${i}]` : `strategies[${i}].name`);
    const prefix: PathSegment[] = ['strategies', i, 'params'];
    // An absent `params` is validated as {} so that the strategy's defaults apply.
    const params = parseWith(definition.params, named ? {} : (entry.params ?? {}), file, prefix);
    return { name, label: labels(name), params };
  });
}

function lookUp(name: string, file: string, path: string): StrategyDefinition<unknown> {
  const definition = findStrategy(name);
  if (definition !== undefined) return definition;
  const known = strategyNames();
  throw new InputError(file, path, `unknown strategy "${name}"${didYouMean(name, known)}; known strategies: ${known.join(', ')}`);
}
