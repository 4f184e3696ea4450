import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentCounters } from '../../src/metrics/agentCounters.js';

/** The same counters in five plain arrays, one per figure: the layout the interleaved record replaced. */
class PlainCounters {
  readonly completed: number[] = [];
  readonly tokens: number[] = [];
  readonly busySlots: number[] = [];
  readonly busySince: number[] = [];
  readonly busySeconds: number[] = [];

  add(time: number): void {
    this.completed.push(0);
    this.tokens.push(0);
    this.busySlots.push(0);
    this.busySince.push(time);
    this.busySeconds.push(0);
  }

  occupy(index: number, time: number, delta: number): void {
    const slots = this.busySlots[index]!;
    this.busySeconds[index]! += slots * (time - this.busySince[index]!);
    this.busySince[index] = time;
    this.busySlots[index] = slots + delta;
  }
}

type Step =
  | { readonly kind: 'add' }
  | { readonly kind: 'occupy'; readonly agent: number; readonly delta: 1 | -1 }
  | { readonly kind: 'completed'; readonly agent: number; readonly tokens: number }
  | { readonly kind: 'restart' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'add' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('occupy' as const), agent: fc.nat(), delta: fc.constantFrom(1 as const, -1 as const) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('completed' as const), agent: fc.nat(), tokens: fc.double({ min: 0, max: 1e6, noNaN: true }) }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
);

describe('AgentCounters', () => {
  it('starts an agent with nothing completed, no slot busy and its busy time integrated from when it joined', () => {
    const counters = new AgentCounters();
    counters.add(2.5);
    expect(counters.length).toBe(1);
    expect(counters.completedOf(0)).toBe(0);
    expect(counters.tokensOf(0)).toBe(0);
    counters.occupy(0, 3, 1);
    expect(counters.busySecondsOf(0, 5)).toBe(2);
  });

  it('refuses a slot change of an agent it has not added, which its typed array would drop', () => {
    const counters = new AgentCounters();
    counters.add(0);
    expect(() => counters.occupy(1, 1, 1)).toThrow(/unknown agent index 1/);
    expect(() => counters.occupy(-1, 1, 1)).toThrow(/unknown agent index -1/);
    expect(counters.busySecondsOf(0, 2)).toBe(0);
  });

  it('keeps each agent\'s counters apart, past the first growth of its array', () => {
    const counters = new AgentCounters();
    for (let i = 0; i < 40; i++) counters.add(i);
    for (let i = 0; i < 40; i++) counters.completed(i, i * 10);
    expect(Array.from(counters.completedByAgent())).toEqual(Array.from({ length: 40 }, () => 1));
    expect(Array.from(counters.tokensByAgent())).toEqual(Array.from({ length: 40 }, (_, i) => i * 10));
  });

  it('gives the same figures, to the bit, as five plain arrays fed the same steps', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 300 }), fc.double({ min: 0, max: 10, noNaN: true }), (steps, dt) => {
        const counters = new AgentCounters();
        const plain = new PlainCounters();
        let time = 0;
        for (const step of steps) {
          time += dt;
          const n = plain.completed.length;
          if (step.kind === 'add') {
            counters.add(time);
            plain.add(time);
          } else if (step.kind === 'restart') {
            counters.restartBusy(time);
            for (let i = 0; i < n; i++) {
              plain.busySeconds[i] = 0;
              plain.busySince[i] = time;
            }
          } else if (n > 0 && step.kind === 'occupy') {
            counters.occupy(step.agent % n, time, step.delta);
            plain.occupy(step.agent % n, time, step.delta);
          } else if (n > 0 && step.kind === 'completed') {
            counters.completed(step.agent % n, step.tokens);
            plain.completed[step.agent % n]!++;
            plain.tokens[step.agent % n]! += step.tokens;
          }
        }
        const end = time + dt;
        expect(counters.length).toBe(plain.completed.length);
        expect(Array.from(counters.completedByAgent())).toEqual(plain.completed);
        expect(Array.from(counters.tokensByAgent())).toEqual(plain.tokens);
        for (let i = 0; i < plain.completed.length; i++) {
          expect(Object.is(counters.busySecondsOf(i, end), plain.busySeconds[i]! + plain.busySlots[i]! * (end - plain.busySince[i]!))).toBe(true);
          expect(Object.is(counters.tokensOf(i), plain.tokens[i])).toBe(true);
        }
      }),
      { seed: 13, numRuns: 200 },
    );
  });
});
