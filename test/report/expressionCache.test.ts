/**
 * Expression functions shared between views: a view given the caching generator draws every
 * chart as a view with Vega's own generator does, and each view's functions see its own context.
 */
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { reportCharts } from '../../src/report/charts.js';
import { cachingExpressionCodegen } from '../../src/report/expressionCache.js';
import { compileChart } from '../../src/report/render.js';
import { vegaTextWidth } from '../../src/report/textWidth.js';
import { compareDocument, sweepDocument } from './fixtures.js';

/** The SVG a view of `runtime` draws, with the given expression generator or Vega's own. */
async function svgOf(runtime: vega.Runtime, expr?: unknown): Promise<string> {
  (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics.width = vegaTextWidth;
  vega.resetSVGDefIds();
  const view = new vega.View(runtime, { renderer: 'none', logLevel: vega.Error, ...(expr === undefined ? {} : { expr }) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

describe('cachingExpressionCodegen', () => {
  it('draws a compare\'s and a sweep\'s charts as Vega\'s own generator does, one cache for all', async () => {
    const expr = cachingExpressionCodegen();
    const charts = [compareDocument(), sweepDocument([{ path: 'agents[0].count', values: [2, 3] }])].flatMap((doc) => reportCharts(doc));
    expect(charts.length).toBeGreaterThan(10);
    for (const chart of charts) {
      const vegaSpec = compileChart(structuredClone(chart.spec)).vega;
      // Each view its own parsed dataflow: a view changes the spec it is given.
      expect(await svgOf(vega.parse(structuredClone(vegaSpec)), expr), chart.name).toBe(await svgOf(vega.parse(structuredClone(vegaSpec))));
    }
  });

  it('binds a shared function to each view\'s own context', () => {
    const expr = cachingExpressionCodegen();
    const first = { functions: { scale: 2 } };
    const second = { functions: { scale: 3 } };
    const code = { code: 'this.scale * datum.x' };
    const inFirst = expr.parameter(first, code);
    const inSecond = expr.parameter(second, code);
    expect(inFirst({ x: 5 }, undefined)).toBe(10);
    expect(inSecond({ x: 5 }, undefined)).toBe(15);
    // Vega sets properties on what it gets (an accessor's fields): each view its own function.
    expect(inFirst).not.toBe(inSecond);
  });

  it('tells apart expressions of different kinds, and encodings of different marks, with the same code', () => {
    const expr = cachingExpressionCodegen();
    const context = { functions: {} };
    expect(expr.operator(context, { code: '_.a + 1' })({ a: 1 })).toBe(2);
    expect(expr.parameter(context, { code: '_.a + 1' })(undefined, { a: 1 })).toBe(2);
    const channels = { x: { code: '1' }, x2: { code: '4' } };
    const rect = { x: 0, x2: 0 } as Record<string, number>;
    const rule = { x: 0, x2: 0 } as Record<string, number>;
    expr.encode(context, { marktype: 'rect', channels })(rect, undefined);
    expr.encode(context, { marktype: 'rule', channels })(rule, undefined);
    // A rect's width follows from x and x2; a rule's does not.
    expect(rect.width).toBe(3);
    expect(rule.width).toBeUndefined();
  });
});
