/**
 * Reads every message of a topic (all 4 partitions of the dev broker, each in offset order) with its key, timestamp
 * and `flywheel-id` header, for tests; the value both as text and as the bytes on the topic (for msgpack).
 */
import Kafka from 'node-rdkafka';

export interface ReadMessage {
  id: string | null;
  key: string | null;
  timestamp: number | null;
  value: string;
  bytes: Buffer;
}

/**
 * Fails at once when the broker no longer holds a partition's first messages (the dev broker's retention), and,
 * saying how far each partition got, when the topic's messages up to its high watermarks do not all arrive within
 * `deadlineMs`.
 */
export async function readTopic(brokers: string, topic: string, deadlineMs = 30_000): Promise<ReadMessage[]> {
  const deadline = Date.now() + deadlineMs;
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': brokers, 'group.id': `reader-${topic}-${Date.now()}`, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ topic }, (err) => (err ? reject(err) : resolve())));
  const ends = new Map<number, number>();
  for (let p = 0; p < 4; p++) {
    // A topic nothing was written to yet has no partitions: it reads as empty.
    const range = await new Promise<{ lowOffset: number; highOffset: number }>((resolve) =>
      consumer.queryWatermarkOffsets(topic, p, 5_000, (err, o) => resolve(err ? { lowOffset: 0, highOffset: 0 } : o)),
    );
    if (range.lowOffset > 0) {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      throw new Error(
        `reading ${topic} from ${brokers}: partition ${p} no longer holds offsets below ${range.lowOffset} of ${range.highOffset} (the dev broker keeps at most 5 MB per partition): write less`,
      );
    }
    ends.set(p, range.highOffset);
  }
  consumer.assign([...ends.keys()].map((partition) => ({ topic, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(50);
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  const out: ReadMessage[] = [];
  while ([...ends].some(([p, end]) => next.get(p)! < end)) {
    if (Date.now() > deadline) {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      const progress = [...ends].map(([p, end]) => `partition ${p}: ${next.get(p)} of ${end}`).join(', ');
      throw new Error(`reading ${topic} from ${brokers}: not all messages arrived within ${deadlineMs} ms (${progress})`);
    }
    const messages = await new Promise<Kafka.Message[]>((resolve, reject) => consumer.consume(5_000, (err, m) => (err ? reject(err) : resolve(m))));
    for (const m of messages) {
      next.set(m.partition, m.offset + 1);
      const header = m.headers?.find((h) => 'flywheel-id' in h);
      const bytes = m.value ?? Buffer.alloc(0);
      out.push({
        id: header ? String(header['flywheel-id']) : null,
        key: m.key === undefined || m.key === null ? null : m.key.toString(),
        timestamp: m.timestamp ?? null,
        value: bytes.toString(),
        bytes,
      });
    }
  }
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  return out;
}
