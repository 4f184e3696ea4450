/**
 * Micro-benchmark of what the live driver keeps per attempt in flight: the heap bytes that stay
 * reachable (and that every scavenge copies or promotes) while attempts await their outcome.
 *
 * N tasks (`--tasks`; default 20,000 and 50,000: with fewer, the code V8 compiles meanwhile is a
 * visible part of the growth) are submitted to a driver on a manual clock, with 100 agents of
 * room enough for all and no task timeout (so that every attempt has the driver's watchdog, as
 * under the service), whose `run` connector holds every attempt; the growth of
 * `process.memoryUsage().heapUsed` between full collections before and after the submissions,
 * divided by N: the driver's and the engine's records together, and the connector's array of
 * held attempts (8 bytes a slot; the specs are made beforehand). `--driver-from DIR` measures
 * another build's driver (DIR: its `dist`, e.g. /work/main/dist) for A/B. Retained bytes, not
 * time, are compared: they do not depend on what else the machine runs.
 *
 * Run with `node --expose-gc dist/bench/driverRetained.js [--json]`.
 */
import type { EngineConfig } from '../src/engine/config.js';
import type { TaskSpec } from '../src/engine/task.js';
import type { AgentConnector, RunContext } from '../src/live/connector.js';
import type { LiveDriver, LiveDriverOptions } from '../src/live/driver.js';
import type { StrategyDefinition } from '../src/strategies/definition.js';

const AGENTS = 100;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  process.stderr.write('run with node --expose-gc\n');
  process.exit(2);
}

const fromAt = process.argv.indexOf('--driver-from');
const root = fromAt >= 0 ? `file://${process.argv[fromAt + 1]!}/src` : '../src';
const { createLiveDriver } = (await import(`${root}/live/driver.js`)) as { createLiveDriver: (options: LiveDriverOptions) => LiveDriver };
const { defaultEngineConfig } = (await import(`${root}/engine/config.js`)) as { defaultEngineConfig: () => EngineConfig };
const { findStrategy } = (await import(`${root}/strategies/index.js`)) as { findStrategy: (name: string) => StrategyDefinition | undefined };
const { ManualClock } = (await import(`${root}/live/clock.js`)) as typeof import('../src/live/clock.js');

/** Holds every attempt it is handed: none ever settles. */
class HoldingConnector implements AgentConnector {
  readonly held: RunContext[] = [];

  run(_command: unknown, context: RunContext): void {
    this.held.push(context);
  }

  start(): Promise<never> {
    return Promise.reject(new Error('run only'));
  }
}

function heapUsedAfterCollections(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes kept per attempt in flight with `tasks` attempts held. */
function retainedPerAttempt(tasks: number): number {
  const strategy = findStrategy('least-connections');
  if (strategy === undefined) throw new Error('no least-connections strategy');
  const connector = new HoldingConnector();
  let draws = 0;
  const driver = createLiveDriver({
    engine: {
      config: defaultEngineConfig(),
      strategy: strategy.create({}),
      strategyRandom: () => (draws = (draws * 9301 + 49297) % 233280) / 233280,
      engineRandom: () => 0.5,
    },
    clock: new ManualClock(),
    connector,
    limits: { maxInFlightTasks: tasks + 1 },
  });
  const capacity = Math.ceil(tasks / AGENTS) + 1;
  for (let i = 0; i < AGENTS; i++) driver.agentJoined({ id: `agent-${i}`, capacity, tokensPerSecond: 100, skills: {}, weight: 1, tags: [] });
  const specs: TaskSpec[] = Array.from({ length: tasks }, (_, i) => ({ id: `bench-${String(i).padStart(7, '0')}`, type: 'job', priority: 2, tokens: 100, contextTokens: 0 }));
  const before = heapUsedAfterCollections();
  for (const spec of specs) driver.submit(spec);
  const after = heapUsedAfterCollections();
  if (driver.counts().pendingAttempts !== tasks) throw new Error(`${driver.counts().pendingAttempts} attempts pending, expected ${tasks}`);
  return (after - before) / tasks;
}

const tasksAt = process.argv.indexOf('--tasks');
const sizes = tasksAt >= 0 ? [Number(process.argv[tasksAt + 1])] : [20_000, 50_000];
// A first round compiles the driver's and the engine's code, which would count as kept.
retainedPerAttempt(1_000);
const rows = sizes.map((tasks) => ({ tasks, bytesPerAttempt: Math.round(retainedPerAttempt(tasks)) }));
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ driver: root, rows })}\n`);
} else {
  for (const row of rows) process.stdout.write(`live driver (${root}): ${row.bytesPerAttempt} B kept per attempt in flight, ${row.tasks} in flight\n`);
}
