/**
 * The report page in a real browser: Debian's Chromium, driven by playwright-core. One browser
 * for the whole file. Chromium is required, not optional: without it these tests fail and say
 * how to install it (CI's .ci/run installs it).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCharts, type ChartDef } from '../../src/report/charts.js';
import { writeHtmlReport } from '../../src/report/htmlReport.js';
import { compareDocument, sweepDocument } from './fixtures.js';

/** Where Debian installs Chromium; override with FLEETSIM_CHROMIUM. */
const CHROMIUM = process.env.FLEETSIM_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, and nothing that reaches for the network on its own (this machine has none). */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface LoadedPage {
  readonly page: Page;
  /** Console errors, uncaught exceptions and failed requests. */
  readonly problems: string[];
  /** Every request that did not go to a local file or inline data. */
  readonly remote: string[];
}

let browser: Browser | undefined;
let dir: string;
let compareCharts: ChartDef[];
let sweepCharts: ChartDef[];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the browser tests need Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (as .ci/run does), or point FLEETSIM_CHROMIUM at one`);
  }
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-browser-'));
  const compare = compareDocument();
  const sweep = sweepDocument([{ path: 'agents[0].count', values: [2, 3] }, { path: 'engine.binding', values: ['late', 'early'] }]);
  compareCharts = reportCharts(compare);
  sweepCharts = reportCharts(sweep);
  await writeHtmlReport(compare, join(dir, 'compare'));
  await writeHtmlReport(sweep, join(dir, 'sweep'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function open(report: string): Promise<LoadedPage> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  const remote: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`exception: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('request', (request) => {
    if (!/^(file|data):/.test(request.url())) remote.push(request.url());
  });
  await page.goto(pathToFileURL(join(dir, report, 'index.html')).href, { waitUntil: 'load' });
  return { page, problems, remote };
}

/** What the browser made of one chart's figure. */
interface FigureView {
  readonly svgs: number;
  readonly width: number;
  readonly height: number;
  readonly marks: number;
  readonly texts: string[];
}

async function figure(page: Page, name: string): Promise<FigureView> {
  return page.locator(`figure#${name}`).evaluate((element) => {
    const svg = element.querySelector('svg');
    const box = svg?.getBoundingClientRect();
    return {
      svgs: element.querySelectorAll('svg').length,
      width: box?.width ?? 0,
      height: box?.height ?? 0,
      marks: svg?.querySelectorAll('path, rect, line').length ?? 0,
      texts: [...(svg?.querySelectorAll('text') ?? [])].map((text) => text.textContent ?? ''),
    };
  });
}

async function expectEveryChart(page: Page, charts: readonly ChartDef[]): Promise<void> {
  expect(await page.locator('figure[data-chart]').count()).toBe(charts.length);
  for (const chart of charts) {
    const view = await figure(page, chart.name);
    expect(view.svgs, chart.name).toBe(1);
    expect(view.width, chart.name).toBeGreaterThan(200);
    expect(view.height, chart.name).toBeGreaterThan(100);
    expect(view.marks, chart.name).toBeGreaterThan(5);
    expect(view.texts, chart.name).toContain(chart.title);
  }
}

describe('report page in Chromium', () => {
  it('loads a compare report offline, with no console error, and shows every chart with its title', async () => {
    const { page, problems, remote } = await open('compare');
    try {
      expect(problems).toEqual([]);
      expect(remote).toEqual([]);
      expect(await page.title()).toContain('specialists-under-pressure');
      await expectEveryChart(page, compareCharts);
      expect(await page.locator('table tbody tr').count()).toBe(3);
    } finally {
      await page.close();
    }
  });

  it('loads a sweep report and shows its heat maps', async () => {
    const { page, problems, remote } = await open('sweep');
    try {
      expect(problems).toEqual([]);
      expect(remote).toEqual([]);
      await expectEveryChart(page, sweepCharts);
      expect((await figure(page, 'sweep-quality-mean')).texts).toEqual(expect.arrayContaining(['round-robin', 'random', 'least-connections']));
    } finally {
      await page.close();
    }
  });

  it('takes a full-page screenshot that is a real picture of the report', async () => {
    const { page } = await open('compare');
    try {
      const path = join(mkdtempSync(join(tmpdir(), 'fleetsim-screenshot-')), 'compare.png');
      await page.screenshot({ path, fullPage: true });
      const png = readFileSync(path);
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1400);
      expect(png.readUInt32BE(20)).toBeGreaterThan(1500);
      expect(png.length).toBeGreaterThan(100_000);
    } finally {
      await page.close();
    }
  });
});
