/**
 * What a service's scavenges consist of, from V8's own trace: a process started under
 * `--trace-gc-nvp` writes one line of `name=value` pairs per collection to its stdout, with the
 * pause (`pause`, ms) and its phases (`scavenge.parallel`: the copying work of the main thread
 * and its helper tasks, which includes the old-to-new remembered set; `background.scavenge.parallel`:
 * the helpers' share, summed over them; `scavenge.roots`, `scavenge.sweep_array_buffers`,
 * `scavenge.weak_global_handles.*`, `scavenge.free_remembered_set`, `scavenge.update_refs`),
 * and the bytes that survived (`new_space_survived`, copied within the young generation) and were
 * promoted (`promoted`). V8's names (11.3, Node 20) are read as they come: a phase absent from
 * a line counts as 0 ms there.
 */
import { quantiles, type Quantiles } from './liveStats.js';

/** One collection of `--trace-gc-nvp`: its kind (`s` scavenge, `mc` mark-compact, …) and fields. */
export interface GcTraceEntry {
  /** The collection's kind, as the trace names it. */
  readonly kind: string;
  /** The trace's numeric fields, by name. */
  readonly fields: ReadonlyMap<string, number>;
}

/** The phases of a scavenge's pause that {@link summarizeGcTrace} reports, in V8's names. */
export const SCAVENGE_PHASES = [
  'scavenge.parallel',
  'background.scavenge.parallel',
  'scavenge.roots',
  'scavenge.sweep_array_buffers',
  'scavenge.weak_global_handles.identify',
  'scavenge.weak_global_handles.process',
  'scavenge.free_remembered_set',
  'scavenge.update_refs',
] as const;

/** The scavenges and other collections of a window, from {@link GcTraceEntry | trace lines}. */
export interface GcTraceSummary {
  /** Scavenges in the window. */
  readonly scavenges: number;
  /** Each scavenge's pause, ms. */
  readonly pauseMs: Quantiles;
  /** All scavenges' pauses added up, ms. */
  readonly pausedMs: number;
  /** Per phase ({@link SCAVENGE_PHASES}): median over the scavenges and total, ms. */
  readonly phases: Readonly<Record<(typeof SCAVENGE_PHASES)[number], { readonly p50Ms: number; readonly totalMs: number }>>;
  /** Bytes surviving each scavenge in the young generation, and promoted by it, median. */
  readonly survivedBytesP50: number;
  /** Bytes promoted to the old generation by each scavenge, median. */
  readonly promotedBytesP50: number;
  /** The other collections (mark-compacts and the like): their pauses, ms, in order. */
  readonly otherPausesMs: readonly number[];
}

// `[pid:0xisolate]   1234 ms: pause=3.4 mutator=452.1 gc=s …`
const LINE = /^\[\d+:0x[0-9a-f]+\]\s+[\d.]+ ms: (.*)$/;

/** One line of `--trace-gc-nvp` output, or undefined for any other line. */
export function parseGcTraceLine(line: string): GcTraceEntry | undefined {
  const match = LINE.exec(line);
  if (match === null) return undefined;
  let kind: string | undefined;
  const fields = new Map<string, number>();
  for (const pair of match[1]!.split(' ')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (name === 'gc') kind = value;
    // Percentages (`promotion_ratio=63.6%`) are left out: no phase or byte count has one.
    else if (/^-?[\d.]+$/.test(value)) fields.set(name, Number(value));
  }
  return kind === undefined ? undefined : { kind, fields };
}

/** The scavenges of `entries` broken down (see {@link GcTraceSummary}). */
export function summarizeGcTrace(entries: readonly GcTraceEntry[]): GcTraceSummary {
  const scavenges = entries.filter((entry) => entry.kind === 's');
  const field = (name: string): number[] => scavenges.map((entry) => entry.fields.get(name) ?? 0);
  const pauses = field('pause');
  const phases = Object.fromEntries(SCAVENGE_PHASES.map((name) => {
    const values = field(name);
    return [name, { p50Ms: quantiles(values).p50, totalMs: values.reduce((sum, value) => sum + value, 0) }];
  })) as GcTraceSummary['phases'];
  return {
    scavenges: scavenges.length,
    pauseMs: quantiles(pauses),
    pausedMs: pauses.reduce((sum, value) => sum + value, 0),
    phases,
    survivedBytesP50: quantiles(field('new_space_survived')).p50,
    promotedBytesP50: quantiles(field('promoted')).p50,
    otherPausesMs: entries.filter((entry) => entry.kind !== 's').map((entry) => entry.fields.get('pause') ?? 0),
  };
}
