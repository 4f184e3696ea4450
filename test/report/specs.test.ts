/**
 * The report's charts: which charts a document gets, that every spec compiles to Vega without
 * a warning, and that each carries the document's numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lorenzPoints, reportCharts, slug, strategyLabels, type ChartDef, type ReportDocument } from '../../src/report/charts.js';
import { compileChart } from '../../src/report/render.js';
import { agentLoadSpec, latencyCdfSpec, lorenzSpec, metricIntervalsSpec, pairedDifferenceSpec, queueDepthSpec, sweepHeatmapSpec, sweepLineSpec } from '../../src/report/specs.js';
import { metricValue } from '../../src/metrics/directions.js';
import { chartNamed, compareDocument, sweepDocument } from './fixtures.js';

/** The inline data of a single-view or layered spec (the first layer that has data). */
function values(chart: ChartDef): Record<string, unknown>[] {
  const spec = chart.spec as { data?: { values: Record<string, unknown>[] }; layer?: { data?: { values: Record<string, unknown>[] } }[] };
  const data = spec.data ?? [...(spec.layer ?? [])].reverse().find((layer) => layer.data !== undefined)?.data;
  if (data === undefined) throw new Error(`chart ${chart.name} has no inline data`);
  return data.values;
}

const STRATEGIES = ['round-robin', 'least-connections'];

describe('spec builders', () => {
  const builders = {
    metricIntervals: metricIntervalsSpec({
      title: 'Latency p95 (s)', strategies: STRATEGIES, axisTitle: 'latency p95 (s)',
      rows: [{ strategy: 'round-robin', mean: 3, low: 2, high: 4 }, { strategy: 'least-connections', mean: 2, low: 1.5, high: 2.5 }],
    }),
    pairedDifference: pairedDifferenceSpec({
      title: 'Δ latency p95 (s)', strategies: STRATEGIES, axisTitle: 'Δ latency p95 (s)',
      rows: [{ strategy: 'least-connections', mean: -1, low: -1.5, high: -0.5, significant: true }, { strategy: 'round-robin', mean: 0.2, low: -0.3, high: 0.7, significant: false }],
    }),
    latencyCdf: latencyCdfSpec({ title: 'CDF', strategies: STRATEGIES, rows: [{ strategy: 'round-robin', x: 1, y: 0 }, { strategy: 'round-robin', x: 2, y: 1 }] }),
    agentLoad: agentLoadSpec({
      title: 'Tasks', strategies: STRATEGIES, axisTitle: 'tasks', agents: ['a-0', 'a-1'],
      rows: [{ strategy: 'round-robin', agent: 'a-0', value: 3 }, { strategy: 'least-connections', agent: 'a-1', value: 5 }],
    }),
    lorenz: lorenzSpec({ title: 'Lorenz', strategies: STRATEGIES, axisTitle: 'share', rows: [{ strategy: 'round-robin', x: 0, y: 0 }, { strategy: 'round-robin', x: 1, y: 1 }] }),
    queueDepth: queueDepthSpec({ title: 'Queue', strategies: STRATEGIES, rows: [{ strategy: 'round-robin', x: 0, y: 2 }, { strategy: 'round-robin', x: 4, y: 1 }] }),
    sweepLine: sweepLineSpec({
      title: 'Sweep', strategies: STRATEGIES, axisTitle: 'm', xTitle: 'rate', xType: 'quantitative', xOrder: [0.1, 0.2],
      rows: [{ strategy: 'round-robin', x: 0.1, mean: 1, low: 0.5, high: 1.5 }, { strategy: 'round-robin', x: 0.2, mean: 2, low: 1, high: 3 }],
    }),
    sweepOrdinal: sweepLineSpec({
      title: 'Sweep', strategies: STRATEGIES, axisTitle: 'm', xTitle: 'binding', xType: 'ordinal', xOrder: ['late', 'early'],
      rows: [{ strategy: 'round-robin', x: 'late', mean: 1, low: 0.5, high: 1.5 }],
    }),
    sweepHeatmap: sweepHeatmapSpec({
      title: 'Heat', strategies: STRATEGIES, axisTitle: 'm', xTitle: 'a', yTitle: 'b', xOrder: [1, 2], yOrder: ['x'], digits: 2,
      rows: [{ strategy: 'round-robin', x: 1, y: 'x', mean: 1, low: 1, high: 1 }, { strategy: 'least-connections', x: 2, y: 'x', mean: 3, low: 3, high: 3 }],
    }),
  };

  for (const [name, spec] of Object.entries(builders)) {
    it(`${name} compiles to Vega without warnings`, () => {
      const compiled = compileChart(spec);
      expect(compiled.warnings).toEqual([]);
      expect(compiled.vega.marks?.length ?? 0).toBeGreaterThan(0);
    });
  }

  it('gives every strategy the same colour in every chart: the colour domain is the strategy list', () => {
    const coloured: string[] = [];
    for (const [name, spec] of Object.entries(builders)) {
      const text = JSON.stringify(spec);
      if (!text.includes('"field":"strategy","type":"nominal","scale"')) continue;
      coloured.push(name);
      expect(text, name).toContain(JSON.stringify({ domain: STRATEGIES }));
    }
    // The heatmap facets by strategy and colours by value: every other chart colours by strategy.
    expect(coloured).toEqual(['metricIntervals', 'pairedDifference', 'latencyCdf', 'agentLoad', 'lorenz', 'queueDepth', 'sweepLine', 'sweepOrdinal']);
  });

  it('slants agent ids only when they do not fit under their bars', () => {
    const angle = (agents: string[]) => JSON.stringify(agentLoadSpec({ title: 't', strategies: STRATEGIES, axisTitle: 'x', agents, rows: [] })).match(/"labelAngle":(-?\d+)/)![1];
    expect(angle(['a', 'b', 'c'])).toBe('0');
    expect(angle(Array.from({ length: 40 }, (_, i) => `a-rather-long-agent-name-${i}`))).toBe('-45');
  });

  it('collects the compiler\'s warnings instead of printing them, and throws on errors', () => {
    const dropped = compileChart({ mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' }, shape: { field: 'b', type: 'nominal' } }, data: { values: [] } });
    expect(dropped.warnings.join(' ')).toMatch(/shape/);
    expect(() => compileChart({ mark: 'bar', encoding: { x: { field: 'a', type: 'nonsense' as 'nominal' } }, data: { values: [] } })).toThrow();
  });
});

describe('charts of a compare', () => {
  let doc: ReportDocument;
  let charts: ChartDef[];
  beforeAll(() => {
    doc = compareDocument();
    charts = reportCharts(doc);
  });

  it('has per headline metric the means and the paired differences, then the latency distribution, the agents\' load, the queue depth and latency by class', () => {
    expect(charts.map((chart) => chart.name)).toEqual([
      'metric-gini-tasks', 'paired-gini-tasks', 'metric-latency-p95', 'paired-latency-p95', 'metric-deadline-success', 'paired-deadline-success',
      'metric-context-waste', 'paired-context-waste', 'metric-quality-mean', 'paired-quality-mean',
      'latency-cdf', 'agent-tasks', 'agent-tokens', 'lorenz-tasks', 'queue-depth', 'class-type-latency-p95', 'class-priority-latency-p95',
    ]);
    for (const chart of charts) {
      expect(compileChart(chart.spec).warnings, chart.name).toEqual([]);
      expect(JSON.stringify(chart.spec), chart.name).toContain(JSON.stringify(chart.title));
    }
  });

  it('draws each strategy\'s mean and 95% interval, clipped to the metric\'s range, on an axis that need not start at 0', () => {
    const cell = doc.cells[0]!;
    for (const path of ['latency.p95', 'quality.mean'] as const) {
      const rows = values(chartNamed(charts, `metric-${slug(path)}`));
      expect(rows.map((row) => row.strategy)).toEqual(strategyLabels(doc));
      cell.strategies.forEach((outcome, i) => {
        const { mean, low, high } = rows[i] as { mean: number; low: number; high: number };
        expect(mean).toBe(metricValue(outcome.metrics, path));
        expect(low).toBe(metricValue(outcome.ci95Low, path));
        expect(high).toBe(metricValue(outcome.ci95High, path));
        expect(low).toBeGreaterThanOrEqual(0);
      });
    }
    expect(JSON.stringify(chartNamed(charts, 'metric-quality-mean').spec)).toContain('"scale":{"zero":false}');
  });

  it('draws each strategy\'s paired difference to the baseline, filled only when significant, beside a rule at 0', () => {
    const cell = doc.cells[0]!;
    const chart = chartNamed(charts, 'paired-latency-p95');
    const rows = values(chart) as { strategy: string; mean: number; low: number; high: number; significant: boolean }[];
    const others = cell.strategies.filter((outcome) => outcome.strategy !== cell.baseline);
    expect(rows.map((row) => row.strategy)).toEqual(others.map((outcome) => outcome.strategy));
    others.forEach((outcome, i) => {
      const d = outcome.paired['latency.p95']!;
      expect(rows[i]).toMatchObject({ mean: d.mean, significant: d.significant });
      expect(rows[i]!.high - rows[i]!.mean).toBeCloseTo(d.halfWidth!, 9);
    });
    const text = JSON.stringify(chart.spec);
    expect(text).toContain('{"zero":0}');
    expect(text).toContain('"test":"datum.significant"');
  });

  it('draws the per-agent loads and the latency and queue series of the document', () => {
    const outcome = doc.cells[0]!.strategies[1]!;
    const tasks = values(chartNamed(charts, 'agent-tasks')).filter((row) => row.strategy === outcome.strategy);
    expect(tasks).toEqual(outcome.metrics.perAgent.map((agent, position) => ({ strategy: outcome.strategy, agent: agent.id, value: agent.completed, position })));
    const entry = doc.series!.find((candidate) => candidate.strategy === outcome.strategy)!;
    const cdf = values(chartNamed(charts, 'latency-cdf')).filter((row) => row.strategy === outcome.strategy);
    expect(cdf.map((row) => row.x)).toEqual(entry.latencyCdf.latency);
    expect(cdf.map((row) => row.y)).toEqual(entry.latencyCdf.share);
    const queue = values(chartNamed(charts, 'queue-depth')).filter((row) => row.strategy === outcome.strategy);
    expect(queue.map((row) => row.y)).toEqual(entry.queueDepth.mean);
  });

  it('leaves out the series charts when the document has no series, and metrics nobody has data for', () => {
    const bare: ReportDocument = { ...doc, series: undefined };
    const names = reportCharts(bare).map((chart) => chart.name);
    expect(names).not.toContain('latency-cdf');
    expect(names).not.toContain('queue-depth');
    const noDeadlines: ReportDocument = {
      ...bare,
      cells: bare.cells.map((cell) => ({
        ...cell, strategies: cell.strategies.map((outcome) => ({ ...outcome, metrics: { ...outcome.metrics, deadlineSuccess: null } })),
      })),
    };
    expect(reportCharts(noDeadlines).map((chart) => chart.name)).not.toContain('metric-deadline-success');
  });
});

describe('charts of a sweep', () => {
  it('draws each headline metric over one swept parameter as lines on a numeric axis', () => {
    const doc = sweepDocument([{ path: 'workload.arrivals.rate', values: [0.1, 0.2] }]);
    const charts = reportCharts(doc);
    expect(JSON.stringify(chartNamed(charts, 'sweep-gini-tasks').spec)).not.toContain('tickMinStep');
    expect(charts.map((chart) => chart.name)).toEqual(['sweep-gini-tasks', 'sweep-latency-p95', 'sweep-deadline-success', 'sweep-context-waste', 'sweep-quality-mean']);
    const chart = chartNamed(charts, 'sweep-latency-p95');
    expect(compileChart(chart.spec).warnings).toEqual([]);
    const rows = values(chart);
    expect(rows).toHaveLength(doc.cells.length * doc.cells[0]!.strategies.length);
    expect(rows.filter((row) => row.strategy === 'round-robin').map((row) => [row.x, row.mean]))
      .toEqual(doc.cells.map((cell) => [cell.params['workload.arrivals.rate'], cell.strategies[0]!.metrics.latency.p95]));
  });

  it('draws a heat map per strategy over two swept parameters', () => {
    const doc = sweepDocument([{ path: 'agents[0].count', values: [2, 3] }, { path: 'engine.binding', values: ['late', 'early'] }]);
    const chart = chartNamed(reportCharts(doc), 'sweep-quality-mean');
    expect(compileChart(chart.spec).warnings).toEqual([]);
    expect(chart.spec).toHaveProperty('facet');
    const rows = (chart.spec as { data: { values: { x: string; y: string; strategy: string }[] } }).data.values;
    expect(rows.filter((row) => row.strategy === 'random').map((row) => `${row.x}/${row.y}`)).toEqual(['2/late', '2/early', '3/late', '3/early']);
  });
});

describe('axes', () => {
  it('gives a swept whole-number parameter whole-number ticks', () => {
    const spec = sweepLineSpec({
      title: 'Sweep', strategies: STRATEGIES, axisTitle: 'm', xTitle: 'agents[0].count', xType: 'quantitative', xOrder: [3, 4, 5],
      rows: [{ strategy: 'round-robin', x: 3, mean: 1, low: 0.5, high: 1.5 }],
    });
    expect(JSON.stringify(spec)).toContain('"tickMinStep":1,"format":"d"');
    expect(compileChart(spec).warnings).toEqual([]);
  });

  it('drops x labels that would overlap on quantitative axes', () => {
    const spec = latencyCdfSpec({ title: 'CDF', strategies: STRATEGIES, rows: [{ strategy: 'round-robin', x: 0, y: 0 }, { strategy: 'round-robin', x: 1500, y: 1 }] });
    expect(JSON.stringify(spec)).toContain('"labelOverlap":"greedy"');
  });
});

describe('chart helpers', () => {
  it('Lorenz points accumulate the sorted loads', () => {
    expect(lorenzPoints([3, 1, 0, 4])).toEqual([[0, 0], [0.25, 0], [0.5, 0.125], [0.75, 0.5], [1, 1]]);
    expect(lorenzPoints([0, 0])).toEqual([]);
  });

  it('slugs metric paths into file names', () => {
    expect(slug('latency.p95')).toBe('latency-p95');
    expect(slug('contextWaste')).toBe('context-waste');
  });
});
