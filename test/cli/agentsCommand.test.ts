/**
 * `fleetsim agents` as a user runs it: bad flags exit 2 with one line naming the flag; with the
 * service unreachable it keeps retrying (never crashes) and prints its one-line summary on SIGINT;
 * with an autoscaled pool it says it provisions it, unless `--no-provision`; `--provisioner-name`
 * takes visible ASCII, 1..128 characters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fleetsim, freePort, killAll, runningAWhile } from '../live/clients/processes.js';
import { expectInputError, runCli } from './runCli.js';

afterEach(killAll);

describe('fleetsim agents', () => {
  it.each([
    [['--url', 'nowhere'], /--url: expected a URL like http:\/\/127\.0\.0\.1:8080, got "nowhere"/],
    [['--url', 'ftp://127.0.0.1:1'], /--url: expected an http:\/\/ or https:\/\/ URL/],
    [['--url', 'http://127.0.0.1:1', '--speedup', '0'], /--speedup: expected a number > 0, got 0/],
    [['--url', 'http://127.0.0.1:1', '--only', 'coder-0,nobody'], /--only: scenarios\/specialists\.yaml has no agent nobody/],
    // A token no request can carry (it used to be retried without end), never printed back.
    [['--url', 'http://127.0.0.1:1', '--token', 'secret\nline'], /^fleetsim: command line: --token: expected visible ASCII characters only \(no spaces, control characters or non-ASCII letters\)$/],
    [['--url', 'http://127.0.0.1:1', '--token', 'two words'], /--token: expected visible ASCII characters only/],
    [['--url', 'http://127.0.0.1:1', '--token', 'clé-secrète'], /--token: expected visible ASCII characters only/],
    [['--url', 'http://127.0.0.1:1', '--provisioner-name', 'host 1'], /^fleetsim: command line: --provisioner-name: expected visible ASCII characters only \(no blank\)$/],
    [['--url', 'http://127.0.0.1:1', '--provisioner-name', ''], /--provisioner-name: expected a value, got the empty string/],
    [['--url', 'http://127.0.0.1:1', '--provisioner-name', 'h'.repeat(129)], /--provisioner-name: expected at most 128 characters, got "h{40}…"$/],
    [['--url', 'http://127.0.0.1:1', '--provisioner-name'], /provisioner-name/],
  ])('refuses %j with exit 2 and one line', (flags, message) => {
    const run = runCli('agents', 'scenarios/specialists.yaml', ...flags);
    expectInputError(run, message);
  });

  it('keeps retrying while the service is unreachable, and prints its summary on SIGINT', async () => {
    const port = await freePort();
    const agents = fleetsim('agents', 'scenarios/specialists.yaml', '--url', `http://127.0.0.1:${port}`, '--only', 'coder-0,reviewer-1');
    await runningAWhile(agents);
    expect(agents.process.exitCode).toBeNull();
    agents.process.kill('SIGINT');
    expect(await agents.exited).toBe(0);
    expect(agents.stdout()).toMatch(/^fleetsim agents: 2 agents polling http:\/\/127\.0\.0\.1:\d+ \(speedup 1\)\nfleetsim agents: 2 agents, 0 attempts started, .*, [1-9]\d* retries, 0 retired, 0 gave up, 0 provisioned \(0 refused\)\n$/);
    expect(agents.stderr()).toBe('');
  }, 20_000);

  it.each([
    [[], ', provisioning pool burst'],
    [['--no-provision'], ''],
  ])('with an autoscaled scenario and %j, says whether it provisions the pool, and keeps retrying its poll too', async (flags, provisioning) => {
    const port = await freePort();
    const agents = fleetsim('agents', 'scenarios/autoscaled-burst.yaml', '--url', `http://127.0.0.1:${port}`, ...flags);
    await runningAWhile(agents);
    expect(agents.process.exitCode).toBeNull();
    agents.process.kill('SIGINT');
    expect(await agents.exited).toBe(0);
    const [started, summary] = agents.stdout().split('\n');
    expect(started).toMatch(new RegExp(`^fleetsim agents: 4 agents polling http://127\\.0\\.0\\.1:\\d+ \\(speedup 1\\)${provisioning}$`));
    expect(summary).toMatch(/, 0 gave up, 0 provisioned \(0 refused\)$/);
  }, 20_000);
});
