/**
 * `npm run bench`'s command line, checked before anything is measured: every `--flag` is one the
 * bench knows and each that takes a value has one, so a mistyped flag stops the bench (exit 2)
 * instead of being ignored for minutes of measuring. Hand-written rather than with yargs, which
 * reads a value that starts with `--` (`--service-node-flags "--max-semi-space-size=4"`) as a flag
 * of its own; each part reads its flags' values (bench/main.ts, bench/parallel.ts).
 */

/** A flag's value's name (shown in `--help`), or `undefined` for a flag that takes none; and what it does. */
interface BenchFlag {
  readonly value?: string;
  readonly describe: string;
}

/** Every flag of `npm run bench`. */
export const BENCH_FLAGS: Readonly<Record<string, BenchFlag>> = {
  '--only': { value: 'PART', describe: 'run one part (see the list of parts)' },
  '--json': { describe: 'print one JSON document instead of the tables' },
  '--help': { describe: 'print this help' },
  '--repeats': { value: 'N', describe: 'parallel, distributed: alternated pairs or repeats of each measurement' },
  '--scenarios': { value: 'A.yaml,B.yaml', describe: 'parallel: the library scenarios to compare (default: all)' },
  '--seconds': { value: 'S', describe: 'live: each phase\'s measuring window' },
  '--url': { value: 'URL', describe: 'live: measure a service already running (on bench/live.ts\'s scenario)' },
  '--modes': { value: 'M,…', describe: 'live: the agents\' modes, of multiplexed, batched, …' },
  '--rates': { value: 'R,…', describe: 'live: the open-loop rates, submissions per second' },
  '--no-closed-loop': { describe: 'live: leave the closed loop out' },
  '--no-layers': { describe: 'live: leave the in-process layers out' },
  '--service-node-flags': { value: '"--flag …"', describe: 'live: Node flags for the service the bench starts' },
  '--service-args': { value: '"--flag …"', describe: 'live, live-requests: more fleetsim serve flags for the service' },
  '--service-gc-trace': { describe: 'live: trace the service\'s garbage collections (--trace-gc-nvp)' },
  '--client-nice': { value: 'N', describe: 'live: the bench\'s own threads at nice N, 0..19 (default 10)' },
  '--rows': { value: 'N', describe: 'trace: rows of the synthesized trace' },
  '--rounds': { value: 'N', describe: 'live-requests, wal-commit: rounds of each measurement' },
  '--scale-factor': { value: 'F', describe: 'scale: multiply every task count (for a quick look)' },
  '--queue': { value: 'URL', describe: 'live-bullmq: a Redis server to use instead of starting one' },
};

/** Every part `--only` takes. */
export const BENCH_PARTS = ['simulator', 'cli', 'decisions', 'parallel', 'live', 'trace', 'scale', 'live-clients', 'live-requests', 'distributed', 'live-bullmq', 'wal-commit'] as const;

/** Why `args` (the command line after the script) is not a bench command line, or undefined when it is. */
export function benchArgsError(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const flag = BENCH_FLAGS[arg];
    if (flag === undefined) return arg.startsWith('-') ? `unknown flag ${arg} (npm run bench -- --help lists them)` : `unexpected argument ${arg}`;
    if (flag.value === undefined) continue;
    if (i + 1 >= args.length) return `${arg} takes ${flag.value}`;
    i++;
  }
  const only = args.indexOf('--only');
  if (only >= 0 && !(BENCH_PARTS as readonly string[]).includes(args[only + 1]!)) return `--only takes ${BENCH_PARTS.join(', ')}, got ${args[only + 1]}`;
  return undefined;
}

/** `npm run bench -- --help`. */
export function benchHelp(): string {
  const flags = Object.entries(BENCH_FLAGS).map(([name, { value, describe }]) => `  ${`${name}${value === undefined ? '' : ` ${value}`}`.padEnd(34)} ${describe}`);
  return [
    'npm run bench [-- FLAGS]: speed figures, measured (the parts are described in bench/main.ts and docs/ARCHITECTURE.md, "Speed")',
    `parts: ${BENCH_PARTS.join(', ')}`,
    'flags:',
    ...flags,
  ].join('\n') + '\n';
}
