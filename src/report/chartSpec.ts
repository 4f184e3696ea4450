/**
 * A Vega-Lite spec as fleetsim's declarations carry it: an object, opaque. The report's code
 * builds its specs as vega-lite's own `TopLevelSpec` (./specs.ts checks every chart against it
 * with `satisfies`) and compiles them as such (./render.ts, ./chartTemplates.ts), but a type a
 * user's compiler can reach from the package names this one instead: vega-lite's declarations do
 * not compile under `exactOptionalPropertyTypes` with `skipLibCheck` off, and a project as strict
 * as that must be able to import `fleetsim`.
 */
export type ChartSpec = object;
