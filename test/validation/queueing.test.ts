/**
 * The simulator against queueing theory. Each case runs R independent replications; the
 * simulated mean wait must lie within the 99.9% confidence interval of the theoretical value
 * (t quantile × s/√R), and that interval must be narrow (a few per cent of the value) so the
 * check has the power to fail. Seeds are fixed: the result is the same on every run.
 */
import { describe, expect, it } from 'vitest';
import { erlangC, mg1MeanWait, mmcMeanWait } from './theory.js';
import { expectWithinCi, idealFleet, meanWaits, mmcScenario } from './simulated.js';

/**
 * The M/M/10 case simulates 5.4 million tasks: measured at 24–32 s on two cores under load (load
 * average 5–7, the suite's other files or a busy loop beside it), half of vitest's default 60 s;
 * its timeout is about 4× that.
 */
const MMC_TIMEOUT_MS = 120_000;

describe('M/M/c against Erlang C', () => {
  const cases = [
    { servers: 1, load: 0.5 },
    { servers: 2, load: 0.7 },
    { servers: 4, load: 0.8 },
    { servers: 10, load: 0.9 },
  ];
  it('erlangC matches published values', () => {
    // Textbook values: C(2, 1) = 1/3; C(1, a) = a.
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(1, 0.6)).toBeCloseTo(0.6, 12);
  });
  for (const { servers, load } of cases) {
    it(`mean wait of M/M/${servers} at load ${load} matches Erlang C`, async () => {
      const rate = load * servers; // service rate 1 per second: tokens mean 100 at 100 tokens/s
      const yaml = mmcScenario(`mmc-${servers}-${load}`, 11, servers, rate);
      expectWithinCi({ waits: await meanWaits(yaml), theory: mmcMeanWait(servers, rate, 1) }, 0.08);
    }, MMC_TIMEOUT_MS);
  }
});

describe('random routing with early binding against M/M/1', () => {
  it('each of 4 agents behaves as an M/M/1 queue at the per-agent load', async () => {
    const perAgentLoad = 0.6;
    const yaml = `
name: random-early
seed: 5
replications: 10
warmup: { time: 2000 }
stop: { time: 60000 }
${idealFleet(4, 100, 'early')}
workload:
  arrivals: { process: poisson, rate: ${4 * perAgentLoad} }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [random]`;
    // Random splitting of a Poisson stream gives independent Poisson streams of rate λ/4.
    expectWithinCi({ waits: await meanWaits(yaml), theory: mmcMeanWait(1, perAgentLoad, 1) }, 0.08);
  });
});

describe('M/G/1 against Pollaczek–Khinchine', () => {
  const oneServer = (tokens: string, rate: number): string => `
name: mg1
seed: 17
replications: 10
warmup: { time: 2000 }
stop: { time: 60000 }
${idealFleet(1, 100, 'late')}
workload:
  arrivals: { process: poisson, rate: ${rate} }
  tasks: [{ type: job, tokens: ${tokens} }]
strategies: [round-robin]`;

  it('constant task sizes (M/D/1) at load 0.7', async () => {
    const theory = mg1MeanWait(0.7, 1, 1);
    expectWithinCi({ waits: await meanWaits(oneServer('{ dist: constant, value: 100 }', 0.7)), theory }, 0.08);
  });

  it('lognormal task sizes (mean 1 s, sd 1.5 s) at load 0.6', async () => {
    const theory = mg1MeanWait(0.6, 1, 1.5 ** 2 + 1);
    expectWithinCi({ waits: await meanWaits(oneServer('{ dist: lognormal, mean: 100, sd: 150 }', 0.6)), theory }, 0.1);
  });
});
