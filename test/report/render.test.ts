/** Rendering a chart to SVG and PNG, without a browser. */
import { describe, expect, it } from 'vitest';
import { renderSvg, scopeIds, svgToPng } from '../../src/report/render.js';
import { agentLoadSpec, metricIntervalsSpec, sweepHeatmapSpec } from '../../src/report/specs.js';
import { textWidth, vegaTextWidth } from '../../src/report/textWidth.js';

const BARS = metricIntervalsSpec({
  title: 'Latency p95 (s)', subtitle: 'lower is better', strategies: ['round-robin', 'least-connections'], axisTitle: 'latency p95 (s)',
  rows: [{ strategy: 'round-robin', mean: 3, low: 2, high: 4 }, { strategy: 'least-connections', mean: 2, low: 1.5, high: 2.5 }],
});

/** PNG width and height from the IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('SVG rendering', () => {
  it('renders a spec to an SVG document with its title, labels and marks', async () => {
    const svg = await renderSvg(BARS, 'bars');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<\/svg>$/);
    for (const text of ['Latency p95 (s)', 'lower is better', 'round-robin', 'least-connections', 'latency p95 (s)']) expect(svg).toContain(`>${text}<`);
    expect(svg).toContain('role-mark');
  });

  it('draws the per-agent bars of a fleet of 5,000 agents, in fleet order (a sort list of that size overflowed Vega\'s expression compiler)', async () => {
    const agents = Array.from({ length: 5000 }, (_, i) => `agent-${4999 - i}`);
    const rows = agents.flatMap((agent, i) => ['a', 'b'].map((strategy) => ({ strategy, agent, value: i % 7 })));
    const svg = await renderSvg(agentLoadSpec({ title: 'Completed tasks per agent', strategies: ['a', 'b'], agents, axisTitle: 'completed tasks', rows }), 'agents');
    expect(svg).toContain('>Completed tasks per agent<');
    // Fleet order, not the ids' alphabetical order: agent-4999 is the first label drawn, agent-0 the last.
    const labels = [...svg.matchAll(/>(agent-\d+)</g)].map((match) => match[1]);
    expect(labels[0]).toBe('agent-4999');
    expect(labels.at(-1)).toBe('agent-0');
  }, 60_000);

  it('gives the same bytes for the same spec', async () => {
    expect(await renderSvg(BARS, 'bars')).toBe(await renderSvg(BARS, 'bars'));
  });

  it('prefixes ids so that charts on one page do not share clip paths or gradients', async () => {
    const heatmap = sweepHeatmapSpec({
      title: 'Heat', strategies: ['a'], axisTitle: 'm', xTitle: 'x', yTitle: 'y', xOrder: [1, 2], yOrder: [1], digits: 1,
      rows: [{ strategy: 'a', x: 1, y: 1, mean: 1, low: 1, high: 1 }, { strategy: 'a', x: 2, y: 1, mean: 2, low: 2, high: 2 }],
    });
    const svg = await renderSvg(heatmap, 'sweep-m');
    const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!);
    expect(ids.length).toBeGreaterThan(0); // the colour legend's gradient
    for (const id of ids) expect(id.startsWith('sweep-m-')).toBe(true);
    const references = [...svg.matchAll(/url\(#([^)]+)\)/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(0); // the legend's fill of that gradient
    for (const ref of references) expect(ids).toContain(ref);
  });

  it('scopes ids and their references, and leaves other fragments alone', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><a href="#top"/></g></svg>';
    expect(scopeIds(svg, 'c')).toBe('<svg><defs><clipPath id="c-clip1"><rect/></clipPath></defs><g clip-path="url(#c-clip1)"><use href="#c-clip1"/><a href="#top"/></g></svg>');
  });

  it('refuses an id prefix that would need escaping', async () => {
    await expect(renderSvg(BARS, 'bad prefix')).rejects.toThrow(/id prefix/);
  });
});

describe('PNG rendering', () => {
  it('rasterises the SVG at twice its size on a white background', async () => {
    const svg = await renderSvg(BARS, 'bars');
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const width = Number(svg.match(/width="(\d+)"/)![1]);
    const height = Number(svg.match(/height="(\d+)"/)![1]);
    expect(pngSize(png)).toEqual([width * 2, height * 2]);
    expect(png.length).toBeGreaterThan(5_000);
  });
});

describe('text widths', () => {
  it('measures DejaVu Sans advance widths, bold wider, unknown characters generously', () => {
    expect(textWidth('0', 10, false)).toBeCloseTo(6.36, 5);
    expect(textWidth('mi', 20, false)).toBeCloseTo((0.974 + 0.278) * 20, 5);
    expect(textWidth('strategy', 12, true)).toBeGreaterThan(textWidth('strategy', 12, false));
    expect(textWidth('±', 10, false)).toBeCloseTo(8.4, 5);
  });

  it('reads size and weight from a Vega text item the way Vega does', () => {
    expect(vegaTextWidth({}, 'ab')).toBeCloseTo(textWidth('ab', 11, false), 9);
    expect(vegaTextWidth({ fontSize: 14, fontWeight: 'bold' }, ' ab ')).toBeCloseTo(textWidth('ab', 14, true), 9);
    expect(vegaTextWidth({ fontWeight: 700 }, 'ab')).toBeCloseTo(textWidth('ab', 11, true), 9);
    expect(vegaTextWidth({ fontSize: 12 }, undefined)).toBe(0);
  });
});
