/**
 * The benchmark's world: the e-commerce generator with `experiments` randomized three-arm experiments (control and
 * two treatments with small click and conversion effects) over `users` users, and the experiment job's options for
 * them (the same metrics as topologies/experiments.yaml). Both implementations of the benchmark read these.
 */
import type { EcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';
import type { ExperimentOptions } from '../../src/jobs/experiments/experiment-options.js';

export interface BenchWorld {
  users: number;
  events: number;
  experiments: number;
  /** Records per second of wall-clock time (0: as fast as possible) and the event time they start at. */
  rate?: number;
  /** Where the job writes what it emits (JSON lines), to measure its volume; discarded when absent. */
  resultsPath?: string;
}

export function generatorOptions(w: BenchWorld): Partial<EcommerceOptions> {
  const arms = (k: number) => [
    { name: 'control', weight: 1, clickEffect: 0, conversionEffect: 0, revenueEffect: 0 },
    { name: 'a', weight: 1, clickEffect: 0.05 * (k % 3), conversionEffect: 0, revenueEffect: 0 },
    { name: 'b', weight: 1, clickEffect: 0, conversionEffect: 0.1 * (k % 2), revenueEffect: 0 },
  ];
  return {
    seed: 5,
    users: w.users,
    items: 2000,
    categories: 20,
    partitions: 4,
    count: w.events,
    eventsPerSecondOfEventTime: 1000,
    outOfOrderness: 1000,
    ...(w.rate ? { rate: w.rate, startTime: 'now' as const } : {}),
    experiments: Array.from({ length: w.experiments }, (_, k) => ({ id: `x${k}`, randomized: true, compliance: 1, confounding: 1, variants: arms(k) })),
  };
}

export function experimentOptions(w: BenchWorld): ExperimentOptions {
  return {
    experiments: Array.from({ length: w.experiments }, (_, k) => ({ id: `x${k}`, control: 'control', split: { control: 1, a: 1, b: 1 } })),
    covariates: { pastSpend: { center: 100, scale: 100 }, preClicks: { center: 10, scale: 10 } },
    metrics: [
      { metric: 'clicks', preExposure: 'preClicks', ratio: { numerator: 'clicks', denominator: 'views' }, tau2: 1 },
      { metric: 'converted', tau2: 0.01 },
      { metric: 'revenue', preExposure: 'pastSpend', tau2: 100 },
    ],
    emitInterval: '10s',
  };
}
