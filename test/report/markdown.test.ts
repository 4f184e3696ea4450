import { describe, expect, it } from 'vitest';
import { summaryMarkdown } from '../../src/report/markdown.js';
import { smallSweep } from './documents.js';

describe('summary.md', () => {
  const text = summaryMarkdown(smallSweep());

  it('opens with the scenario, the grid and how to read ± and Δ', () => {
    expect(text).toMatch(/^# tiny: sweep\n/);
    expect(text).toContain('Seed 1, 2 replications per strategy, 2 cells: `agents[0].count` ∈ {2, 3}; baseline `round-robin`.');
    expect(text).toContain('95% confidence half-width');
  });

  it('ranks every (cell, strategy) per headline metric, leader first, with the paired gap to it', () => {
    const board = text.slice(text.indexOf('### latency p95 (s) (lower is better)'));
    const rows = board.split('\n').filter((line) => /^\| \d/.test(line)).slice(0, 4);
    expect(rows).toEqual([
      '| 1 | agents[0].count=2 | power-of-d | 6.50 ± 6.35 | leader |',
      '| 2 | agents[0].count=3 | power-of-d | 7.50 ± 6.35 | +1.00 * |',
      '| 3 | agents[0].count=2 | round-robin | 11.00 ± 12.71 | +4.50 ± 6.35 |',
      '| 4 | agents[0].count=3 | round-robin | 12.00 ± 12.71 | +5.50 ± 6.35 |',
    ]);
  });

  it('gives each cell its means and paired differences to the baseline', () => {
    expect(text).toContain('## Cell 1: agents[0].count=3');
    expect(text).toContain('Paired differences to `round-robin` (strategy − baseline):');
    const cell = text.slice(text.indexOf('## Cell 1'));
    expect(cell).toMatch(/\| power-of-d \| [^\n]*\| -4\.50 ± 6\.35 \|/);
    expect(cell).toMatch(/\| round-robin \(baseline\) \| baseline \|/);
  });
});
