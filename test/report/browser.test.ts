/**
 * The report page in a real browser, driven by playwright-core. One browser for the whole file.
 * The browser is the Chromium that the npm package @sparticuz/chromium ships (a devDependency,
 * so `npm install` is all it takes: no system browser, no apt); FLEETSIM_CHROMIUM, a path to a
 * Chromium executable, overrides it. Chromium is required, not optional: these tests never skip.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import packagedChromium from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCharts, type ChartDef } from '../../src/report/charts.js';
import { writeHtmlReport } from '../../src/report/htmlReport.js';
import { compareDocument, sweepDocument } from './fixtures.js';

/**
 * Headless, and nothing that reaches for the network on its own. Not @sparticuz/chromium's own
 * `args`: its `--single-process` brings the browser down when a page's context closes, and its
 * `--disable-web-security` would hide the file:// loading problems these tests are here to catch.
 */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The Chromium to drive: FLEETSIM_CHROMIUM when set, otherwise the one packed in
 * @sparticuz/chromium, unpacked once per package version into the temporary directory and
 * reused by later runs.
 */
async function chromiumExecutable(): Promise<string> {
  const override = process.env.FLEETSIM_CHROMIUM;
  if (override !== undefined) {
    if (!existsSync(override)) throw new Error(`FLEETSIM_CHROMIUM is ${override}, which does not exist: point it at a Chromium executable, or unset it to use the one from @sparticuz/chromium`);
    return override;
  }
  const packageJson = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const unpacked = join(tmpdir(), `fleetsim-chromium-${version}`);
  if (!existsSync(join(unpacked, 'chromium'))) await unpackChromium(unpacked);
  return join(unpacked, 'chromium');
}

/**
 * Unpacks @sparticuz/chromium into `target`. The package unpacks into os.tmpdir() (the binary
 * and, beside it, the SwiftShader libraries it loads), so point TMPDIR at a private staging
 * directory while it runs, then rename that into place: a concurrent run (another test process
 * on the same machine) never sees a half-written browser, and whichever rename loses is dropped.
 */
async function unpackChromium(target: string): Promise<void> {
  const staging = mkdtempSync(`${target}-staging-`);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    await packagedChromium.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(target, 'chromium'))) throw error;
  }
}

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
  dir = mkdtempSync(join(tmpdir(), 'fleetsim-browser-'));
  const compare = compareDocument();
  const sweep = sweepDocument([{ path: 'agents[0].count', values: [2, 3] }, { path: 'engine.binding', values: ['late', 'early'] }]);
  compareCharts = reportCharts(compare);
  sweepCharts = reportCharts(sweep);
  await writeHtmlReport(compare, join(dir, 'compare'));
  await writeHtmlReport(sweep, join(dir, 'sweep'));
  browser = await chromium.launch({ executablePath: await chromiumExecutable(), args: FLAGS });
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
      // One row per strategy in the headline table, and in the paired differences to the baseline.
      const tables = page.locator('table');
      expect(await tables.count()).toBe(2);
      expect(await tables.nth(0).locator('tbody tr').count()).toBe(3);
      expect(await page.locator('h2', { hasText: 'Paired differences to' }).count()).toBe(1);
      expect(await tables.nth(1).locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
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
