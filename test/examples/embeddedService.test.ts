/**
 * examples/embeddedService.ts as a team runs it: compiled by `npm run build` (type-checked
 * against the package's API) and run with node, importing the built package by its name. The
 * program submits tasks to its own HTTP endpoint, cancels the long one, drains the driver and
 * prints what happened; every line it prints is checked.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = 'dist/examples/embeddedService.js';
const FLEET = ['coder-fast', 'coder-slow', 'reviewer'];
const FINAL_LINE = /^(task-\d+) (\w+) (\w+) on (\S+) at (\d+\.\d{3}) s$/;

let lines: string[];
let stderr: string;

beforeAll(async () => {
  if (!existsSync(`${ROOT}${EXAMPLE}`)) throw new Error(`${EXAMPLE} is not built: run "npm run build" (npm test does) before this test`);
  const result = await promisify(execFile)(process.execPath, [EXAMPLE], { cwd: ROOT, timeout: 30_000 });
  lines = result.stdout.trim().split('\n');
  stderr = result.stderr;
});

describe('the embedded-service example', () => {
  it('runs cleanly and ends with a balanced ledger: every task submitted over HTTP completed but the cancelled one, nothing left in flight', () => {
    expect(stderr).toBe('');
    const counts = JSON.parse(/^counts (\{.*\})$/.exec(lines.at(-1) ?? '')?.[1] ?? 'null') as Record<string, number> | null;
    const [, submitted] = /^submitted (\d+) tasks over HTTP, cancelled task-\d+$/.exec(lines.find((line) => line.startsWith('submitted')) ?? '') ?? [];
    expect(counts).not.toBeNull();
    expect(submitted).toBeDefined();
    expect(counts).toMatchObject({ submitted: Number(submitted), completed: Number(submitted) - 1, cancelled: 1, inFlight: 0, pendingAttempts: 0, timers: 0 });
    const { submitted: total, completed, deadLettered, expired, cancelled, rejected, inFlight } = counts!;
    expect(total).toBe(completed! + deadLettered! + expired! + cancelled! + rejected! + inFlight!);
  });

  it('reports every task exactly once in a final state, completed on an agent of the fleet', () => {
    const finals = lines.flatMap((line) => {
      const match = FINAL_LINE.exec(line);
      return match === null ? [] : [{ id: match[1]!, state: match[3]!, agent: match[4]! }];
    });
    const submitted = Number(/^submitted (\d+)/.exec(lines.find((line) => line.startsWith('submitted')) ?? '')?.[1]);
    // Without the "submitted" line both lists below would be empty, and equal.
    expect(submitted, lines.join('\n')).toBeGreaterThan(1);
    expect(finals.map((final) => final.id).sort()).toEqual(Array.from({ length: submitted }, (_, index) => `task-${index + 1}`).sort());
    const completed = finals.filter((final) => final.state === 'completed');
    expect(completed).toHaveLength(submitted - 1);
    for (const final of completed) expect(FLEET, final.id).toContain(final.agent);
  });

  it('cancels the long task while it runs: its agent function sees the abort signal', () => {
    const cancelledId = /cancelled (task-\d+)$/.exec(lines.find((line) => line.startsWith('submitted')) ?? '')?.[1];
    const cancelled = lines.map((line) => FINAL_LINE.exec(line)).find((match) => match?.[1] === cancelledId);
    expect(cancelled?.[3]).toBe('cancelled');
    expect(FLEET).toContain(cancelled?.[4]);
    expect(lines).toContain(`${cancelled?.[4]} stopped working on ${cancelledId}: aborted`);
  });
});
