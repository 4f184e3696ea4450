/**
 * A small fleet whose `fleetsim run --events` log calibration's tests read: an agent of its own
 * that sometimes fails and a pool of two slower ones, Poisson arrivals of one task type, two
 * strategies of two replications (four runs in the log).
 */

/** The scenario's YAML. */
export const CALIBRATION_FLEET_YAML = `
name: tiny
seed: 3
replications: 2
stop: { time: 200, drain: true }
agentModel: { serviceTimeCv: 0.3 }
agents:
  - { id: a, capacity: 2, speed: 50, skills: { code: 1 }, failureRate: 0.1 }
  - { pool: p, count: 2, speed: 20, skills: { code: 1 } }
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: code, tokens: { dist: exponential, mean: 40 } }]
strategies: [round-robin, random]
`;
