/**
 * A real `fleetsim serve` data directory: the durable live driver writes events.jsonl while
 * agents with known speeds work through tasks on a manual clock, and calibration reads that file
 * (untagged records, one run) back into those speeds, capacities and failure counts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateFile } from '../../src/calibrate/calibrateFile.js';
import type { EngineOptions } from '../../src/engine/engine.js';
import type { AgentConnector, AttemptContext, CommandOf } from '../../src/live/connector.js';
import type { Outcome } from '../../src/engine/messages.js';
import { ManualClock } from '../../src/live/clock.js';
import { openDurableDriver } from '../../src/live/durableDriver.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from '../support/harness.js';

/** Tokens per second of each agent: what calibration must find. */
const SPEEDS: Readonly<Record<string, number>> = { quick: 250, steady: 100 };
const TOKENS = 500;
const TASKS = 40;

interface Running {
  readonly agent: string;
  readonly finishAt: number;
  readonly resolve: (outcome: Outcome) => void;
  readonly failed: boolean;
}

/** Agents that take tokens ÷ speed seconds, on the clock; every fourth attempt of `steady` fails half-way. */
class TimedAgents implements AgentConnector {
  readonly running: Running[] = [];
  private steadyAttempts = 0;
  constructor(private readonly clock: ManualClock) {}
  start(command: CommandOf<'start'>, context: AttemptContext): Promise<Outcome> {
    return new Promise((resolve) => {
      context.started({ setupTokens: 0, contextHit: null });
      const agent = command.agent.spec.id;
      const failed = agent === 'steady' && ++this.steadyAttempts % 4 === 0;
      const seconds = command.task.spec.tokens / SPEEDS[agent]!;
      this.running.push({ agent, finishAt: this.clock.now() + (failed ? seconds / 2 : seconds), resolve, failed });
    });
  }
}

describe('calibrate a serve data directory', () => {
  it('reads the durable driver\'s events.jsonl: capacities, speeds and the failure count come back exactly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-serve-'));
    const clock = new ManualClock(0);
    const agents = new TimedAgents(clock);
    const engine = (): EngineOptions => ({
      config: engineConfig({ retry: { maxRetries: 3 } }),
      strategy: createStrategy('least-connections'),
      strategyRandom: () => 0.5,
      engineRandom: () => 0.5,
    });
    const durable = await openDurableDriver({ dataDir, engine, connector: agents, clock, snapshotEveryInputs: Number.POSITIVE_INFINITY });
    const { driver } = durable;
    driver.agentJoined(agentSpec({ id: 'quick', capacity: 2 }));
    driver.agentJoined(agentSpec({ id: 'steady', capacity: 1 }));
    for (let i = 0; i < TASKS; i++) driver.submit(taskSpec({ id: `t${i}`, tokens: TOKENS }));
    let steadyFailures = 0;
    while (agents.running.length > 0) {
      agents.running.sort((a, b) => a.finishAt - b.finishAt);
      const next = agents.running.shift()!;
      clock.advanceTo(next.finishAt);
      if (next.failed) steadyFailures++;
      next.resolve(next.failed ? { ok: false, reason: 'agent-error' } : { ok: true, quality: 1 });
      await new Promise((resolve) => setImmediate(resolve));
      await durable.journal.whenDurable(durable.journal.appendedSeq);
    }
    await durable.close();

    const calibration = calibrateFile({ events: join(dataDir, 'events.jsonl'), out: join(dataDir, 'calibrated.yaml'), synthetic: true });
    const value = (name: string): number => calibration.parameters.find((parameter) => parameter.name === name)!.value;
    expect(calibration.runs).toEqual([{ strategy: null, replication: null }]);
    expect(value('agents[quick].capacity')).toBe(2);
    expect(value('agents[steady].capacity')).toBe(1);
    expect(value('agents[quick].speed')).toBeCloseTo(250, 6);
    expect(value('agents[steady].speed')).toBeCloseTo(100, 6);
    expect(value('agents[quick].failureRate')).toBe(0);
    const steady = calibration.parameters.find((parameter) => parameter.name === 'agents[steady].failureRate')!;
    expect(steadyFailures).toBeGreaterThan(0);
    expect(steady.value * steady.n).toBeCloseTo(steadyFailures, 9);
  });
});
