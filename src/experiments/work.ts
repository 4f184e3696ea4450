/**
 * The kinds of work the experiment pool runs, and how each is done. The same functions run in
 * a worker thread and in the main thread, so a result cannot depend on where it was computed.
 */
import type { ChartSpec } from '../report/chartSpec.js';
import type { ChartRendering } from '../report/render.js';
import type { JobResult, RunJob } from './job.js';

/** One chart to render: its Vega-Lite spec, the name that scopes its SVG ids, and whether to rasterise it. */
export interface ChartItem {
  /** Scopes the SVG's ids, so that several charts can share a page. */
  readonly name: string;
  /** The Vega-Lite spec. */
  readonly spec: ChartSpec;
  /** Render a PNG too. */
  readonly png: boolean;
}

/** What each kind of work takes and gives. Both sides are plain data (copied between threads). */
export interface WorkKinds {
  /** A run: a job in, its result out. */
  readonly run: { readonly item: RunJob; readonly result: JobResult };
  /** A chart: a spec in, its renderings out. */
  readonly chart: { readonly item: ChartItem; readonly result: ChartRendering };
}

/** A kind of work. */
export type WorkKind = keyof WorkKinds;

/** A result with the buffers that may be moved (not copied) to the thread that asked for it. */
export interface DoneWork<K extends WorkKind> {
  /** The result. */
  readonly result: WorkKinds[K]['result'];
  /** Buffers of the result to move rather than copy. */
  readonly transfer: ArrayBuffer[];
}

/** Does one item of work of `kind`. */
export async function doWork<K extends WorkKind>(kind: K, item: WorkKinds[K]['item']): Promise<DoneWork<K>> {
  if (kind === 'run') {
    const { runJob } = await loadRunner();
    const result = await runJob(item as RunJob);
    return { result, transfer: [result.samplesUs.buffer as ArrayBuffer] } as DoneWork<K>;
  }
  const chart = item as ChartItem;
  const { renderChart } = await loadRenderer();
  const rendering = await renderChart(chart.spec, chart.name, { png: chart.png });
  return { result: rendering, transfer: [] } as DoneWork<K>;
}

/**
 * Loads what the kind of work needs before any item arrives (the chart stack takes a few
 * tenths of a second to load), so that an idle thread is ready when the work comes.
 */
export async function prepareWork(kinds: readonly WorkKind[]): Promise<void> {
  if (kinds.includes('run')) await loadRunner();
  if (kinds.includes('chart')) await loadRenderer();
}

// Loaded on demand, each kind's modules only where that kind of work is done: runs need none of
// the chart stack (vega, resvg), charts none of the simulator.
function loadRunner(): Promise<typeof import('./job.js')> {
  return import('./job.js');
}

function loadRenderer(): Promise<typeof import('../report/render.js')> {
  return import('../report/render.js');
}
