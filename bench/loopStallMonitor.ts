/**
 * A preload that records the loop's stalls of the thread it runs in, with that thread's
 * scheduler accounting (bench/loopStalls.ts): `node --import=<dist>/bench/loopStallMonitor.js …`
 * (for the service the bench starts: `--service-node-flags "--import=…"`), with
 * `LOOP_STALLS_OUT=<prefix>` in the environment. A 1 ms timer reads `/proc/thread-self/schedstat`
 * at each tick; a tick late by more than `LOOP_STALLS_THRESHOLD_MS` (default 6) is a stall, kept
 * with the thread's on-CPU and run-queue time in it, and collections' pauses of 1 ms or more are
 * kept beside them. The record ({@link LoopStallRecord}) is written as JSON to
 * `<prefix>-<pid>-<threadId>.json` every second and at `exit` (it adds no signal handler, so that
 * the monitored process shuts down as it would without it).
 * Linux only; its own cost is three system calls a millisecond.
 */
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { performance, PerformanceObserver, type NodeGCPerformanceDetail, type PerformanceEntry } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { parseSchedStat, type GcPause, type LoopStall, type LoopStallRecord, type SchedStat } from './loopStalls.js';

/** The environment variable naming the record's path prefix; without it the preload does nothing. */
export const LOOP_STALLS_OUT_ENV = 'LOOP_STALLS_OUT';

const prefix = process.env[LOOP_STALLS_OUT_ENV];
if (prefix !== undefined && prefix !== '') startMonitor(prefix, Number(process.env.LOOP_STALLS_THRESHOLD_MS ?? 6));

function startMonitor(outPrefix: string, thresholdMs: number): void {
  const fd = openSync('/proc/thread-self/schedstat', 'r');
  const buffer = Buffer.alloc(128);
  // pread at offset 0 makes procfs produce the line afresh, so the file stays open.
  const read = (): SchedStat => parseSchedStat(buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0))) ?? { runNs: 0, runQueueWaitNs: 0, timeslices: 0 };
  const stalls: LoopStall[] = [];
  const gcs: GcPause[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { readonly detail?: NodeGCPerformanceDetail }).detail?.kind ?? 0;
      if (entry.duration >= 1) gcs.push({ startMs: entry.startTime, durationMs: entry.duration, kind });
    }
  }).observe({ entryTypes: ['gc'] });
  let lastMs = performance.now();
  let last = read();
  setInterval(() => {
    const nowMs = performance.now();
    const now = read();
    if (nowMs - lastMs > thresholdMs) {
      stalls.push({
        startMs: lastMs,
        gapMs: nowMs - lastMs,
        runMs: (now.runNs - last.runNs) / 1e6,
        runQueueWaitMs: (now.runQueueWaitNs - last.runQueueWaitNs) / 1e6,
        timeslices: now.timeslices - last.timeslices,
      });
    }
    lastMs = nowMs;
    last = now;
  }, 1).unref();
  const write = (): void => {
    const record: LoopStallRecord = { thresholdMs, endMs: performance.now(), timeOriginMs: performance.timeOrigin, stalls, gcs };
    writeFileSync(`${outPrefix}-${process.pid}-${threadId}.json`, JSON.stringify(record));
  };
  setInterval(write, 1000).unref();
  process.on('exit', () => {
    write();
    closeSync(fd);
  });
}
