/** Connector specs for TypeScript jobs: plain data naming a connector type and its options, as YAML would. */
import type { ConnectorSpec } from '../graph/model.js';

const spec = (type: string, options: Record<string, unknown>): ConnectorSpec => ({ type, options });

export const fileSource = (options: { path: string; format?: 'json' | 'text' }): ConnectorSpec => spec('file', options);
export const fileSink = (options: { path: string; fsync?: boolean; maxBytes?: number; keep?: number }): ConnectorSpec => spec('file', options);
/** An in-process channel, for tests: records are put and read by name through the memory connector registry. */
export const memorySource = (options: { name: string; partitions?: number }): ConnectorSpec => spec('memory', options);
export const memorySink = (options: { name: string }): ConnectorSpec => spec('memory', options);
export const generatorSource = (options: Record<string, unknown>): ConnectorSpec => spec('generator', options);
export const nexmarkSource = (options: Record<string, unknown>): ConnectorSpec => spec('nexmark', options);
export const kafkaSource = (options: { topic: string; brokers: string; [key: string]: unknown }): ConnectorSpec => spec('kafka', options);
export const kafkaSink = (options: { topic: string; brokers: string; [key: string]: unknown }): ConnectorSpec => spec('kafka', options);
/** Discards records after counting them: for benchmarks. */
export const discardSink = (): ConnectorSpec => spec('discard', {});
