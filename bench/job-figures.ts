/** Figures of a benchmark run: records a finished job's sink step received, its state on disk, and the rates of a run. */
import { execFileSync } from 'node:child_process';
import type { JobRunner } from '../src/runtime/runner.js';

/** Records a step received (by default the sink step `out`, so its outputs), from the job's own metrics. */
export async function outputsOf(runner: Pick<JobRunner, 'metrics'>, step = 'out'): Promise<number> {
  const metric = (await runner.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'flywheel_records_in_total');
  return Number(metric?.values.find((v) => v.labels.step === step)?.value ?? 0);
}

/** Disk use of a directory (du), MiB: LMDB's data file holds free pages too, so this is what the state costs on disk. */
export function diskMiB(dir: string): number {
  return Number((Number(execFileSync('du', ['-sk', dir]).toString().split('\t')[0]) / 1024).toFixed(1));
}

/** The figures every benchmark row reports for a run over a number of events. */
export interface RateFigures {
  events: number;
  eventsPerSecond: number;
  /** Events per CPU second of the whole measured process (all threads). */
  eventsPerCpuSecond: number;
  cpuCores: number;
  peakRssMiB: number;
  stateMiB: number | null;
}

export function rateFigures(events: number, run: { seconds: number; cpuSeconds: number; peakRssMiB: number; stateMiB: number | null }): RateFigures {
  return {
    events,
    eventsPerSecond: Math.round(events / run.seconds),
    eventsPerCpuSecond: Math.round(events / run.cpuSeconds),
    cpuCores: Number((run.cpuSeconds / run.seconds).toFixed(2)),
    peakRssMiB: run.peakRssMiB,
    stateMiB: run.stateMiB,
  };
}
