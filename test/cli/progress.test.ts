import { describe, expect, it } from 'vitest';
import { experimentProgress, progressLine, terminalProgress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): boolean } {
  return { isTTY, written: [], write(text: string) { this.written.push(text); return true; } };
}

describe('terminal progress', () => {
  it('stays silent when stderr is not a terminal', () => {
    const stream = fakeStream(false);
    let ms = 0;
    const progress = terminalProgress(stream, 'x', () => ms);
    ms = 5000;
    progress.update(1, 2);
    progress.done();
    expect(stream.written).toEqual([]);
  });

  it('stays silent during the first second, then shows runs done, elapsed and left, and clears at the end', () => {
    const stream = fakeStream(true);
    let ms = 0;
    const progress = terminalProgress(stream, 'mmc', () => ms);
    ms = 500;
    progress.update(0.5, 4);
    expect(stream.written).toEqual([]);
    ms = 2000;
    progress.update(1, 4);
    expect(stream.written).toHaveLength(1);
    expect(stream.written[0]).toContain('mmc: 1.0/4 runs, 2.0 s elapsed, ~6 s left');
    progress.done();
    expect(stream.written[1]).toBe('\r\x1b[K');
  });
});

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
    bar.update({ runsDone: 2.5, runs: 4, cellsDone: 0, cells: 1 });
    expect(stream.written).toHaveLength(1);
    expect(stream.written[0]).toBe('\rcmp [############............] 2/4 runs, 1.0 runs/s, ~2 s left\x1b[K');
    bar.done();
    expect(stream.written[1]).toBe('\r\x1b[K');
  });
});

