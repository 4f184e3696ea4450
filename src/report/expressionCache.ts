/**
 * Vega's expression functions shared between the views of one thread. A view turns every
 * expression of its dataflow (a signal's update, a formula, a mark's encoding…) into a function
 * with `new Function`; charts of one structure hold the same expressions, so each function is
 * made once per thread and every view gets it bound to its own context, as Vega binds it
 * (docs/ARCHITECTURE.md, "Worker pool").
 *
 * The functions are made by Vega's own code generator, called without a context so that it
 * returns them unbound: a function's text is all it depends on, as `new Function` compiles in
 * the global scope.
 */
import * as vega from 'vega';

/** An expression as Vega's parser gives it: its code. */
interface ExpressionSpec {
  readonly code: string;
}

/** A mark's encoding as Vega's parser gives it: its mark type and each channel's code. */
interface EncodeSpec {
  readonly marktype: string;
  readonly channels: Readonly<Record<string, ExpressionSpec>>;
}

/** The part of a runtime context the functions are bound to. */
interface FunctionContext {
  readonly functions?: object;
}

/** Most functions kept: a report's charts make a few hundred; past this the cache starts again. */
const MAX_FUNCTIONS = 4096;

type Make<S> = (context: FunctionContext | undefined, spec: S) => (...args: unknown[]) => unknown;

/** Vega's expression code generator (vega-runtime's `expressionCodegen`): the View's `expr` option. */
export interface ExpressionCodegen {
  /** Makes the function of an operator's expression. */
  readonly operator: Make<ExpressionSpec>;
  /** Makes the function of a parameter's expression. */
  readonly parameter: Make<ExpressionSpec>;
  /** Makes the function of an event filter's expression. */
  readonly event: Make<ExpressionSpec>;
  /** Makes the function of an event handler's expression. */
  readonly handler: Make<ExpressionSpec>;
  /** Makes the function that encodes a mark's channels. */
  readonly encode: Make<EncodeSpec>;
  /** Vega's code generator itself, passed through. */
  readonly codegen: unknown;
}

/** Vega's default generator, which a runtime context made without one holds. */
function vegaCodegen(): ExpressionCodegen {
  const runtimeContext = (vega as unknown as { runtimeContext: (dataflow: object, transforms: object) => { expr: ExpressionCodegen } }).runtimeContext;
  return runtimeContext({ events: () => undefined }, {}).expr;
}

/**
 * A code generator for `new vega.View(runtime, { expr })` that makes each distinct expression
 * function once (per returned generator) and gives views the same functions Vega would.
 */
export function cachingExpressionCodegen(): ExpressionCodegen {
  const base = vegaCodegen();
  const functions = new Map<string, (...args: unknown[]) => unknown>();
  const cached = <S>(kind: string, make: Make<S>, key: (spec: S) => string): Make<S> => (context, spec) => {
    const id = `${kind}\u0000${key(spec)}`;
    let unbound = functions.get(id);
    if (unbound === undefined) {
      unbound = make(undefined, spec);
      if (functions.size >= MAX_FUNCTIONS) functions.clear();
      functions.set(id, unbound);
    }
    // Bound afresh for every view: Vega sets properties (`fields`, `fname`) on what it is given.
    return unbound.bind(context?.functions);
  };
  const code = (spec: ExpressionSpec): string => spec.code;
  return {
    operator: cached('operator', base.operator, code),
    parameter: cached('parameter', base.parameter, code),
    event: cached('event', base.event, code),
    handler: cached('handler', base.handler, code),
    // The encoder's code follows from the mark type and the channels' names and code, in order.
    encode: cached('encode', base.encode, (spec) => JSON.stringify([spec.marktype, Object.entries(spec.channels).map(([name, channel]) => [name, channel.code])])),
    codegen: base.codegen,
  };
}
