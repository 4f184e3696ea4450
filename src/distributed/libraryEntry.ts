/**
 * Live agents over BullMQ as the library entry (`fleetsim`) offers them, loaded on first use:
 * BullMQ and ioredis take about a second to import on a slow machine, which nobody who imports
 * `fleetsim` for the engine or the simulator should pay. Both doors are asynchronous anyway.
 */
import type { ProvisionHandler, Provisioner, ProvisionerOptions } from './agentProvisioning.js';
import type { AgentHandler, AgentHandlers, AgentWorker, AgentWorkerOptions } from './agentWorker.js';
import type { BullmqAgentConnector, BullmqConnectorOptions } from './bullmqConnector.js';

/**
 * Runs `handler` for every attempt the engine starts on agent `agentId`, taking jobs from its
 * queue in the Redis at `url` (`redis://HOST:PORT/DB`), and the engine's other commands through
 * its hooks when it is an `AgentHandlers`; see `runAgentWorker` in
 * src/distributed/agentWorker.ts, which this loads.
 * @throws InputError naming `--queue` or `--agent` for bad input (see there)
 */
export async function runAgentWorker(url: string, agentId: string, handler: AgentHandler | AgentHandlers, options: AgentWorkerOptions = {}): Promise<AgentWorker> {
  return (await import('./agentWorker.js')).runAgentWorker(url, agentId, handler, options);
}

/**
 * Runs `handler` for every new agent the engine asks of autoscaled `pool`, taking the requests
 * from the pool's provisioning queue in the Redis at `url`; see `runProvisioner` in
 * src/distributed/agentProvisioning.ts, which this loads.
 * @throws InputError naming `--queue` or `--provision` for bad input (see there)
 */
export async function runProvisioner(url: string, pool: string, handler: ProvisionHandler, options: ProvisionerOptions = {}): Promise<Provisioner> {
  return (await import('./agentProvisioning.js')).runProvisioner(url, pool, handler, options);
}

/** A live driver's connector to agents over BullMQ ({@link BullmqAgentConnector}), once BullMQ is loaded. */
export async function createBullmqConnector(options: BullmqConnectorOptions): Promise<BullmqAgentConnector> {
  return new (await import('./bullmqConnector.js')).BullmqAgentConnector(options);
}
