/**
 * The Flywheel jobs of the Kafka benchmark, configured from the environment (worker threads share it, so every
 * thread builds the same graph): KAFKA_BENCH = { brokers, input, output, bounded, windowMs, delayMs }.
 * - stateless: parse (the source), map (amount in cents), filter (amount above 9) and write to a topic;
 * - windowed: keyed by user, an event-time tumbling-window count per user in LMDB state, written to a topic.
 */
import { job } from '../../src/api/job.js';
import { kafkaSink, kafkaSource } from '../../src/api/connectors.js';
import { count } from '../../src/api/aggregators.js';
import { tumbling } from '../../src/api/windows.js';
import { CONSUMER_TUNING, PRODUCER_TUNING, keepsEvent, type BenchEvent } from './events.js';

export interface BenchJobConfig {
  brokers: string;
  input: string;
  output: string;
  bounded: boolean;
  windowMs: number;
  delayMs: number;
}

const config = JSON.parse(process.env.KAFKA_BENCH ?? '{}') as BenchJobConfig;
const source = () => kafkaSource({ topic: config.input, brokers: config.brokers, bounded: config.bounded, rdkafka: CONSUMER_TUNING });
const sink = () => kafkaSink({ topic: config.output, brokers: config.brokers, rdkafka: PRODUCER_TUNING });
const eventTime = () => ({ eventTime: { field: 'ts' as const, maxOutOfOrderness: config.delayMs } });

export const stateless = job('kafka-bench-stateless', (j) => {
  j.source<BenchEvent>('events', source(), eventTime())
    .map('cents', (e) => ({ ...e, cents: e.amount * 100 }))
    .filter('paid', keepsEvent)
    .sink('out', sink());
});

export const windowed = job('kafka-bench-windowed', (j) => {
  j.source<BenchEvent>('events', source(), eventTime())
    .keyBy('by-user', 'user')
    .window('per-user', tumbling(config.windowMs), count<BenchEvent>())
    .sink('out', sink());
});
