/**
 * Topic helpers of the Kafka benchmark: fill a topic (every delivery acknowledged, keyed by user, round-robin over the
 * 4 partitions of the dev broker), and count or wait for a topic's messages through its partitions' end offsets.
 */
import Kafka from 'node-rdkafka';
import type { BenchEvent } from './events.js';

export const PARTITIONS = 4;

export async function connectProducer(brokers: string, extra: Record<string, string | number | boolean> = {}): Promise<Kafka.Producer> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': brokers,
    dr_cb: true,
    'enable.idempotence': true,
    'linger.ms': 5,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 1_000_000,
    ...extra,
  });
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(5);
  return producer;
}

export function disconnect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  // Polling stops before the disconnect frees the client (a poll during it crashes: src/connectors/kafka/kafka-sink.ts).
  if (client instanceof Kafka.Producer) client.setPollInterval(0);
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

/** Produces the events and resolves once every one is acknowledged. */
export async function fillTopic(brokers: string, topic: string, events: readonly BenchEvent[]): Promise<void> {
  const producer = await connectProducer(brokers);
  let acked = 0;
  let failed: string | null = null;
  const done = new Promise<void>((resolve) =>
    producer.on('delivery-report', (err) => {
      if (err) failed ??= err.message;
      if (++acked === events.length) resolve();
    }),
  );
  events.forEach((e, i) => producer.produce(topic, i % PARTITIONS, Buffer.from(JSON.stringify(e)), e.user, e.ts));
  await done;
  await disconnect(producer);
  if (failed) throw new Error(`filling ${topic} failed: ${failed}`);
}

/** A consumer used only to ask for end offsets. */
export async function offsetsClient(brokers: string): Promise<Kafka.KafkaConsumer> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': brokers, 'group.id': `bench-offsets-${process.pid}` }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  return consumer;
}

/** Messages the topic holds now (sum of end offsets; 0 for a partition not created yet). */
export async function topicCount(client: Kafka.KafkaConsumer, topic: string): Promise<number> {
  let n = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    n += await new Promise<number>((resolve) => client.queryWatermarkOffsets(topic, p, 2_000, (err, o) => resolve(err ? 0 : o.highOffset - o.lowOffset)));
  }
  return n;
}

/** Resolves with performance.now() at the first look (every 10 ms) that finds `expected` messages in the topic. */
export async function waitForCount(client: Kafka.KafkaConsumer, topic: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const n = await topicCount(client, topic);
    if (n >= expected) return performance.now();
    if (performance.now() > deadline) throw new Error(`${topic} holds ${n} messages after ${timeoutMs} ms, expected ${expected}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Creates topics on the dev broker (its metadata request auto-creates them with 4 partitions). */
export async function createTopics(brokers: string, topics: readonly string[]): Promise<void> {
  const producer = new Kafka.Producer({ 'bootstrap.servers': brokers, 'allow.auto.create.topics': true } as Kafka.ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  for (const topic of topics) {
    await new Promise<void>((resolve, reject) => producer.getMetadata({ topic, timeout: 5_000 }, (err) => (err ? reject(err) : resolve())));
  }
  await disconnect(producer);
}
