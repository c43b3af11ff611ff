/**
 * What the dev broker (librdkafka's mock cluster, spawned in its own process) does, measured: the partition count of
 * an auto-created topic, whether a consumer's metadata request creates a topic, how much of a partition it retains
 * (1 KiB messages, 4 times its documented 5 MiB, then the log's start and end offsets), how long a consumer
 * group's first join takes (subscribe to the first assignment, over several fresh groups), and how long a new member
 * waits to join a group whose last member has just left (with a 6 s session timeout).
 */
import Kafka from 'node-rdkafka';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { median } from '../measure.js';
import { connectProducer, disconnect, offsetsClient } from './topics.js';

export interface MockLimitsFigure {
  bench: 'kafka-mock';
  autoCreatedPartitions: number;
  consumerMetadataCreatesTopic: boolean;
  messageBytes: number;
  producedMessages: number;
  retainedMessages: number;
  retainedMiB: number;
  logStartOffset: number;
  groupJoinMs: number[];
  groupJoinMedianMs: number;
  rejoinSessionTimeoutMs: number;
  rejoinMs: number;
}

const MESSAGE_BYTES = 1024;
/** A group join that takes longer than this is reported as a failure, not waited for. */
const JOIN_TIMEOUT_MS = 60_000;
/** The session timeout of the rejoin measurement: short, so the wait it causes is measured in seconds. */
const REJOIN_SESSION_TIMEOUT_MS = 6_000;

async function metadataPartitions(client: Kafka.Producer | Kafka.KafkaConsumer, topic: string): Promise<number> {
  const md = await new Promise<Kafka.Metadata>((resolve, reject) =>
    client.getMetadata({ topic, timeout: 5_000 }, (err, m) => (err ? reject(err) : resolve(m))),
  );
  return md.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
}

async function groupJoinMs(brokers: string, topic: string, group: string, sessionTimeoutMs = 45_000): Promise<number> {
  // rebalance_cb: node-rdkafka emits 'rebalance' (and assigns) only with it set; without it the wait below never ends.
  const consumer = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': group, 'enable.auto.commit': false, rebalance_cb: true, 'session.timeout.ms': sessionTimeoutMs },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
  const t0 = performance.now();
  const assigned = new Promise<number>((resolve) =>
    consumer.on('rebalance', (err) => err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS && resolve(performance.now())),
  );
  consumer.subscribe([topic]);
  consumer.setDefaultConsumeTimeout(50);
  let joined = 0;
  void assigned.then((t) => (joined = t));
  while (!joined && performance.now() - t0 < JOIN_TIMEOUT_MS) await new Promise<void>((resolve) => consumer.consume(1, () => resolve()));
  await disconnect(consumer);
  if (!joined) throw new Error(`consumer group ${group} got no assignment of ${topic} within ${JOIN_TIMEOUT_MS / 1000} s`);
  return Math.round(joined - t0);
}

export async function mockLimits(groups: number): Promise<MockLimitsFigure> {
  const broker = await spawnDevBroker();
  try {
    const producer = await connectProducer(broker.bootstrap);
    const autoCreatedPartitions = await metadataPartitions(producer, 'auto-created');
    const consumer = await offsetsClient(broker.bootstrap);
    await metadataPartitions(consumer, 'asked-by-consumer');
    const consumerMetadataCreatesTopic = (await metadataPartitions(consumer, 'asked-by-consumer')) > 0;

    const producedMessages = (20 * 2 ** 20) / MESSAGE_BYTES;
    const payload = Buffer.alloc(MESSAGE_BYTES, 'x');
    let acked = 0;
    const done = new Promise<void>((resolve) => producer.on('delivery-report', () => ++acked === producedMessages && resolve()));
    for (let i = 0; i < producedMessages; i++) producer.produce('retention', 0, payload, null);
    await done;
    const range = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
      consumer.queryWatermarkOffsets('retention', 0, 5_000, (err, o) => (err ? reject(err) : resolve(o))),
    );
    const retainedMessages = range.highOffset - range.lowOffset;
    await disconnect(producer);

    const joins: number[] = [];
    for (let g = 0; g < groups; g++) joins.push(await groupJoinMs(broker.bootstrap, 'auto-created', `join-${g}`));
    // A member joins and leaves; a second member then joins the same group.
    await groupJoinMs(broker.bootstrap, 'auto-created', 'rejoin', REJOIN_SESSION_TIMEOUT_MS);
    const rejoinMs = await groupJoinMs(broker.bootstrap, 'auto-created', 'rejoin', REJOIN_SESSION_TIMEOUT_MS);
    await disconnect(consumer);
    return {
      bench: 'kafka-mock',
      autoCreatedPartitions,
      consumerMetadataCreatesTopic,
      messageBytes: MESSAGE_BYTES,
      producedMessages,
      retainedMessages,
      retainedMiB: Number(((retainedMessages * MESSAGE_BYTES) / 2 ** 20).toFixed(2)),
      logStartOffset: range.lowOffset,
      groupJoinMs: joins,
      groupJoinMedianMs: median(joins),
      rejoinSessionTimeoutMs: REJOIN_SESSION_TIMEOUT_MS,
      rejoinMs,
    };
  } finally {
    await broker.stop();
  }
}
