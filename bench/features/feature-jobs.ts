/**
 * The jobs behind the feature benchmarks, over generated shop events sized by FEATURES_BENCH_OPTIONS (JSON: users,
 * count) in the environment, which worker threads share, so every thread builds the same graph:
 * - lookupJob: events -> parse -> user features -> discard (the lookup benchmarks serve its state), its generator
 *   paced at `rate` events/s when the options name one;
 * - storeJob: the whole feature store of topologies/features.yaml (user features, and item features for events
 *   with an item), changes discarded, for the throughput benchmark;
 * - kafkaStoreJob: the same over the topic named by FEATURES_BENCH_KAFKA (JSON: brokers, topic), read to its end.
 */
import { discardSink, generatorSource, kafkaSource } from '../../src/api/connectors.js';
import type { ConnectorSpec } from '../../src/graph/model.js';
import { job } from '../../src/api/job.js';
import { hasItem } from '../../src/jobs/events/keys.js';
import { parseEvent } from '../../src/jobs/events/parse-event.js';
import { itemFeatures, userFeatures } from '../../src/jobs/features/processors.js';
import { BENCH_OUT_OF_ORDERNESS, benchGenerator, itemFeatureOptions, userFeatureOptions } from './bench-settings.js';

const { users, count, rate } = JSON.parse(process.env.FEATURES_BENCH_OPTIONS ?? '{"users":20000,"count":300000}') as {
  users: number;
  count: number;
  rate?: number;
};
const generator = benchGenerator(users, count);
const eventTime = { eventTime: { field: 'ts' as const, maxOutOfOrderness: BENCH_OUT_OF_ORDERNESS } };

export const lookupJob = job('features-lookup', (j) => {
  j.source<{ ts: number }>('events', generatorSource(benchGenerator(users, count, rate)), eventTime)
    .map('parse', parseEvent)
    .keyBy('by-user', 'userId')
    .process('user-features', userFeatures())
    .sink('changes', discardSink());
});

function featureStore(name: string, source: ConnectorSpec) {
  return job(name, (j) => {
    const parsed = j.source<{ ts: number }>('events', source, eventTime).map('parse', parseEvent, { onError: 'skip' });
    parsed.keyBy('by-user', 'userId').process('user-features', userFeatures(userFeatureOptions)).sink('user-changes', discardSink());
    parsed
      .filter('with-item', hasItem)
      .keyBy('by-item', 'itemId')
      .process('item-features', itemFeatures(itemFeatureOptions))
      .sink('item-changes', discardSink());
  });
}

export const storeJob = featureStore('features-store', generatorSource(generator));

const kafka = JSON.parse(process.env.FEATURES_BENCH_KAFKA ?? '{"brokers":"127.0.0.1:9092","topic":"events"}') as { brokers: string; topic: string };
export const kafkaStoreJob = featureStore('features-store-kafka', kafkaSource({ ...kafka, bounded: true, format: 'json' }));
