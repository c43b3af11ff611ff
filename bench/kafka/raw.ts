/**
 * The plain node-rdkafka side of the Kafka benchmark, no Flywheel: consume-only (assign every partition from the
 * start, consume in batches until all messages arrived) and passthrough (the same, plus the stateless job's work:
 * parse, map, filter, serialize, produce with the same deterministic id header Flywheel's sink writes, so both put the
 * same bytes on the broker, and wait for every delivery report). Timed from the first consume call to
 * the last message (consume-only) or the last delivery report (passthrough). The same passthrough also runs as a
 * loop that takes what arrives (for latency at a paced rate, beside the Flywheel job's).
 */
import Kafka from 'node-rdkafka';
import { CONSUMER_TUNING, PRODUCER_TUNING, keepsEvent, type BenchEvent } from './events.js';
import { connectProducer, disconnect, PARTITIONS } from './topics.js';
import { derivedId, sourceRecordId } from '../../src/runtime/record-id.js';

async function assignedConsumer(brokers: string, topic: string): Promise<Kafka.KafkaConsumer> {
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': `bench-raw-${process.pid}`, 'enable.auto.commit': false, ...CONSUMER_TUNING },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({ topic }, (err) => (err ? reject(err) : resolve())));
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(20);
  return consumer;
}

function consumeBatch(consumer: Kafka.KafkaConsumer): Promise<Kafka.Message[]> {
  return new Promise((resolve, reject) => consumer.consume(10_000, (err, messages) => (err ? reject(err) : resolve(messages))));
}

/** Seconds to consume `expected` messages. */
export async function rawConsume(brokers: string, topic: string, expected: number): Promise<number> {
  const consumer = await assignedConsumer(brokers, topic);
  const t0 = performance.now();
  let n = 0;
  while (n < expected) n += (await consumeBatch(consumer)).length;
  const seconds = (performance.now() - t0) / 1000;
  await disconnect(consumer);
  if (n !== expected) throw new Error(`raw consume read ${n} messages, expected ${expected}`);
  return seconds;
}

/** Waits up to 20 ms for a first message, then takes what is already fetched (as the Flywheel source does). */
async function consumeArrived(consumer: Kafka.KafkaConsumer): Promise<Kafka.Message[]> {
  const take = (count: number, timeoutMs: number) =>
    new Promise<Kafka.Message[]>((resolve, reject) => {
      consumer.setDefaultConsumeTimeout(timeoutMs);
      consumer.consume(count, (err, messages) => (err ? reject(err) : resolve(messages)));
    });
  const messages = await take(1, 20);
  if (messages.length > 0) messages.push(...(await take(9_999, 0)));
  return messages;
}

function passOn(producer: Kafka.Producer, output: string, m: Kafka.Message): boolean {
  const e = JSON.parse(m.value!.toString()) as BenchEvent;
  const mapped = { ...e, cents: e.amount * 100 };
  if (!keepsEvent(mapped)) return false;
  const id = derivedId(sourceRecordId('events', m.partition, m.offset), 'paid', 'main', 0);
  producer.produce(output, null, Buffer.from(JSON.stringify(mapped)), m.key ?? null, mapped.ts, undefined, [{ 'flywheel-id': id }]);
  return true;
}

/** The passthrough as a loop over whatever arrives on `input`, until the returned stop() is awaited. */
export async function startRawPassthrough(brokers: string, input: string, output: string): Promise<{ stop(): Promise<void> }> {
  const consumer = await assignedConsumer(brokers, input);
  const producer = await connectProducer(brokers, PRODUCER_TUNING);
  let running = true;
  const loop = (async () => {
    while (running) for (const m of await consumeArrived(consumer)) passOn(producer, output, m);
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await new Promise<void>((resolve) => producer.flush(10_000, () => resolve()));
      await Promise.all([disconnect(consumer), disconnect(producer)]);
    },
  };
}

/** Seconds to consume `expected` messages and have every kept one acknowledged on `output`; also the outputs. */
export async function rawPassthrough(brokers: string, input: string, output: string, expected: number): Promise<{ seconds: number; outputs: number }> {
  const consumer = await assignedConsumer(brokers, input);
  const producer = await connectProducer(brokers, PRODUCER_TUNING);
  let produced = 0;
  let acked = 0;
  let failed: string | null = null;
  let allProduced = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  producer.on('delivery-report', (err) => {
    if (err) failed ??= err.message;
    if (++acked === produced && allProduced) finish();
  });
  const t0 = performance.now();
  for (let n = 0; n < expected; ) {
    const messages = await consumeBatch(consumer);
    n += messages.length;
    for (const m of messages) if (passOn(producer, output, m)) produced++;
  }
  allProduced = true;
  if (acked === produced) finish();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all([disconnect(consumer), disconnect(producer)]);
  if (failed) throw new Error(`raw passthrough delivery failed: ${failed}`);
  return { seconds, outputs: produced };
}
