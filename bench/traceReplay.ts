/**
 * Child process of the trace benchmark (bench/trace.ts): `reader <file>` pulls every task of a
 * replay of the Azure-format file without simulating; `run <file>` loads a scenario replaying it
 * (the load-time scan reads every row) and runs one strategy. Prints one JSON line of figures,
 * the peak RSS from the process's own resource usage.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadScenario } from '../src/scenario/load.js';
import { runSimulation } from '../src/sim/simulation.js';
import { TraceReplay } from '../src/traces/traceReplay.js';

const [part, trace] = process.argv.slice(2);
if ((part !== 'reader' && part !== 'run') || trace === undefined) {
  process.stderr.write('usage: traceReplay.js reader|run <azure-format file>\n');
  process.exit(2);
}
const scenarioFile = join(dirname(trace), 'replay.yaml');
writeFileSync(scenarioFile, `
name: trace-bench
replications: 1
agentModel: { skillSpeedPenalty: 0, skillQualityPenalty: 0, skillFailureRate: 0, qualityNoise: 0 }
agents: [{ pool: a, count: 100, capacity: 4, speed: 2000, skills: { request: 1 } }]
workload:
  trace: { file: ${JSON.stringify(trace)}, format: azure-llm, work: output }
strategies: [least-connections]
`);
const start = performance.now();
let rows = 0;
const scenario = loadScenario(scenarioFile);
if (part === 'reader') {
  const replay = new TraceReplay(scenario.workload.trace!, scenario.seed, 0);
  while (replay.next() !== undefined) rows++;
} else {
  const result = runSimulation({ scenario, strategy: scenario.strategies[0]!, replication: 0 });
  rows = result.counts.submitted;
}
const wallSeconds = (performance.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({
  part,
  rows,
  wallSeconds,
  // The reader part reads the file twice (the load-time scan, then the replay); the run part too.
  rowsPerSecond: rows / wallSeconds,
  peakRssMegabytes: Math.round(process.resourceUsage().maxRSS / 1024),
})}\n`);
