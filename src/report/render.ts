/**
 * Rendering a chart: Vega-Lite spec → Vega spec (`vega-lite`'s compiler) → SVG (a headless Vega
 * view with no renderer of its own) → PNG (resvg, a Rust rasteriser shipped as prebuilt npm
 * packages). No browser and no network are involved.
 *
 * Output is deterministic: text is measured from a table of the chart font's widths
 * (`textWidth.ts`) rather than by a canvas (whose presence and fonts depend on the machine), and
 * the ids Vega gives clip paths and gradients are
 * restarted for every chart and then prefixed with the chart's name, so that several charts can
 * share one HTML page without their ids colliding.
 */
import type { Resvg as ResvgClass } from '@resvg/resvg-js';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import * as vega from 'vega';
import { compile, version as vegaLiteVersion, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from './chartSpec.js';
import { compileThroughTemplate, type CompiledTemplate } from './chartTemplates.js';
import { cachingExpressionCodegen } from './expressionCache.js';
import { openTemplateStore, TEMPLATE_STORE_DIR_ENV, templateStoreName, type TemplateStore } from './templateStore.js';
import { vegaTextWidth } from './textWidth.js';

/** A Vega-Lite spec compiled to Vega, with the compiler's warnings. */
export interface CompiledChart {
  /** The Vega spec. */
  readonly vega: vega.Spec;
  /** Warnings of the compiler (a channel dropped, a bad scale…); a correct spec has none. */
  readonly warnings: readonly string[];
}

/** Compiles a Vega-Lite spec; errors throw, warnings are collected rather than printed. */
export function compileChart(spec: ChartSpec): CompiledChart {
  const warnings: string[] = [];
  const logger: vega.LoggerInterface = {
    level(): number {
      return vega.Warn;
    },
    error(...args: readonly unknown[]): vega.LoggerInterface {
      throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
    },
    warn(...args: readonly unknown[]): vega.LoggerInterface {
      warnings.push(args.map(String).join(' '));
      return logger;
    },
    info(): vega.LoggerInterface {
      return logger;
    },
    debug(): vega.LoggerInterface {
      return logger;
    },
  };
  return { vega: compile(spec as TopLevelSpec, { logger }).spec, warnings };
}

/** This thread's templates of {@link runtimeSpec}. */
const runtimeTemplates = new Map<string, CompiledTemplate>();

/** The store {@link runtimeSpec} reads templates from, once {@link useTemplateStore} named one. */
let templateStore: TemplateStore | undefined;

/**
 * Keeps {@link runtimeSpec}'s templates between processes, in a store beside the renderer
 * bundle `bundleFile` (or in the directory {@link TEMPLATE_STORE_DIR_ENV} names), named after
 * it and the compilers' versions (`templateStore.ts`). The bundled command line calls it when it
 * loads the renderer; without it (the library, the tests) templates are kept per thread only.
 * @returns the store's file
 */
export function useTemplateStore(bundleFile: string): string {
  const versions = { vega: vega.version, vegaLite: vegaLiteVersion };
  const name = templateStoreName(bundleFile, versions);
  const directory = process.env[TEMPLATE_STORE_DIR_ENV];
  templateStore = openTemplateStore(directory === undefined || directory === '' ? name : join(directory, basename(name)), versions);
  return templateStore.file;
}

/**
 * The dataflow Vega runs for a Vega-Lite spec (compiled to Vega, then parsed), from the
 * template of its structure when a chart of that structure was compiled before (`chartTemplates.ts`).
 */
export function runtimeSpec(spec: ChartSpec): vega.Runtime {
  const compiled = compileThroughTemplate(spec, (slotted) => {
    const { vega: vegaSpec, warnings } = compileChart(slotted);
    return { output: vega.parse(vegaSpec), warnings };
  }, runtimeTemplates, templateStore);
  return compiled.output as vega.Runtime;
}

/** This thread's expression functions, shared by the views of charts of one structure. */
const expressionCodegen = cachingExpressionCodegen();

/** Vega's text measurement hook, which its type declarations leave out. */
interface TextMetrics {
  width: typeof vegaTextWidth;
}

/**
 * Renders a Vega-Lite spec to an SVG document.
 * @param idPrefix - prefixed to every id in the SVG (a chart's file name, say); letters,
 * digits and `-` only.
 */
export async function renderSvg(spec: ChartSpec, idPrefix: string): Promise<string> {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(idPrefix)) throw new Error(`render: id prefix must be letters, digits and -, got ${JSON.stringify(idPrefix)}`);
  (vega as unknown as { textMetrics: TextMetrics }).textMetrics.width = vegaTextWidth;
  vega.resetSVGDefIds();
  const view = new vega.View(runtimeSpec(spec), { renderer: 'none', logLevel: vega.Error, expr: expressionCodegen });
  try {
    return scopeIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

/** A chart rendered: its SVG document and, when asked for, its PNG bytes. */
export interface ChartRendering {
  /** The SVG document. */
  readonly svg: string;
  /** The PNG bytes, when asked for. */
  readonly png?: Uint8Array;
}

/**
 * Renders a Vega-Lite spec to SVG ({@link renderSvg}) and, with `png`, that to PNG
 * ({@link svgToPng}: about as long again as the SVG, so only when asked for).
 */
export async function renderChart(spec: ChartSpec, idPrefix: string, options: { readonly png?: boolean } = {}): Promise<ChartRendering> {
  const svg = await renderSvg(spec, idPrefix);
  return options.png === true ? { svg, png: svgToPng(svg) } : { svg };
}

/** Prefixes every `id` of an SVG document, and every reference to one (`url(#…)`, `href="#…"`). */
export function scopeIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const match of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(match[1]!);
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => (ids.has(id) ? `${lead}${prefix}-${id}` : whole));
}

/** How a PNG is rasterised. */
export interface PngOptions {
  /** Pixels per SVG pixel. @defaultValue 2 */
  readonly scale?: number;
}

/** Rasterises an SVG document to PNG bytes (fonts from the system; DejaVu Sans when unnamed). */
export function svgToPng(svg: string, options: PngOptions = {}): Buffer {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new Error(`render: PNG scale must be in (0, 8], got ${scale}`);
  const resvg = new (loadResvg())(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

let resvgClass: typeof ResvgClass | undefined;

/** resvg, loaded by the first PNG: a native addon whose loading (~10–20 ms) charts drawn as SVG only do not need. */
function loadResvg(): typeof ResvgClass {
  resvgClass ??= (createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js')).Resvg;
  return resvgClass;
}
