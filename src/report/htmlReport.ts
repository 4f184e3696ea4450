/**
 * The HTML part of a report directory (beside the `summary.json`, `results.csv` and
 * `summary.md` of `reportDir.ts`): picks the charts (`charts.ts`), renders each to SVG and
 * PNG (`render.ts`), assembles the page (`page.ts`) and writes it all into a directory:
 *
 * ```
 * DIR/index.html              the page, charts inlined as SVG
 * DIR/<chart>.svg             each chart on its own
 * DIR/<chart>.png             and as PNG, when asked for (`--png`)
 * DIR/<chart>.vl.json         its Vega-Lite spec, to restyle or open in the Vega editor
 * ```
 *
 * The same document gives byte-identical HTML, SVG and spec files.
 */
import { reportCharts, strategyLabels, type ChartDef, type ReportDocument } from './charts.js';
import { reportPage, type PageChart } from './page.js';
import type { ExperimentPool } from '../experiments/pool.js';
import type { ChartRendering } from './render.js';
import { headlineTable, pairedDifferenceTable, type HeadlineTable } from './headlineTable.js';
import { TARGETS_NOTE, hasTargets, targetsDetailTable } from './targetsTable.js';
import { replicationWarnings } from '../experiments/warnings.js';
import { writeReportFiles } from './reportDir.js';

/** A chart with its renderings. */
export interface RenderedChart extends PageChart {
  /** The chart's Vega-Lite spec. */
  readonly spec: ChartDef['spec'];
  /** When PNGs were asked for. */
  readonly png?: Buffer;
}

/** What to render besides the page and the SVGs. */
export interface HtmlReportOptions {
  /**
   * Rasterise every chart to PNG too (`--png`): as long again as the SVGs, and the page does
   * not need them (it inlines the SVG). @defaultValue false
   */
  readonly png?: boolean;
}

/** The report in memory. */
export interface HtmlReport {
  /** The page, one HTML document. */
  readonly html: string;
  /** Every chart with its renderings. */
  readonly charts: readonly RenderedChart[];
}

/** File name of the page in a report directory. */
export const REPORT_PAGE = 'index.html';

/**
 * Renders every chart of `doc` and assembles the page. With a pool, the SVGs are drawn by its
 * calling thread alone: charts of one structure share a compilation per thread, and a second
 * thread would compile them all again and pay Vega's cold start for no shorter wall time
 * (docs/ARCHITECTURE.md, "Worker pool"); PNGs, which cost as much again each, are drawn by every
 * thread in parallel (each chart on one thread: Vega's id counters are per thread).
 */
export async function buildHtmlReport(doc: ReportDocument, pool?: ExperimentPool, options: HtmlReportOptions = {}): Promise<HtmlReport> {
  const defs = reportCharts(doc);
  const png = options.png ?? false;
  const renderings: ChartRendering[] = [];
  if (pool !== undefined) {
    renderings.push(...await pool.drain('chart', defs.map((chart) => ({ name: chart.name, spec: chart.spec, png })), png ? {} : { maxThreads: 1 }));
  } else {
    // Loaded here, not with this module: with a pool, the threads' first charts need not wait
    // for this thread to load the chart stack.
    const { renderChart } = await import('./render.js');
    // One at a time: Vega's id counters are global to a thread.
    for (const chart of defs) renderings.push(await renderChart(chart.spec, chart.name, { png }));
  }
  const charts = defs.map((chart, i): RenderedChart => {
    const { svg, png: bytes } = renderings[i]!;
    return {
      name: chart.name, title: chart.title, caption: chart.caption, svg, spec: chart.spec, hasPng: bytes !== undefined,
      ...(bytes === undefined ? {} : { png: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }),
    };
  });
  const html = reportPage({
    title: doc.scenario, facts: facts(doc), table: headlineTable(doc), ...targetsContent(doc), paired: pairedDifferenceTable(doc), baseline: doc.baseline,
    warnings: replicationWarnings(doc.replications), charts, emptyNote: 'This document holds no data to chart.',
  });
  return { html, charts };
}

/**
 * Writes the HTML report of `doc` into `dir` (created if missing) and returns the paths
 * written, the page first. A pool renders the charts in parallel.
 * @throws InputError naming `--out` when the directory or a file cannot be written
 */
export async function writeHtmlReport(doc: ReportDocument, dir: string, pool?: ExperimentPool, options: HtmlReportOptions = {}): Promise<string[]> {
  // The directory first, so that an unwritable --out fails before the charts are drawn.
  writeReportFiles(dir, []);
  const report = await buildHtmlReport(doc, pool, options);
  const files: [string, string | Buffer][] = [[REPORT_PAGE, report.html]];
  for (const chart of report.charts) {
    files.push([`${chart.name}.svg`, chart.svg]);
    if (chart.png !== undefined) files.push([`${chart.name}.png`, chart.png]);
    files.push([`${chart.name}.vl.json`, JSON.stringify(chart.spec, null, 2) + '\n']);
  }
  return writeReportFiles(dir, files);
}

/** The targets table of the page, when the document has targets. */
function targetsContent(doc: ReportDocument): { targets?: HeadlineTable; targetsNote?: string } {
  if (!hasTargets(doc)) return {};
  const table = targetsDetailTable(doc);
  const labelColumns = table.header.length - 4;
  return {
    targets: { header: table.header, labelColumns, rows: table.rows.map((row) => row.map((text) => ({ text, leader: false }))) },
    targetsNote: TARGETS_NOTE,
  };
}

function facts(doc: ReportDocument): [string, string][] {
  const strategies = strategyLabels(doc);
  const list: [string, string][] = [
    ['kind', doc.kind],
    ['seed', String(doc.seed)],
    ['replications', String(doc.replications)],
    ['strategies', strategies.join(', ')],
    ['baseline', doc.baseline],
  ];
  if (doc.grid.length > 0) {
    list.push(['swept', doc.grid.map((parameter) => `${parameter.path} ∈ {${parameter.values.map(String).join(', ')}}`).join('; ')]);
    list.push(['cells', String(doc.cells.length)]);
  }
  if (doc.kind === 'sweep' && doc.shard !== undefined) list.push(['shard', `${doc.shard.index}/${doc.shard.count}`]);
  return list;
}
