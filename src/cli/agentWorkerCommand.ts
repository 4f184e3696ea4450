/**
 * `fleetsim agent-worker --queue URL --agent ID --emulate SCENARIO`: agents of a scenario taking
 * their attempts from their BullMQ queues (src/distributed/agentWorker.ts), run by the
 * simulator's agent model with times divided by `--speedup`, or in virtual time with
 * `--virtual-time` (docs/DISTRIBUTED.md, "Live agents over BullMQ"), carrying out the engine's
 * other commands as the simulator's agents do, each keeping its liveness key alive for the
 * scenario's `live.heartbeatSeconds`. Prints one line once every worker listens; runs until
 * SIGINT or SIGTERM, then closes its workers (running attempts end through the stalled-job check)
 * and exits 0. A retired agent's worker closes on its own. With `--provision POOL[,POOL]` it also
 * takes the provisioning requests of those autoscaled pools: after the pool's cold start (divided
 * by `--speedup`) it starts a worker for a new agent named as the simulator names it, and
 * answers with its spec; in virtual time it starts the worker at once and answers with the spec
 * and the cold start's seconds.
 */
import { InputError, didYouMean } from '../scenario/errors.js';
import { loadScenario } from '../scenario/load.js';
import { runProvisioner, type Provisioner } from '../distributed/agentProvisioning.js';
import { emulatedAgentHandlers, runAgentWorker, virtualTimeAgentHandlers, type AgentWorker } from '../distributed/agentWorker.js';
import { selectAgents, UnknownAgentError } from '../live/clients/agentsClient.js';
import type { SimAgentConfig } from '../scenario/types.js';
import { FleetNames } from '../sim/fleetNames.js';
import { onStopSignal, parseSpeedup } from './clientFlags.js';
import { packageVersion } from './help.js';
import { counted } from '../counted.js';

/** Flags of `agent-worker`. */
export interface AgentWorkerArgs {
  /** `--queue`: the Redis URL whose queue carries the attempts. */
  queue: string;
  /** Agent ids, comma-separated (optional with `provision`). */
  agent?: string;
  /** `--emulate`: the scenario whose agent model runs the attempts (its agents, its seed). */
  emulate: string;
  /** `--speedup`: K, attempt durations divided by K. */
  speedup: number;
  /** `--lock-seconds`: the job lock; a worker silent this long has stalled, and its attempt fails. */
  lockSeconds: number;
  /** `--virtual-time`: answer every attempt, offer and provision at once with its planned duration, answer delay or cold start, for a driver on a manual clock. */
  virtualTime: boolean;
  /** Autoscaled pools whose provisioning requests this process takes, comma-separated. */
  provision?: string;
}

/** `fleetsim agent-worker`: resolves once a signal has closed every worker. */
export async function agentWorkerCommand(args: AgentWorkerArgs, write: (text: string) => void = (text) => { process.stdout.write(text); }): Promise<void> {
  const speedup = parseSpeedup(args.speedup);
  if (args.virtualTime && speedup !== 1) throw new InputError('command line', '--speedup', 'has no effect with --virtual-time (attempts take no real time)');
  if (!(Number.isFinite(args.lockSeconds) && args.lockSeconds > 0)) throw new InputError('command line', '--lock-seconds', `expected a number > 0, got ${String(args.lockSeconds)}`);
  const ids = commaList(args.agent);
  const pools = commaList(args.provision);
  if (ids.length === 0 && pools.length === 0) throw new InputError('command line', '--agent', 'expected an agent id (or comma-separated ids), or --provision POOL');
  const scenario = loadScenario(args.emulate);
  let configs;
  try {
    configs = selectAgents(scenario, ids);
  } catch (error) {
    if (error instanceof UnknownAgentError) throw new InputError('command line', '--agent', `${args.emulate} has no agent ${error.id}${didYouMean(error.id, error.known)}`);
    throw error;
  }
  const autoscaled = Object.keys(scenario.coldStartSeconds);
  for (const pool of pools) {
    if (!autoscaled.includes(pool)) throw new InputError('command line', '--provision', `${args.emulate} autoscales no pool ${pool}${didYouMean(pool, autoscaled)}`);
  }
  const version = packageVersion();
  const workers: AgentWorker[] = [];
  const provisioners: Provisioner[] = [];
  const stopped = new Promise<void>((resolve) => { onStopSignal(resolve); });
  const startWorker = async (config: SimAgentConfig): Promise<AgentWorker> => {
    const handler = args.virtualTime ? virtualTimeAgentHandlers(config, { seed: scenario.seed }) : emulatedAgentHandlers(config, { seed: scenario.seed, speedup });
    // In virtual time one attempt at a time: the model then meets an agent's attempts in the order the engine started them.
    const concurrency = args.virtualTime ? 1 : config.spec.capacity;
    const worker = await runAgentWorker(args.queue, config.spec.id, handler, {
      concurrency, lockSeconds: args.lockSeconds, heartbeatSeconds: scenario.live.heartbeatSeconds, version,
    });
    worker.worker.on('error', (error) => process.stderr.write(`fleetsim agent-worker: ${config.spec.id}: ${error.message}\n`));
    // A retired agent has left the fleet for good: its worker stops (the others keep running).
    void worker.retired.then(async () => {
      process.stderr.write(`fleetsim agent-worker: ${config.spec.id}: retired by the engine: its worker stops\n`);
      await worker.close();
    });
    workers.push(worker);
    return worker;
  };
  // New agents are named as the simulator names them (<pool>-<k> after the pool's last).
  const names = new FleetNames(scenario);
  try {
    for (const config of configs) await startWorker(config);
    for (const pool of pools) {
      provisioners.push(await runProvisioner(args.queue, pool, async ({ readyAfter }) => {
        const { config, coldStartSeconds } = names.provisioned(pool);
        // In virtual time the agent is started at once and the cold start reported: the driver's clock takes it.
        if (args.virtualTime) readyAfter(coldStartSeconds);
        else await new Promise((resolve) => setTimeout(resolve, (coldStartSeconds * 1000) / speedup));
        await (await startWorker(config)).worker.waitUntilReady();
        process.stderr.write(`fleetsim agent-worker: provisioned ${config.spec.id} for pool ${pool}\n`);
        return config.spec;
      }, { version }));
    }
    await Promise.all(workers.map((w) => w.worker.waitUntilReady()));
    const what = [
      ...(configs.length === 0 ? [] : [`${counted(configs.length, 'agent')} (${ids.join(', ')})`]),
      ...(pools.length === 0 ? [] : [`provisioning pool${pools.length === 1 ? '' : 's'} ${pools.join(', ')}`]),
    ];
    write(`fleetsim agent-worker: ${what.join(', ')} taking work from ${args.queue} (${args.virtualTime ? 'virtual time' : `speedup ${speedup}`})\n`);
    await stopped;
  } finally {
    await Promise.all(provisioners.map((p) => p.close()));
    await Promise.all(workers.map((w) => w.close()));
  }
}

/** The non-empty items of a comma-separated flag. */
function commaList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}
