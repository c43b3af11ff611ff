/**
 * The identity step as the benchmark runs it: the in-process generator (persons with devices, cookies, accounts,
 * phones) -> keyBy the one identity key -> the identity step -> discarded. The floor job is the same with the
 * identity step replaced by a step that keeps no state and emits each event with a constant unified id: what the
 * runtime costs around the step. Worker threads rebuild the job from FLYWHEEL_IDENTITY_BENCH (the IdentityWorld as
 * JSON, and which job), which they inherit from the main thread.
 */
import { discardSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { KeyedProcessor } from '../../src/api/types.js';
import type { JobGraph } from '../../src/graph/model.js';
import { identity, identityKey } from '../../src/jobs/identity/processors.js';
import { generatorOptions, identityOptions, type IdentityWorld } from './world.js';

export const BENCH_ENV = 'FLYWHEEL_IDENTITY_BENCH';

export type BenchStep = 'identity' | 'floor';

/** The floor's step: the identity step's output shape (the event plus a unified id), no state. */
const passThrough: KeyedProcessor<Record<string, unknown>, Record<string, unknown>> = {
  onRecord(event, ctx) {
    ctx.emit({ ...event, unifiedId: 'floor' });
  },
};

export function buildBenchJob(w: IdentityWorld, step: BenchStep): JobGraph {
  return job('identity-bench', (j) => {
    j.source<Record<string, unknown>>('events', generatorSource(generatorOptions(w) as Record<string, unknown>), {
      eventTime: { field: 'ts', idleTimeout: 1_000 },
    })
      .keyBy('by-identity', identityKey)
      .process('identity', step === 'identity' ? identity(identityOptions) : passThrough)
      .sink('unified', discardSink());
  });
}

const inherited = process.env[BENCH_ENV];
const parsed = inherited ? (JSON.parse(inherited) as { world: IdentityWorld; step: BenchStep }) : undefined;
export const benchJob: JobGraph | undefined = parsed ? buildBenchJob(parsed.world, parsed.step) : undefined;
