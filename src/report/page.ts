/**
 * The report page: one self-contained HTML document (inline CSS, charts as inline SVG, no
 * script, no font or image fetched from anywhere), so that it opens offline from a file or an
 * archived CI artifact. Deterministic: the same content gives the same bytes.
 */
import type { HeadlineTable } from './headlineTable.js';

/** A chart ready for the page. */
export interface PageChart {
  /** File stem of its `.svg` (and `.png`) beside the page, and its anchor on the page. */
  readonly name: string;
  /** The chart's title. */
  readonly title: string;
  /** Caption under the chart. */
  readonly caption: string;
  /** The SVG document, inlined as it is. */
  readonly svg: string;
  /** Whether a `.png` lies beside the page too (linked from the caption). */
  readonly hasPng?: boolean;
}

/** Everything the page shows. */
export interface PageContent {
  /** Page heading, e.g. the scenario name. */
  readonly title: string;
  /** Label and value pairs under the heading (seed, replications…). */
  readonly facts: readonly (readonly [string, string])[];
  /** The headline table. */
  readonly table: HeadlineTable;
  /** Strategy × target check, when the document has targets. */
  readonly targets?: HeadlineTable;
  /** Shown under the targets table. */
  readonly targetsNote?: string;
  /** Paired differences to the baseline, significant ones starred. */
  readonly paired?: HeadlineTable;
  /** The baseline's label, for the heading of `paired`. */
  readonly baseline?: string;
  /** Warnings shown above the tables (too few replications…). */
  readonly warnings?: readonly string[];
  /** The charts, in page order. */
  readonly charts: readonly PageChart[];
  /** Shown in place of charts when there are none. */
  readonly emptyNote?: string;
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; padding: 24px 32px 48px; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; color: #1a1a1a; background: #f6f6f4; line-height: 1.45; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 12px; }
.facts { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 8px 0 0; padding: 0; list-style: none; font-size: 14px; color: #333; }
.facts b { font-weight: 600; }
nav { margin: 16px 0 0; font-size: 14px; }
nav a { margin-right: 14px; color: #1f5f99; }
table { border-collapse: collapse; background: white; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d8d8d8; padding: 6px 10px; text-align: right; white-space: nowrap; }
th { background: #efefec; }
th:first-child, td.label { text-align: left; }
td.leader { font-weight: 700; background: #eaf3ea; }
.table-wrap { overflow-x: auto; }
.charts { display: flex; flex-wrap: wrap; gap: 20px; }
figure { margin: 0; padding: 12px; background: white; border: 1px solid #d8d8d8; border-radius: 4px; max-width: 100%; box-sizing: border-box; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #333; max-width: 620px; margin-top: 6px; }
figcaption a { color: #1f5f99; }
.note { font-size: 14px; color: #555; }
.warning { font-size: 14px; color: #6b3d00; background: #fff4e0; border: 1px solid #e8c58a; padding: 8px 12px; max-width: 900px; }
`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The whole page. */
export function reportPage(content: PageContent): string {
  const e = escapeHtml;
  const facts = content.facts.map(([label, value]) => `<li><b>${e(label)}</b> ${e(value)}</li>`).join('');
  const nav = content.charts.map((chart) => `<a href="#${e(chart.name)}">${e(chart.title)}</a>`).join('');
  const charts = content.charts.length === 0
    ? `<p class="note">${e(content.emptyNote ?? 'No charts.')}</p>`
    : `<div class="charts">\n${content.charts.map(chartFigure).join('\n')}\n</div>`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(content.title)} · fleetsim report</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${e(content.title)}</h1>`,
    `<ul class="facts">${facts}</ul>`,
    nav === '' ? '' : `<nav>${nav}</nav>`,
    '</header>',
    '<main>',
    ...(content.warnings ?? []).map((warning) => `<p class="warning"><b>Warning:</b> ${e(warning)}</p>`),
    '<h2>Headline metrics</h2>',
    `<div class="table-wrap">${tableHtml(content.table)}</div>`,
    '<p class="note">Mean ± 95% confidence half-width over replications ([a, b]: the interval clipped to the values the metric can take). ' +
      'A column\'s leader is highlighted only where it is significantly better than the runner-up (paired, on common random numbers); ' +
      'a column with nothing highlighted has no significant difference at the top.</p>',
    content.targets === undefined ? '' : `<h2 id="targets">Targets</h2>\n<div class="table-wrap">${tableHtml(content.targets)}</div>`,
    content.targets === undefined ? '' : `<p class="note">${e(content.targetsNote ?? '')}</p>`,
    ...(content.paired === undefined ? [] : [
      `<h2>Paired differences to ${e(content.baseline ?? 'the baseline')}</h2>`,
      `<div class="table-wrap">${tableHtml(content.paired)}</div>`,
      '<p class="note">Strategy − baseline, replication by replication on common random numbers, ± 95% half-width; ' +
        '* marks a significant difference (the interval excludes 0 and is not degenerate: ± 0 from identical differences in fewer than 6 replications is never significant; one that half the replications or more do not show also needs the sign test).</p>',
    ]),
    '<h2>Charts</h2>',
    charts,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].filter((line) => line !== '').join('\n') + '\n';
}

function tableHtml(table: HeadlineTable): string {
  const e = escapeHtml;
  const head = `<tr>${table.header.map((title) => `<th>${e(title)}</th>`).join('')}</tr>`;
  const rows = table.rows.map((row) => `<tr>${row.map((cell, i) => {
    const classes = [i < table.labelColumns ? 'label' : '', cell.leader ? 'leader' : ''].filter((c) => c !== '').join(' ');
    return `<td${classes === '' ? '' : ` class="${classes}"`}>${e(cell.text)}</td>`;
  }).join('')}</tr>`);
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function chartFigure(chart: PageChart): string {
  const e = escapeHtml;
  const name = e(chart.name);
  return [
    `<figure id="${name}" data-chart="${name}">`,
    chart.svg,
    `<figcaption>${e(chart.caption)} <a href="${name}.svg">SVG</a>${chart.hasPng === true ? ` · <a href="${name}.png">PNG</a>` : ''}</figcaption>`,
    '</figure>',
  ].join('\n');
}
