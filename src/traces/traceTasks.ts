/**
 * From a trace arrival to the task submitted (docs/SCENARIOS.md, "Trace replay"): the work
 * mapping of token counts, `tokenScale`, the type and priority, ids, and, for Mooncake rows,
 * the prefix blocks as the task's context.
 */
import type { TaskSpec } from '../engine/task.js';
import { SequentialIds } from '../sim/sequentialIds.js';
import { quoted, rowError } from './rowError.js';
import type { TraceArrival } from './traceArrivals.js';
import type { TraceConfig } from './types.js';

/** Prefix of the ids of trace tasks: `r0`, `r1`, … in submission order (events files keep theirs). */
export const TRACE_TASK_ID_PREFIX = 'r';

/** Makes the task of each arrival. */
export class TraceTaskFactory {
  private readonly ids = new SequentialIds(TRACE_TASK_ID_PREFIX);
  private submitted = 0;
  private readonly types: Set<string>;

  /**
   * @param config - the trace; rows of a type it does not list are refused
   * @param collectTypes - accept every type instead, and list them in {@link TraceTaskFactory.typesSeen}
   */
  constructor(private readonly config: TraceConfig, private readonly collectTypes = false) {
    this.types = new Set(config.types);
  }

  /** The types of the rows so far (and `type`): with `collectTypes`, what the trace carries. */
  get typesSeen(): readonly string[] {
    return [...this.types];
  }

  /**
   * The task of `arrival`, or undefined when the row is dropped (a failed BurstGPT request
   * with `failed: drop`).
   * @throws InputError for a row whose type the scenario does not declare
   */
  create(arrival: TraceArrival): TaskSpec | undefined {
    const { row, atSeconds } = arrival;
    const config = this.config;
    if (row.failed === true && config.failed === 'drop') return undefined;
    const type = row.spec?.type ?? row.type ?? config.type;
    if (!this.types.has(type)) {
      if (this.collectTypes) this.types.add(type);
      else throw rowError(config.fileAsWritten, row.line, 'type', `task type ${quoted(type)} is not among workload.trace.types (${[...this.types].join(', ')})`);
    }
    if (row.spec !== undefined) return this.replayed(arrival, row.spec);
    const id = this.ids.idOf(this.submitted++);
    const scale = config.tokenScale;
    const input = row.inputTokens * scale;
    const output = row.outputTokens * scale;
    const work = config.work;
    const tokens = work === 'sum' ? input + output : output;
    const contextTokens = work === 'split' ? input : 0;
    const blocks = work === 'split' && row.blocks !== undefined && row.blocks.length > 0 ? row.blocks : undefined;
    const contextKey = blocks !== undefined ? `block-${blocks[Math.min(config.keyBlock, blocks.length - 1)]!}` : row.contextKey;
    return {
      id,
      type,
      priority: row.priority ?? config.priority,
      tokens,
      contextTokens,
      ...(contextKey === undefined ? {} : { contextKey }),
      ...(row.tenant === undefined ? {} : { tenant: row.tenant }),
      ...(blocks === undefined ? {} : { contextBlocks: blocks, contextBlockTokens: config.blockTokens * scale }),
      ...(row.deadlineSeconds === undefined ? {} : { deadline: atSeconds + row.deadlineSeconds }),
      // A failed request of the trace fails in the replay too: it may not retry.
      ...(row.failed === true ? { maxRetries: 0, traceFailed: true } : {}),
    };
  }

  /** A submission of an events file, as it was; copies and passes after the first get suffixed ids. */
  private replayed(arrival: TraceArrival, spec: TaskSpec): TaskSpec {
    const { copy, pass, atSeconds, row } = arrival;
    const suffix = copy === 0 && pass === 0 ? '' : `~${copy}.${pass}`;
    const rename = (id: string): string => id + suffix;
    const scale = this.config.tokenScale;
    return {
      ...spec,
      id: rename(spec.id),
      tokens: spec.tokens * scale,
      contextTokens: spec.contextTokens * scale,
      ...(spec.deadline === undefined ? {} : { deadline: atSeconds + (spec.deadline - row.timeSeconds) }),
      ...(spec.dependsOn === undefined ? {} : { dependsOn: spec.dependsOn.map(rename) }),
      ...(spec.dependencyPolicy === undefined ? {} : { dependencyPolicy: Object.fromEntries(Object.entries(spec.dependencyPolicy).map(([id, p]) => [rename(id), p])) }),
      ...(spec.parentId === undefined ? {} : { parentId: rename(spec.parentId) }),
    };
  }
}
