import { describe, expect, it } from 'vitest';
import { summaryMarkdown } from '../../src/report/markdown.js';
import { smallCompare, smallSweep } from './documents.js';

describe('summary.md', () => {
  const text = summaryMarkdown(smallSweep());

  it('opens with the scenario, the grid and how to read ± and Δ', () => {
    expect(text).toMatch(/^# tiny: sweep\n/);
    expect(text).toContain('Seed 1, 2 replications per strategy, 2 cells: `agents[0].count` ∈ {2, 3}; baseline `round-robin`.');
    expect(text).toContain('± = 95% CI half-width');
    expect(text).toContain("[a, b] = 95% CI clipped to the metric's range");
  });

  it('warns when the replications are too few for the intervals to mean much', () => {
    expect(text).toContain('> **Warning:** only 2 replications');
  });

  it('ranks every (cell, strategy) per headline metric, with the paired gap to the first, and names no leader on a degenerate gap', () => {
    const board = text.slice(text.indexOf('### latency p95 (s) (lower is better)'));
    const rows = board.split('\n').filter((line) => /^\| \d/.test(line)).slice(0, 4);
    // The second is 1.00 behind in both replications: identical differences from two pairs
    // are a degenerate interval, so no star and no leader. Intervals reaching below 0 are clipped.
    expect(rows).toEqual([
      '| 1 | agents[0].count=2 | power-of-d | 6.50 ± 6.35 | no significant difference |',
      '| 2 | agents[0].count=3 | power-of-d | 7.50 ± 6.35 | +1.00 ± 0 |',
      '| 3 | agents[0].count=2 | round-robin | 11.00 [0.00, 23.71] | +4.50 ± 6.35 |',
      '| 4 | agents[0].count=3 | round-robin | 12.00 [0.00, 24.71] | +5.50 ± 6.35 |',
    ]);
  });

  it('names the first a leader when it is significantly ahead of the second', () => {
    const markdown = summaryMarkdown(smallCompare([[10, 12, 11, 13, 12], [6, 7, 6.5, 8, 7]]));
    const board = markdown.slice(markdown.indexOf('### latency p95 (s) (lower is better)'));
    const rows = board.split('\n').filter((line) => /^\| \d/.test(line)).slice(0, 2);
    expect(rows[0]).toMatch(/^\| 1 \| b \| 6\.90 ± [\d.]+ \| leader \|$/);
    expect(rows[1]).toMatch(/^\| 2 \| a \| 11\.60 ± [\d.]+ \| \+4\.70 ± [\d.]+ \* \|$/);
    expect(markdown).not.toContain('Warning');
  });

  it('gives each cell its means and paired differences to the baseline', () => {
    expect(text).toContain('## Cell 1: agents[0].count=3');
    expect(text).toContain('Paired differences to `round-robin` (strategy − baseline):');
    const cell = text.slice(text.indexOf('## Cell 1'));
    expect(cell).toMatch(/\| power-of-d \| [^\n]*\| -4\.50 ± 6\.35 \|/);
    expect(cell).toMatch(/\| round-robin \(baseline\) \| baseline \|/);
  });
});
