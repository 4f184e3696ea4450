/**
 * `fleetsim load` as a user runs it: bad flags exit 2 with one line naming the flag, and so does
 * a trace scenario with a bad row (naming the file, line and column: the whole trace is checked
 * when the scenario loads, before anything is submitted); with the service unreachable it says
 * what it submits where, retries each submission until stopped, then prints its summary and
 * exits 1 (not everything was acknowledged).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetsim, freePort, killAll, runningAWhile } from '../live/clients/processes.js';
import { tempDir, traceScenario, writeFixture } from '../traces/traceFixtures.js';
import { expectInputError, runCli } from './runCli.js';

afterEach(killAll);

describe('fleetsim load', () => {
  it.each([
    [['--url', 'nowhere'], /--url: expected a URL/],
    [['--url', 'http://127.0.0.1:1', '--speedup', '-3'], /--speedup: expected a number > 0, got -3/],
    [['--url', 'http://127.0.0.1:1', '--tasks', '2.5'], /--tasks: expected an integer >= 0, got 2\.5/],
    [['--url', 'http://127.0.0.1:1', '--acked', '/nonexistent-dir/acked.txt'], /--acked: cannot write \/nonexistent-dir\/acked\.txt/],
    [['--url', 'http://127.0.0.1:1', '--batch', '0'], /--batch: expected an integer from 1 to 1000, got 0/],
    [['--url', 'http://127.0.0.1:1', '--batch', '1001'], /--batch: expected an integer from 1 to 1000, got 1001/],
    // A token no request can carry (it used to be retried without end), never printed back.
    [['--url', 'http://127.0.0.1:1', '--token', 'secret\nline'], /^fleetsim: command line: --token: expected visible ASCII characters only \(no spaces, control characters or non-ASCII letters\)$/],
    [['--url', 'http://127.0.0.1:1', '--token', 'two words'], /--token: expected visible ASCII characters only/],
    [['--url', 'http://127.0.0.1:1', '--token', 'clé-secrète'], /--token: expected visible ASCII characters only/],
  ])('refuses %j with exit 2 and one line', (flags, message) => {
    const run = runCli('load', 'scenarios/specialists.yaml', ...flags);
    expectInputError(run, message);
  });

  it('refuses a trace scenario with a bad row in one line naming the file, line and column, exit 2, before it submits anything', async () => {
    const dir = tempDir();
    try {
      const rows = [{ timestamp: 0, input_length: 8, output_length: 3, hash_ids: [1] }, { timestamp: 1000, input_length: -8, output_length: 3, hash_ids: [1] }];
      writeFixture(dir, 'prefix.jsonl', `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
      const scenario = traceScenario(dir, '{ file: prefix.jsonl, format: mooncake }');
      // Nothing listens there: a load that began submitting would retry without end, not exit 2.
      const port = await freePort();
      const run = runCli('load', scenario, '--url', `http://127.0.0.1:${port}`);
      expectInputError(run, `${join(dir, 'prefix.jsonl')}: line 2, column input_length: `);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retries while the service is unreachable; on SIGTERM prints its summary and exits 1', async () => {
    const port = await freePort();
    const load = fleetsim('load', 'scenarios/specialists.yaml', '--url', `http://127.0.0.1:${port}`, '--speedup', '1000', '--tasks', '5');
    await runningAWhile(load);
    load.process.kill('SIGTERM');
    expect(await load.exited).toBe(1);
    expect(load.stdout()).toMatch(/^fleetsim load: 5 submitted, 0 acknowledged, [1-9]\d* retried, 0 refused, 0 skipped, max lag [\d.]+ s, [\d.]+ s\n$/);
    // Its first line says what it submits where, once a stop signal is handled.
    expect(load.stderr().split('\n')[0]).toBe(`fleetsim load: submitting scenarios/specialists.yaml's workload to http://127.0.0.1:${port} (speedup 1000)`);
  }, 20_000);
});
