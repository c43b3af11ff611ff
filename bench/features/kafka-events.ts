/**
 * The Kafka side of the feature throughput benchmark: fills a topic of the dev broker with the generated events
 * (JSON, keyed by user, 4 partitions), and reads it back with a plain node-rdkafka consumer into the plain feature
 * store (the baseline's Kafka path: batched consume, JSON parse, features; no framework).
 */
import Kafka from 'node-rdkafka';
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import type { EcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';
import { PlainFeatureStore } from './plain-features.js';

/** Produces every generated event; resolves once all are acknowledged. */
export function produceEvents(brokers: string, topic: string, generator: Partial<EcommerceOptions>): Promise<number> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': brokers, 'linger.ms': 5, 'queue.buffering.max.messages': 1_000_000 });
  return new Promise((resolve, reject) => {
    producer.connect({}, (err) => {
      if (err) return reject(err);
      let n = 0;
      for (const e of ecommerceEvents(generator)) {
        const key = typeof (e as { userId?: unknown }).userId === 'string' ? (e as { userId: string }).userId : null;
        producer.produce(topic, null, Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)), key);
        n++;
      }
      producer.flush(60_000, (flushErr) => producer.disconnect(() => (flushErr ? reject(flushErr) : resolve(n))));
    });
  });
}

/** Reads the topic from the start to its current end into the plain feature store; returns the changes emitted. */
export async function plainFeaturesFromKafka(brokers: string, topic: string): Promise<number> {
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': `plain-${Date.now()}`, 'enable.auto.commit': false, 'queued.min.messages': 100_000 },
    {},
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  const ends = new Map<number, number>();
  for (let p = 0; p < 4; p++)
    ends.set(
      p,
      await new Promise<number>((resolve, reject) => consumer.queryWatermarkOffsets(topic, p, 5_000, (err, o) => (err ? reject(err) : resolve(o.highOffset)))),
    );
  consumer.assign([...ends.keys()].map((partition) => ({ topic, partition, offset: 0 })));
  const store = new PlainFeatureStore(ends.size);
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  while ([...ends].some(([p, end]) => next.get(p)! < end)) {
    const messages = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))));
    for (const m of messages) {
      next.set(m.partition, m.offset + 1);
      let raw: unknown;
      try {
        raw = JSON.parse(m.value!.toString());
      } catch {
        continue;
      }
      store.push(raw, m.partition);
    }
  }
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return store.finish();
}
