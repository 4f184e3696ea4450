/**
 * What a newcomer meets first: `--version`, examples in `--help`, `help <command>`, and a
 * command line whose first word is not a command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './runCli.js';

/** Commands every listing names (others may follow). */
const COMMANDS = ['run', 'compare', 'sweep', 'merge', 'regress', 'report', 'validate', 'strategies', 'help', 'worker'];

/** Checks the one-line error `start` followed by a list naming every command. */
function expectCommandList(stderr: string, start: string): void {
  expect(stderr.startsWith(`fleetsim: command line: ${start}`), stderr).toBe(true);
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  for (const command of COMMANDS) expect(stderr).toMatch(new RegExp(`[:,] ${command}[,\\s]`));
}

describe('fleetsim --version and --help', () => {
  it('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = runCli('--version');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it('--help shows examples at the top level and for each command', () => {
    const top = runCli('--help');
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/\nExamples:\n {2}fleetsim run scenarios\/specialists\.yaml/);
    for (const command of ['run', 'compare', 'sweep', 'merge', 'regress', 'report', 'validate', 'strategies']) {
      const run = runCli(command, '--help');
      expect(run.status, command).toBe(0);
      expect(run.stdout, command).toMatch(new RegExp(`\\nExamples:\\n {2}fleetsim ${command}`));
    }
  });
});

describe('fleetsim help <command>', () => {
  it('shows that command\'s help, as <command> --help does', () => {
    const help = runCli('help', 'run');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('fleetsim run <scenario>');
    expect(help.stdout).toContain('--events');
    expect(help.stdout).toBe(runCli('run', '--help').stdout);
  });

  it('alone, shows the top-level help', () => {
    const help = runCli('help');
    expect(help.status).toBe(0);
    expect(help.stdout).toBe(runCli('--help').stdout);
  });

  it('an unknown command is an input error with a did-you-mean', () => {
    const help = runCli('help', 'compar');
    expect(help.status).toBe(2);
    expectCommandList(help.stderr, 'unknown command "compar" (did you mean "compare"?); commands: ');
  });
});

describe('an unknown command', () => {
  it('says the command is unknown and lists the commands, exit 2', () => {
    const run = runCli('simulate', 'mini.yaml');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expectCommandList(run.stderr, 'unknown command "simulate"; commands: ');
  });

  it('suggests the closest command when there is one', () => {
    const run = runCli('comapre', 'scenarios/specialists.yaml');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown command "comapre" (did you mean "compare"?)');
  });

  it('no command at all asks for one and lists them', () => {
    const run = runCli();
    expect(run.status).toBe(2);
    expectCommandList(run.stderr, 'name a command: ');
  });

  it('an unknown option of a known command is still reported as such', () => {
    const run = runCli('validate', 'scenarios/specialists.yaml', '--bogus');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('fleetsim: command line: Unknown argument: bogus\n');
  });
});
