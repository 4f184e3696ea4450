/**
 * The shell examples of a Markdown document (its ```sh blocks) read and run as a reader runs
 * them: each line through `bash -c` in a working directory of the test's choosing, after the
 * substitutions the test lists (a scratch path for `/tmp`, a free port, ...), background lines
 * started as bash starts a job and stopped as `kill %N` stops one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** One ```sh block of a Markdown document. */
export interface ShellBlock {
  /** The heading of the section the block sits in (`## …` or `### …`), without the hashes. */
  readonly heading: string;
  /** Its command lines, continuation lines joined; blank lines and comment-only lines left out. */
  readonly lines: readonly string[];
}

/** The ```sh blocks of `markdown`, in document order. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  let heading = '';
  let lines: string[] | undefined;
  let continued = '';
  for (const line of markdown.split('\n')) {
    if (lines === undefined) {
      if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
      else if (line.trim() === '```sh') lines = [];
      continue;
    }
    if (line.trim() === '```') {
      if (continued !== '') throw new Error(`a \\ continuation line ends the sh block under "${heading}"`);
      blocks.push({ heading, lines });
      lines = undefined;
      continue;
    }
    if (line.trimEnd().endsWith('\\')) {
      continued += `${line.trimEnd().slice(0, -1).trim()} `;
      continue;
    }
    const whole = (continued + line).trim();
    continued = '';
    if (whole !== '' && !whole.startsWith('#')) lines.push(whole);
  }
  if (lines !== undefined) throw new Error(`the sh block under "${heading}" is not closed`);
  return blocks;
}

/** A rewrite of a line that must change to run in a test, with the reason. */
export interface Substitution<Context> {
  /** What is replaced (a global regular expression). */
  readonly what: RegExp;
  /** Its replacement, given the test's context and the match's capture groups. */
  readonly by: (context: Context, ...groups: string[]) => string;
  /** Why the line cannot run as written. */
  readonly why: string;
}

/** `line` after every substitution of `substitutions`, in their order. */
export function substitute<Context>(line: string, substitutions: readonly Substitution<Context>[], context: Context): string {
  return substitutions.reduce((text, { what, by }) => text.replace(what, (_match: string, ...rest: unknown[]) => {
    // After the match come its capture groups (strings, or undefined for one that took no part), then the offset, a number.
    const groups = rest.slice(0, rest.findIndex((arg) => typeof arg === 'number'));
    // A group that took no part in the match is the empty string, as in a replacement pattern.
    return by(context, ...groups.map((group) => (typeof group === 'string' ? group : '')));
  }), line);
}

/** `text` as one single-quoted shell word. */
export function shellWord(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** A line that ran to its end. */
export interface FinishedLine {
  /** The exit code; null when a signal ended it. */
  readonly status: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Everything it wrote on stdout. */
  readonly stdout: string;
  /** Everything it wrote on stderr. */
  readonly stderr: string;
  /** Wall-clock time from start to exit. */
  readonly seconds: number;
}

/** A line started in the background (a bash job), running until stopped. */
export interface BackgroundLine {
  /** What it wrote on standard output so far. */
  stdout(): string;
  /** What it wrote on standard error so far. */
  stderr(): string;
  /** Resolves once its output (stdout and stderr) matches `pattern`; rejects if it exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves when it exits of itself (or is stopped), with how it ended. */
  readonly finished: Promise<FinishedLine>;
  /** Sends `signal` (unless it has exited) and resolves with how it ended. */
  stop(signal: NodeJS.Signals): Promise<FinishedLine>;
}

/** Runs `command` through `bash -c` in `cwd` and resolves when it exits. */
export async function runLine(command: string, cwd: string): Promise<FinishedLine> {
  const line = startProcess(command, cwd);
  return line.finished;
}

/**
 * Starts `command` (a simple command, as written before a trailing `&`) in `cwd`: bash `exec`s it,
 * so that a signal reaches the command itself, as `kill %N` reaches a job.
 */
export function startLine(command: string, cwd: string): BackgroundLine {
  const line = startProcess(`exec ${command}`, cwd);
  return {
    finished: line.finished,
    stdout: () => line.stdout,
    stderr: () => line.stderr,
    waitFor: (pattern, timeoutMs) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms from: ${command}\n${line.stdout}${line.stderr}`)), timeoutMs);
      const look = (): void => {
        if (!pattern.test(line.stdout + line.stderr)) return;
        clearTimeout(timer);
        resolve();
      };
      line.child.stdout!.on('data', look);
      line.child.stderr!.on('data', look);
      void line.finished.then((end) => {
        clearTimeout(timer);
        reject(new Error(`exited (${end.status ?? end.signal}) before its output matched ${pattern}: ${command}\n${end.stdout}${end.stderr}`));
      });
      look();
    }),
    async stop(signal) {
      if (line.child.exitCode === null && line.child.signalCode === null) line.child.kill(signal);
      return line.finished;
    },
  };
}

/** Whether `program` is on the PATH. */
export function onPath(program: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${shellWord(program)}`], { stdio: 'ignore' }).status === 0;
}

interface StartedProcess {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly finished: Promise<FinishedLine>;
}

function startProcess(script: string, cwd: string): StartedProcess {
  const started = performance.now();
  const child = spawn('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: StartedProcess = {
    child,
    stdout: '',
    stderr: '',
    finished: new Promise((resolve) => child.on('close', (status, signal) => resolve({
      status, signal, stdout: running.stdout, stderr: running.stderr, seconds: (performance.now() - started) / 1000,
    }))),
  };
  child.stdout!.on('data', (chunk: Buffer) => { running.stdout += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { running.stderr += chunk.toString(); });
  return running;
}
