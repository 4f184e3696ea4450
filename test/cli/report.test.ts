/**
 * `fleetsim report`: the HTML report rebuilt from a saved summary.json, and its one-line errors;
 * a compare's report drawn from the chart templates' store is the one drawn without.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReportDocument } from '../../src/report/charts.js';
import { buildHtmlReport } from '../../src/report/htmlReport.js';
import { documentJson } from '../../src/report/reportDir.js';
import { compareDocument } from '../report/fixtures.js';
import { TEMPLATE_STORE_DIR_ENV } from '../../src/report/templateStore.js';
import { ROOT, runCli, runCliWith } from './runCli.js';

describe('fleetsim report', () => {
  let dir: string;
  let doc: ReportDocument;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-report-cli-'));
    doc = compareDocument();
    writeFileSync(join(dir, 'summary.json'), documentJson(doc));
  });

  it('rebuilds index.html and the charts (SVG, no PNG) beside the summary.json, byte for byte as in-process', async () => {
    const run = runCli('report', join(dir, 'summary.json'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const expected = await buildHtmlReport(doc);
    expect(expected.charts.length).toBeGreaterThan(10);
    expect(run.stdout).toBe(`${join(dir, 'index.html')}: ${expected.charts.length} charts\n`);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(expected.html);
    for (const chart of expected.charts) {
      expect(readFileSync(join(dir, `${chart.name}.svg`), 'utf8')).toBe(chart.svg);
      expect(existsSync(join(dir, `${chart.name}.png`))).toBe(false);
    }
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('id="latency-cdf"');
  });

  it('takes a report directory and writes where --out says, the charts as PNG too with --png', () => {
    const out = join(dir, 'elsewhere');
    const run = runCli('report', dir, '--out', out, '--png');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: \d+ charts\n$/);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(existsSync(join(out, 'queue-depth.svg'))).toBe(true);
    expect(readFileSync(join(out, 'queue-depth.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('fails with one line and exit 2 for a missing, malformed or foreign file', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "fleetsim-experiment", "version": 1');
    const foreign = join(dir, 'foreign.json');
    writeFileSync(foreign, '{"scenario": "x"}');
    const damaged = join(dir, 'damaged.json');
    const broken = JSON.parse(documentJson(doc)) as { cells: { strategies: { metrics: { latency: { p95: unknown } } }[] }[] };
    broken.cells[0]!.strategies[1]!.metrics.latency.p95 = 'fast';
    writeFileSync(damaged, JSON.stringify(broken));
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.json'), /missing\.json: cannot read file \(ENOENT/],
      [bad, /bad\.json: invalid JSON/],
      [foreign, /foreign\.json: format: not a fleetsim experiment document/],
      [damaged, /damaged\.json: cells\[0\]\.strategies\[1\]\.metrics\.latency\.p95: expected null or a number in \[0, \d+\] \(the metric's range\), got "fast"/],
    ];
    for (const [file, message] of cases) {
      const run = runCli('report', file);
      expect(run.status, file).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n'), file).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });

  it('names --out when the directory cannot be written', () => {
    const run = runCli('report', join(dir, 'summary.json'), '--out', join(dir, 'summary.json', 'sub'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--out: cannot write the report directory/);
  });
});

describe('a compare\'s charts and the chart templates\' store', () => {
  /** Every file of a report directory, summary.json without its timing. */
  function reportFiles(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    for (const name of readdirSync(dir).sort()) {
      const text = readFileSync(join(dir, name), 'latin1');
      files.set(name, name === 'summary.json' ? JSON.stringify({ ...(JSON.parse(text) as object), timing: undefined }) : text);
    }
    return files;
  }

  it('draws a library scenario\'s report from the shipped store, adding nothing, byte for byte as with no store, which it writes', { timeout: 180_000 }, () => {
    const cliDir = join(ROOT, 'dist/src/cli');
    const shipped = readdirSync(cliDir).filter((file) => file.endsWith('.templates.jsonl'));
    expect(shipped).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-templates-cli-'));
    try {
      const stores = { shipped: join(dir, 'shipped'), empty: join(dir, 'empty') };
      mkdirSync(stores.shipped);
      mkdirSync(stores.empty);
      copyFileSync(join(cliDir, shipped[0]!), join(stores.shipped, shipped[0]!));
      const compare = (store: string, out: string): Map<string, string> => {
        const run = runCliWith({ [TEMPLATE_STORE_DIR_ENV]: store }, 'compare', 'scenarios/supervisor-dag.yaml', '--replications', '2', '--workers', '1', '--out', join(dir, out));
        expect(run.stderr).not.toMatch(/error/i);
        expect(run.status).toBe(0);
        return reportFiles(join(dir, out));
      };
      const fromShipped = compare(stores.shipped, 'from-shipped');
      // Every structure was in the shipped store: nothing to add, the file left as it was.
      expect(readFileSync(join(stores.shipped, shipped[0]!))).toEqual(readFileSync(join(cliDir, shipped[0]!)));
      const compiled = compare(stores.empty, 'compiled');
      expect([...fromShipped.keys()].filter((name) => name.endsWith('.svg')).length).toBeGreaterThan(15);
      expect([...fromShipped.keys()]).toEqual([...compiled.keys()]);
      for (const [name, text] of compiled) expect(fromShipped.get(name), name).toBe(text);
      // The store the compare wrote holds its structures: the next compare adds nothing.
      const written = readFileSync(join(stores.empty, shipped[0]!));
      expect(written.toString('utf8').split('\n').length).toBeGreaterThan(9);
      const fromWritten = compare(stores.empty, 'from-written');
      for (const [name, text] of compiled) expect(fromWritten.get(name), name).toBe(text);
      expect(readFileSync(join(stores.empty, shipped[0]!))).toEqual(written);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
