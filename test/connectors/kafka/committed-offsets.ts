/**
 * The offsets a consumer group has committed for a topic, as the broker holds them, for tests that wait for a job's
 * commit. The reading consumer never subscribes, so it does not join (or disturb) the group.
 */
import Kafka from 'node-rdkafka';

/** Committed offset (the next to read) per partition; partitions without a commit are left out. */
export async function committedOffsets(brokers: string, groupId: string, topic: string, partitions: readonly number[]): Promise<Map<number, number>> {
  const consumer = new Kafka.KafkaConsumer({ 'bootstrap.servers': brokers, 'group.id': groupId, 'enable.auto.commit': false }, {});
  await new Promise<void>((resolve, reject) => consumer.connect({ topic }, (err) => (err ? reject(err) : resolve())));
  try {
    const offsets = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      consumer.committed(
        partitions.map((partition) => ({ topic, partition })),
        5_000,
        (err, list) => (err ? reject(err) : resolve(list)),
      ),
    );
    // librdkafka reports a partition without a commit as a negative offset (OFFSET_INVALID).
    return new Map(offsets.filter((o) => o.offset >= 0).map((o) => [o.partition, o.offset]));
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
