/**
 * The agents section: single agents and pools (expanded into `pool-0`, `pool-1`, …), model
 * coefficients merged field by field (built-in defaults ← `agentModel` ← the agent's `model`),
 * unique ids, and skills that name task types the workload really has.
 */
import type { AgentSpec } from '../engine/agent.js';
import { InputError, didYouMean, formatPath } from './errors.js';
import { DEFAULT_AGENT_MODEL, type AgentEntry, type AgentModelOverrides } from './schema.js';
import type { AgentModel, SimAgentConfig } from './types.js';

/**
 * Builds every agent, in file order (pools expanded in place).
 * @param taskTypes - every task type the workload can produce, for checking `skills`
 */
export function buildAgents(
  entries: readonly AgentEntry[],
  fleetModel: AgentModelOverrides | undefined,
  taskTypes: readonly string[],
  file: string,
): SimAgentConfig[] {
  const baseModel = mergeModel(DEFAULT_AGENT_MODEL, fleetModel);
  const agents: SimAgentConfig[] = [];
  const entryOfId = new Map<string, number>();
  entries.forEach((entry, i) => {
    const ids = agentIds(entry, i, file);
    checkSkills(entry, i, taskTypes, file);
    const model = mergeModel(baseModel, entry.model);
    for (const id of ids) {
      const earlier = entryOfId.get(id);
      if (earlier !== undefined) {
        const field = entry.pool === undefined ? 'id' : 'pool';
        throw new InputError(file, `agents[${i}].${field}`, `duplicate agent id "${id}" (also made by agents[${earlier}])`);
      }
      entryOfId.set(id, i);
      agents.push({ spec: agentSpec(entry, id), failureRate: entry.failureRate, model });
    }
  });
  return agents;
}

/** One id for a single agent; `pool-0` … `pool-(count−1)` for a pool. */
function agentIds(entry: AgentEntry, index: number, file: string): string[] {
  const at = `agents[${index}]`;
  if (entry.id !== undefined && entry.pool !== undefined) {
    throw new InputError(file, `${at}.pool`, 'expected either id (one agent) or pool with count (several agents), not both');
  }
  if (entry.id !== undefined) {
    if (entry.count !== undefined) throw new InputError(file, `${at}.count`, 'count applies to pools only: write pool instead of id');
    return [entry.id];
  }
  if (entry.pool === undefined) {
    throw new InputError(file, `${at}.id`, 'required: expected id (one agent) or pool with count (several agents)');
  }
  if (entry.count === undefined) throw new InputError(file, `${at}.count`, 'required: a pool needs count, an integer >= 1');
  const pool = entry.pool;
  return Array.from({ length: entry.count }, (_, k) => `${pool}-${k}`);
}

/** A skill for a type the workload never produces can never matter: it is usually a typo. */
function checkSkills(entry: AgentEntry, index: number, taskTypes: readonly string[], file: string): void {
  for (const type of Object.keys(entry.skills)) {
    if (taskTypes.includes(type)) continue;
    throw new InputError(
      file,
      formatPath(['agents', index, 'skills', type]),
      `no task type "${type}" in the workload${didYouMean(type, taskTypes)}; known types: ${taskTypes.join(', ')}`,
    );
  }
}

function agentSpec(entry: AgentEntry, id: string): AgentSpec {
  // A pool's name is its agents' first tag, so pool-aware strategies can filter on it.
  const tags = entry.pool === undefined ? [...entry.tags] : [entry.pool, ...entry.tags.filter((tag) => tag !== entry.pool)];
  return {
    id,
    capacity: entry.capacity,
    tokensPerSecond: entry.speed,
    skills: { ...entry.skills },
    weight: entry.weight ?? entry.capacity,
    tags,
    ...(entry.contextWindow === undefined ? {} : { contextWindowTokens: entry.contextWindow }),
    ...(entry.pool === undefined ? {} : { pool: entry.pool }),
  };
}

/** `base` with every coefficient that `overrides` sets replaced. */
function mergeModel(base: AgentModel, overrides: AgentModelOverrides | undefined): AgentModel {
  if (overrides === undefined) return base;
  const merged: Record<keyof AgentModel, number> = { ...base };
  for (const key of Object.keys(base) as (keyof AgentModel)[]) {
    const value = overrides[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
