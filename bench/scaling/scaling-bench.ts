/**
 * How cost per event grows with work, on a keyed count over synthetic keys (one state read and write per event):
 * - state size: keys from 1e4 to 1e7, each run over max(minEvents, 2 x keys) events so every key is in state and
 *   updated about twice or more; the plain Map baseline over the same events beside it;
 * - event rate: the same job paced at several rates over a fixed key space, where smaller batches at lower rates
 *   cost more per event.
 * Every measurement runs in a fresh process (measure-keyed.ts). Reports one figure per point.
 */
import { fileURLToPath } from 'node:url';
import { runChild } from '../child-process.js';
import { rateFigures, type RateFigures } from '../job-figures.js';
import type { KeyedRun, KeyedRunResult } from './measure-keyed.js';

const script = fileURLToPath(new URL('./measure-keyed.js', import.meta.url));

export interface ScalingOptions {
  keys: number[];
  minEvents: number;
  workers: number;
  rates: number[];
  rateKeys: number;
  rateSeconds: number;
}

export interface ScalingFigure extends RateFigures {
  bench: 'scaling';
  sweep: 'state-size' | 'event-rate';
  impl: string;
  keys: number;
  /** Paced runs: the offered rate. */
  rate: number | null;
  cpuMicrosPerEvent: number;
  eventsPerBatch: number | null;
}

function figure(sweep: ScalingFigure['sweep'], impl: string, run: KeyedRun, r: KeyedRunResult): ScalingFigure {
  return {
    bench: 'scaling',
    sweep,
    impl,
    keys: run.keys,
    rate: run.rate > 0 ? run.rate : null,
    ...rateFigures(run.events, r),
    cpuMicrosPerEvent: Number(((r.cpuSeconds / run.events) * 1e6).toFixed(2)),
    eventsPerBatch: r.batches ? Math.round(run.events / r.batches) : null,
  };
}

export async function scalingBench(o: ScalingOptions, report: (f: ScalingFigure) => void): Promise<void> {
  for (const keys of o.keys) {
    const events = Math.max(o.minEvents, 2 * keys);
    const base: KeyedRun = { impl: 'baseline', job: 'keyedCount', keys, events, workers: 0, rate: 0 };
    const b = await runChild<KeyedRunResult>(script, base);
    if (b.distinctKeys !== keys) throw new Error(`baseline counted ${b.distinctKeys} keys, expected ${keys}`);
    report(figure('state-size', 'baseline', base, b));
    const fw: KeyedRun = { ...base, impl: 'flywheel', workers: o.workers };
    report(figure('state-size', `flywheel-${o.workers}`, fw, await runChild<KeyedRunResult>(script, fw)));
  }
  for (const rate of o.rates) {
    const run: KeyedRun = { impl: 'flywheel', job: 'keyedCount', keys: o.rateKeys, events: rate * o.rateSeconds, workers: o.workers, rate };
    report(figure('event-rate', `flywheel-${o.workers}`, run, await runChild<KeyedRunResult>(script, run)));
  }
}
