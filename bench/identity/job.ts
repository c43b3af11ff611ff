/**
 * The identity step as the benchmark runs it: the in-process generator (persons with devices, cookies, accounts,
 * phones) -> keyBy the one identity key -> the identity step -> discarded. Worker threads rebuild it from
 * FLYWHEEL_IDENTITY_BENCH (the IdentityWorld as JSON), which they inherit from the main thread.
 */
import { discardSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { JobGraph } from '../../src/graph/model.js';
import { identity, identityKey } from '../../src/jobs/identity/processors.js';
import { generatorOptions, identityOptions, type IdentityWorld } from './world.js';

export const BENCH_ENV = 'FLYWHEEL_IDENTITY_BENCH';

export function buildBenchJob(w: IdentityWorld): JobGraph {
  return job('identity-bench', (j) => {
    j.source<Record<string, unknown>>('events', generatorSource(generatorOptions(w) as Record<string, unknown>), { eventTime: { field: 'ts', idleTimeout: 1_000 } })
      .keyBy('by-identity', identityKey)
      .process('identity', identity(identityOptions))
      .sink('unified', discardSink());
  });
}

const inherited = process.env[BENCH_ENV];
export const benchJob: JobGraph | undefined = inherited ? buildBenchJob(JSON.parse(inherited) as IdentityWorld) : undefined;
