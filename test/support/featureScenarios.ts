/**
 * Small scenarios that exercise what the library scenarios rarely do, shared by the tests that
 * prove a driver or a restore changes nothing (live conformance, replay, snapshots): operations,
 * pauses and preemption, timeouts, TTLs, retries and a dependency cascade; broadcast offers;
 * offers with timeouts and declines. Each test names its copies (`prefix`) so its cases read apart.
 */
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/types.js';

/** How a test wants the feature scenarios. */
export interface FeatureScenarioOptions {
  /** Prefix of the scenarios' names and file names (`live`, `replay`, `snapshot`). */
  readonly prefix: string;
  /** Whether runs drain (every task ends) after the stop time. */
  readonly drain: boolean;
  /** Further engine settings of the operations scenario (YAML flow mapping entries). */
  readonly operationsEngine?: string;
}

/** The three feature scenarios. */
export interface FeatureScenarios {
  /** Operations, pause and preemption, timeouts, TTLs, retries, a dependency cascade. */
  readonly operations: Scenario;
  /** Broadcast delegation: duplicate claims, late answers. */
  readonly broadcast: Scenario;
  /** Offer delegation: declines, offer timeouts, re-offers. */
  readonly offers: Scenario;
}

/** Builds the feature scenarios for one test. */
export function featureScenarios(options: FeatureScenarioOptions): FeatureScenarios {
  const { prefix } = options;
  const drain = options.drain ? ', drain: true' : '';
  const extra = options.operationsEngine === undefined ? '' : `, ${options.operationsEngine}`;
  return {
    operations: parseScenario(`
name: ${prefix}-operations
seed: 5
stop: { time: 600${drain} }
engine: { preemption: pause-lowest, retry: { maxRetries: 2, backoff: { base: 1, jitter: 0.2 } }${extra} }
agentModel: { serviceTimeCv: 0.5 }
agents:
  - { pool: coder, count: 3, capacity: 1, speed: 100, skills: { code: 1, review: 1, urgent: 1, long: 1 }, failureRate: 0.1 }
workload:
  arrivals: { process: poisson, rate: 0.8 }
  tasks:
    - { type: code, weight: 6, tokens: { dist: exponential, mean: 100 }, priority: 3, timeout: 3, ttl: 8 }
    - { type: review, weight: 3, tokens: { dist: exponential, mean: 100 }, priority: 2 }
    - { type: urgent, weight: 1, tokens: { dist: exponential, mean: 30 }, priority: 0 }
  jobs:
    - { id: big, at: 10, type: long, tokens: 20000, priority: 3 }
    - { id: doomed, at: 20, type: code, tokens: 5000, timeout: 1, maxRetries: 0 }
    - { id: after-doomed, at: 20, type: review, tokens: 100, dependsOn: [{ id: doomed, onFailure: cascade-fail }] }
operations:
  - { at: 50, op: pause, task: big }
  - { at: 80, op: resume, task: big }
  - { at: 100, op: pause-type, type: review }
  - { at: 150, op: set-priority, type: review, priority: 1 }
  - { at: 250, op: resume-type, type: review }
  - { at: 300, op: drain, agent: coder-1 }
  - { at: 350, op: remove, agent: coder-2 }
  - { at: 400, op: add, like: coder, count: 2 }
strategies: [least-connections, round-robin]`, `${prefix}-operations.yaml`),
    broadcast: parseScenario(`
name: ${prefix}-broadcast
seed: 9
stop: { time: 300${drain} }
engine: { delegation: { mode: broadcast, offerTimeout: 2 } }
agentModel: { offerResponseSeconds: 1, rejectBase: 0.2, rejectLoad: 0.3 }
agents:
  - { pool: a, count: 4, capacity: 2, speed: 100, skills: { job: 1 } }
  - { id: slow, capacity: 2, speed: 100, skills: { job: 1 }, model: { offerResponseSeconds: 2 } }
workload:
  arrivals: { process: poisson, rate: 3 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 }, contextTokens: 500, contextKeys: { count: 5, zipf: 1 } }]
strategies: [least-connections, random]`, `${prefix}-broadcast.yaml`),
    offers: parseScenario(`
name: ${prefix}-offers
seed: 3
stop: { time: 300${drain} }
engine: { delegation: { mode: offer, offerTimeout: 2, maxOffers: 4 } }
agentModel: { offerResponseSeconds: 2, rejectBase: 0.1, rejectLoad: 0.3 }
agents:
  - { pool: a, count: 3, capacity: 2, speed: 100, skills: { job: 1 } }
  - { id: slow, capacity: 2, speed: 100, skills: { job: 1 }, model: { offerResponseSeconds: 3 } }
workload:
  arrivals: { process: poisson, rate: 2 }
  tasks: [{ type: job, tokens: { dist: exponential, mean: 100 } }]
strategies: [round-robin]`, `${prefix}-offers.yaml`),
  };
}
