/**
 * `fleetsim report <summary.json> [--out DIR] [--png]`: rebuilds the HTML report (index.html, and each
 * chart as SVG, and as PNG with `--png`) from a saved result document, without running anything.
 */
import { dirname } from 'node:path';
import { readReportDocument } from '../report/load.js';
import { counted } from '../counted.js';

/** Flags of `report`. */
export interface ReportArgs {
  /** A `summary.json` file, or a report directory holding one. */
  summary: string;
  /** Where to write; the directory of the document when absent. */
  out?: string;
  /** `--png`: each chart as PNG too. */
  png?: boolean;
}

/**
 * Reads the document and writes its HTML report; prints the page's path.
 * @throws InputError when the document cannot be read or is not one, or `--out` cannot be written
 */
export async function reportCommand(args: ReportArgs): Promise<void> {
  const { file, document } = readReportDocument(args.summary);
  // Loaded on demand: the chart stack (vega, resvg) takes most of the CLI's start-up time.
  const { writeHtmlReport } = await import('../report/htmlReport.js');
  // The charts render in this thread: a worker thread would load and warm up the chart stack
  // again for a share of a report's ~15 charts, which costs more than it saves (docs/ARCHITECTURE.md, "Worker pool").
  const written = await writeHtmlReport(document, args.out ?? dirname(file), undefined, { png: args.png === true });
  const charts = written.filter((path) => path.endsWith('.vl.json')).length;
  process.stdout.write(`${written[0]}: ${counted(charts, 'chart')}\n`);
}
