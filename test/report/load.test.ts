/**
 * Reading a `summary.json` back for `fleetsim report`: everything the page and its charts draw
 * is checked, so a damaged figure is one line naming the file and its field, never a crash nor
 * a NaN or an unknown name drawn as if it were data.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReportDocument } from '../../src/report/load.js';
import { documentJson } from '../../src/report/reportDir.js';
import { compareDocument } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-report-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a document edited as JSON

let valid: string;
beforeAll(() => {
  valid = documentJson(compareDocument());
});

/** The message reading the document edited by `edit` is refused with (the file's name left out). */
function refusal(edit: (document: Json) => void): string {
  const document = JSON.parse(valid) as Json;
  edit(document);
  const file = join(dir, 'summary.json');
  writeFileSync(file, JSON.stringify(document));
  expect(() => readReportDocument(file)).toThrow();
  try {
    readReportDocument(file);
  } catch (error) {
    return (error as Error).message.replace(`${file}: `, '');
  }
  return '';
}

describe('readReportDocument', () => {
  it('reads a real compare document', () => {
    const file = join(dir, 'valid.json');
    writeFileSync(file, valid);
    expect(readReportDocument(file).document.cells).toHaveLength(1);
  });

  it('reads a document saved with a byte-order mark as the same document without', () => {
    const file = join(dir, 'valid.json');
    const marked = join(dir, 'marked.json');
    writeFileSync(file, valid);
    writeFileSync(marked, `\uFEFF${valid}`);
    expect(readReportDocument(marked).document).toEqual(readReportDocument(file).document);
  });

  it('refuses a series figure out of its range, and series lists of different lengths, whose points would shift', () => {
    expect(refusal((d) => { d.series[0].latencyCdf.share[0] = 1e308; })).toBe('series[0].latencyCdf.share[0]: expected a number <= 1, got 1e+308');
    expect(refusal((d) => { d.series[1].queueDepth.mean.pop(); })).toMatch(/^series\[1\]\.queueDepth\.mean: expected \d+ values \(one per time\), got \d+$/);
    expect(refusal((d) => { d.series[0].latencyCdf.latency.push(3); })).toMatch(/^series\[0\]\.latencyCdf\.latency: expected \d+ values \(one per share\), got \d+$/);
  });

  it('names a group that is not an object, not the figure below it, and refuses a figure out of its metric\'s range', () => {
    expect(refusal((d) => { d.cells[0].strategies[1].ci95.gini = 0.5; })).toBe('cells[0].strategies[1].ci95.gini: expected an object holding tasks, got 0.5');
    expect(refusal((d) => { d.cells[0].strategies[0].metrics.deadlineSuccess = 1.5; }))
      .toBe('cells[0].strategies[0].metrics.deadlineSuccess: expected null or a number in [0, 1] (the metric\'s range), got 1.5');
    expect(refusal((d) => { d.cells[0].strategies[0].ci95.latency.p95 = -1; })).toBe('cells[0].strategies[0].ci95.latency.p95: expected null or a number in [0, 9007199254740991], got -1');
  });

  it('checks the class figures the charts draw', () => {
    expect(refusal((d) => { d.cells[0].strategies[0].metrics.byTenant.extra = 1; })).toBe('cells[0].strategies[0].metrics.byTenant.extra: expected an object holding latency.p95, got 1');
    expect(refusal((d) => { d.cells[0].strategies[1].ci95.byType = []; })).toBe('cells[0].strategies[1].ci95.byType: expected an object of classes, got a list (0 items)');
  });

  it('checks the direction table, the leaderboards and the paired differences the page shows', () => {
    expect(refusal((d) => { d.metrics[0].better = 'sideways'; })).toBe('metrics[0].better: expected one of "lower", "higher", got "sideways"');
    expect(refusal((d) => { const board = d.cells[0].leaderboards[1]; [board.entries, board.title] = [board.title, board.entries]; }))
      .toBe('cells[0].leaderboards[1].entries: expected a list, got ' + JSON.stringify(JSON.parse(valid).cells[0].leaderboards[1].title));
    expect(refusal((d) => { delete d.cells[0].strategies[1].paired['latency.p95']; })).toBe('cells[0].strategies[1].paired["latency.p95"]: required: expected an object');
  });
});
