/** The report directory: the page, each chart beside it, self-contained and deterministic. */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportCharts, type ReportDocument } from '../../src/report/charts.js';
import { escapeHtml, reportPage } from '../../src/report/page.js';
import { buildHtmlReport, writeHtmlReport } from '../../src/report/htmlReport.js';
import { headlineTable, pairedDifferenceTable } from '../../src/report/headlineTable.js';
import { replicationWarnings } from '../../src/experiments/warnings.js';
import { ExperimentPool } from '../../src/experiments/pool.js';
import { smallCompare } from './documents.js';
import { compareDocument } from './fixtures.js';

describe('report directory', () => {
  let doc: ReportDocument;
  let dir: string;
  let written: string[];
  beforeAll(async () => {
    doc = compareDocument();
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-report-'));
    written = await writeHtmlReport(doc, join(dir, 'nested', 'out'));
  });

  it('writes index.html and, for every chart, its SVG and Vega-Lite spec', () => {
    const out = join(dir, 'nested', 'out');
    expect(written[0]).toBe(join(out, 'index.html'));
    const names = reportCharts(doc).map((chart) => chart.name);
    expect(readdirSync(out).sort()).toEqual(['index.html', ...names.flatMap((name) => [`${name}.svg`, `${name}.vl.json`])].sort());
    for (const name of names) expect(readFileSync(join(out, `${name}.svg`), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });

  it('writes each chart as PNG too when asked for, linked from the page, the rest unchanged', async () => {
    const out = join(dir, 'with-png');
    await writeHtmlReport(doc, out, undefined, { png: true });
    const names = reportCharts(doc).map((chart) => chart.name);
    expect(readdirSync(out).sort()).toEqual(['index.html', ...names.flatMap((name) => [`${name}.png`, `${name}.svg`, `${name}.vl.json`])].sort());
    for (const name of names) {
      expect(readFileSync(join(out, `${name}.png`)).subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(readFileSync(join(out, `${name}.svg`), 'utf8')).toBe(readFileSync(join(dir, 'nested', 'out', `${name}.svg`), 'utf8'));
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const name of names) expect(html).toContain(`<a href="${name}.png">PNG</a>`);
    expect(readFileSync(written[0]!, 'utf8')).not.toContain('.png"');
    expect(html.replace(/ · <a href="[^"]+\.png">PNG<\/a>/g, '')).toBe(readFileSync(written[0]!, 'utf8'));
  });

  it('is self-contained: no script, no stylesheet or font link, nothing fetched over the network', () => {
    const html = readFileSync(written[0]!, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    expect(html).not.toMatch(/\s(src|href|xlink:href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
    // Links stay inside the report directory.
    for (const [, target] of html.matchAll(/\shref="([^"]*)"/g)) expect(target === '' || target.startsWith('#') || existsSync(join(dir, 'nested', 'out', target!))).toBe(true);
  });

  it('inlines every chart as SVG under its own anchor, with its caption', () => {
    const html = readFileSync(written[0]!, 'utf8');
    for (const chart of reportCharts(doc)) {
      const figure = html.slice(html.indexOf(`<figure id="${chart.name}"`), html.indexOf('</figure>', html.indexOf(`<figure id="${chart.name}"`)));
      expect(figure, chart.name).toContain('<svg');
      expect(figure, chart.name).toContain(`>${escapeHtml(chart.title)}<`);
      expect(figure, chart.name).toContain(escapeHtml(chart.caption));
    }
  });

  it('gives byte-identical pages, SVGs and specs for the same document', async () => {
    const again = await buildHtmlReport(doc);
    expect(again.html).toBe(readFileSync(written[0]!, 'utf8'));
    for (const chart of again.charts) {
      expect(chart.svg).toBe(readFileSync(join(dir, 'nested', 'out', `${chart.name}.svg`), 'utf8'));
      expect(JSON.stringify(chart.spec, null, 2) + '\n').toBe(readFileSync(join(dir, 'nested', 'out', `${chart.name}.vl.json`), 'utf8'));
    }
  });

  it('gives the same page, SVGs and PNGs when a pool of three threads renders the charts', async () => {
    const pool = new ExperimentPool(3, ['chart']);
    try {
      const parallel = await buildHtmlReport(doc, pool, { png: true });
      const here = await buildHtmlReport(doc, undefined, { png: true });
      expect(parallel.html).toBe(here.html);
      expect(parallel.charts.map((chart) => chart.name)).toEqual(here.charts.map((chart) => chart.name));
      parallel.charts.forEach((chart, i) => {
        expect(chart.svg).toBe(here.charts[i]!.svg);
        expect(chart.png!.equals(here.charts[i]!.png!), chart.name).toBe(true);
      });
      expect(pool.itemsDone.here + pool.itemsDone.workers).toBe(here.charts.length);
    } finally {
      await pool.close();
    }
  });
});

describe('headline table and page', () => {
  it('shows means with their half-widths and marks a column\'s leader only when significantly ahead of the second', () => {
    const ahead = headlineTable(smallCompare([[10, 12, 11, 13], [6, 7, 6.5, 8], [9, 12, 10, 12]]));
    expect(ahead.header[0]).toBe('strategy');
    expect(ahead.rows).toHaveLength(3);
    const latency = ahead.header.indexOf('latency p95 (s)');
    const leaders = (table: typeof ahead): string[] => table.rows.filter((row) => row[latency]!.leader).map((row) => row[0]!.text);
    expect(leaders(ahead)).toEqual(['b']);
    expect(ahead.rows[1]![latency]!.text).toMatch(/^6\.88 ± [\d.]+$/);
    // b and c swap places between replications: no leader, although b's mean is lower.
    const tied = headlineTable(smallCompare([[10, 12, 11, 13], [6, 9, 6.5, 9], [7, 8, 7, 8]]));
    expect(leaders(tied)).toEqual([]);
  });

  it('shows the paired differences to the baseline, starred when significant, and warns of too few replications', () => {
    const doc = smallCompare([[10, 12, 11, 13], [6, 7, 6.5, 8]]);
    const paired = pairedDifferenceTable(doc);
    expect(paired.header).toEqual(['strategy', 'Δ gini tasks', 'Δ latency p95 (s)', 'Δ deadline success', 'Δ context waste', 'Δ quality']);
    expect(paired.rows.map((row) => row[0]!.text)).toEqual(['a (baseline)', 'b']);
    expect(paired.rows[1]![2]!.text).toMatch(/^-4\.63 ± [\d.]+ \*$/);
    const html = reportPage({ title: 't', facts: [], table: headlineTable(doc), paired, baseline: 'a', warnings: replicationWarnings(4), charts: [] });
    expect(html).toContain('<h2>Paired differences to a</h2>');
    expect(html).toContain('<p class="warning"><b>Warning:</b> only 4 replications');
    expect(html).toContain('highlighted only where it is significantly better than the runner-up');
  });

  it('escapes every text it shows', () => {
    const html = reportPage({
      title: '<scenario & "co">', facts: [['seed', '<1>']], table: { header: ['<h>'], labelColumns: 1, rows: [[{ text: '<c>', leader: false }]] },
      charts: [{ name: 'x', title: '<t>', caption: '<cap>', svg: '<svg></svg>' }],
    });
    expect(html).not.toMatch(/<(scenario|h|c|t|cap|1)>/);
    expect(html).toContain('&lt;scenario &amp; &quot;co&quot;&gt;');
  });
});
