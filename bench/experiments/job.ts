/**
 * The experiment job as the benchmark runs it: the in-process generator -> parse -> stage 1 by user -> stage 2 by
 * experiment -> report changes written to a file (to measure their volume) or discarded. Worker threads rebuild it from FLYWHEEL_EXPERIMENTS_BENCH (the
 * BenchWorld as JSON), which they inherit from the main thread.
 */
import { discardSink, fileSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { JobGraph } from '../../src/graph/model.js';
import { parseEvent } from '../../src/jobs/events/parse-event.js';
import { experimentEstimates, experimentUsers } from '../../src/jobs/experiments/processors.js';
import { experimentOptions, generatorOptions, type BenchWorld } from './world.js';

export const BENCH_ENV = 'FLYWHEEL_EXPERIMENTS_BENCH';

export function buildBenchJob(w: BenchWorld): JobGraph {
  const options = experimentOptions(w);
  return job('experiments-bench', (j) => {
    j.source<{ ts: number }>('events', generatorSource(generatorOptions(w) as Record<string, unknown>), {
      eventTime: { field: 'ts', maxOutOfOrderness: 2_000, idleTimeout: 1_000 },
    })
      .map('parse', parseEvent)
      .keyBy('by-user', 'userId')
      .process('experiment-users', experimentUsers(options))
      .keyBy('by-experiment', 'experiment')
      .process('experiment-estimates', experimentEstimates(options))
      .sink('results', w.resultsPath ? fileSink({ path: w.resultsPath }) : discardSink());
  });
}

const inherited = process.env[BENCH_ENV];
export const benchJob: JobGraph | undefined = inherited ? buildBenchJob(JSON.parse(inherited) as BenchWorld) : undefined;
