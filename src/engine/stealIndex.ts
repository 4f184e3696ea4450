/**
 * The index that keeps work stealing off the fleet's size (early binding, strategies that
 * declare `stealRules`): the hungry agents in the order they became hungry, listed once per
 * task kind they may take, and how many agents have a task of each kind last in their own
 * queue. When a task is left waiting, the engine wakes only the hungry agents that can steal
 * something, first in hungry order, instead of asking every hungry agent: a routed task costs
 * O(kinds) plus the thieves it serves, where asking every hungry agent cost O(fleet) calls of
 * `steal`.
 *
 * Hungry order is the order of the engine's `hungry` set, which it mirrors: an agent becomes
 * hungry with a number larger than any before, and keeps it while a wake-up finds it more work
 * (as re-adding every hungry agent in turn to a set keeps their order).
 */
import type { AgentView } from './agent.js';
import type { StealRules } from './strategy.js';
import type { TaskView } from './task.js';

/** Hungry agents that may take one kind, in hungry order; an entry is stale once its agent's number changed. */
interface ThiefList {
  agents: number[];
  numbers: number[];
  /** First entry that may be live. */
  head: number;
}

/** See the module comment. */
export class StealIndex {
  /** Per agent: kind of the last task of its own queue, -1 when it has none that may be stolen. */
  private readonly lastKind: number[] = [];
  /** Per kind: agents whose own queue ends with a task of that kind. */
  private readonly victims: number[] = [];
  /** Per agent: its place in hungry order, 0 while it is not hungry. */
  private readonly hungryNumber: number[] = [];
  private nextNumber = 1;
  private hungryCount = 0;
  private readonly thieves: ThiefList[] = [];
  /** Per kind: where the current wake-up has got to in its list. */
  private readonly cursor: number[] = [];

  /** @param rules - the strategy's; @param agents - the engine's fleet (grows as agents join). */
  constructor(private readonly rules: StealRules, private readonly agents: readonly AgentView[]) {}

  /** `agent`'s own queue changed: `last` is its last task now (undefined when it is empty). */
  queueChanged(agent: AgentView, last: TaskView | undefined): void {
    const index = agent.index;
    const kind = last === undefined ? -1 : this.rules.kindOf(last);
    const before = this.lastKind[index] ?? -1;
    if (kind === before) return;
    if (before >= 0) this.victims[before]!--;
    if (kind >= 0) {
      this.ensureKind(kind);
      this.victims[kind]!++;
    }
    this.lastKind[index] = kind;
  }

  /** True while `agent` is hungry. */
  isHungry(agent: AgentView): boolean {
    return (this.hungryNumber[agent.index] ?? 0) > 0;
  }

  /** `agent` found nothing to steal: it goes last in hungry order. */
  hungry(agent: AgentView): void {
    if (this.isHungry(agent)) this.sated(agent);
    const number = this.nextNumber++;
    this.hungryNumber[agent.index] = number;
    this.hungryCount++;
    for (let kind = 0; kind < this.thieves.length; kind++) {
      if (this.rules.mayTake(agent, kind)) this.append(kind, agent.index, number);
    }
  }

  /** `agent` is no longer hungry (its entries go stale). */
  sated(agent: AgentView): void {
    if (!this.isHungry(agent)) return;
    this.hungryNumber[agent.index] = 0;
    this.hungryCount--;
  }

  /** Starts a wake-up: {@link nextThief} from the first hungry agent. */
  startWakeUp(): void {
    for (let kind = 0; kind < this.thieves.length; kind++) {
      const list = this.thieves[kind]!;
      while (list.head < list.agents.length && !this.live(list, list.head)) list.head++;
      if (list.agents.length - list.head > 2 * this.hungryCount + 32) this.compact(list);
      this.cursor[kind] = list.head;
    }
  }

  /**
   * The first hungry agent after `after` (a hungry number; 0 for the first) that may take the
   * last task of some agent other than itself, or -1. Within one wake-up `after` only grows.
   */
  nextThief(after: number): number {
    let best = -1;
    let bestNumber = Number.POSITIVE_INFINITY;
    for (let kind = 0; kind < this.thieves.length; kind++) {
      const victims = this.victims[kind]!;
      if (victims === 0) continue;
      const list = this.thieves[kind]!;
      let at = this.cursor[kind]!;
      while (at < list.agents.length && (list.numbers[at]! <= after || !this.live(list, at))) at++;
      this.cursor[kind] = at;
      for (; at < list.agents.length; at++) {
        const number = list.numbers[at]!;
        if (number >= bestNumber) break;
        const agent = list.agents[at]!;
        if (!this.live(list, at) || (victims === 1 && this.lastKind[agent] === kind)) continue;
        best = agent;
        bestNumber = number;
        break;
      }
    }
    return best;
  }

  /** The hungry number of `agent` (0 when it is not hungry). */
  numberOf(agent: AgentView): number {
    return this.hungryNumber[agent.index] ?? 0;
  }

  private live(list: ThiefList, at: number): boolean {
    return this.hungryNumber[list.agents[at]!] === list.numbers[at];
  }

  private append(kind: number, agent: number, number: number): void {
    const list = this.thieves[kind]!;
    list.agents.push(agent);
    list.numbers.push(number);
  }

  /** Numbers kinds up to `kind`; a new kind's list starts with the hungry agents that may take it. */
  private ensureKind(kind: number): void {
    if (!Number.isInteger(kind)) throw new Error(`stealRules.kindOf must return an integer >= -1, got ${kind}`);
    while (this.thieves.length <= kind) {
      const added = this.thieves.length;
      const list: ThiefList = { agents: [], numbers: [], head: 0 };
      this.thieves.push(list);
      this.victims.push(0);
      this.cursor.push(0);
      const hungry: number[] = [];
      for (let agent = 0; agent < this.hungryNumber.length; agent++) if ((this.hungryNumber[agent] ?? 0) > 0) hungry.push(agent);
      hungry.sort((a, b) => this.hungryNumber[a]! - this.hungryNumber[b]!);
      for (const agent of hungry) if (this.rules.mayTake(this.agents[agent]!, added)) this.append(added, agent, this.hungryNumber[agent]!);
    }
  }

  /** Drops a list's stale entries (between wake-ups only: it moves entries). */
  private compact(list: ThiefList): void {
    let kept = 0;
    for (let at = list.head; at < list.agents.length; at++) {
      if (!this.live(list, at)) continue;
      list.agents[kept] = list.agents[at]!;
      list.numbers[kept] = list.numbers[at]!;
      kept++;
    }
    list.agents.length = kept;
    list.numbers.length = kept;
    list.head = 0;
  }
}
