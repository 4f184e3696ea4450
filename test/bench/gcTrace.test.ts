import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseGcTraceLine, SCAVENGE_PHASES, summarizeGcTrace } from '../../bench/gcTrace.js';

// Keeps ~1,000 small objects alive across scavenges while allocating garbage: a few dozen scavenges.
const ALLOCATE = 'const live = []; for (let i = 0; i < 2e6; i++) { live[i % 1000] = { i, s: "x" + i }; } console.log("done", live.length);';

/** The stdout lines of a real Node process running {@link ALLOCATE} under `flags`. */
function traceOf(flags: readonly string[]): string[] {
  const run = spawnSync(process.execPath, [...flags, '-e', ALLOCATE], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.split('\n');
}

describe("V8's --trace-gc-nvp, parsed", () => {
  it('reads every scavenge line of a real process, with its pause and phases, and nothing else', () => {
    const lines = traceOf(['--trace-gc-nvp']);
    const entries = lines.map(parseGcTraceLine).filter((entry) => entry !== undefined);
    const scavengeLines = lines.filter((line) => line.includes(' gc=s '));
    expect(scavengeLines.length).toBeGreaterThan(5);
    expect(entries.filter((entry) => entry.kind === 's')).toHaveLength(scavengeLines.length);
    expect(parseGcTraceLine('done 1000')).toBeUndefined();
    for (const entry of entries.filter((e) => e.kind === 's')) {
      expect(entry.fields.get('pause')).toBeGreaterThanOrEqual(0);
      // The names this report reads are V8's (11.3 in Node 20): each scavenge line has them.
      for (const phase of SCAVENGE_PHASES) expect(entry.fields.has(phase), phase).toBe(true);
      expect(entry.fields.has('new_space_survived') && entry.fields.has('promoted')).toBe(true);
    }
  });

  it('sums and ranks what the lines say: pauses, phases, survivors, other collections', () => {
    const entries = traceOf(['--trace-gc-nvp']).map(parseGcTraceLine).filter((entry) => entry !== undefined);
    const scavenges = entries.filter((entry) => entry.kind === 's');
    const summary = summarizeGcTrace(entries);
    const total = (name: string): number => scavenges.reduce((sum, entry) => sum + entry.fields.get(name)!, 0);
    expect(summary.scavenges).toBe(scavenges.length);
    expect(summary.pausedMs).toBeCloseTo(total('pause'), 9);
    expect(summary.phases['scavenge.parallel'].totalMs).toBeCloseTo(total('scavenge.parallel'), 9);
    expect(summary.pauseMs.max).toBe(Math.max(...scavenges.map((entry) => entry.fields.get('pause')!)));
    expect(summary.survivedBytesP50).toBeGreaterThan(0);
    expect(summary.otherPausesMs).toHaveLength(entries.length - scavenges.length);
  });

  it("tells the helpers' share apart: none under --no-parallel-scavenge", () => {
    const summary = summarizeGcTrace(traceOf(['--trace-gc-nvp', '--no-parallel-scavenge']).map(parseGcTraceLine).filter((entry) => entry !== undefined));
    expect(summary.scavenges).toBeGreaterThan(5);
    expect(summary.phases['background.scavenge.parallel'].totalMs).toBe(0);
    expect(summary.phases['scavenge.parallel'].totalMs).toBeGreaterThan(0);
  });

  it('summarizes no scavenges as none, not as zeros', () => {
    const summary = summarizeGcTrace([]);
    expect(summary.scavenges).toBe(0);
    expect(summary.pauseMs.p50).toBeNaN();
    expect(summary.pausedMs).toBe(0);
  });
});
