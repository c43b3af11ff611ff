/**
 * The public entry point of the `flywheel` package: the job builder and its streams, windows, aggregators,
 * connector specs, the types a job's code uses, the error catalogue, and run() for a job written in TypeScript.
 * Everything else in the package is internal and may change between versions.
 */
export { job, JobBuilder, Stream, KeyedStream, WindowedStream } from './api/job.js';
export type { JobOptions, StepOptions, WindowOptions, EventTimeOptions } from './api/job.js';
export { tumbling, sliding, session } from './api/windows.js';
export type { WindowAssigner, TimeWindow } from './api/windows.js';
export { count, sum, min, max, avg, latest } from './api/aggregators.js';
export {
  fileSource,
  fileSink,
  generatorSource,
  nexmarkSource,
  kafkaSource,
  kafkaSink,
  discardSink,
} from './api/connectors.js';
export type * from './api/types.js';
export type { JobGraph, ConnectorSpec } from './graph/model.js';
export { run } from './run.js';
export type { RunJobOptions } from './run.js';
export type { RuntimeSection } from './graph/runtime-settings.js';
export type { RunSummary } from './runtime/run-options.js';
export { ErrorCodes, FlywheelError } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
