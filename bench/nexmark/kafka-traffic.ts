/**
 * Traffic process of the Kafka-in Kafka-out Nexmark benchmark (forked by measure-kafka-query.ts, with IPC):
 * - produces the Nexmark events to the input topic (stream position m to partition m % 4, as the generator's
 *   partitions), then one end marker per partition whose far-future event time carries every watermark past every
 *   window, as a bounded source's end does; production stays at most `aheadBytes` per partition ahead of what the
 *   job has read (the parent reports that), so the dev broker's ~5 MiB per-partition retention never drops unread data;
 * - counts the messages on the output topic, checking per partition that offsets run on without a gap (a gap would
 *   mean retention dropped outputs before they were counted).
 * Reports { produced, outputs, gaps } to the parent every 20 ms; exits when the parent says `stop`.
 */
import Kafka from 'node-rdkafka';
import { encodeRecord } from '../../src/connectors/record-decode.js';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { childOptions } from '../child-process.js';

export interface TrafficOptions {
  bootstrap: string;
  input: string;
  output: string;
  events: number;
  aheadBytes: number;
}

export interface TrafficReport {
  produced: number;
  outputs: number;
  gaps: number;
}

/** How far past the last event the end markers lie: one day of event time, beyond every window. */
const END_MARKER_DELAY = 86_400_000;
const PARTITIONS = 4;
const o = childOptions<TrafficOptions>();
let jobRead = 0;
let stopping = false;
process.once('disconnect', () => process.exit(1));
process.on('message', (m: { read?: number; stop?: boolean }) => {
  if (m.read !== undefined) jobRead = m.read;
  if (m.stop) stopping = true;
});

const producer = new Kafka.Producer({
  'bootstrap.servers': o.bootstrap,
  'linger.ms': 5,
  'queue.buffering.max.messages': 200_000,
  'batch.num.messages': 10_000,
} as Kafka.ProducerGlobalConfig);
await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
producer.setPollInterval(10);

const counter = new Kafka.KafkaConsumer(
  {
    'bootstrap.servers': o.bootstrap,
    'group.id': `count-${o.output}`,
    'enable.auto.commit': false,
    'enable.partition.eof': false,
    'fetch.wait.max.ms': 10,
  } as Kafka.ConsumerGlobalConfig,
  { 'auto.offset.reset': 'earliest' },
);
await new Promise<void>((resolve, reject) => counter.connect({}, (err) => (err ? reject(err) : resolve())));
counter.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: o.output, partition, offset: 0 })));
counter.setDefaultConsumeTimeout(20);

const report: TrafficReport = { produced: 0, outputs: 0, gaps: 0 };
const nextOffset = new Array<number>(PARTITIONS).fill(0);
const counting = (async () => {
  while (!stopping) {
    const messages = await new Promise<Kafka.Message[]>((resolve) => counter.consume(10_000, (err, ms) => resolve(err ? [] : ms)));
    for (const m of messages) {
      if (m.offset !== nextOffset[m.partition]) report.gaps++;
      nextOffset[m.partition] = m.offset + 1;
      report.outputs++;
    }
  }
})();
const reporter = setInterval(() => process.send!(report), 20);
process.send!({ ready: true });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let bytes = 0;
let lastTime = 0;
const send = async (partition: number, value: Buffer) => {
  for (;;) {
    try {
      producer.produce(o.input, partition, value, null);
      return;
    } catch {
      await pause(2);
    }
  }
};
for (const e of nexmarkEvents({ count: o.events, partitions: PARTITIONS }) as Iterable<{ dateTime: number }>) {
  const value = encodeRecord(e, 'msgpack');
  bytes += value.length + 20;
  lastTime = Math.max(lastTime, e.dateTime);
  // Allowed ahead of the job's reading, over all partitions (each holds a quarter): aheadBytes each.
  while ((report.produced - jobRead) * (bytes / (report.produced + 1)) > o.aheadBytes * PARTITIONS && !stopping) await pause(2);
  await send(report.produced % PARTITIONS, value);
  report.produced++;
  if (report.produced % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve));
}
for (let p = 0; p < PARTITIONS; p++) await send(p, encodeRecord({ kind: 'end', dateTime: lastTime + END_MARKER_DELAY }, 'msgpack'));
await new Promise<void>((resolve) => producer.flush(30_000, () => resolve()));

while (!stopping) await pause(20);
clearInterval(reporter);
await counting;
// Polling stops before the disconnect frees the client (a poll during it crashes: src/connectors/kafka/kafka-sink.ts).
producer.setPollInterval(0);
await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
await new Promise<void>((resolve) => counter.disconnect(() => resolve()));
process.exit(0);
