/**
 * Names for agents that join a running fleet (an operator's `add`, an autoscaler's provision):
 * `<pool>-<k>` (or `<id>-<k>` for an agent without a pool) after the last of that name,
 * skipping ids the fleet already uses. Shared by the simulator and the live driver's emulated
 * agents, so that both name new agents alike.
 */
import type { Scenario, SimAgentConfig } from '../scenario/types.js';

/** Hands out fresh agent ids for one run's fleet. */
export class FleetNames {
  /**
   * Next number for a new agent named after a pool (or an agent), per name, and every id in
   * use: made when the first agent joins a running fleet, as most runs never add one and the
   * declared fleet may be 100,000 agents.
   */
  private names: DeclaredNames | undefined;

  /** @param scenario - whose declared agents are the fleet at time 0. */
  constructor(private readonly scenario: Scenario) {}

  /** A new agent like `template`, named after the last of its name. */
  newAgentLike(template: SimAgentConfig): SimAgentConfig {
    const { nextAgentNumber, agentIdsInUse } = (this.names ??= declaredNames(this.scenario));
    const name = template.spec.pool ?? template.spec.id;
    let k = nextAgentNumber.get(name) ?? 0;
    while (agentIdsInUse.has(`${name}-${k}`)) k++;
    nextAgentNumber.set(name, k + 1);
    const id = `${name}-${k}`;
    agentIdsInUse.add(id);
    return { ...template, spec: { ...template.spec, id } };
  }

  /** The declared agent (or first agent of the pool) called `like`. */
  templateLike(like: string): SimAgentConfig {
    const template = this.scenario.agents.find((agent) => agent.spec.id === like || agent.spec.pool === like);
    if (template === undefined) throw new Error(`no agent or pool named ${like} (the scenario check should have caught it)`);
    return template;
  }

  /** The agent a provision for autoscaled `pool` brings, and its cold start in seconds. */
  provisioned(pool: string): { readonly config: SimAgentConfig; readonly coldStartSeconds: number } {
    const template = this.templateLike(pool);
    const coldStartSeconds = this.scenario.coldStartSeconds[pool];
    if (coldStartSeconds === undefined) throw new Error(`provision for pool ${pool}, which no autoscaler scales`);
    return { config: this.newAgentLike(template), coldStartSeconds };
  }
}

/** Per name the number for its next agent, and every id in use. */
interface DeclaredNames {
  readonly nextAgentNumber: Map<string, number>;
  readonly agentIdsInUse: Set<string>;
}

/** The declared fleet's names: per name the number after its declared agents, and their ids. */
function declaredNames(scenario: Scenario): DeclaredNames {
  const nextAgentNumber = new Map<string, number>();
  for (const config of scenario.agents) {
    const name = config.spec.pool ?? config.spec.id;
    nextAgentNumber.set(name, (nextAgentNumber.get(name) ?? (config.spec.pool === undefined ? 1 : 0)) + 1);
  }
  return { nextAgentNumber, agentIdsInUse: new Set(scenario.agents.map((config) => config.spec.id)) };
}
