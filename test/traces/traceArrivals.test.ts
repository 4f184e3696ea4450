/**
 * Window, time scale, loop and rate scale of a replay, and common random numbers: every
 * strategy of a replication replays exactly the same tasks at the same times.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/messages.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';
import { TraceReplay } from '../../src/traces/traceReplay.js';
import { tempDir, traceScenario, writeFixture } from './traceFixtures.js';

/** Ten rows at 0, 0.5, 1, … 4.5 s (csv, seconds), tokens 1..10. */
function fixture(trace: string, stop?: string): string {
  const dir = tempDir();
  writeFixture(dir, 'ten.csv', `t,out\n${Array.from({ length: 10 }, (_, i) => `${i / 2},${i + 1}`).join('\n')}\n`);
  return traceScenario(dir, `{ file: ten.csv, format: csv, columns: { time: t, tokens: out }, ${trace} }`, stop === undefined ? {} : { stop });
}

/** Every submission of replication `replication` of the scenario's trace: [time, tokens]. */
function replay(file: string, replication = 0): [number, number][] {
  const scenario = loadScenario(file);
  const trace = new TraceReplay(scenario.workload.trace!, scenario.seed, replication);
  const out: [number, number][] = [];
  for (let next = trace.next(); next !== undefined; next = trace.next()) out.push([next.atSeconds, next.task.tokens]);
  return out;
}

const TEN = Array.from({ length: 10 }, (_, i): [number, number] => [i / 2, i + 1]);

describe('trace replay scaling', () => {
  it('timeScale is at most a million: past it a run\'s times may overflow, and it is refused naming the field', () => {
    expect(() => loadScenario(fixture('timeScale: 1e300'))).toThrow(/workload\.trace\.timeScale: expected a number <= 1000000, got 1e\+300$/);
    expect(replay(fixture('timeScale: 1e6')).at(-1)![0]).toBe(4.5e6);
  });

  it('timeScale multiplies the times (0.5: twice the rate)', () => {
    expect(replay(fixture('timeScale: 0.5'))).toEqual(TEN.map(([t, n]) => [t * 0.5, n]));
  });

  it('window keeps from ≤ t < to and shifts from to 0', () => {
    expect(replay(fixture('window: { from: 1, to: 3 }'))).toEqual(TEN.filter(([t]) => t >= 1 && t < 3).map(([t, n]) => [t - 1, n]));
  });

  it('loop repeats the window, one window length apart', () => {
    const window = TEN.filter(([t]) => t < 2);
    expect(replay(fixture('window: { to: 2 }, loop: 3'))).toEqual([0, 2, 4].flatMap((offset) => window.map(([t, n]) => [t + offset, n])));
  });

  it('loop without a window end repeats after the span plus one mean gap', () => {
    // Span 4.5 s over 9 gaps: mean gap 0.5 s, period 5 s.
    expect(replay(fixture('loop: 2'))).toEqual([...TEN, ...TEN.map(([t, n]): [number, number] => [t + 5, n])]);
  });

  it('loop: true needs stop.time, and replays until it', () => {
    expect(() => loadScenario(fixture('loop: true'))).toThrow(/stop\.time: required: workload\.trace\.loop: true/);
    const scenario = loadScenario(fixture('loop: true', '{ time: 12, drain: true }'));
    const run = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
    // Passes start at 0, 5, 10 s: 10 + 10 + 5 rows (10, 10.5, 11, 11.5, 12) at or before 12 s.
    expect(run.counts.submitted).toBe(25);
  });

  it('rateScale 2 superposes two full copies, the second shifted by less than copyOffset', () => {
    const rows = replay(fixture('rateScale: 2, copyOffset: 3'));
    expect(rows).toHaveLength(20);
    expect([...rows].sort((a, b) => a[1] - b[1] || a[0] - b[0]).filter((_, i) => i % 2 === 0)).toEqual(TEN);
    const shifted = [...rows].sort((a, b) => a[1] - b[1] || a[0] - b[0]).filter((_, i) => i % 2 === 1);
    const offset = shifted[0]![0] - TEN[0]![0];
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(3);
    expect(shifted).toEqual(TEN.map(([t, n]) => [t + offset, n]));
    for (let i = 1; i < rows.length; i++) expect(rows[i]![0]).toBeGreaterThanOrEqual(rows[i - 1]![0]);
  });

  it('rateScale below 1 thins: each row kept with that probability, a different subset per replication', () => {
    const dir = tempDir();
    const rows = 4000;
    writeFixture(dir, 'many.csv', `t,out\n${Array.from({ length: rows }, (_, i) => `${i},1`).join('\n')}\n`);
    const file = traceScenario(dir, '{ file: many.csv, format: csv, columns: { time: t, tokens: out }, rateScale: 0.3 }');
    const kept = replay(file, 0);
    // Binomial(4000, 0.3): sd 29; 4 sd either side.
    expect(Math.abs(kept.length - 0.3 * rows)).toBeLessThan(4 * Math.sqrt(rows * 0.3 * 0.7));
    expect(replay(file, 0)).toEqual(kept);
    expect(replay(file, 1)).not.toEqual(kept);
  });

  it('every strategy of a replication replays exactly the same tasks at the same times (common random numbers)', () => {
    const dir = tempDir();
    writeFixture(dir, 'many.csv', `t,out,in\n${Array.from({ length: 500 }, (_, i) => `${i / 10},${1 + (i % 9) * 20},${i % 50}`).join('\n')}\n`);
    const file = traceScenario(dir, '{ file: many.csv, format: csv, columns: { time: t, tokens: out, contextTokens: in }, rateScale: 1.7 }',
      { strategies: '[round-robin, least-connections, random]', agents: '[{ pool: a, count: 3, capacity: 1, speed: 100 }]' });
    const scenario = loadScenario(file);
    const submissions = scenario.strategies.map((strategy) => {
      const seen: string[] = [];
      runSimulation({ scenario, strategy, replication: 0, onEvent: (event: EngineEvent) => {
        if (event.kind === 'submitted') seen.push(`${event.time} ${JSON.stringify(event.task.spec)}`);
      } });
      return seen;
    });
    expect(submissions[0]!.length).toBeGreaterThan(700);
    expect(submissions[1]).toEqual(submissions[0]);
    expect(submissions[2]).toEqual(submissions[0]);
  });
});

describe('the csv tenant column', () => {
  it('gives each task the tenant of its row; an empty cell leaves the task without one', () => {
    const dir = tempDir();
    writeFixture(dir, 'teams.csv', 't,out,team\n0,10,alpha\n1,20,\n2,30,beta\n');
    const file = traceScenario(dir, '{ file: teams.csv, format: csv, columns: { time: t, tokens: out, tenant: team } }');
    const trace = new TraceReplay(loadScenario(file).workload.trace!, 1, 0);
    const tenants: (string | undefined)[] = [];
    for (let next = trace.next(); next !== undefined; next = trace.next()) tenants.push(next.task.tenant);
    expect(tenants).toEqual(['alpha', undefined, 'beta']);
  });

  it('a tenant column the header lacks is an input error naming the file and the column', () => {
    const dir = tempDir();
    writeFixture(dir, 'teams.csv', 't,out\n0,10\n');
    const file = traceScenario(dir, '{ file: teams.csv, format: csv, columns: { time: t, tokens: out, tenant: team } }');
    expect(() => loadScenario(file)).toThrow(/teams\.csv.*column "team"/);
  });
});
