/**
 * The Kafka sink (type `kafka`): a node-rdkafka Producer with delivery reports and idempotence. Every message
 * carries the record's deterministic id in the `flywheel-id` header (consumers deduplicate with it) plus the record's
 * own headers; the key is the record's key. The topic may be a template naming fields of the record
 * (`actions.{channel}`: a topic per channel, topic-template.ts); a record it gives no topic for is refused. write() resolves only when every message has its delivery report, and
 * rejects on a failed report, so the runtime keeps the outbox entry and retries. While the broker is unreachable,
 * librdkafka holds produced messages and retries them (up to `message.timeout.ms`, 5 minutes by default); health()
 * says why (a metadata request every `healthInterval`), and outputs stay in the outbox until acknowledged.
 * A fatal producer error (librdkafka's ERR__FATAL: an idempotent producer whose sequence numbers the cluster no
 * longer knows, as after a cluster lost its state) leaves that producer unusable for good, so the next write
 * replaces it with a new one (a new producer id); the outputs whose delivery failed are still in the outbox and are
 * sent again, as Kafka clients recreate a producer after such errors.
 */
import type Kafka from 'node-rdkafka';
import { loadRdkafka } from './rdkafka.js';
import { checkKafkaSettings } from './kafka-config-check.js';
import { MAX_TIMER_MS } from '../../core/durations.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { SinkConnector, SinkRecord, SinkRefusal, SinkType } from '../connector.js';
import { BrokerProbe } from './broker-probe.js';
import { commonProperties, type KafkaCommonOptions } from './kafka-options.js';
import { encodeRecord } from '../record-decode.js';
import { compileTopicTemplate, type TopicTemplate } from './topic-template.js';

export interface KafkaSinkOptions extends KafkaCommonOptions {
  connectTimeout: number;
  healthInterval: number;
}

interface Pending {
  remaining: number;
  failed: Error | null;
  done: () => void;
}

class KafkaSink implements SinkConnector {
  readonly destination: string;
  readonly pipelined = true;
  /** Batches are produced one after another, so messages keep the order of write() calls. */
  private producing: Promise<void> = Promise.resolve();
  private producer: Kafka.Producer | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextBatch = 0;
  private problem: string | null = null;
  private probe: BrokerProbe | null = null;
  private readonly topics: TopicTemplate;

  constructor(
    readonly id: string,
    private readonly o: KafkaSinkOptions,
  ) {
    this.destination = `kafka:${o.topic}`;
    this.topics = checkedTopicTemplate(o.topic, id);
  }

  private queueFullCode = 0;
  private fatalCode = 0;
  /** Why the producer is unusable (a fatal error), until write() replaces it. */
  private fatal: string | null = null;
  private replacing = false;

  async open(): Promise<void> {
    const rdkafka = await loadRdkafka();
    this.queueFullCode = rdkafka.CODES.ERRORS.ERR__QUEUE_FULL;
    this.fatalCode = rdkafka.CODES.ERRORS.ERR__FATAL;
    this.producer = await this.connectProducer();
    const timeout = Math.min(this.o.connectTimeout, 2 * this.o.healthInterval);
    const check = () =>
      new Promise<void>((resolve, reject) => {
        if (this.producer === null) reject(new Error('the producer is being replaced'));
        else this.producer.getMetadata({ timeout }, (err) => (err ? reject(err) : resolve()));
      });
    this.probe = new BrokerProbe(this.o.brokers, check, this.o.healthInterval);
    this.probe.start();
  }

  private async connectProducer(): Promise<Kafka.Producer> {
    const rdkafka = await loadRdkafka();
    const producer = new rdkafka.Producer({
      'bootstrap.servers': this.o.brokers,
      dr_cb: true,
      'enable.idempotence': true,
      'linger.ms': 5,
      'queue.buffering.max.messages': 500_000,
      ...(this.o.rdkafka ?? {}),
    } as Kafka.ProducerGlobalConfig);
    producer.on('event.error', (err) => {
      this.probe?.noteEvent(err.message);
      if (this.isFatal(err) && producer === this.producer) this.failProducer(err.message);
    });
    producer.on('delivery-report', (err, report) => {
      // A replaced producer's late reports never fail the batches of the one after it.
      if (err && this.isFatal(err) && producer === this.producer) this.failProducer(err.message);
      const batch = this.pending.get(report.opaque as number);
      if (!batch) return;
      if (err) batch.failed ??= new Error(err.message);
      if (--batch.remaining === 0) batch.done();
    });
    await new Promise<void>((resolve, reject) => producer.connect({ timeout: this.o.connectTimeout }, (err) => (err ? reject(err) : resolve()))).catch(
      (err: Error) => {
        throw new FlywheelError(
          ErrorCodes.BROKER_UNAVAILABLE,
          `cannot reach Kafka at ${this.o.brokers}: ${err.message}`,
          { stepId: this.id, topic: this.o.topic },
          'start the broker (flywheel broker for development) or fix `brokers`',
        );
      },
    );
    producer.setPollInterval(5);
    return producer;
  }

  private isFatal(err: Kafka.LibrdKafkaError): boolean {
    return err.isFatal === true || err.code === this.fatalCode;
  }

  /**
   * The producer hit a fatal error: every batch waiting for delivery reports fails now (this producer will deliver
   * none of them; the runtime keeps them in the outbox and writes them again), and the next write replaces it.
   */
  private failProducer(reason: string): void {
    if (this.fatal !== null) return;
    this.fatal = reason;
    for (const batch of [...this.pending.values()]) {
      batch.failed ??= new Error(`producer failed: ${reason}`);
      batch.done();
    }
  }

  /** Replaces a producer left unusable by a fatal error; its undelivered messages are dropped, not flushed. */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = null;
    if (old) await disconnectWithoutFlush(old);
    this.producer = await this.connectProducer();
    this.fatal = null;
  }

  async write(all: readonly SinkRecord[]): Promise<readonly SinkRefusal[]> {
    const { records, topics, refused } = this.route(all);
    if (records.length === 0) return refused;
    if (this.fatal !== null && !this.replacing) {
      this.replacing = true;
      this.producing = this.producing.then(() => this.replaceProducer()).finally(() => (this.replacing = false));
    }
    const batchId = this.nextBatch++;
    const delivered = new Promise<void>((resolve, reject) => {
      const batch: Pending = {
        remaining: records.length,
        failed: null,
        done: () => {
          this.pending.delete(batchId);
          if (batch.failed) {
            this.problem = `delivery failed: ${batch.failed.message}`;
            reject(batch.failed);
          } else {
            this.problem = null;
            this.probe?.noteReached();
            resolve();
          }
        },
      };
      this.pending.set(batchId, batch);
    });
    // A failed delivery may be reported while the batch is still being produced; the caller sees it below.
    delivered.catch(() => undefined);
    const produced = this.producing.then(async () => {
      // Every value is encoded before the first is produced: a record that cannot be encoded fails the whole batch
      // with nothing of it sent, so a retry never sends part of a batch twice.
      const values = records.map((r) => this.encode(r));
      const producer = this.producer!;
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        const headers: Kafka.MessageHeader[] = [{ 'flywheel-id': r.id }, ...Object.entries(r.headers ?? {}).map(([k, v]) => ({ [k]: v }))];
        await this.produce(producer, topics[i]!, r, values[i]!, headers, batchId);
      }
    });
    this.producing = produced.catch(() => undefined);
    try {
      await produced;
    } catch (err) {
      this.pending.delete(batchId);
      throw err;
    }
    await delivered;
    return refused;
  }

  /** The records to produce with their topics, and those the topic template refuses. */
  private route(all: readonly SinkRecord[]): { records: readonly SinkRecord[]; topics: string[]; refused: SinkRefusal[] } {
    const fixed = this.topics.fixed;
    if (fixed !== null) return { records: all, topics: all.map(() => fixed), refused: [] };
    const records: SinkRecord[] = [];
    const topics: string[] = [];
    const refused: SinkRefusal[] = [];
    for (const record of all) {
      const choice = this.topics.topicOf(record.value);
      if ('refusal' in choice) refused.push({ record, reason: choice.refusal });
      else {
        records.push(record);
        topics.push(choice.topic);
      }
    }
    return { records, topics, refused };
  }

  /** A value that cannot be encoded will never be: FW_ERR_UNDELIVERABLE, which delivery does not retry. */
  private encode(r: SinkRecord): Buffer {
    try {
      return encodeRecord(r.value, this.o.format);
    } catch (err) {
      throw new FlywheelError(
        ErrorCodes.UNDELIVERABLE,
        `record ${r.id} cannot be encoded as ${this.o.format}: ${(err as Error).message}`,
        { stepId: this.id, topic: this.o.topic },
        'make the step that feeds this sink emit plain data (no cycles, no deep nesting)',
        err,
      );
    }
  }

  /** Produces one message, waiting while librdkafka's local queue is full. */
  private async produce(producer: Kafka.Producer, topic: string, r: SinkRecord, value: Buffer, headers: Kafka.MessageHeader[], batchId: number): Promise<void> {
    for (;;) {
      try {
        producer.produce(topic, null, value, r.key ?? null, Math.floor(r.timestamp), batchId, headers);
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== this.queueFullCode) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  health(): { ready: boolean; reason?: string } {
    const reason = this.probe?.problem ?? (this.fatal === null ? null : `producer failed: ${this.fatal}`) ?? this.problem;
    return reason ? { ready: false, reason } : { ready: true };
  }

  /**
   * Disconnects without waiting for deliveries: the runner closes sinks only after it waited for every
   * acknowledgement (for up to its stopTimeout on a stop), and an output without one is still in the outbox.
   */
  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.probe?.stop();
    if (producer) await disconnectWithoutFlush(producer);
  }
}

/**
 * node-rdkafka's Producer.disconnect flushes first (5 s by default); a flush timeout of 0 skips the wait. Polling
 * stops first: node-rdkafka stops its poll timer only once the disconnect is done, and a poll that runs while the
 * disconnect frees the client on a libuv thread crashes the process (SIGSEGV in Producer::NodePoll, seen in the
 * sink outage tests).
 */
function disconnectWithoutFlush(producer: Kafka.Producer): Promise<void> {
  producer.setPollInterval(0);
  return new Promise<void>((resolve) => producer.disconnect(0, () => resolve()));
}

function checkedTopicTemplate(topic: string, stepId: string): TopicTemplate {
  const template = compileTopicTemplate(topic);
  if (typeof template === 'string')
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `Kafka sink '${stepId}': ${template}`,
      { stepId, path: 'connector.topic' },
      'write a topic name, or a template such as actions.{channel} (docs/kafka.md, "A topic per record")',
    );
  return template;
}

export const kafkaSinkType: SinkType<KafkaSinkOptions> = {
  type: 'kafka',
  optionsSchema: {
    type: 'object',
    properties: {
      ...commonProperties,
      topic: {
        type: 'string',
        pattern: '^([A-Za-z0-9._-]|\\{[A-Za-z_][A-Za-z0-9_.]*\\})+$',
        description: 'a topic name, or a template naming record fields in braces: actions.{channel}',
      },
      connectTimeout: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS, default: 10_000 },
      healthInterval: { type: 'integer', minimum: 50, maximum: MAX_TIMER_MS, default: 1_000 },
    },
    required: ['topic', 'brokers'],
    additionalProperties: false,
  },
  create: (options, ctx) => new KafkaSink(ctx.stepId, options),
  checkOptions: async (options, ctx) => {
    checkedTopicTemplate(options.topic, ctx.stepId);
    await checkKafkaSettings('sink', options, ctx.stepId);
  },
};
