/**
 * Damaged event logs that calibration once fitted without a word, or fitted into a scenario that
 * does not load (found by eventsReader.property.test.ts): each is now refused naming the file,
 * the line and the field. The log is a real one (`fleetsim run --events` of a small fleet: two
 * strategies, two replications each), damaged the way the property found.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateFile } from '../../src/calibrate/calibrateFile.js';
import { runExperiment } from '../../src/experiments/runResult.js';
import { isInputError } from '../../src/scenario/errors.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import { MAX_TASK_TOKENS } from '../../src/scenario/schema.js';
import { CALIBRATION_FLEET_YAML } from '../support/calibrationFleet.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsim-calibrate-damaged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


type Record_ = Record<string, unknown> & { kind: string; replication: number; spec?: Record<string, unknown> };
let records: Record_[];

beforeAll(async () => {
  const events = join(dir, 'events.jsonl');
  await runExperiment(parseScenario(CALIBRATION_FLEET_YAML, 'tiny.yaml'), { workers: 1, eventsFile: events });
  records = readFileSync(events, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record_);
}, 60_000);

/** Index of the `nth` record (0-based) that `matches`. */
function indexOf(matches: (record: Record_) => boolean, nth = 0): number {
  return records.map((record, i) => (matches(record) ? i : -1)).filter((i) => i >= 0)[nth]!;
}

const submitted = (record: Record_): boolean => record.kind === 'submitted';

/** Calibrates the records as `edit` leaves them (both workloads) and returns the refusal's message, the same for both. */
function refusal(name: string, edit: (lines: Record_[]) => void): string {
  const lines = structuredClone(records);
  edit(lines);
  const file = join(dir, name);
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  const messages = [false, true].map((synthetic) => {
    const out = join(dir, `${name}.yaml`);
    try {
      calibrateFile({ events: file, out, synthetic });
    } catch (error) {
      expect(isInputError(error), String(error)).toBe(true);
      expect(existsSync(out)).toBe(false);
      return (error as Error).message.replace(`${file}: `, '');
    }
    return `fitted into ${out}`;
  });
  expect(messages[1]).toBe(messages[0]);
  return messages[0]!;
}

describe('calibrating a damaged log', () => {
  it('the undamaged log fits into scenarios that load (both workloads)', () => {
    const file = join(dir, 'whole.jsonl');
    writeFileSync(file, records.map((line) => JSON.stringify(line)).join('\n') + '\n');
    for (const synthetic of [false, true]) {
      calibrateFile({ events: file, out: join(dir, `whole-${synthetic}.yaml`), synthetic });
      expect(loadScenario(join(dir, `whole-${synthetic}.yaml`)).agents.map((agent) => agent.spec.id)).toEqual(['a', 'p-0', 'p-1']);
    }
  });

  it('a log saved with a byte-order mark fits as it does without one (and replays as a trace)', () => {
    const text = records.map((line) => JSON.stringify(line)).join('\n') + '\n';
    const plain = join(dir, 'plain.jsonl');
    const marked = join(dir, 'marked.jsonl');
    writeFileSync(plain, text);
    writeFileSync(marked, `\uFEFF${text}`);
    const fit = (file: string): unknown => calibrateFile({ events: file, out: `${file}.yaml`, synthetic: false }).parameters;
    expect(fit(marked)).toEqual(fit(plain));
    expect(loadScenario(`${marked}.yaml`).workload.trace?.file).toBe(marked);
  });

  it('a submission lost: the first event of its task is refused, naming the task', () => {
    const lost = indexOf(submitted, 3);
    const task = records[lost]!.task;
    const next = records.findIndex((record, i) => i > lost && record.task === task);
    expect(refusal('lost.jsonl', (lines) => lines.splice(lost, 1))).toBe(`line ${next}, column task: task "${String(task)}" has no submitted record before this line in its run (every event of a task follows its submission)`);
  });

  it('a submission duplicated: refused at the copy, naming the first', () => {
    const at = indexOf(submitted, 3);
    expect(refusal('twice.jsonl', (lines) => lines.splice(at, 0, lines[at]!))).toBe(`line ${at + 2}, column spec.id: task "${String(records[at]!.task)}" submitted twice in one run (first on line ${at + 1})`);
  });

  it('a task\'s final transition duplicated (the run would read as drained)', () => {
    const at = indexOf((record) => record.kind === 'transition' && record.to === 'completed', 2);
    expect(refusal('finished-twice.jsonl', (lines) => lines.splice(at, 0, lines[at]!))).toBe(
      `line ${at + 2}, column from: task "${String(records[at]!.task)}" changed state after its final one (line ${at + 1}): no state follows a final one`,
    );
  });

  it('an event naming an agent that never joined its run', () => {
    const at = indexOf((record) => record.kind === 'transition' && record.to === 'running');
    expect(refusal('ghost.jsonl', (lines) => { lines[at]!.agent = 'c'; })).toBe(`line ${at + 1}, column agent: agent "c" has no agentJoined record before this line in its run (every agent joins before it works)`);
  });

  it('a run\'s events resumed after another run began', () => {
    const second = indexOf((record) => record.replication === 1);
    // The last event of replication 0 moved to the third line of replication 1.
    expect(refusal('interleaved.jsonl', (lines) => lines.splice(second + 2, 0, ...lines.splice(second - 1, 1)))).toBe(
      `line ${second + 3}, column strategy: an event of round-robin#0 after the events of another run began (line ${second}): a log holds each run's events together, one run after another`,
    );
  });

  it('a submission earlier than the one before it (its trace replay would go back in time)', () => {
    const at = indexOf(submitted, 5);
    // Named against the event just before it (the run's events come in time order).
    const earlier = records[at - 1]!.time as number;
    expect(refusal('backwards.jsonl', (lines) => { lines[at]!.time = earlier / 2; })).toBe(`line ${at + 1}, column time: timestamps must not go backwards: ${earlier / 2} s after ${earlier} s on an earlier row`);
  });

  it('a spec a scenario cannot hold: a priority outside 0..4, more tokens than a task may have', () => {
    const at = indexOf(submitted, 2);
    expect(refusal('priority.jsonl', (lines) => { lines[at]!.spec!.priority = 2.5; })).toBe(`line ${at + 1}, column spec.priority: expected a priority level 0..4, got "2.5"`);
    expect(refusal('tokens.jsonl', (lines) => { lines[at]!.spec!.tokens = 2 ** 53; })).toBe(`line ${at + 1}, column spec.tokens: expected at most ${MAX_TASK_TOKENS} tokens (the most a task may have), got ${2 ** 53}`);
    expect(refusal('tags.jsonl', (lines) => { lines[at]!.spec!.tags = 'gpu'; })).toBe(`line ${at + 1}, column spec.tags: expected a list of strings, got "gpu"`);
  });

  it('an agent of no task slots', () => {
    const at = indexOf((record) => record.kind === 'agentJoined');
    expect(refusal('capacity.jsonl', (lines) => { lines[at]!.capacity = 0; })).toBe(`line ${at + 1}, column capacity: expected a whole number of task slots, 1..10000 (as an agent may have), got 0`);
  });

  it('a pipe or a device: refused as not a file (the reader reads by position, the scenario replays it), before anything is read', () => {
    const fifo = join(dir, 'fifo.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const file of [fifo, '/dev/zero']) {
      expect(() => calibrateFile({ events: file, out: join(dir, 'piped.yaml'), synthetic: true })).toThrow(`${file}: not a file: expected an events file (a pipe or a device cannot be replayed as a trace: save its output to a file first)`);
    }
  });

  it('token counts so far apart that a fit overflows: refused, never printed as Infinity', () => {
    const at = indexOf(submitted, 2);
    expect(refusal('tiny.jsonl', (lines) => { lines[at]!.spec!.tokens = 1e-300; })).toMatch(/^no finite fit of agents\[[\w-]+\]\.\S+ \(/);
  });
});
