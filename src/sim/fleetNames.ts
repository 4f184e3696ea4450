/**
 * Names for agents that join a running fleet (an operator's `add`, an autoscaler's provision):
 * `<pool>-<k>` (or `<id>-<k>` for an agent without a pool) after the last of that name,
 * skipping ids the fleet already uses. Shared by the simulator and the live driver's emulated
 * agents, so that both name new agents alike.
 */
import type { Scenario, SimAgentConfig } from '../scenario/types.js';

/** Hands out fresh agent ids for one run's fleet. */
export class FleetNames {
  /** Next number for a new agent named after a pool (or an agent), per name. */
  private readonly nextAgentNumber = new Map<string, number>();
  private readonly agentIdsInUse: Set<string>;

  /** @param scenario - whose declared agents are the fleet at time 0. */
  constructor(private readonly scenario: Scenario) {
    this.agentIdsInUse = new Set(scenario.agents.map((config) => config.spec.id));
    for (const config of scenario.agents) {
      const name = config.spec.pool ?? config.spec.id;
      this.nextAgentNumber.set(name, (this.nextAgentNumber.get(name) ?? (config.spec.pool === undefined ? 1 : 0)) + 1);
    }
  }

  /** A new agent like `template`, named after the last of its name. */
  newAgentLike(template: SimAgentConfig): SimAgentConfig {
    const name = template.spec.pool ?? template.spec.id;
    let k = this.nextAgentNumber.get(name) ?? 0;
    while (this.agentIdsInUse.has(`${name}-${k}`)) k++;
    this.nextAgentNumber.set(name, k + 1);
    const id = `${name}-${k}`;
    this.agentIdsInUse.add(id);
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
