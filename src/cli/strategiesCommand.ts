/**
 * `fleetsim strategies [name]`: every registered strategy with its description and parameters
 * (type, allowed range, default), read from the strategy's own zod schema so the listing cannot
 * drift from what the scenario loader accepts.
 */
import { z } from 'zod';
import { InputError, didYouMean } from '../scenario/errors.js';
import { STRATEGIES, findStrategy, strategyNames, type StrategyDefinition } from '../strategies/index.js';

/** One parameter of a strategy as shown to a user. */
export interface ParameterInfo {
  /** The parameter's name, as a strategy spec writes it. */
  readonly name: string;
  /** Type and allowed values, e.g. `integer 1..64` or `one of most-skilled, wait`. */
  readonly type: string;
  /** The default as JSON, or undefined when the parameter is required. */
  readonly defaultValue: string | undefined;
}

/** A JSON Schema node, as far as this listing reads it. */
interface SchemaNode {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

/** The parameters of a strategy, in the order its schema declares them. */
export function strategyParameters(definition: StrategyDefinition<unknown>): ParameterInfo[] {
  const schema = z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  return Object.entries(schema.properties ?? {}).map(([name, node]) => ({
    name,
    type: describeType(node),
    defaultValue: node.default === undefined ? undefined : JSON.stringify(node.default),
  }));
}

/** `fleetsim strategies`: one block per strategy. */
export function strategiesText(): string {
  return STRATEGIES.map(strategyText).join('\n');
}

/**
 * `fleetsim strategies <name>`: one strategy's block.
 * @throws InputError for an unknown name, with a did-you-mean and the known names
 */
export function strategyTextByName(name: string): string {
  const definition = findStrategy(name);
  if (definition === undefined) {
    const known = strategyNames();
    throw new InputError('command line', 'strategies', `unknown strategy "${name}"${didYouMean(name, known)}; known strategies: ${known.join(', ')}`);
  }
  return strategyText(definition);
}

/** Name and description, then the parameters indented, or "no parameters". */
function strategyText(definition: StrategyDefinition<unknown>): string {
  const parameters = strategyParameters(definition);
  const head = `${definition.name}: ${definition.description}\n`;
  if (parameters.length === 0) return `${head}  no parameters\n`;
  const nameWidth = Math.max(...parameters.map((p) => p.name.length));
  const typeWidth = Math.max(...parameters.map((p) => p.type.length));
  const lines = parameters.map((p) =>
    `  ${p.name.padEnd(nameWidth)}  ${p.type.padEnd(typeWidth)}  ${p.defaultValue === undefined ? 'required' : `default ${p.defaultValue}`}`.trimEnd());
  return `${head}${lines.join('\n')}\n`;
}

function describeType(node: SchemaNode): string {
  if (node.enum !== undefined) return `one of ${node.enum.map(String).join(', ')}`;
  const type = node.type ?? 'any';
  if (type !== 'number' && type !== 'integer') return type;
  const low = node.exclusiveMinimum ?? node.minimum;
  const high = node.exclusiveMaximum ?? node.maximum;
  const bounded = (value: number | undefined): value is number => value !== undefined && Math.abs(value) < Number.MAX_SAFE_INTEGER;
  if (bounded(low) && bounded(high) && node.exclusiveMinimum === undefined && node.exclusiveMaximum === undefined) return `${type} ${low}..${high}`;
  const bounds = [
    bounded(low) ? `${node.exclusiveMinimum === undefined ? '>=' : '>'} ${low}` : undefined,
    bounded(high) ? `${node.exclusiveMaximum === undefined ? '<=' : '<'} ${high}` : undefined,
  ].filter((bound) => bound !== undefined);
  return bounds.length === 0 ? type : `${type} ${bounds.join(', ')}`;
}
