import { describe, expect, it } from 'vitest';
import { terminalProgress } from '../../src/cli/progress.js';

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
