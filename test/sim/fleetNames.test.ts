/**
 * Agents added to a running fleet are named after the last of their pool (or agent), skipping
 * ids in use; a provision brings its pool's cold start.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { FleetNames } from '../../src/sim/fleetNames.js';

const scenario = parseScenario(`
name: names
stop: { time: 100 }
engine:
  autoscale: [{ pool: burst, min: 1, max: 4, coldStart: 30 }]
agents:
  - { pool: coder, count: 2, speed: 100, skills: { job: 1 } }
  - { id: solo, speed: 100, skills: { job: 1 } }
  - { pool: burst, count: 1, speed: 100, skills: { job: 1 } }
workload:
  arrivals: { process: poisson, rate: 1 }
  tasks: [{ type: job, tokens: 100 }]
strategies: [round-robin]`, 'names.yaml');

describe('FleetNames', () => {
  it('numbers new agents after the last of their pool, and after a lone agent from 2', () => {
    const names = new FleetNames(scenario);
    expect(names.newAgentLike(names.templateLike('coder')).spec.id).toBe('coder-2');
    expect(names.newAgentLike(names.templateLike('coder')).spec.id).toBe('coder-3');
    expect(names.newAgentLike(names.templateLike('solo')).spec.id).toBe('solo-2');
  });

  it('gives a provisioned agent its pool template and cold start', () => {
    const names = new FleetNames(scenario);
    const { config, coldStartSeconds } = names.provisioned('burst');
    expect(config.spec).toMatchObject({ id: 'burst-1', pool: 'burst' });
    expect(coldStartSeconds).toBe(30);
    expect(() => names.provisioned('coder')).toThrow(/no autoscaler scales/);
    expect(() => names.templateLike('nobody')).toThrow(/no agent or pool named nobody/);
  });
});
