import { describe, expect, it } from 'vitest';
import { experimentProgress, progressLine } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): boolean } {
  return { isTTY, written: [], write(text: string) { this.written.push(text); return true; } };
}

describe('experiment progress bar', () => {
  it('shows the bar, runs and cells done, the rate and the time left', () => {
    const line = progressLine('sweep', { runsDone: 12, runs: 48, cellsDone: 2, cells: 8 }, 4);
    expect(line).toBe('sweep [######..................] 12/48 runs, 2/8 cells, 3.0 runs/s, ~12 s left');
    expect(progressLine('x', { runsDone: 0, runs: 10, cellsDone: 0, cells: 1 }, 2)).toBe('x [........................] 0/10 runs, 0.0 runs/s, estimating');
    expect(progressLine('x', { runsDone: 1, runs: 7201, cellsDone: 0, cells: 3 }, 1, 'scenarios')).toMatch(/1\/7201 runs, 0\/3 scenarios, 1\.0 runs\/s, ~2\.0 h left$/);
  });

  it('draws only on a terminal, after the first second, at most every 100 ms, and clears at the end', () => {
    const quiet = fakeStream(false);
    let ms = 0;
    const silent = experimentProgress(quiet, 'x', () => ms);
    ms = 5000;
    silent.update({ runsDone: 1, runs: 2, cellsDone: 0, cells: 1 });
    silent.done();
    expect(quiet.written).toEqual([]);

    const stream = fakeStream(true);
    ms = 0;
    const bar = experimentProgress(stream, 'cmp', () => ms);
    ms = 900;
    bar.update({ runsDone: 1, runs: 4, cellsDone: 0, cells: 1 });
    expect(stream.written).toEqual([]);
    ms = 2000;
    bar.update({ runsDone: 2, runs: 4, cellsDone: 0, cells: 1 });
    ms = 2050;
    bar.update({ runsDone: 3, runs: 4, cellsDone: 0, cells: 1 });
    expect(stream.written).toHaveLength(1);
    expect(stream.written[0]).toBe('\rcmp [############............] 2/4 runs, 1.0 runs/s, ~2 s left\x1b[K');
    bar.done();
    expect(stream.written[1]).toBe('\r\x1b[K');
  });

  it('always draws when a cell or the last run finishes, however soon after the last redraw', () => {
    const stream = fakeStream(true);
    let ms = 0;
    const bar = experimentProgress(stream, 'sweep', () => ms);
    ms = 2000;
    bar.update({ runsDone: 1, runs: 4, cellsDone: 0, cells: 2 });
    ms = 2010;
    bar.update({ runsDone: 2, runs: 4, cellsDone: 1, cells: 2 });
    ms = 2020;
    bar.update({ runsDone: 3, runs: 4, cellsDone: 1, cells: 2 });
    ms = 2030;
    bar.update({ runsDone: 4, runs: 4, cellsDone: 2, cells: 2 });
    expect(stream.written).toHaveLength(3);
    expect(stream.written[1]).toContain('2/4 runs, 1/2 cells');
    expect(stream.written[2]).toContain('4/4 runs, 2/2 cells');
  });
});

