/**
 * Seeded random streams. Every stream is derived from
 * (scenario seed, replication, stream name), and a task's outcome draws from
 * (seed, replication, task id, attempt), never from a stream consumed in event order: so every
 * strategy sees the same tasks at the same times and the same luck per task attempt (common
 * random numbers), and differences between strategies are paired rather than noise.
 */
import seedrandom from 'seedrandom';
import { mix32 } from '../engine/hash.js';

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

/** 2^-32, a const enum member so that the compiler writes it in place (a module constant is a context load at every draw). */
const enum Scale {
  TwoToMinus32 = 2.3283064365386963e-10,
}

/**
 * Streams keyed by (a string, a counter) under one named stream of a replication: one per task
 * attempt, one per offer answer. Counter-based: draw i of the stream of (key, counter) is a hash
 * of (base, key, counter, i), so a stream is no state to build or restore, only two words to
 * compute, and a draw costs a few nanoseconds (Alea restored per attempt cost ~0.2 µs and an
 * object graph per attempt; seeding Alea from a string ~3 µs).
 *
 * Positioning hashes the key with two FNV-1a lanes seeded from the base stream, each finished
 * with murmur3's finaliser (`fmix32`) together with the counter (its high bits too, so that
 * counters beyond 2^32 stay distinct): a 64-bit position (x, y) in which neighbouring keys
 * (`t41`, `t42`) and counters differ in about half their bits. Draw i is
 * fmix32(fmix32(x ^ i·φ) ^ y) / 2^32: for one position a bijection of i, so a stream never
 * repeats within 2^32 draws; uniform on [0, 1) in steps of 2^-32, as Alea's default draws are.
 *
 * `stream` returns the instance's one cursor, positioned at the key's first draw: it stays valid
 * until the next `stream` call on the same instance, which is how the agent model uses it (an
 * attempt takes its draws at once). Nothing is allocated per stream.
 */
export class KeyedStreams {
  private readonly laneA: number;
  private readonly laneB: number;
  private readonly laneC: number;
  private x = 0;
  private y = 0;
  private index = 0;
  private readonly cursor: Uniform = () => {
    const h = mix32(mix32(this.x ^ Math.imul(this.index++, 0x9e3779b9)) ^ this.y);
    return (h >>> 0) * Scale.TwoToMinus32;
  };

  /** @param seed, replication - the scenario's; @param name - the base stream's name. */
  constructor(seed: number, replication: number, name: 'outcome' | 'offer') {
    const base = seedrandom.alea(`fleetsim/${seed}/${replication}/${name}`);
    this.laneA = base.int32();
    this.laneB = base.int32();
    this.laneC = base.int32();
  }

  /**
   * The stream of (`key`, `counter`), at draw `firstDraw` (0: the first); the same pair always
   * gives the same draws, and draw i does not depend on whether the ones before it were taken.
   * Valid until the next call on this instance (see the class comment).
   */
  stream(key: string, counter: number, firstDraw = 0): Uniform {
    // An attempt or offer number is a small non-negative integer, whose high word is 0: the
    // check and the division are for the rest.
    let high = 0;
    if (!(counter >= 0 && counter <= 0x7fffffff && (counter | 0) === counter)) {
      if (!Number.isSafeInteger(counter)) throw new Error(`keyed stream: counter must be a safe integer, got ${counter}`);
      high = Math.floor(counter / 2 ** 32) | 0;
    }
    let a = this.laneA;
    let b = this.laneB;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
    }
    const low = counter | 0;
    // Signed words throughout (`mix32`): the same 32 bits as fmix32's, never boxed.
    const x = mix32(a ^ Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x7feb352d) ^ key.length);
    const y = mix32(b ^ Math.imul(low, 0x85ebca77) ^ Math.imul(high, 0xc2b2ae3d));
    // Each word of the position mixes both lanes, so every draw depends on the whole key.
    this.x = mix32(x ^ Math.imul(y, 0x27d4eb2f) ^ this.laneC);
    this.y = mix32(y ^ Math.imul(this.x, 0x165667b1));
    this.index = firstDraw;
    return this.cursor;
  }
}

/** Where an attempt's outcome stream comes from (an object, so a start allocates no closure). */
export interface OutcomeStreams {
  /**
   * The stream of attempt `attempt` of task `taskId` from draw `firstDraw` (default 0), valid
   * until the next `forAttempt` call: a caller that needs no early draws skips them for free.
   */
  forAttempt(taskId: string, attempt: number, firstDraw?: number): Uniform;
  /** The stream of agent `agentId`'s answer to offer `offer` of task `taskId`, valid until the next `forOffer` call. */
  forOffer(taskId: string, offer: number, agentId: string): Uniform;
}

/** Outcome streams of one replication of a scenario, keyed by (task id, attempt) and (task id, agent id, offer). */
export function outcomeStreams(seed: number, replication: number): OutcomeStreams {
  const attempts = new KeyedStreams(seed, replication, 'outcome');
  const offers = new KeyedStreams(seed, replication, 'offer');
  return {
    forAttempt: (taskId, attempt, firstDraw) => attempts.stream(taskId, attempt, firstDraw),
    // The task id's length first, so that no two (task, agent) pairs make the same key.
    forOffer: (taskId, offer, agentId) => offers.stream(`${taskId.length}:${taskId}${agentId}`, offer),
  };
}
