/**
 * Seeded random streams. Every stream is derived from
 * (scenario seed, replication, stream name), and a task's outcome draws from
 * (seed, replication, task id, attempt), never from a stream consumed in event order: so every
 * strategy sees the same tasks at the same times and the same luck per task attempt (common
 * random numbers), and differences between strategies are paired rather than noise.
 */
import seedrandom from 'seedrandom';
import { fmix32 } from '../engine/hash.js';

/** A uniform generator on [0, 1). */
export type Uniform = () => number;

/**
 * Names of the workload and decision streams. `workflow/…` streams belong to workflow templates
 * (src/sim/workflows.ts): `workflow/<name>/arrivals`, and per instance
 * `workflow/<name>/<n>/<attribute>`.
 */
export type StreamName =
  | 'arrivals'
  | 'mix'
  | 'tokens'
  | 'keys'
  | 'priority'
  | 'deadline'
  | 'strategy'
  | 'engine'
  | `workflow/${string}`
  /** Trace replay (src/traces): `trace/offsets`, `trace/keep/<copy>`. */
  | `trace/${string}`;

/** The stream `name` of replication `replication` of a scenario seeded with `seed`. */
export function stream(seed: number, replication: number, name: StreamName): Uniform {
  return seedrandom.alea(`fleetsim/${seed}/${replication}/${name}`);
}

/**
 * Streams keyed by (a string, a counter) under one named stream of a replication: one per task
 * attempt, one per offer answer. Seeding Alea from a string runs its Mash hash three times over
 * the string, about 3 µs a stream, which made stream creation 25–40% of a run with a context and
 * failure model. Here the named base is seeded once; a key's stream is Alea restored (through
 * seedrandom's `state` option) to a state drawn from a keyed hash of (base, key, counter): two
 * FNV-1a lanes over the key, each finished with murmur3's finaliser (`fmix32`), so neighbouring keys
 * (`t41`, `t42`) and counters get unrelated states. About 0.2 µs a stream.
 */
export class KeyedStreams {
  private readonly laneA: number;
  private readonly laneB: number;
  private readonly laneC: number;

  /** @param seed, replication - the scenario's; @param name - the base stream's name. */
  constructor(seed: number, replication: number, name: 'outcome' | 'offer') {
    const base = seedrandom.alea(`fleetsim/${seed}/${replication}/${name}`);
    this.laneA = base.int32() >>> 0;
    this.laneB = base.int32() >>> 0;
    this.laneC = base.int32() >>> 0;
  }

  /** The stream of (`key`, `counter`); the same pair always gives the same stream. */
  stream(key: string, counter: number): Uniform {
    if (!Number.isSafeInteger(counter)) throw new Error(`keyed stream: counter must be a safe integer, got ${counter}`);
    let a = this.laneA;
    let b = this.laneB;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
    }
    // The counter's high bits too, so that counters beyond 2^32 stay distinct.
    const low = counter | 0;
    const high = Math.floor(counter / 2 ** 32) | 0;
    const x = fmix32(a ^ Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x7feb352d) ^ key.length);
    const y = fmix32(b ^ Math.imul(low, 0x85ebca77) ^ Math.imul(high, 0xc2b2ae3d));
    // Alea's first three draws each read mainly one word (s0, then s1, then s2, plus a carry):
    // each word mixes both lanes, so that every draw depends on the whole key and counter.
    const s0 = fmix32(x ^ Math.imul(y, 0x27d4eb2f) ^ this.laneC);
    const s1 = fmix32(y ^ Math.imul(s0, 0x165667b1));
    const s2 = fmix32(s0 ^ Math.imul(s1, 0xd3a2646c) ^ x);
    // Alea's own seeding leaves c = 1 and each s in [0, 1) in steps of 2^-32: so does this.
    return seedrandom.alea('', { state: { c: 1, s0: s0 * TWO_TO_MINUS_32, s1: s1 * TWO_TO_MINUS_32, s2: s2 * TWO_TO_MINUS_32 } });
  }
}

const TWO_TO_MINUS_32 = 2 ** -32;

/** Where an attempt's outcome stream comes from (an object, so a start allocates no closure). */
export interface OutcomeStreams {
  /** The stream of attempt `attempt` of task `taskId`. */
  forAttempt(taskId: string, attempt: number): Uniform;
  /** The stream of agent `agentId`'s answer to offer `offer` of task `taskId`. */
  forOffer(taskId: string, offer: number, agentId: string): Uniform;
}

/** Outcome streams of one replication of a scenario, keyed by (task id, attempt) and (task id, agent id, offer). */
export function outcomeStreams(seed: number, replication: number): OutcomeStreams {
  const attempts = new KeyedStreams(seed, replication, 'outcome');
  const offers = new KeyedStreams(seed, replication, 'offer');
  return {
    forAttempt: (taskId, attempt) => attempts.stream(taskId, attempt),
    // The task id's length first, so that no two (task, agent) pairs make the same key.
    forOffer: (taskId, offer, agentId) => offers.stream(`${taskId.length}:${taskId}${agentId}`, offer),
  };
}
