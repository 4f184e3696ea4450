/**
 * The engine's agent record is a class (so that V8 lays out its fractional fields as doubles
 * from the first agent on), yet reads, prints and copies like the plain object it replaced: the
 * same fields in the same order with the same starting values, whether the agent joined or was
 * restored from a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { FleetAgentRecord, NO_RESIDENT_KEYS, type AgentRecord, type AgentSpec } from '../../src/engine/agent.js';
import { agentSpec, Harness } from '../support/harness.js';

/** The plain record the engine made for an agent joining at `now` before the class. */
function plainRecord(spec: AgentSpec, index: number, now: number): AgentRecord {
  return {
    spec, index, accepting: true, draining: false, paused: 0, left: false, active: 0, queued: 0,
    outstandingTokens: 0, contextUtilization: 0, residentKeys: NO_RESIDENT_KEYS, observedAt: now, completed: 0,
  };
}

describe('FleetAgentRecord', () => {
  it('starts as the plain record of an agent that just joined: same fields, order, values and JSON', () => {
    const spec = agentSpec({ id: 'a1', capacity: 2 });
    for (const now of [0, 2.75]) {
      const record = new FleetAgentRecord(spec, 4, now);
      const plain = plainRecord(spec, 4, now);
      expect(Object.keys(record)).toEqual(Object.keys(plain));
      expect({ ...record }).toEqual(plain);
      expect(JSON.stringify(record)).toBe(JSON.stringify(plain));
      expect(Object.is(record.outstandingTokens, 0)).toBe(true); // not -0 or a leftover fraction
      expect(Object.is(record.contextUtilization, 0)).toBe(true);
      expect(Object.is(record.observedAt, now)).toBe(true);
    }
  });

  it('is what the engine keeps for an agent that joins and for one restored from a snapshot', () => {
    const h = new Harness({ strategy: 'least-connections', agents: [{ id: 'a1' }, { id: 'a2', capacity: 3 }] });
    h.submit({ id: 't1', tokens: 7.5 });
    h.submit({ id: 't2', tokens: 2.25 });
    h.drive();
    expect(h.engine.agents.every((agent) => agent instanceof FleetAgentRecord)).toBe(true);
    const before = h.engine.agents.map((agent) => ({ ...agent }));
    h.restart('after');
    expect(h.engine.agents.every((agent) => agent instanceof FleetAgentRecord)).toBe(true);
    expect(h.engine.agents.map((agent) => ({ ...agent }))).toEqual(before);
    expect(before.map((agent) => agent.outstandingTokens)).toEqual([7.5, 2.25]); // fractions restored as they were
  });
});
