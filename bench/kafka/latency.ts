/**
 * Latency through Kafka at a fixed offered rate: a producer paced every 5 ms sends events whose event time is the
 * wall clock at send, and a reader of the output topic records, for each output, receive time minus the earliest
 * moment the output could exist: its timestamp (the input's event time for a one-to-one output, the window's end
 * for a window result) plus `readyAfter` (the watermark delay for windowed results), over `seconds` after a warm-up
 * (below). The benchmark runs both in a process of their own
 * (latency-client.ts), so the job under test keeps its main thread to itself.
 */
import Kafka from 'node-rdkafka';
import { TDigest } from 'tdigest';
import { keepsEvent, type BenchEvent } from './events.js';
import { connectProducer, disconnect, PARTITIONS } from './topics.js';

/**
 * Outputs of events sent in the first seconds are counted but not timed: the clients' first metadata and
 * producer-id requests, and the job's cold start (code not yet optimized by the JIT, consumers starting to fetch),
 * which leaves a backlog that takes a second or more to drain. The rate is offered for this long before `seconds`.
 */
export const WARM_UP_MS = 3_000;

export interface LatencyResult {
  offered: number;
  outputs: number;
  expectedOutputs: number | null;
  p50Ms: number;
  p99Ms: number;
}

export interface LatencyRun {
  brokers: string;
  input: string;
  output: string;
  rate: number;
  seconds: number;
  readyAfter: number;
  users: number;
  /** True when every kept input yields one output (then the count is checked). */
  oneToOne: boolean;
}

function take(reader: Kafka.KafkaConsumer, count: number, timeoutMs: number): Promise<Kafka.Message[]> {
  reader.setDefaultConsumeTimeout(timeoutMs);
  return new Promise((resolve, reject) => reader.consume(count, (err, m) => (err ? reject(err) : resolve(m))));
}

export async function pacedLatency(o: LatencyRun): Promise<LatencyResult> {
  const reader = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': o.brokers, 'group.id': `bench-latency-${process.pid}`, 'enable.auto.commit': false, 'fetch.wait.max.ms': 5 },
    {},
  );
  await new Promise<void>((resolve, reject) => reader.connect({ topic: o.output }, (err) => (err ? reject(err) : resolve())));
  reader.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: o.output, partition, offset: 0 })));
  const digest = new TDigest();
  const warmedUpAt = Date.now() + WARM_UP_MS;
  let outputs = 0;
  let reading = true;
  let lastOutputAt = performance.now();
  const readLoop = (async () => {
    while (reading) {
      // Wait for one message, then take what is already fetched (consume(n) alone waits for each of n messages).
      const messages = await take(reader, 1, 5);
      if (messages.length > 0) messages.push(...(await take(reader, 10_000, 0)));
      const now = Date.now();
      for (const m of messages) if (m.timestamp! >= warmedUpAt) digest.push(Math.max(0, now - (m.timestamp! + o.readyAfter)));
      if (messages.length > 0) lastOutputAt = performance.now();
      outputs += messages.length;
    }
  })();

  const producer = await connectProducer(o.brokers);
  const sendSeconds = WARM_UP_MS / 1000 + o.seconds;
  let seed = 11;
  const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  let sent = 0;
  let kept = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      const due = Math.min(Math.floor(o.rate * elapsed), Math.round(o.rate * sendSeconds)) - sent;
      const ts = Date.now();
      for (let i = 0; i < due; i++, sent++) {
        const e: BenchEvent = { user: `u${Math.floor(next() * o.users)}`, ts, amount: Math.floor(next() * 100) };
        if (keepsEvent(e)) kept++;
        producer.produce(o.input, sent % PARTITIONS, Buffer.from(JSON.stringify(e)), e.user, ts);
      }
      if (elapsed >= sendSeconds) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await new Promise<void>((resolve) => producer.flush(10_000, () => resolve()));
  const expected = o.oneToOne ? kept : null;
  // Wait for the outputs: all of them when their number is known, else until none came for a second.
  const deadline = performance.now() + 20_000;
  while (performance.now() < deadline && (expected !== null ? outputs < expected : performance.now() - lastOutputAt < 1_000)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  reading = false;
  await readLoop;
  await Promise.all([disconnect(reader), disconnect(producer)]);
  return {
    offered: o.rate,
    outputs,
    expectedOutputs: expected,
    p50Ms: Number(digest.percentile(0.5).toFixed(1)),
    p99Ms: Number(digest.percentile(0.99).toFixed(1)),
  };
}
