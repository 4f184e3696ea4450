/**
 * Scenario texts of the live suites, whose agents are ideal servers (every skill and noise
 * penalty of the agent model at zero) routed by least-connections, so that what a suite checks
 * depends only on the service times its text states: an M/M/c queue held to the simulation, and
 * a handful of named agents given listed jobs for the fault suites.
 */

/** The agent model with every skill and noise penalty at zero: an agent is an ideal server. */
const IDEAL_AGENT_MODEL = 'skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0';

/** An M/M/c queue: Poisson arrivals, exponential work, `servers` identical agents of one slot. */
export interface MmcScenario {
  /** The scenario's `name`. */
  readonly name: string;
  /** The scenario's `seed`, from which its arrivals and work are drawn. */
  readonly seed: number;
  /** Tasks before the run stops arriving (it drains). */
  readonly tasks: number;
  /** The c of M/M/c: agents in the fleet, one slot each. */
  readonly servers: number;
  /** Every agent's speed; an agent serves meanTokens ÷ tokensPerSecond seconds on average. */
  readonly tokensPerSecond: number;
  /** Rate of the Poisson arrivals. */
  readonly arrivalsPerSecond: number;
  /** Mean of the tasks' exponentially distributed work, in tokens. */
  readonly meanTokens: number;
  /** `live.heartbeatSeconds`, when the suite runs agent processes. */
  readonly heartbeatSeconds?: number;
  /** `engine` settings, the inside of a YAML flow mapping (e.g. an `autoscale` of pool `server`). */
  readonly engine?: string;
}

/** The YAML text of an M/M/c queue (load = arrivalsPerSecond × meanTokens ÷ tokensPerSecond ÷ servers). */
export function mmcScenarioText(queue: MmcScenario): string {
  return `
name: ${queue.name}
seed: ${queue.seed}
stop: { tasks: ${queue.tasks}, drain: true }
agentModel: { ${IDEAL_AGENT_MODEL} }
agents: [{ pool: server, count: ${queue.servers}, capacity: 1, speed: ${queue.tokensPerSecond}, skills: { job: 1 } }]
workload:
  arrivals: { process: poisson, rate: ${queue.arrivalsPerSecond} }
  tasks: [{ type: job, tokens: { dist: exponential, mean: ${queue.meanTokens} } }]
strategies: [least-connections]
${queue.engine === undefined ? '' : `engine: { ${queue.engine} }\n`}${queue.heartbeatSeconds === undefined ? '' : `live: { heartbeatSeconds: ${queue.heartbeatSeconds} }\n`}`;
}

/** Named agents of one speed given listed jobs, retried on a short constant backoff. */
export interface NamedAgentsScenario {
  /** The scenario's `name`. */
  readonly name: string;
  /** The scenario's `seed`. */
  readonly seed: number;
  /** The agents' ids, in fleet order. */
  readonly agentIds: readonly string[];
  /** Slots of each agent. */
  readonly capacity: number;
  /** Every agent's speed. */
  readonly tokensPerSecond: number;
  /** The `workload.jobs` list, e.g. from {@link listedJobs}. */
  readonly jobs: string;
  /** Retries of a failed attempt, 0.1 s apart. */
  readonly maxRetries: number;
  /** `live.heartbeatSeconds`: an agent that has not polled for this long has left the fleet. */
  readonly heartbeatSeconds: number;
}

/** The YAML text of {@link NamedAgentsScenario}. */
export function namedAgentsScenarioText(fleet: NamedAgentsScenario): string {
  const agents = fleet.agentIds.map((id) => `  - { id: ${id}, capacity: ${fleet.capacity}, speed: ${fleet.tokensPerSecond}, skills: { job: 1 } }\n`).join('');
  return `
name: ${fleet.name}
seed: ${fleet.seed}
engine: { retry: { maxRetries: ${fleet.maxRetries}, backoff: { base: 0.1, factor: 1, jitter: 0 } } }
agentModel: { ${IDEAL_AGENT_MODEL} }
agents:
${agents}workload:
  jobs: ${fleet.jobs}
strategies: [least-connections]
live: { heartbeatSeconds: ${fleet.heartbeatSeconds} }
`;
}

/** A YAML flow list of `count` jobs `j0, j1, …` of type `job`, one every `everySeconds` from 0. */
export function listedJobs(count: number, everySeconds: number, tokens: number): string {
  return `[${Array.from({ length: count }, (_, i) => `{ id: j${i}, at: ${i * everySeconds}, type: job, tokens: ${tokens} }`).join(', ')}]`;
}
