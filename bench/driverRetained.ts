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
 * `--remote`: the connector is the HTTP service's `RemoteAgents` instead (on a journal that is
 * durable at once, as `fleetsim serve` without a data directory), and every agent's mailbox is
 * polled empty before the second collection: what the driver, the engine and the remote agents
 * keep together for an attempt handed out and awaiting its agent's reports, as under the service.
 *
 * Run with `node --expose-gc dist/bench/driverRetained.js [--remote] [--json]`.
 */
import type { EngineConfig } from '../src/engine/config.js';
import type { TaskSpec } from '../src/engine/task.js';
import type { AgentConnector, RunContext } from '../src/live/connector.js';
import type { LiveDriver, LiveDriverOptions } from '../src/live/driver.js';
import type { RemoteAgents } from '../src/live/service/remoteAgents.js';
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
const { MemoryJournal } = (await import(`${root}/live/journal.js`)) as typeof import('../src/live/journal.js');
const remoteAgents = (await import(`${root}/live/service/remoteAgents.js`)) as typeof import('../src/live/service/remoteAgents.js');
const remote = process.argv.includes('--remote');

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

/** The service's connector, its mailboxes as large as the attempts held. */
function remoteConnector(tasks: number): RemoteAgents {
  return new remoteAgents.RemoteAgents({ heartbeatSeconds: 3600, mailboxCommands: tasks + 1, nowMs: () => 0 });
}

/** Heap bytes kept per attempt in flight with `tasks` attempts held. */
async function retainedPerAttempt(tasks: number): Promise<number> {
  const strategy = findStrategy('least-connections');
  if (strategy === undefined) throw new Error('no least-connections strategy');
  const connector = remote ? remoteConnector(tasks) : new HoldingConnector();
  const journal = new MemoryJournal();
  let draws = 0;
  const driver = createLiveDriver({
    engine: {
      config: defaultEngineConfig(),
      strategy: strategy.create({}),
      strategyRandom: () => (draws = (draws * 9301 + 49297) % 233280) / 233280,
      engineRandom: () => 0.5,
    },
    clock: new ManualClock(),
    journal,
    connector,
    ...(connector instanceof remoteAgents.RemoteAgents ? { onEvent: (event) => connector.observe(event) } : {}),
    limits: { maxInFlightTasks: tasks + 1 },
  });
  if (connector instanceof remoteAgents.RemoteAgents) connector.bind({ journal, agentLeft: (id) => driver.agentLeft(id), engineHasAgent: () => false });
  const capacity = Math.ceil(tasks / AGENTS) + 1;
  const agentIds = Array.from({ length: AGENTS }, (_, i) => `agent-${i}`);
  for (const id of agentIds) driver.agentJoined({ id, capacity, tokensPerSecond: 100, skills: {}, weight: 1, tags: [] });
  const specs: TaskSpec[] = Array.from({ length: tasks }, (_, i) => ({ id: `bench-${String(i).padStart(7, '0')}`, type: 'job', priority: 2, tokens: 100, contextTokens: 0 }));
  const before = heapUsedAfterCollections();
  for (const spec of specs) driver.submit(spec);
  // Handed out: the starts leave the mailboxes, the attempts stay pending.
  if (connector instanceof remoteAgents.RemoteAgents) for (const id of agentIds) await connector.poll(id, 0);
  const after = heapUsedAfterCollections();
  if (driver.counts().pendingAttempts !== tasks) throw new Error(`${driver.counts().pendingAttempts} attempts pending, expected ${tasks}`);
  return (after - before) / tasks;
}

const tasksAt = process.argv.indexOf('--tasks');
const sizes = tasksAt >= 0 ? [Number(process.argv[tasksAt + 1])] : [20_000, 50_000];
// A first round compiles the driver's and the engine's code, which would count as kept.
await retainedPerAttempt(1_000);
const rows: { tasks: number; bytesPerAttempt: number }[] = [];
for (const tasks of sizes) rows.push({ tasks, bytesPerAttempt: Math.round(await retainedPerAttempt(tasks)) });
const held = remote ? 'live driver and remote agents' : 'live driver';
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ driver: root, remote, rows })}\n`);
} else {
  for (const row of rows) process.stdout.write(`${held} (${root}): ${row.bytesPerAttempt} B kept per attempt in flight, ${row.tasks} in flight\n`);
}
