/**
 * The load per agent and its Lorenz curve at any fleet size: up to PER_AGENT_CHART_MAX_AGENTS
 * agents a bar and a Lorenz point per agent; above it, ranked load curves, a table of the most
 * and least loaded agents and a Lorenz curve of bounded size, every agent still in agents.csv.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import type { ChartSpec } from '../../src/report/chartSpec.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileThroughTemplate, type CompiledTemplate } from '../../src/report/chartTemplates.js';
import {
  EXTREME_AGENTS, PER_AGENT_CHART_MAX_AGENTS, SUMMARY_CURVE_SEGMENTS, evenlySpacedIndices, extremeAgents, lorenzPoints, rankedLoadPoints, reducedLorenzPoints,
  reportCharts, type ChartDef, type ReportDocument,
} from '../../src/report/charts.js';
import { compileChart, renderSvg, scopeIds } from '../../src/report/render.js';
import { vegaTextWidth } from '../../src/report/textWidth.js';
import type { AgentMetrics } from '../../src/metrics/types.js';
import { runCli } from '../cli/runCli.js';
import { chartNamed, compareDocument } from './fixtures.js';

/** An agent with these loads (the figures the charts do not draw are 0). */
function agent(id: string, completed: number, tokens = completed * 10): AgentMetrics {
  return { id, completed, tokens, busySeconds: 0, drainingSeconds: 0 };
}

/** `doc` with its first strategies only, the i-th one's per-agent figures replaced by `fleets[i]`. */
function withFleets(doc: ReportDocument, fleets: readonly (readonly AgentMetrics[])[]): ReportDocument {
  const cell = doc.cells[0]!;
  return {
    ...doc,
    cells: [{ ...cell, strategies: cell.strategies.slice(0, fleets.length).map((outcome, i) => ({ ...outcome, metrics: { ...outcome.metrics, perAgent: fleets[i]! } })) }],
  };
}

/** The agent charts of `doc` by name. */
function agentChartsOf(doc: ReportDocument): { tasks: ChartDef; tokens: ChartDef; lorenz: ChartDef } {
  const charts = reportCharts(doc);
  return { tasks: chartNamed(charts, 'agent-tasks'), tokens: chartNamed(charts, 'agent-tokens'), lorenz: chartNamed(charts, 'lorenz-tasks') };
}

interface Values { data?: { values: Record<string, unknown>[] } }

/** The inline rows of each view of a chart: its own, its layers' and its concatenated views'. */
function viewRows(chart: ChartDef): Record<string, unknown>[][] {
  const spec = chart.spec as Values & { layer?: Values[]; vconcat?: Values[] };
  return [spec, ...(spec.layer ?? []), ...(spec.vconcat ?? [])].flatMap((view) => (view.data === undefined ? [] : [view.data.values]));
}

/** Gini coefficient of a Lorenz curve given by its points: 1 − twice the area under it (trapezoids). */
function giniOf(points: readonly (readonly [number, number])[]): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) area += (points[k]![0] - points[k - 1]![0]) * (points[k]![1] + points[k - 1]![1]) / 2;
  return 1 - 2 * area;
}

/** Deterministic, uneven loads: a multiplicative congruential sequence. */
function unevenLoads(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 48271) % 2147483647;
    return state % 97;
  });
}

const STRATEGIES = 2;

describe('load charts up to the threshold', () => {
  let doc: ReportDocument;
  beforeAll(() => {
    doc = compareDocument();
  });

  it('keeps a library scenario\'s fleets below it, the largest (identical-high-load, 100 agents) included', () => {
    expect(PER_AGENT_CHART_MAX_AGENTS).toBeGreaterThanOrEqual(100);
  });

  it(`draws a bar per agent per strategy and every Lorenz point at exactly ${PER_AGENT_CHART_MAX_AGENTS} agents`, () => {
    const fleet = Array.from({ length: PER_AGENT_CHART_MAX_AGENTS }, (_, i) => agent(`a-${i}`, i));
    const { tasks, tokens, lorenz } = agentChartsOf(withFleets(doc, [fleet, fleet]));
    expect((tasks.spec as { mark: { type: string } }).mark.type).toBe('bar');
    expect(viewRows(tasks)[0]).toHaveLength(STRATEGIES * PER_AGENT_CHART_MAX_AGENTS);
    expect(viewRows(tokens)[0]).toHaveLength(STRATEGIES * PER_AGENT_CHART_MAX_AGENTS);
    expect(viewRows(lorenz)[1]).toHaveLength(STRATEGIES * (PER_AGENT_CHART_MAX_AGENTS + 1));
    expect(tasks.caption).toContain('uneven bars are a high Gini');
  });
});

describe(`load charts above the threshold (more than ${PER_AGENT_CHART_MAX_AGENTS} agents)`, () => {
  // Hand-checkable: strategy 1 loads agent i with i tasks (0…100); strategy 2 gives every agent 5
  // but agent 7, which gets 50.
  const count = PER_AGENT_CHART_MAX_AGENTS + 1;
  const ramp = Array.from({ length: count }, (_, i) => agent(`a-${i}`, i));
  const flat = Array.from({ length: count }, (_, i) => agent(`a-${i}`, i === 7 ? 50 : 5));
  let doc: ReportDocument;
  let charts: { tasks: ChartDef; tokens: ChartDef; lorenz: ChartDef };
  let strategies: string[];
  beforeAll(() => {
    doc = withFleets(compareDocument(), [ramp, flat]);
    charts = agentChartsOf(doc);
    strategies = doc.cells[0]!.strategies.map((outcome) => outcome.strategy);
  });

  it('draws each strategy\'s agents ranked least loaded first, x the share ranked before', () => {
    const [points] = viewRows(charts.tasks);
    const of = (strategy: string) => points!.filter((row) => row.strategy === strategy).map((row) => [row.x, row.y]);
    expect(of(strategies[0]!)).toEqual(ramp.map((_, i) => [i / 100, i]));
    expect(of(strategies[1]!)).toEqual([...Array.from({ length: 100 }, (_, i) => [i / 100, 5]), [1, 50]]);
    const [tokens] = viewRows(charts.tokens);
    expect(tokens!.filter((row) => row.strategy === strategies[0]).map((row) => row.y)).toEqual(ramp.map((_, i) => i * 10));
  });

  it('names the five most and least loaded agents of each strategy, equal loads in fleet order', () => {
    const [, table] = viewRows(charts.tasks);
    const of = (strategy: string) => table!.filter((row) => row.strategy === strategy).map((row) => `${row.place}: ${row.agent} ${row.value}`);
    expect(of(strategies[0]!)).toEqual([
      'most loaded #1: a-100 100', 'most loaded #2: a-99 99', 'most loaded #3: a-98 98', 'most loaded #4: a-97 97', 'most loaded #5: a-96 96',
      'least loaded #5: a-4 4', 'least loaded #4: a-3 3', 'least loaded #3: a-2 2', 'least loaded #2: a-1 1', 'least loaded #1: a-0 0',
    ]);
    expect(of(strategies[1]!)).toEqual([
      'most loaded #1: a-7 50', 'most loaded #2: a-0 5', 'most loaded #3: a-1 5', 'most loaded #4: a-2 5', 'most loaded #5: a-3 5',
      'least loaded #5: a-4 5', 'least loaded #4: a-3 5', 'least loaded #3: a-2 5', 'least loaded #2: a-1 5', 'least loaded #1: a-0 5',
    ]);
    expect(extremeAgents(ramp, (a) => a.tokens, 2).map((row) => `${row.agent} ${row.value}`)).toEqual(['a-100 1000', 'a-99 990', 'a-1 10', 'a-0 0']);
  });

  it('says the fleet size and where every agent\'s figures are, and compiles without warnings', () => {
    for (const chart of [charts.tasks, charts.tokens, charts.lorenz]) expect(compileChart(chart.spec).warnings, chart.name).toEqual([]);
    expect(charts.tasks.caption).toContain('101 agents');
    expect(charts.tasks.caption).toContain('agents.csv');
    expect(JSON.stringify(charts.lorenz.spec)).toContain('101 agents');
  });

  it('compiles the tasks and the tokens charts through one template, to the SVG of a direct compilation', async () => {
    let calls = 0;
    const templates = new Map<string, CompiledTemplate>();
    const compile = (spec: ChartSpec) => (calls++, { output: compileChart(spec).vega, warnings: [] });
    for (const chart of [charts.tasks, charts.tokens]) compileThroughTemplate(structuredClone(chart.spec), compile, templates);
    expect(calls).toBe(1);
    // The second of one structure is drawn from the template; the direct one from its own compilation.
    await renderSvg(charts.tasks.spec, 'warm');
    const view = new vega.View(vega.parse(compileChart(structuredClone(charts.tokens.spec)).vega), { renderer: 'none', logLevel: vega.Error });
    (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics.width = vegaTextWidth;
    vega.resetSVGDefIds();
    const direct = scopeIds(await view.toSVG(), 'tokens');
    view.finalize();
    expect(await renderSvg(charts.tokens.spec, 'tokens')).toBe(direct);
  });

  it('draws a bounded number of rows and marks whatever the fleet size: 100,000 agents', () => {
    const fleets = [1, 2].map((seed) => unevenLoads(100_000, seed).map((load, i) => agent(`agent-${i}`, load)));
    const big = agentChartsOf(withFleets(doc, fleets));
    for (const chart of [big.tasks, big.tokens]) {
      const [points, table] = viewRows(chart);
      expect(points!.length, chart.name).toBeLessThanOrEqual(STRATEGIES * (SUMMARY_CURVE_SEGMENTS + 1));
      expect(table, chart.name).toHaveLength(STRATEGIES * 2 * EXTREME_AGENTS);
    }
    const lorenz = viewRows(big.lorenz)[1]!;
    expect(lorenz.length).toBeLessThanOrEqual(STRATEGIES * (SUMMARY_CURVE_SEGMENTS + 1));
    const [points] = viewRows(big.tasks);
    fleets.forEach((fleet, s) => {
      const loads = fleet.map((a) => a.completed);
      const curve = points!.filter((row) => row.strategy === strategies[s]);
      // Exact ends: the least and the most loaded agent.
      expect(curve[0]).toMatchObject({ x: 0, y: Math.min(...loads) });
      expect(curve.at(-1)).toMatchObject({ x: 1, y: Math.max(...loads) });
      const own = lorenz.filter((row) => row.strategy === strategies[s]);
      expect(own[0]).toMatchObject({ x: 0, y: 0 });
      expect(own.at(-1)).toMatchObject({ x: 1, y: 1 });
    });
  });
});

describe('evenlySpacedIndices', () => {
  it('keeps every index up to segments + 1 points, else segments + 1 evenly spaced ones with both ends', () => {
    expect(evenlySpacedIndices(3, 4)).toEqual([0, 1, 2]);
    expect(evenlySpacedIndices(5, 4)).toEqual([0, 1, 2, 3, 4]);
    expect(evenlySpacedIndices(9, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(evenlySpacedIndices(8, 2)).toEqual([0, 4, 7]);
    expect(evenlySpacedIndices(0, 4)).toEqual([]);
  });
});

describe('rankedLoadPoints and reducedLorenzPoints', () => {
  it('draw one agent at x 0, and nothing of a fleet that did nothing on the Lorenz curve', () => {
    expect(rankedLoadPoints([3])).toEqual([[0, 3]]);
    expect(reducedLorenzPoints([0, 0])).toEqual([]);
  });

  it('reduce the Lorenz curve to exact points, monotone within [0, 1] with exact ends, its Gini within 1/segments + 1/n below the exact one', () => {
    // Idle agents, small loads and rare huge ones: kinks where a chord cuts a corner.
    const load = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat(10), weight: 3 }, fc.double({ min: 0, max: 1e6, noNaN: true }));
    // size 'max': fleets of any length up to 3,000, most of them above the 201 points kept.
    const loads = fc.array(load, { minLength: 1, maxLength: 3000, size: 'max' });
    fc.assert(fc.property(loads, (sample) => {
      const exact = lorenzPoints(sample);
      const reduced = reducedLorenzPoints(sample);
      if (exact.length === 0) {
        expect(reduced).toEqual([]);
        return;
      }
      expect(reduced.length).toBeLessThanOrEqual(SUMMARY_CURVE_SEGMENTS + 1);
      expect(reduced[0]).toEqual([0, 0]);
      expect(reduced.at(-1)).toEqual([1, 1]);
      const onCurve = new Set(exact.map((point) => point.join()));
      for (let k = 0; k < reduced.length; k++) {
        const [x, y] = reduced[k]!;
        expect(onCurve.has(`${x},${y}`)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(1);
        if (k > 0) {
          expect(x).toBeGreaterThan(reduced[k - 1]![0]);
          expect(y).toBeGreaterThanOrEqual(reduced[k - 1]![1]);
        }
      }
      // Chords of a convex curve lie above it: at most the exact Gini, and below it by at most
      // the widest step in agent share, ceil(n / segments) / n ≤ 1/segments + 1/n.
      const gap = giniOf(exact) - giniOf(reduced);
      expect(gap).toBeGreaterThanOrEqual(-1e-12);
      expect(gap).toBeLessThanOrEqual(1 / SUMMARY_CURVE_SEGMENTS + 1 / sample.length + 1e-12);
    }), { seed: 12, numRuns: 100 });
  });

  it('come close to that bound for one agent doing all the work: 2,000 agents, steps of 10, the Gini 9/2,000 low', () => {
    const loads = Array.from({ length: 2000 }, (_, i) => (i === 1999 ? 1 : 0));
    // Exact: flat to 1999/2000, then up to 1 (Gini 0.9995); drawn: flat to 0.995, then a chord to (1, 1).
    expect(giniOf(lorenzPoints(loads))).toBeCloseTo(0.9995, 12);
    expect(giniOf(reducedLorenzPoints(loads))).toBeCloseTo(0.995, 12);
    expect(0.9995 - 0.995).toBeLessThanOrEqual(1 / SUMMARY_CURVE_SEGMENTS + 1 / loads.length);
  });
});

describe('a compare of 5,000 agents, end to end (the built command line)', () => {
  it('writes agent charts of a few tens of kilobytes, and every agent of every run to agents.csv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-agent-charts-'));
    const scenario = join(dir, 'fleet.yaml');
    writeFileSync(scenario, [
      'name: fleet-5000', 'seed: 3', 'replications: 2', 'stop: { tasks: 3000 }',
      'agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }',
      'agents:', '  - { pool: p, count: 5000, capacity: 1, speed: 100, skills: { job: 1 } }',
      'workload:', '  arrivals: { process: poisson, rate: 4500 }', '  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]',
      'strategies: [round-robin, least-connections]', '',
    ].join('\n'));
    const out = join(dir, 'report');
    const run = runCli('compare', scenario, '--workers', '1', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // A bar per agent made the two load charts 3.4 MB each (docs/REPORTS.md, "Large fleets").
    for (const name of ['agent-tasks', 'agent-tokens', 'lorenz-tasks']) expect(statSync(join(out, `${name}.svg`)).size, name).toBeLessThan(64 * 1024);
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page).toContain('most loaded #1');
    const lines = readFileSync(join(out, 'agents.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('cell,strategy,replication,agent,completed,tokens,busySeconds,drainingSeconds');
    expect(lines).toHaveLength(1 + 2 * 2 * 5000);
    expect(lines[1]).toMatch(/^0,round-robin,0,p-0,/);
  });
});
