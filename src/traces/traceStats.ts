/**
 * `fleetsim trace stats`: what a researcher checks first about a trace, in one streaming pass
 * and bounded memory: rows, duration, mean and peak rate, token means and percentiles (from
 * exact histograms of the integer counts), the inter-arrival coefficient of variation (Welford),
 * and for traces with prefix blocks the reuse ratio (share of blocks seen in an earlier row).
 */
import { openTraceReader, timeBackwardsError } from './openReader.js';
import type { TraceConfig } from './types.js';

/** Percentiles reported for token counts. */
export const STAT_PERCENTILES = [50, 90, 99] as const;

/** Mean and percentiles of a token count. */
export interface TokenStats {
  /** Mean. */
  readonly mean: number;
  /** Nearest-rank percentiles, keyed `p50`, `p90`, `p99`. */
  readonly percentiles: Readonly<Record<`p${(typeof STAT_PERCENTILES)[number]}`, number>>;
  /** Greatest value. */
  readonly max: number;
}

/** The statistics of a trace. */
export interface TraceStats {
  /** The trace file. */
  readonly file: string;
  /** Its format. */
  readonly format: string;
  /** Rows read. */
  readonly rows: number;
  /** Last row time minus first row time, seconds. */
  readonly durationSeconds: number;
  /** Rows ÷ duration (null when the duration is 0). */
  readonly meanRatePerSecond: number | null;
  /** The most rows in any window of `peakWindowSeconds` (the busiest one ends at a row), ÷ the window. */
  readonly peakRatePerSecond: number;
  /** Length of the window the peak rate was measured over, seconds. */
  readonly peakWindowSeconds: number;
  /** Standard deviation ÷ mean of the gaps between consecutive rows (null with fewer than 2 gaps or a zero mean). */
  readonly interArrivalCv: number | null;
  /** Prompt tokens per row. */
  readonly inputTokens: TokenStats;
  /** Generated tokens per row. */
  readonly outputTokens: TokenStats;
  /** Share of prefix blocks that appeared in an earlier row (null for traces without blocks). */
  readonly prefixReuseRatio: number | null;
}

/** Exact distribution of non-negative integers, by value. */
class IntegerHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private sum = 0;

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.total++;
    this.sum += value;
  }

  stats(): TokenStats {
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    const percentile = (p: number): number => {
      // Nearest rank: the smallest value with at least ⌈p/100 · n⌉ rows at or below it.
      const rank = Math.max(1, Math.ceil((p / 100) * this.total));
      let seen = 0;
      for (const value of values) {
        seen += this.counts.get(value)!;
        if (seen >= rank) return value;
      }
      return values[values.length - 1] ?? 0;
    };
    const percentiles = Object.fromEntries(STAT_PERCENTILES.map((p) => [`p${p}`, percentile(p)])) as TokenStats['percentiles'];
    return { mean: this.total === 0 ? 0 : this.sum / this.total, percentiles, max: values[values.length - 1] ?? 0 };
  }
}

/**
 * Reads the trace once and computes its statistics.
 * @param config - the file and format (and format options) as a scenario would give them
 * @param peakWindowSeconds - the window of the peak rate
 * @throws InputError for a bad row, as the replay would
 */
export function traceStats(config: Pick<TraceConfig, 'file' | 'fileAsWritten' | 'format' | 'columns' | 'timeUnitSeconds' | 'blockTokens' | 'strategy' | 'replication'>, peakWindowSeconds: number): TraceStats {
  const reader = openTraceReader(config);
  const input = new IntegerHistogram();
  const output = new IntegerHistogram();
  const seenBlocks = new Set<number>();
  let blocks = 0;
  let reused = 0;
  let hasBlocks = false;
  let rows = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  // Welford over the gaps.
  let gaps = 0;
  let gapMean = 0;
  let gapM2 = 0;
  // Times of the rows in the current peak window (a queue: head index into a growing array, compacted).
  let window: number[] = [];
  let head = 0;
  let peak = 0;
  try {
    for (let row = reader.next(); row !== undefined; row = reader.next()) {
      const t = row.timeSeconds;
      if (t < last) throw timeBackwardsError(config, row.line, t, last);
      if (rows > 0) {
        const gap = t - last;
        gaps++;
        const delta = gap - gapMean;
        gapMean += delta / gaps;
        gapM2 += delta * (gap - gapMean);
      } else {
        first = t;
      }
      last = t;
      rows++;
      input.add(Math.round(row.inputTokens));
      output.add(Math.round(row.outputTokens));
      if (row.blocks !== undefined) {
        hasBlocks = true;
        for (const id of row.blocks) {
          blocks++;
          if (seenBlocks.has(id)) reused++;
          else seenBlocks.add(id);
        }
      }
      // The window (t − w, t] ending at this row: drop the rows before it, then count.
      window.push(t);
      while (window[head]! <= t - peakWindowSeconds) head++;
      peak = Math.max(peak, window.length - head);
      if (head > 4096 && head * 2 > window.length) {
        window = window.slice(head);
        head = 0;
      }
    }
  } finally {
    reader.close();
  }
  const durationSeconds = rows === 0 ? 0 : last - first;
  const gapSd = gaps > 1 ? Math.sqrt(gapM2 / (gaps - 1)) : Number.NaN;
  return {
    file: config.fileAsWritten,
    format: config.format,
    rows,
    durationSeconds,
    meanRatePerSecond: durationSeconds > 0 ? rows / durationSeconds : null,
    peakRatePerSecond: peak / peakWindowSeconds,
    peakWindowSeconds,
    interArrivalCv: gaps > 1 && gapMean > 0 ? gapSd / gapMean : null,
    inputTokens: input.stats(),
    outputTokens: output.stats(),
    prefixReuseRatio: hasBlocks && blocks > 0 ? reused / blocks : null,
  };
}
