/**
 * What the whole flywheel job (topologies/flywheel.yaml: features, labels, both models, co-visits) costs on a live
 * stream: for each batch delay (`runtime.batch.maxDelay`, how long a slot's records wait for more to join them), the
 * cores the job uses at `rate` events/s with event time following the wall clock, with the main thread's share,
 * CPU per event and slot batches per second. `eventTimeRate` sets events per second of event time instead (200:
 * the topology's default, 10 times faster than the wall clock at 2,000 events/s). One fresh process per measurement
 * (measure-job-cpu.ts); the figure is the median of `runs`.
 */
import { fileURLToPath } from 'node:url';
import { runChild } from '../child-process.js';
import { median } from '../measure.js';
import type { JobCpuResult, JobCpuRun } from './measure-job-cpu.js';

const script = fileURLToPath(new URL('./measure-job-cpu.js', import.meta.url));

export interface JobCpuOptions {
  rate: number;
  /** Events per second of event time; the rate itself when absent (event time follows the wall clock). */
  eventTimeRate?: number;
  maxDelays: number[];
  warmupSeconds: number;
  seconds: number;
  runs: number;
}

export async function jobCpuBench(o: JobCpuOptions, report: (figure: object) => void): Promise<void> {
  for (const maxDelay of o.maxDelays) {
    const runs: JobCpuResult[] = [];
    for (let r = 0; r < o.runs; r++) {
      runs.push(
        await runChild<JobCpuResult>(script, {
          rate: o.rate,
          eventsPerSecondOfEventTime: o.eventTimeRate ?? o.rate,
          maxDelay,
          warmupSeconds: o.warmupSeconds,
          seconds: o.seconds,
        } satisfies JobCpuRun),
      );
    }
    const mid = (pick: (r: JobCpuResult) => number) => median(runs.map(pick));
    report({
      bench: 'flywheel-cpu',
      rate: o.rate,
      eventsPerSecondOfEventTime: o.eventTimeRate ?? o.rate,
      maxDelayMs: maxDelay,
      runs: o.runs,
      seconds: o.seconds,
      eventsPerSecond: mid((r) => r.eventsPerSecond),
      cores: mid((r) => r.cores),
      mainThreadCores: mid((r) => r.mainThreadCores),
      cpuMicrosPerEvent: mid((r) => r.cpuMicrosPerEvent),
      batchesPerSecond: mid((r) => r.batchesPerSecond),
    });
  }
}
