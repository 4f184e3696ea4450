/**
 * Events rebuilt from their records are, for the folds of a service, the events themselves: a
 * metrics collector fed a simulated run's events, and one fed the events rebuilt from those
 * events' records (as JSON lines, as events.jsonl keeps them), give the same metrics.
 */
import { describe, expect, it } from 'vitest';
import { eventRecord } from '../../src/engine/eventRecord.js';
import { HistoryEvents } from '../../src/live/historyEvents.js';
import { MetricsCollector } from '../../src/metrics/collector.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runSimulation } from '../../src/sim/simulation.js';

const SCENARIOS = ['failure-prone', 'lead-and-specialists', 'pause-and-drain', 'supervisor-dag', 'context-pressure', 'bursty-deadlines', 'hot-keys', 'autoscaled-burst'];

describe('events rebuilt from records', () => {
  for (const name of SCENARIOS) {
    it(`give the metrics of the original events (${name})`, () => {
      const scenario = loadScenario(`scenarios/${name}.yaml`);
      const warmup = { warmupTimeSeconds: scenario.warmup.timeSeconds, warmupTasks: scenario.warmup.tasks };
      const original = new MetricsCollector(warmup);
      const rebuilt = new MetricsCollector(warmup);
      const history = new HistoryEvents();
      const kinds = new Set<string>();
      let lastTime = 0;
      runSimulation({
        scenario, strategy: scenario.strategies[0]!, replication: 0,
        onEvent: (event) => {
          // Views change as the run goes on: each is read, and recorded, as it is emitted.
          original.observe(event);
          kinds.add(event.kind === 'transition' ? event.to : event.kind);
          lastTime = event.time;
          const again = history.rebuild(JSON.parse(JSON.stringify(eventRecord(event))) as Record<string, unknown>);
          expect(again).toBeDefined();
          rebuilt.observe(again!);
        },
      });
      expect(kinds.has('completed')).toBe(true);
      expect(rebuilt.finish(lastTime + 1)).toEqual(original.finish(lastTime + 1));
    });
  }
});
