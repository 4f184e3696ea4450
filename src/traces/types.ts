/**
 * Trace replay: what a trace reader yields ({@link TraceRow}) and how a scenario asks for a
 * trace ({@link TraceConfig}, the `workload.trace` section after validation).
 */
import type { TaskSpec } from '../engine/task.js';

/** The formats `workload.trace.format` accepts (docs/SCENARIOS.md, "Trace replay"). */
export const TRACE_FORMATS = ['azure-llm', 'mooncake', 'burstgpt', 'fleetsim-events', 'csv'] as const;

/** One of {@link TRACE_FORMATS}. */
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** Seconds per unit of a csv trace's time column (`timeUnit`, `--time-unit`). */
export const TRACE_TIME_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };

/** Tokens per Mooncake prefix block unless a scenario's `blockTokens` (or `--block-tokens`) says otherwise. */
export const DEFAULT_BLOCK_TOKENS = 512;

/** Options of a trace that belong to one format only, with that format (a scenario's `workload.trace`, `fleetsim trace`'s flags). */
export const TRACE_FORMAT_OPTIONS = {
  failed: 'burstgpt',
  columns: 'csv',
  timeUnit: 'csv',
  blockTokens: 'mooncake',
  keyBlock: 'mooncake',
  strategy: 'fleetsim-events',
  replication: 'fleetsim-events',
} as const satisfies Readonly<Record<string, TraceFormat>>;

/**
 * How a row's token counts become a task:
 * - `split`: output tokens are the work (`tokens`), input tokens the context to load (`contextTokens`);
 * - `sum`: input plus output tokens are the work, no context;
 * - `output`: output tokens are the work, input tokens are dropped.
 */
export type TraceWorkMapping = 'split' | 'sum' | 'output';

/** What a reader makes of one row of a trace file, before scaling and mapping to a task. */
export interface TraceRow {
  /** 1-based line of the file the row ends on (for messages). */
  readonly line: number;
  /** Arrival on the trace's own clock, seconds from its origin (see each format). */
  readonly timeSeconds: number;
  /** Prompt (context) tokens. */
  readonly inputTokens: number;
  /** Generated tokens. */
  readonly outputTokens: number;
  /** Task type carried by the row (a `csv` column, a BurstGPT model), if any. */
  readonly type?: string;
  /** Context key carried by the row, if any. */
  readonly contextKey?: string;
  /** Priority level carried by the row (a `csv` column), if any. */
  readonly priority?: number;
  /** Tenant carried by the row (a `csv` column), if any. */
  readonly tenant?: string;
  /** Deadline relative to arrival, seconds. */
  readonly deadlineSeconds?: number;
  /** Mooncake prefix blocks (`hash_ids`), in prompt order. */
  readonly blocks?: readonly number[];
  /** A request the trace records as failed (BurstGPT: response tokens 0). */
  readonly failed?: boolean;
  /** `fleetsim-events`: the submitted spec, replayed as it was (id, dependencies, tags…). */
  readonly spec?: TaskSpec;
}

/** A pull reader of rows, in file order; it closes its file when exhausted. */
export interface TraceRowReader {
  /** The next row, or undefined at the end of the file. */
  next(): TraceRow | undefined;
  /** Releases the file early (idempotent). */
  close(): void;
}

/** The `csv` format's column mapping: the header names of each field (`time` and `tokens` required). */
export interface CsvColumns {
  /** Header of the arrival-time column. */
  readonly time: string;
  /** Output (work) tokens. */
  readonly tokens: string;
  /** Input (context) tokens, if the file has them. */
  readonly contextTokens?: string;
  /** Header of the task-type column, if any. */
  readonly type?: string;
  /** Header of the context-key column, if any. */
  readonly contextKey?: string;
  /** Header of the priority column, if any. */
  readonly priority?: string;
  /** Relative deadline, in the file's time unit. */
  readonly deadline?: string;
  /** The submitting tenant (rows with an empty cell have none). */
  readonly tenant?: string;
}

/** Options that only some formats take. */
export interface TraceFormatOptions {
  /** `burstgpt`: keep failed requests (as tasks that fail) or drop them. */
  readonly failed: 'keep' | 'drop';
  /** `csv`: the column mapping. */
  readonly columns?: CsvColumns;
  /** `csv`: seconds per unit of the time column (1 for seconds, 0.001 for milliseconds). */
  readonly timeUnitSeconds: number;
  /** `mooncake`: tokens per prefix block. */
  readonly blockTokens: number;
  /** `mooncake`: the block whose id is the task's contextKey (0-based; the last when the prompt is shorter). */
  readonly keyBlock: number;
  /** `fleetsim-events`: the strategy whose submissions are replayed (the file's first when absent). */
  readonly strategy?: string;
  /** `fleetsim-events`: the replication whose submissions are replayed (the file's first when absent). */
  readonly replication?: number;
}

/** `workload.trace` after validation: everything resolved, every default applied. */
export interface TraceConfig extends TraceFormatOptions {
  /** Absolute path of the trace file. */
  readonly file: string;
  /** The path for messages: the scenario's directory as the user named it, joined with the trace's path. */
  readonly fileAsWritten: string;
  /** The trace file's format. */
  readonly format: TraceFormat;
  /** Task type of rows that carry none. */
  readonly type: string;
  /**
   * Every task type the rows may carry (`type` among them): `workload.trace.types` when given (a
   * row of another type is then an error), else the types the rows carry, found when loading.
   */
  readonly types: readonly string[];
  /** Simulated seconds per trace second (0.5 replays twice as fast). */
  readonly timeScale: number;
  /** Expected copies of each row: below 1 thins, above 1 superposes copies. */
  readonly rateScale: number;
  /** Largest offset of a superposed copy, trace seconds (each copy draws its own in [0, this)). */
  readonly copyOffsetSeconds: number;
  /** Rows with from ≤ time < to (trace seconds), shifted so that `from` is 0. */
  readonly window: { readonly fromSeconds: number; readonly toSeconds: number };
  /** Multiplies every token count. */
  readonly tokenScale: number;
  /** Passes over the trace (Infinity: until stop.time). */
  readonly loop: number;
  /** How a row's tokens become a task's work. */
  readonly work: TraceWorkMapping;
  /** Priority of rows that carry none. */
  readonly priority: number;
  /** Rows in the window of one pass (counted, and every row checked, when the scenario is loaded). */
  readonly rows: number;
}
