import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultReportDir, documentJson, writeReportDir } from '../../src/report/reportDir.js';
import { smallSweep } from './documents.js';

describe('report directory', () => {
  it('defaults to reports/<scenario name>/, the name made safe for a path', () => {
    expect(defaultReportDir('specialists-under-pressure')).toBe(join('reports', 'specialists-under-pressure'));
    expect(defaultReportDir('../a b/c')).toBe(join('reports', 'a-b-c'));
    expect(defaultReportDir('..')).toBe(join('reports', 'scenario'));
  });

  it('writes summary.json, results.csv and summary.md, and names --out when it cannot', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fleetsim-report-')), 'nested');
    writeReportDir(dir, smallSweep());
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['results.csv', 'summary.json', 'summary.md']));
    expect(documentJson(smallSweep())).toMatch(/^\{\n {2}"format": "fleetsim-experiment",\n {2}"version": 1,\n {2}"kind": "sweep",/);
    const blocked = join(mkdtempSync(join(tmpdir(), 'fleetsim-report-')), 'file');
    writeFileSync(blocked, 'not a directory');
    expect(() => writeReportDir(join(blocked, 'sub'), smallSweep())).toThrow(/file\/sub: --out: cannot write the report directory \(ENOTDIR: a parent is not a directory\)$/);
  });
});
