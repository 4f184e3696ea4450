/**
 * A real `fleetsim serve` events file: the durable live driver writes its data directory's
 * events.jsonl while agents of known speeds work through tasks on a manual clock. Calibration's
 * tests read it back (untagged records, one run).
 */
import { join } from 'node:path';
import type { EngineOptions } from '../../src/engine/engine.js';
import type { Outcome } from '../../src/engine/messages.js';
import { ManualClock } from '../../src/live/clock.js';
import type { AgentConnector, AttemptContext, CommandOf } from '../../src/live/connector.js';
import { openDurableDriver } from '../../src/live/durableDriver.js';
import { agentSpec, createStrategy, engineConfig, taskSpec } from './harness.js';

/** Tokens per second of each agent: what calibration must find. */
export const SERVE_AGENT_SPEEDS: Readonly<Record<string, number>> = { quick: 250, steady: 100 };
/** Capacity of each agent. */
export const SERVE_AGENT_CAPACITIES: Readonly<Record<string, number>> = { quick: 2, steady: 1 };
const TOKENS = 500;

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
      const seconds = command.task.spec.tokens / SERVE_AGENT_SPEEDS[agent]!;
      this.running.push({ agent, finishAt: this.clock.now() + (failed ? seconds / 2 : seconds), resolve, failed });
    });
  }
}

/** The events file a service writes in `dataDir` once `tasks` tasks of 500 tokens are done, and how many attempts of `steady` failed. */
export async function writeServeEventLog(dataDir: string, tasks: number): Promise<{ readonly file: string; readonly steadyFailures: number }> {
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
  for (const [id, capacity] of Object.entries(SERVE_AGENT_CAPACITIES)) driver.agentJoined(agentSpec({ id, capacity }));
  for (let i = 0; i < tasks; i++) driver.submit(taskSpec({ id: `t${i}`, tokens: TOKENS }));
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
  return { file: join(dataDir, 'events.jsonl'), steadyFailures };
}
