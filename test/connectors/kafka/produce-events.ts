/**
 * Produces test events to a topic (partition = index mod 4, key = the event's user by default) and returns each event with the partition and
 * offset its delivery report gave, so a test can say exactly which records a given source offset covers.
 */
import Kafka from 'node-rdkafka';

export interface Placed<T> {
  value: T;
  partition: number;
  offset: number;
}

export async function produceEvents<T extends object>(
  brokers: string,
  topic: string,
  events: T[],
  keyOf: (event: T) => string = (e) => (e as { user: string }).user,
): Promise<Placed<T>[]> {
  const producer = new Kafka.Producer({
    'bootstrap.servers': brokers,
    dr_cb: true,
    'enable.idempotence': true,
    'linger.ms': 5,
    'queue.buffering.max.messages': 1_000_000,
  });
  const placed: Placed<T>[] = new Array(events.length);
  let remaining = events.length;
  let failure: Error | null = null;
  await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  const done = new Promise<void>((resolve) => {
    producer.on('delivery-report', (err, report) => {
      const i = report.opaque as number;
      if (err) failure ??= new Error(err.message);
      else placed[i] = { value: events[i]!, partition: report.partition, offset: report.offset };
      if (--remaining === 0) resolve();
    });
  });
  producer.setPollInterval(5);
  events.forEach((e, i) => producer.produce(topic, i % 4, Buffer.from(JSON.stringify(e)), keyOf(e), Date.now(), i));
  if (events.length > 0) await done;
  // Polling stops before the disconnect frees the client (a poll during it crashes: src/connectors/kafka/kafka-sink.ts).
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  if (failure) throw failure;
  return placed;
}
