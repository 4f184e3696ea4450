/**
 * Compiling through templates: every chart gets exactly the dataflow Vega's parser gives for
 * its compiled spec, and so the same SVG, whatever its titles, strategy names and rows hold;
 * charts of one structure share one compilation.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from '../../src/report/chartSpec.js';
import { compileThroughTemplate, type Compiled, type CompiledTemplate } from '../../src/report/chartTemplates.js';
import { reportCharts } from '../../src/report/charts.js';
import { compileChart, runtimeSpec } from '../../src/report/render.js';
import { metricIntervalsSpec, pairedDifferenceSpec, sweepHeatmapSpec, type DifferenceRow } from '../../src/report/specs.js';
import { TemplateStore } from '../../src/report/templateStore.js';
import { vegaTextWidth } from '../../src/report/textWidth.js';
import { compareDocument, sweepDocument } from './fixtures.js';

/** The dataflow of `spec` compiled and parsed directly (no template), from a fresh copy of the spec. */
function direct(spec: ChartSpec): vega.Runtime {
  return vega.parse(compileChart(structuredClone(spec)).vega);
}

/** The SVG Vega draws from a dataflow, as `renderSvg` draws it (before its ids are scoped). */
async function svgOf(runtime: vega.Runtime): Promise<string> {
  (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics.width = vegaTextWidth;
  vega.resetSVGDefIds();
  const view = new vega.View(runtime, { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A compile function that counts its calls and compiles directly. */
function counting(): { calls: number; compile: (spec: ChartSpec) => Compiled } {
  const counter = { calls: 0, compile: (spec: ChartSpec): Compiled => (counter.calls++, { output: direct(spec), warnings: [] }) };
  return counter;
}

/**
 * Checks that the templated dataflow of `spec` is the direct one and draws the same SVG (or
 * fails as the direct one does: Vega takes no strategy named `valueOf`, say).
 */
async function expectSameAsDirect(spec: ChartSpec, what: string): Promise<void> {
  let expected: { json: string; keys: string[]; svg: string } | { error: Error };
  try {
    const runtime = direct(spec);
    // Read before the view, which changes its spec (its event configuration).
    const json = JSON.stringify(runtime);
    expected = { json, keys: Object.keys(runtime), svg: await svgOf(runtime) };
  } catch (error) {
    expected = { error: error as Error };
  }
  if ('error' in expected) {
    await expect(async () => svgOf(runtimeSpec(structuredClone(spec))), what).rejects.toThrow(expected.error.message);
    return;
  }
  const templated = runtimeSpec(structuredClone(spec));
  expect(JSON.stringify(templated), what).toBe(expected.json);
  expect(Object.keys(templated), what).toEqual(expected.keys);
  expect(await svgOf(templated), what).toBe(expected.svg);
}

describe('runtimeSpec (compiling through templates)', () => {
  it('gives every chart of a compare and of sweeps the dataflow the compilers give it, and so the same SVG', async () => {
    const documents = [
      compareDocument(),
      sweepDocument([{ path: 'agents[0].count', values: [2, 3] }]),
      sweepDocument([{ path: 'agents[0].count', values: [2, 3] }, { path: 'workload.arrivals.rate', values: [1, 2] }]),
    ];
    const perDocument = documents.map((doc) => reportCharts(doc));
    // Seventeen charts of a compare, five of each sweep: the loop below compares every kind.
    expect(perDocument.map((charts) => charts.length)).toEqual([17, 5, 5]);
    for (const chart of perDocument.flat()) await expectSameAsDirect(chart.spec, chart.name);
  });

  it('compiles a compare\'s charts of one kind once', () => {
    const charts = reportCharts(compareDocument());
    const counter = counting();
    const templates = new Map<string, CompiledTemplate>();
    for (const chart of charts) compileThroughTemplate(structuredClone(chart.spec), counter.compile, templates);
    // Kinds by name (metric-…, paired-…, agent-…); two kinds may even share a structure.
    const kinds = new Set(charts.map((chart) => chart.name.replace(/-.*/, '')));
    expect(charts.length).toBeGreaterThan(kinds.size);
    expect(counter.calls).toBeGreaterThan(0);
    expect(counter.calls).toBeLessThanOrEqual(kinds.size);
  });

  it('puts back titles, names and rows of any spelling, quotes and non-ASCII included', async () => {
    // Any text, and often one the compilers treat apart: a field name, a `_` start, Object's own.
    const text = fc.oneof(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }), fc.constantFrom('strategy', 'mean', 'low', 'high', '_', '_x', 'valueOf'));
    await fc.assert(fc.asyncProperty(text, text, fc.uniqueArray(text, { minLength: 1, maxLength: 4 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), async (title, axisTitle, strategies, mean) => {
      const rows: DifferenceRow[] = strategies.map((strategy, i) => ({ strategy, mean: mean + i, low: mean + i - 1, high: mean + i + 1, significant: i % 2 === 0 }));
      await expectSameAsDirect(metricIntervalsSpec({ title, subtitle: axisTitle, strategies, axisTitle, rows }), 'intervals');
      await expectSameAsDirect(pairedDifferenceSpec({ title, strategies, axisTitle, rows }), 'paired');
    }), { seed: 1, numRuns: 40 });
  });

  it('compiles a title equal to a field name, or starting with `_`, as it is (fast-check found `_`)', async () => {
    for (const axisTitle of ['_', '_mean', 'strategy', 'mean', 'high']) {
      const rows: DifferenceRow[] = ['a', 'b'].map((strategy, i) => ({ strategy, mean: i, low: i - 1, high: i + 1, significant: false }));
      runtimeSpec(metricIntervalsSpec({ title: 'u', subtitle: 'v', strategies: ['a', 'b'], axisTitle: 'y', rows }));
      await expectSameAsDirect(metricIntervalsSpec({ title: 't', subtitle: 'x', strategies: ['a', 'b'], axisTitle, rows }), axisTitle);
      await expectSameAsDirect(pairedDifferenceSpec({ title: 't', strategies: ['a', 'b'], axisTitle, rows }), axisTitle);
    }
  });

  it('compiles a name that is one of Object\'s own properties as it is (fast-check found `valueOf`)', async () => {
    for (const name of ['valueOf', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const rows: DifferenceRow[] = [name, 'b'].map((strategy, i) => ({ strategy, mean: i, low: i - 1, high: i + 1, significant: false }));
      // A chart of the same structure first, so that a template exists for this one to come from.
      runtimeSpec(metricIntervalsSpec({ title: 'u', subtitle: 'v', strategies: ['c', 'd'], axisTitle: 'y', rows: [{ strategy: 'c', mean: 1, low: 0, high: 2 }] }));
      await expectSameAsDirect(metricIntervalsSpec({ title: 't', subtitle: 'x', strategies: [name, 'b'], axisTitle: 'x', rows }), name);
      await expectSameAsDirect(pairedDifferenceSpec({ title: 't', strategies: [name, 'b'], axisTitle: 'x', rows }), name);
    }
  });

  it('keeps the rows themselves: -0, NaN and null drawn as they are', async () => {
    const rows = [{ strategy: 'a', mean: -0, low: -1, high: 1 }, { strategy: 'b', mean: Number.NaN, low: null as unknown as number, high: 1 }];
    const spec = metricIntervalsSpec({ title: 't', strategies: ['a', 'b'], axisTitle: 'x', rows });
    // A chart of the same structure first, so that this one comes from the template.
    runtimeSpec(metricIntervalsSpec({ title: 'u', strategies: ['c', 'd'], axisTitle: 'y', rows: [{ strategy: 'c', mean: 1, low: 0, high: 2 }] }));
    await expectSameAsDirect(spec, '-0 and NaN');
  });

  it('compiles a spec that spells a slot as it is, every time', () => {
    const spec = sweepHeatmapSpec({
      title: 'fleetsimSlot0z', strategies: ['a'], axisTitle: 'x', xTitle: 'p', yTitle: 'q', xOrder: [1], yOrder: [2], digits: 1,
      rows: [{ strategy: 'a', x: 1, y: 2, mean: 3, low: 2, high: 4 }],
    });
    const counter = counting();
    const templates = new Map<string, CompiledTemplate>();
    expect(JSON.stringify(compileThroughTemplate(spec, counter.compile, templates).output)).toBe(JSON.stringify(direct(spec)));
    compileThroughTemplate(spec, counter.compile, templates);
    expect(counter.calls).toBe(2);
  });

  it('compiles as it is an output that JSON would not hold exactly', () => {
    const spec = metricIntervalsSpec({ title: 't', strategies: ['a'], axisTitle: 'x', rows: [{ strategy: 'a', mean: 1, low: 0, high: 2 }] });
    let calls = 0;
    const templates = new Map<string, CompiledTemplate>();
    const compile = (): Compiled => (calls++, { output: { limit: Number.POSITIVE_INFINITY }, warnings: [] });
    expect(compileThroughTemplate(spec, compile, templates).output).toEqual({ limit: Number.POSITIVE_INFINITY });
    expect(compileThroughTemplate(spec, compile, templates).output).toEqual({ limit: Number.POSITIVE_INFINITY });
    expect(calls).toBe(3);
  });

  it('gives every chart from a store written by another process the dataflow the compilers give it, and so the same SVG', async () => {
    const charts = [
      compareDocument(),
      sweepDocument([{ path: 'agents[0].count', values: [2, 3] }]),
      sweepDocument([{ path: 'agents[0].count', values: [2, 3] }, { path: 'workload.arrivals.rate', values: [1, 2] }]),
    ].flatMap((doc) => reportCharts(doc));
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-chart-templates-'));
    try {
      const file = join(dir, 'templates.jsonl');
      const versions = { vega: vega.version, vegaLite: '6' };
      const compile = (spec: ChartSpec): Compiled => ({ output: direct(spec), warnings: [] });
      const writer = new TemplateStore(file, versions);
      for (const chart of charts) compileThroughTemplate(structuredClone(chart.spec), compile, new Map(), writer);
      expect(writer.save()).toBe(true);
      // A reader that compiles nothing: every chart's structure is in the file.
      const reader = new TemplateStore(file, versions);
      const compileNothing = (): Compiled => {
        throw new Error('compiled although the store holds the structure');
      };
      for (const chart of charts) {
        const runtime = compileThroughTemplate(structuredClone(chart.spec), compileNothing, new Map(), reader).output as vega.Runtime;
        const expected = direct(chart.spec);
        expect(JSON.stringify(runtime), chart.name).toBe(JSON.stringify(expected));
        expect(Object.keys(runtime), chart.name).toEqual(Object.keys(expected));
        expect(await svgOf(runtime), chart.name).toBe(await svgOf(expected));
      }
      expect(reader.save()).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compiles a stored template whose slots its key does not have, and stores what it compiled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-chart-templates-'));
    try {
      const file = join(dir, 'templates.jsonl');
      const versions = { vega: vega.version, vegaLite: '6' };
      const spec = metricIntervalsSpec({ title: 't', strategies: ['a', 'b'], axisTitle: 'x', rows: [{ strategy: 'a', mean: 1, low: 0, high: 2 }] });
      const writer = new TemplateStore(file, versions);
      compileThroughTemplate(structuredClone(spec), counting().compile, new Map(), writer);
      writer.save();
      // The template's first slot made one its key does not have.
      const lines = readFileSync(file, 'utf8').split('\n');
      const [pieces, warnings] = JSON.parse(lines[2]!) as [string[], string[]];
      expect(pieces.length).toBeGreaterThan(2);
      pieces[1] = '99';
      lines[2] = JSON.stringify([pieces, warnings]);
      writeFileSync(file, lines.join('\n'));
      const counter = counting();
      const reader = new TemplateStore(file, versions);
      const compiled = compileThroughTemplate(structuredClone(spec), counter.compile, new Map(), reader);
      expect(counter.calls).toBe(1);
      expect(JSON.stringify(compiled.output)).toBe(JSON.stringify(direct(spec)));
      expect(reader.save()).toBe(true);
      const repaired = new TemplateStore(file, versions);
      const again = counting();
      expect(JSON.stringify(compileThroughTemplate(structuredClone(spec), again.compile, new Map(), repaired).output)).toBe(JSON.stringify(direct(spec)));
      expect(again.calls).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a bad spec\'s own error', () => {
    const bad = { mark: 'bar', encoding: { x: { field: 'a', type: 'nonsense' as 'nominal', title: 'the title' } }, data: { values: [{ a: 1 }] } } as TopLevelSpec;
    let error: unknown;
    try {
      compileChart(structuredClone(bad));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(Error);
    expect(() => runtimeSpec(bad)).toThrow((error as Error).message);
  });
});
