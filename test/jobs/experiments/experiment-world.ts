/**
 * The generated world the experiment job tests run on: generator options with three experiments of known truth
 * (a three-arm randomized test, a randomized test with 60% compliance, a self-selected observational feature) and
 * the experiment job's options for them; the coupon test is left out of them, so the job finds it in the stream and
 * tracks it with the defaults. Covariates are standardized by their population center and spread
 * (src/connectors/generator/ecommerce-world.ts: tenure uniform on 0-999 days, engagement standard normal, ...).
 */
import type { EcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';
import type { ExperimentOptions } from '../../../src/jobs/experiments/experiment-options.js';

/** The conversion windows of the metrics below, by the suffix of their names (`converted@20m`). */
export const WINDOWS = { '20m': 20 * 60_000, '10m': 10 * 60_000 };

const variant = (name: string, effects: { clickEffect?: number; conversionEffect?: number; revenueEffect?: number } = {}, weight = 1) => ({
  name,
  weight,
  clickEffect: effects.clickEffect ?? 0,
  conversionEffect: effects.conversionEffect ?? 0,
  revenueEffect: effects.revenueEffect ?? 0,
});

export const generatorOptions: Partial<EcommerceOptions> = {
  seed: 7,
  users: 3000,
  items: 300,
  categories: 8,
  partitions: 2,
  count: 120_000,
  eventsPerSecondOfEventTime: 20,
  outOfOrderness: 2_000,
  experiments: [
    {
      id: 'ranker',
      randomized: true,
      compliance: 1,
      confounding: 1,
      variants: [variant('control'), variant('a', { clickEffect: 0.3 }), variant('b', { conversionEffect: 0.4, revenueEffect: 0.1 })],
    },
    { id: 'coupon', randomized: true, compliance: 0.6, confounding: 1, variants: [variant('control'), variant('coupon', { conversionEffect: 0.6 })] },
    { id: 'wishlist', randomized: false, compliance: 1, confounding: 1, variants: [variant('control', {}, 2), variant('wishlist', { clickEffect: 0.4 })] },
  ],
};

export const experimentOptions: ExperimentOptions = {
  experiments: [
    { id: 'ranker', control: 'control', split: { control: 1, a: 1, b: 1 } },
    { id: 'wishlist', control: 'control', split: { control: 2, wishlist: 1 } },
  ],
  covariates: {
    highValue: { center: 0.2, scale: 0.4 },
    engagement: { center: 0, scale: 1 },
    tenureDays: { center: 500, scale: 289 },
    pastSpend: { center: 100, scale: 100 },
    preClicks: { center: 10, scale: 10 },
  },
  metrics: [
    { metric: 'clicks', preExposure: 'preClicks', ratio: { numerator: 'clicks', denominator: 'views' }, tau2: 1 },
    { metric: 'converted', tau2: 0.01 },
    { metric: 'revenue', preExposure: 'pastSpend', tau2: 100 },
    { metric: 'converted', window: '20m', tau2: 0.01 },
    { metric: 'clicks', window: '10m', ratio: { numerator: 'clicks', denominator: 'views' }, tau2: 1 },
  ],
  emitInterval: '1m',
  cohort: '1h',
  emit: 'reports',
};
