/**
 * `fleetsim agent-worker --queue URL --agent ID --emulate SCENARIO`: agents of a scenario taking
 * their attempts from their BullMQ queues (src/distributed/agentWorker.ts), run by the
 * simulator's agent model with times divided by `--speedup` (docs/DISTRIBUTED.md, "Live agents
 * over BullMQ"), carrying out the engine's other commands as the simulator's agents do, each
 * keeping its liveness key alive for the scenario's `live.heartbeatSeconds`. Prints one line once
 * every worker listens; runs until SIGINT or SIGTERM, then closes its workers (running attempts
 * end through the stalled-job check) and exits 0. A retired agent's worker closes on its own.
 */
import { InputError, didYouMean } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { emulatedAgentHandlers, runAgentWorker, type AgentWorker } from '../distributed/agentWorker.js';
import { selectAgents, UnknownAgentError } from '../live/clients/agentsClient.js';
import { onStopSignal, parseSpeedup } from './clientFlags.js';
import { packageVersion } from './help.js';

/** Flags of `agent-worker`. */
export interface AgentWorkerArgs {
  queue: string;
  agent: string;
  emulate: string;
  speedup: number;
  lockSeconds: number;
}

/** `fleetsim agent-worker`: resolves once a signal has closed every worker. */
export async function agentWorkerCommand(args: AgentWorkerArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<void> {
  const speedup = parseSpeedup(args.speedup);
  if (!(Number.isFinite(args.lockSeconds) && args.lockSeconds > 0)) throw new InputError('command line', '--lock-seconds', `expected a number > 0, got ${String(args.lockSeconds)}`);
  const ids = args.agent.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new InputError('command line', '--agent', 'expected an agent id (or comma-separated ids)');
  const scenario = loadScenario(args.emulate);
  let configs;
  try {
    configs = selectAgents(scenario, ids);
  } catch (error) {
    if (error instanceof UnknownAgentError) throw new InputError('command line', '--agent', `${args.emulate} has no agent ${error.id}${didYouMean(error.id, error.known)}`);
    throw error;
  }
  const version = packageVersion();
  const workers: AgentWorker[] = [];
  const stopped = new Promise<void>((resolve) => { onStopSignal(resolve); });
  try {
    for (const config of configs) {
      const handler = emulatedAgentHandlers(config, { seed: scenario.seed, speedup });
      const worker = await runAgentWorker(args.queue, config.spec.id, handler, {
        concurrency: config.spec.capacity, lockSeconds: args.lockSeconds, heartbeatSeconds: scenario.live.heartbeatSeconds, version,
      });
      worker.worker.on('error', (error) => process.stderr.write(`fleetsim agent-worker: ${config.spec.id}: ${error.message}\n`));
      // A retired agent has left the fleet for good: its worker stops (the others keep running).
      void worker.retired.then(async () => {
        process.stderr.write(`fleetsim agent-worker: ${config.spec.id}: retired by the engine: its worker stops\n`);
        await worker.close();
      });
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.worker.waitUntilReady()));
    write(`fleetsim agent-worker: ${configs.length} agent${configs.length === 1 ? '' : 's'} (${ids.join(', ')}) taking work from ${args.queue} (speedup ${speedup})\n`);
    await stopped;
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}
