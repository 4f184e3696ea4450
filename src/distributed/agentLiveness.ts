/**
 * The heartbeat of agents over BullMQ, on the service's side: each agent's worker keeps its
 * liveness key (`fleetsim:agent:<id>:fleetsim-alive`, ./agentControl.ts) alive with a time to
 * live of the heartbeat, and {@link AgentLiveness.sweep} reads every agent's key in one round
 * trip. The rules are the HTTP agents' (src/live/service/remoteAgents.ts):
 *
 * - An agent in the fleet whose key is gone leaves (the driver's `agentLeft`: the engine's rules
 *   re-route its work). A newly joined agent has a full heartbeat to show its key first.
 * - An agent out of the fleet whose key comes back rejoins under its next incarnation
 *   (`<id>#2`, …), as an HTTP agent that registers again. "Comes back" means a key that was gone
 *   since the agent left, or one written by another worker (each worker writes its own mark):
 *   an agent an operator removed does not rejoin while the same worker keeps running.
 * - A sweep that waited longer than half a heartbeat for Redis decides nothing and gives every
 *   agent a full heartbeat again: an outage of Redis is not the agents' failure.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { AgentSpec } from '../engine/agent.js';
import type { EngineEvent } from '../engine/messages.js';
import { externalAgentId } from '../live/service/remoteAgents.js';
import { livenessKey } from './agentControl.js';

/** What {@link AgentLiveness} needs. */
export interface AgentLivenessOptions {
  /** The Redis of the agents' queues (BullMQ's connection options). */
  readonly connection: RedisOptions;
  /** The scenario's `live.heartbeatSeconds`. */
  readonly heartbeatSeconds: number;
  /** Milliseconds now (injectable for tests); default `performance.now()`. */
  readonly nowMs?: () => number;
  /** One line per departure and return (default: nowhere). */
  readonly onLog?: (line: string) => void;
}

/** Where the sweep reaches the driver. */
export interface AgentLivenessBinding {
  /** Takes an agent out of the fleet (the driver's `agentLeft`). */
  readonly agentLeft: (engineId: string) => void;
  /** Adds an agent to the fleet (the driver's `agentJoined`). */
  readonly agentJoined: (spec: AgentSpec) => void;
  /** Whether the engine holds (or held) an agent of that id. */
  readonly engineHasAgent: (engineId: string) => boolean;
}

/** What one sweep did. */
export interface SweepResult {
  /** Engine ids of the agents that left. */
  readonly left: string[];
  /** Engine ids the agents that came back joined under. */
  readonly rejoined: string[];
}

/** One agent as the sweep follows it. */
interface AgentSlot {
  readonly id: string;
  engineId: string;
  spec: AgentSpec;
  inFleet: boolean;
  /** When it (re)joined (nowMs). */
  joinedAtMs: number;
  /** Whether its key was seen since it joined. */
  seenAlive: boolean;
  /** The key's value at the last sweep (null: gone; undefined: never read). */
  lastMark: string | null | undefined;
  /** The key's value when it left, updated to null once the key was seen gone. */
  markAtLeave: string | null | undefined;
}

/** The service's side of BullMQ agents' heartbeats. */
export class AgentLiveness {
  private readonly slots = new Map<string, AgentSlot>();
  private readonly client: Redis;
  private readonly nowMs: () => number;
  private binding: AgentLivenessBinding | undefined;
  private sweeping = false;

  /** @param options - see {@link AgentLivenessOptions}. */
  constructor(private readonly options: AgentLivenessOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.client = new Redis({ ...options.connection, lazyConnect: true });
  }

  /** Connects to the driver once it exists. */
  bind(binding: AgentLivenessBinding): void {
    this.binding = binding;
  }

  /** Follows the fleet from the engine's events (joins and departures, replayed ones included). */
  observe(event: EngineEvent): void {
    if (event.kind === 'agentJoined') {
      const spec = event.agent.spec;
      const id = externalAgentId(spec.id);
      const slot = this.slots.get(id);
      const joinedAtMs = this.nowMs();
      if (slot === undefined) {
        this.slots.set(id, { id, engineId: spec.id, spec, inFleet: true, joinedAtMs, seenAlive: false, lastMark: undefined, markAtLeave: undefined });
        return;
      }
      // A rejoin this sweep made: its key was just seen.
      if (slot.inFleet && slot.engineId === spec.id) slot.spec = spec;
      else Object.assign(slot, { engineId: spec.id, spec, inFleet: true, joinedAtMs, seenAlive: false });
    } else if (event.kind === 'agentLeft') {
      const slot = this.slots.get(externalAgentId(event.agent.spec.id));
      if (slot === undefined || slot.engineId !== event.agent.spec.id || !slot.inFleet) return;
      slot.inFleet = false;
      slot.markAtLeave = slot.lastMark;
    }
  }

  /**
   * The engine's spec of an agent it holds (after a restart from a snapshot the replayed join
   * carries only part of it; a rejoin copies the whole).
   */
  adoptSpec(spec: AgentSpec): void {
    const slot = this.slots.get(externalAgentId(spec.id));
    if (slot !== undefined && slot.engineId === spec.id) slot.spec = spec;
  }

  /**
   * Reads every agent's liveness key and applies the rules above. A sweep still waiting for
   * Redis makes the next one a no-op.
   */
  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { left: [], rejoined: [] };
    if (this.sweeping || this.binding === undefined || this.slots.size === 0) return result;
    this.sweeping = true;
    try {
      const slots = [...this.slots.values()];
      const askedMs = this.nowMs();
      const marks = await this.client.mget(slots.map((slot) => livenessKey(slot.id)));
      const nowMs = this.nowMs();
      const heartbeatMs = this.options.heartbeatSeconds * 1000;
      if (nowMs - askedMs > heartbeatMs / 2) {
        for (const slot of slots) Object.assign(slot, { joinedAtMs: nowMs, seenAlive: false });
        return result;
      }
      slots.forEach((slot, i) => this.apply(slot, marks[i] ?? null, nowMs, heartbeatMs, result));
      return result;
    } finally {
      this.sweeping = false;
    }
  }

  /** Closes the connection. */
  close(): void {
    this.client.disconnect();
  }

  private apply(slot: AgentSlot, mark: string | null, nowMs: number, heartbeatMs: number, result: SweepResult): void {
    const binding = this.binding!;
    slot.lastMark = mark;
    if (slot.inFleet) {
      if (mark !== null) slot.seenAlive = true;
      else if (slot.seenAlive || nowMs - slot.joinedAtMs > heartbeatMs) {
        // Out first, so that a later sweep cannot take it out twice before the engine's event comes.
        slot.inFleet = false;
        slot.markAtLeave = null;
        result.left.push(slot.engineId);
        this.options.onLog?.(`agent liveness: ${slot.engineId} left the fleet (its worker's liveness key ${mark === null && slot.seenAlive ? 'expired' : 'never appeared'})`);
        binding.agentLeft(slot.engineId);
      }
      return;
    }
    if (mark === null) {
      slot.markAtLeave = null;
      return;
    }
    if (mark === slot.markAtLeave) return;
    const engineId = nextEngineId(slot.id, slot.engineId, binding);
    Object.assign(slot, { engineId, inFleet: true, joinedAtMs: nowMs, seenAlive: true });
    result.rejoined.push(engineId);
    this.options.onLog?.(`agent liveness: ${slot.id}'s worker is alive again: it rejoins the fleet as ${engineId}`);
    binding.agentJoined({ ...slot.spec, id: engineId });
  }
}

/** The engine id of an agent's next incarnation: `<id>#n`, n past every id the engine has seen. */
function nextEngineId(id: string, lastEngineId: string, binding: AgentLivenessBinding): string {
  const match = /#(\d+)$/.exec(lastEngineId);
  let incarnation = (match === null ? 1 : Number(match[1])) + 1;
  while (binding.engineHasAgent(`${id}#${incarnation}`)) incarnation++;
  return `${id}#${incarnation}`;
}
