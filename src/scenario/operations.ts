/**
 * The `operations` section (operators' actions at given times) and the autoscaled pools of
 * `engine.autoscale`: every name they use must exist, so a typo fails at load, not mid-run.
 */
import type { ScenarioOperation, SimAgentConfig, WorkloadConfig } from './types.js';
import { InputError, didYouMean } from './errors.js';
import type { ScenarioFile } from './schema.js';

/**
 * The operations in time order (stable among equal times), each checked: task types are the
 * workload's, agents are the initial fleet's, `like` names an agent or a pool, `pause` and
 * `resume` name a listed job, and none comes after `stop.time`.
 */
export function buildOperations(
  entries: ScenarioFile['operations'],
  agents: readonly SimAgentConfig[],
  types: readonly string[],
  workload: WorkloadConfig,
  stopTimeSeconds: number,
  file: string,
): ScenarioOperation[] {
  // The fleet's names are made when an operation first names an agent: most scenarios have no
  // operations, and listing 100,000 ids for none was a per-agent pass of the fleet's set-up.
  let agentIds: string[] | undefined;
  let agentsAndPools: string[] | undefined;
  const idsOfAgents = (): string[] => (agentIds ??= agents.map((agent) => agent.spec.id));
  const idsOfAgentsAndPools = (): string[] => (agentsAndPools ??= [...idsOfAgents(), ...poolNames(agents)]);
  const jobIds = workload.jobs.map((job) => job.id);
  const operations = entries.map((entry, i): ScenarioOperation => {
    const at = `operations[${i}]`;
    if (entry.at > stopTimeSeconds) {
      throw new InputError(file, `${at}.at`, `expected at most stop.time (${stopTimeSeconds} s), got ${entry.at}: it would never happen`);
    }
    const known = (value: string, names: readonly string[], field: string, what: string): void => {
      if (!names.includes(value)) throw new InputError(file, `${at}.${field}`, `no ${what} "${value}"${didYouMean(value, names)}`);
    };
    switch (entry.op) {
      case 'pause-type':
      case 'resume-type':
        known(entry.type, types, 'type', 'task type in the workload is named');
        return { atSeconds: entry.at, op: entry.op, type: entry.type };
      case 'set-priority':
        known(entry.type, types, 'type', 'task type in the workload is named');
        return { atSeconds: entry.at, op: entry.op, type: entry.type, priority: entry.priority };
      case 'drain':
      case 'remove':
        known(entry.agent, idsOfAgents(), 'agent', 'agent is named');
        return { atSeconds: entry.at, op: entry.op, agent: entry.agent };
      case 'add':
        known(entry.like, idsOfAgentsAndPools(), 'like', 'agent or pool is named');
        return { atSeconds: entry.at, op: entry.op, like: entry.like, count: entry.count };
      case 'pause':
      case 'resume':
        known(entry.task, jobIds, 'task', 'listed job is named');
        return { atSeconds: entry.at, op: entry.op, task: entry.task };
      default: {
        const unreachable: never = entry;
        throw new Error(`unknown operation ${JSON.stringify(unreachable)}`);
      }
    }
  });
  // Array.prototype.sort is stable: equal times keep file order.
  return operations.sort((a, b) => a.atSeconds - b.atSeconds);
}

/**
 * Checks `engine.autoscale` against the fleet (each pool exists, is scaled once, starts within
 * [min, max], thresholds in order) and returns each pool's cold start.
 */
export function buildColdStarts(entries: ScenarioFile['engine']['autoscale'], agents: readonly SimAgentConfig[], file: string): Record<string, number> {
  const coldStarts: Record<string, number> = {};
  entries.forEach((entry, i) => {
    const at = `engine.autoscale[${i}]`;
    const members = agents.filter((agent) => agent.spec.pool === entry.pool).length;
    if (members === 0) {
      throw new InputError(file, `${at}.pool`, `no agents pool is named "${entry.pool}"${didYouMean(entry.pool, poolNames(agents))}`);
    }
    if (Object.hasOwn(coldStarts, entry.pool)) throw new InputError(file, `${at}.pool`, `pool "${entry.pool}" is autoscaled twice`);
    if (entry.max < entry.min) throw new InputError(file, `${at}.max`, `expected max >= min (${entry.min}), got ${entry.max}`);
    if (members < entry.min || members > entry.max) {
      throw new InputError(file, `${at}.pool`, `pool "${entry.pool}" starts with ${members} agents, outside min ${entry.min} .. max ${entry.max}`);
    }
    if (!(entry.scaleDownUtilization < entry.scaleUpUtilization)) {
      throw new InputError(file, `${at}.scaleDownUtilization`, `expected less than scaleUpUtilization (${entry.scaleUpUtilization}), got ${entry.scaleDownUtilization}`);
    }
    coldStarts[entry.pool] = entry.coldStart;
  });
  return coldStarts;
}

/** The fleet's pool names, each once, in first-member order. */
function poolNames(agents: readonly SimAgentConfig[]): string[] {
  const pools = new Set<string>();
  for (const agent of agents) if (agent.spec.pool !== undefined) pools.add(agent.spec.pool);
  return [...pools];
}
