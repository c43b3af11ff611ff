/**
 * The main thread's ceiling: how many events per second the main thread can read, key, route and hand to workers
 * that do nothing (dropAfterKeyBy: keyBy, then a filter in the worker that drops every record), and what a worker
 * spends per event on a batch with no work in it. Measured per run from the thread CPU split: main-thread CPU per
 * event (its ceiling is one core divided by that), the rest (worker threads, GC, libuv) per event, and, beside them,
 * the source alone polled to its end (over ten times the events: thread CPU is counted in 10 ms ticks). With the
 * source read on the main thread (runtime.intake main) and by the workers (worker intake: the main thread only
 * hands out offset ranges and queues the packed runs that come back). Each measurement runs in a fresh process
 * (measure-keyed.ts).
 */
import { fileURLToPath } from 'node:url';
import { runChild } from '../child-process.js';
import { median } from '../measure.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';
import type { KeyedRun, KeyedRunResult } from './measure-keyed.js';

const script = fileURLToPath(new URL('./measure-keyed.js', import.meta.url));

export interface CeilingOptions {
  events: number;
  keys: number;
  workers: number[];
  /** Where the source is read and keyed: `main` (impl flywheel-W) and/or `workers` (flywheel-W-worker-intake). */
  intakes: IntakePlacement[];
  runs: number;
}

export interface CeilingFigure {
  bench: 'ceiling';
  impl: string;
  events: number;
  eventsPerSecond: number;
  mainThreadMicrosPerEvent: number;
  /** Events per second of main-thread CPU: the rate at which the main thread alone would fill one core. */
  mainThreadCeiling: number;
  otherThreadsMicrosPerEvent: number;
  cpuCores: number;
  eventsPerBatch: number | null;
}

export async function ceilingBench(o: CeilingOptions, report: (f: CeilingFigure) => void): Promise<void> {
  const points: Array<{ impl: string; run: KeyedRun }> = [
    { impl: 'source-only', run: { impl: 'source', job: 'dropAfterKeyBy', keys: o.keys, events: 10 * o.events, workers: 0, rate: 0 } },
    ...o.intakes.flatMap((intake) =>
      o.workers.map((w) => ({
        impl: `flywheel-${w}${intake === 'workers' ? '-worker-intake' : ''}`,
        run: { impl: 'flywheel', job: 'dropAfterKeyBy', keys: o.keys, events: o.events, workers: w, rate: 0, intake } satisfies KeyedRun,
      })),
    ),
  ];
  for (const { impl, run } of points) {
    const rs: KeyedRunResult[] = [];
    for (let i = 0; i < o.runs; i++) rs.push(await runChild<KeyedRunResult>(script, run));
    const events = run.events;
    const seconds = median(rs.map((r) => r.seconds));
    const main = median(rs.map((r) => r.mainThreadCpuSeconds));
    const other = median(rs.map((r) => r.cpuSeconds - r.mainThreadCpuSeconds));
    const batches = rs[0]!.batches;
    report({
      bench: 'ceiling',
      impl,
      events,
      eventsPerSecond: Math.round(events / seconds),
      mainThreadMicrosPerEvent: Number(((main / events) * 1e6).toFixed(3)),
      mainThreadCeiling: Math.round(events / main),
      otherThreadsMicrosPerEvent: Number(((other / events) * 1e6).toFixed(3)),
      cpuCores: Number((median(rs.map((r) => r.cpuSeconds)) / seconds).toFixed(2)),
      eventsPerBatch: batches ? Math.round(events / batches) : null,
    });
  }
}
