/**
 * What the feature benchmarks' Flywheel jobs and the plain implementation share: the generated events (validated
 * with the generator's defaults filled in), the watermark delay and the feature options of topologies/features.yaml.
 */
import type { EcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';
import { generatorOptionsSchema } from '../../src/connectors/generator/generator-source.js';
import { validateAgainst } from '../../src/graph/schema-validator.js';

/** The watermark delay of the jobs and of the plain implementation (ms). */
export const BENCH_OUT_OF_ORDERNESS = 5_000;
export const userFeatureOptions = { windows: ['1h', '24h', '7d'], emitInterval: '1m' };
export const itemFeatureOptions = { ...userFeatureOptions, priceQuantiles: [0.1, 0.5, 0.9, 0.99] };

/**
 * Generator options for `users` users and `count` events, read as fast as the job can or paced at `rate` events/s
 * (0: unpaced); a TypeScript job's options are not validated at load.
 */
export function benchGenerator(users: number, count: number, rate = 0): Partial<EcommerceOptions> {
  const options = { seed: 1, users, items: 5000, count, rate, eventsPerSecondOfEventTime: 200, outOfOrderness: 2000 };
  const problem = validateAgainst(generatorOptionsSchema, options);
  if (problem) throw new Error(`generator options: ${problem.path.join('.')} ${problem.message}`);
  return options;
}
