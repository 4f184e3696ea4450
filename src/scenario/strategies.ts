/**
 * The strategies section: names looked up in the registry,
 * parameters validated by each strategy's own schema (which fills in its defaults), and a
 * unique label per entry so that a strategy listed twice with different parameters can be
 * told apart in results (`skill-weighted`, `skill-weighted#2`).
 */
import { z } from 'zod';
import { findStrategy, strategyNames, type StrategyDefinition } from '../strategies/index.js';
import { InputError, didYouMean, formatPath, type PathSegment } from './errors.js';
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
    const raw = named ? {} : (entry.params ?? {});
    checkParamNames(definition, raw, file, prefix);
    const params = parseWith(definition.params, raw, file, prefix);
    return { name, label: labels(name), params };
  });
}

/**
 * An unknown parameter names the strategy's parameters (or says it has none), with a guess:
 * the strategies' own schemas only say the key is unknown.
 */
function checkParamNames(definition: StrategyDefinition<unknown>, raw: unknown, file: string, prefix: readonly PathSegment[]): void {
  if (!(definition.params instanceof z.ZodObject) || raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  const known = Object.keys(definition.params.shape);
  const unknown = Object.keys(raw).find((key) => !known.includes(key));
  if (unknown === undefined) return;
  const expected = known.length === 0 ? `${definition.name} takes no parameters` : `known parameters of ${definition.name}: ${known.join(', ')}`;
  throw new InputError(file, formatPath([...prefix, unknown]), `unknown parameter "${unknown}"${didYouMean(unknown, known)}; ${expected}`);
}

function lookUp(name: string, file: string, path: string): StrategyDefinition<unknown> {
  const definition = findStrategy(name);
  if (definition !== undefined) return definition;
  const known = strategyNames();
  throw new InputError(file, path, `unknown strategy "${name}"${didYouMean(name, known)}; known strategies: ${known.join(', ')}`);
}
