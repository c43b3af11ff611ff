/**
 * The Kafka source (type `kafka`): a node-rdkafka KafkaConsumer in non-flowing mode, assigned the topic's partitions
 * at the offsets the state store says come next (state is the source of truth; a missing offset starts at the
 * beginning), read in batches. A message that does not decode, or breaks a record limit (`maxMessageBytes`,
 * `maxDepth`, `maxKeys`: record-limits.ts), becomes an error record (dead letter), never a crash. `commit()` stores offsets state has applied in the consumer group so lag shows
 * in standard Kafka tooling. While the broker is unreachable, poll() returns nothing and health() says why (a probe
 * asks for the partitions' offsets every `healthInterval`). A stored offset the broker's log no longer covers (the
 * topic was recreated or emptied, retention deleted unread records) stops the job with FW_ERR_SOURCE naming the
 * partition and offset: librdkafka runs with `auto.offset.reset=error`, so it never jumps silently. pause() and
 * resume() stop and restart fetching (backpressure); pausing drops what librdkafka had fetched ahead.
 */
import type Kafka from 'node-rdkafka';
import { loadRdkafka } from './rdkafka.js';
import { checkKafkaSettings } from './kafka-config-check.js';
import { MAX_TIMER_MS } from '../../core/durations.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { ConnectorContext, SourceConnector, SourceOpenOptions, SourceRecord, SourceType } from '../connector.js';
import { BrokerProbe } from './broker-probe.js';
import { commonProperties, type KafkaCommonOptions } from './kafka-options.js';
import { decodeRecord } from '../record-decode.js';
import { recordLimitProperties, recordLimitsOf, sizeViolation, type RecordLimits } from '../record-limits.js';
import { offsetOutOfRange } from './offset-range.js';

export interface KafkaSourceOptions extends KafkaCommonOptions, Partial<RecordLimits> {
  groupId?: string;
  /** Read up to the end offsets found at start, then finish (a bounded replay, as Flink's bounded Kafka source). */
  bounded: boolean;
  maxMessageBytes: number;
  connectTimeout: number;
  /** How often connectivity and the stored offsets' range are checked (ms). */
  healthInterval: number;
}

const OFFSET_BEGINNING = -2;
/** librdkafka's code when a fetch offset is out of range and `auto.offset.reset` is `error`. */
const ERR_AUTO_OFFSET_RESET = -140;
const FIRST_MESSAGE_WAIT_MS = 20;
/** The bytes of a message over `maxMessageBytes` that its dead letter keeps. */
const RAW_KEPT_OF_OVERSIZED = 1024;

class KafkaSource implements SourceConnector {
  readonly origin: string;
  readonly waitsForRecords = true;
  private consumer: Kafka.KafkaConsumer | null = null;
  private partitionIds: number[] = [];
  private readonly next = new Map<number, number>();
  private problem: string | null = null;
  private probe: BrokerProbe | null = null;
  /** Partitions whose next offset came from state or a consumed message (others start at the log's beginning). */
  private readonly positioned = new Set<number>();
  /** Set once a stored offset is found out of range at the broker; poll() throws it. */
  private fatal: FlywheelError | null = null;
  /** End offsets of a bounded source, taken when it opened. */
  private readonly ends = new Map<number, number>();
  private readonly limits: RecordLimits;

  constructor(
    readonly id: string,
    private readonly o: KafkaSourceOptions,
    private readonly jobName: string,
  ) {
    this.origin = `kafka:${o.topic}`;
    this.limits = recordLimitsOf(o);
  }

  async open(options: SourceOpenOptions): Promise<void> {
    const rdkafka = await loadRdkafka();
    const consumer = new rdkafka.KafkaConsumer(
      {
        'bootstrap.servers': this.o.brokers,
        'group.id': this.o.groupId ?? `flywheel-${this.jobName}`,
        'enable.auto.commit': false,
        'enable.partition.eof': false,
        'queued.min.messages': 20_000,
        'fetch.wait.max.ms': 10,
        // librdkafka (2.x) postpones a partition's next fetch by this much once its local queue passed the
        // thresholds above; at its default of 1 s a consumer that drains its queue in one poll then waits with an
        // empty queue: Nexmark read from Kafka at 24k events/s with it, 103k with 10 ms (bench/RESULTS.md).
        'fetch.queue.backoff.ms': 10,
        'socket.keepalive.enable': true,
        ...(this.o.rdkafka ?? {}),
      } as Kafka.ConsumerGlobalConfig,
      { 'auto.offset.reset': 'error' },
    );
    consumer.on('event.error', (err) => this.probe?.noteEvent(err.message));
    const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
      consumer.connect({ topic: this.o.topic, timeout: this.o.connectTimeout }, (err, md) => (err ? reject(err) : resolve(md))),
    ).catch((err: Error) => {
      throw new FlywheelError(
        ErrorCodes.BROKER_UNAVAILABLE,
        `cannot reach Kafka at ${this.o.brokers}: ${err.message}`,
        { stepId: this.id, topic: this.o.topic },
        'start the broker (flywheel broker for development) or fix `brokers`',
      );
    });
    const topic = metadata.topics.find((t) => t.name === this.o.topic);
    if (!topic || topic.partitions.length === 0) {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      throw new FlywheelError(
        ErrorCodes.SOURCE,
        `topic ${this.o.topic} has no partitions at ${this.o.brokers}`,
        { stepId: this.id, topic: this.o.topic },
        'create the topic first',
      );
    }
    this.partitionIds = topic.partitions.map((p) => p.id).sort((a, b) => a - b);
    for (const p of this.partitionIds) this.next.set(p, options.startOffsets.get(p) ?? 0);
    for (const p of options.startOffsets.keys()) this.positioned.add(p);
    consumer.assign(this.partitionIds.map((p) => ({ topic: this.o.topic, partition: p, offset: options.startOffsets.get(p) ?? OFFSET_BEGINNING })));
    this.consumer = consumer;
    this.probe = new BrokerProbe(this.o.brokers, () => this.checkOffsets(consumer), this.o.healthInterval);
    this.probe.start();
    if (this.o.bounded) {
      for (const p of this.partitionIds) {
        const high = await new Promise<number>((resolve, reject) =>
          consumer.queryWatermarkOffsets(this.o.topic, p, this.o.connectTimeout, (err, offsets) => (err ? reject(err) : resolve(offsets.highOffset))),
        );
        this.ends.set(p, high);
      }
    }
  }

  /** A topic read live carries events stamped about now; a bounded replay reads history. */
  get followsClock(): boolean {
    return !this.o.bounded;
  }

  partitions(): readonly number[] {
    return this.partitionIds;
  }

  /**
   * Waits up to 20 ms for a first message, then takes only what is already fetched. (node-rdkafka's consume(n) waits
   * up to its timeout for *each* message, so a steady stream would hold a poll until n messages arrived.)
   */
  async poll(max: number): Promise<SourceRecord[]> {
    if (this.fatal) throw this.fatal;
    const consumer = this.consumer!;
    const first = await this.consume(consumer, 1, FIRST_MESSAGE_WAIT_MS);
    if (first instanceof Error) return this.consumeFailed(consumer, first);
    if (first.length === 0 || max <= 1) return first;
    const rest = await this.consume(consumer, Math.min(max, 10_000) - 1, 0);
    // An error after the first message is not lost: the probe finds an offset out of range on its own.
    if (rest instanceof Error) return first;
    rest.unshift(first[0]!);
    return rest;
  }

  private async consumeFailed(consumer: Kafka.KafkaConsumer, err: Error): Promise<SourceRecord[]> {
    if ((err as { code?: number }).code !== ERR_AUTO_OFFSET_RESET) {
      this.problem = `consume failed: ${err.message}`;
      return [];
    }
    // Which partition is out of range: ask the broker for every partition's log now.
    await this.checkOffsets(consumer).catch(() => undefined);
    throw (
      this.fatal ??
      new FlywheelError(
        ErrorCodes.SOURCE,
        `an offset of topic ${this.o.topic} is out of range at ${this.o.brokers}: ${err.message}`,
        { stepId: this.id, topic: this.o.topic },
        'see docs/kafka.md, "When the broker loses data"',
      )
    );
  }

  private consume(consumer: Kafka.KafkaConsumer, count: number, timeoutMs: number): Promise<SourceRecord[] | Error> {
    consumer.setDefaultConsumeTimeout(timeoutMs);
    return new Promise((resolve) => {
      consumer.consume(count, (err, messages) => {
        if (err) return resolve(Object.assign(new Error(err.message), { code: err.code }));
        if (messages.length > 0) this.problem = null;
        resolve(messages.map((m) => this.toRecord(m)));
      });
    });
  }

  /** The probe's check: every partition's log range, compared with the next offset to read. */
  private async checkOffsets(consumer: Kafka.KafkaConsumer): Promise<void> {
    for (const p of this.partitionIds) {
      // Taken before asking: offsets read meanwhile may lie past the end the broker reports.
      const next = this.next.get(p) ?? 0;
      const range = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
        consumer.queryWatermarkOffsets(this.o.topic, p, Math.min(this.o.connectTimeout, 2 * this.o.healthInterval), (err, offsets) =>
          err ? reject(err) : resolve(offsets),
        ),
      );
      const positioned = this.positioned.has(p) || next > 0;
      if (!this.fatal && (next > range.highOffset || (positioned && next < range.lowOffset))) {
        this.fatal = offsetOutOfRange({
          stepId: this.id,
          topic: this.o.topic,
          brokers: this.o.brokers,
          partition: p,
          next,
          low: range.lowOffset,
          high: range.highOffset,
        });
      }
    }
  }

  pause(): void {
    this.consumer?.pause(this.partitionIds.map((partition) => ({ topic: this.o.topic, partition })));
  }

  resume(): void {
    this.consumer?.resume(this.partitionIds.map((partition) => ({ topic: this.o.topic, partition })));
  }

  private toRecord(m: Kafka.Message): SourceRecord {
    this.next.set(m.partition, m.offset + 1);
    const key = m.key === undefined || m.key === null ? null : m.key.toString();
    const base = { partition: m.partition, offset: m.offset, key, timestamp: m.timestamp ?? null };
    const bytes = m.value ?? Buffer.alloc(0);
    if (bytes.length > this.o.maxMessageBytes) {
      return {
        ...base,
        value: undefined,
        error: sizeViolation(bytes.length, this.o.maxMessageBytes, 'maxMessageBytes'),
        raw: bytes.subarray(0, RAW_KEPT_OF_OVERSIZED),
      };
    }
    const decoded = decodeRecord(bytes, this.o.format, this.limits);
    return 'value' in decoded ? { ...base, value: decoded.value } : { ...base, value: undefined, error: decoded.error, raw: bytes };
  }

  finished(): boolean {
    return this.o.bounded && this.partitionIds.every((p) => (this.next.get(p) ?? 0) >= (this.ends.get(p) ?? 0));
  }

  async commit(applied: ReadonlyMap<number, number>): Promise<void> {
    const offsets = [...applied].filter(([, next]) => next > 0).map(([partition, offset]) => ({ topic: this.o.topic, partition, offset }));
    // While the broker is unreachable, commits would only queue up (and hold up close() until they time out).
    if (offsets.length === 0 || !this.consumer || this.probe?.problem || this.fatal) return;
    try {
      this.consumer.commit(offsets);
    } catch (err) {
      this.problem = `offset commit failed: ${(err as Error).message}`;
    }
  }

  health(): { ready: boolean; reason?: string } {
    const reason = this.fatal?.detail ?? this.probe?.problem ?? this.problem;
    return reason ? { ready: false, reason } : { ready: true };
  }

  lag(): ReadonlyMap<number, number> | undefined {
    if (!this.consumer) return undefined;
    const lag = new Map<number, number>();
    for (const p of this.partitionIds) {
      try {
        const { highOffset } = this.consumer.getWatermarkOffsets(this.o.topic, p);
        if (highOffset >= 0) lag.set(p, Math.max(0, highOffset - (this.next.get(p) ?? 0)));
      } catch {
        return undefined;
      }
    }
    return lag;
  }

  /**
   * Waits for the consumer to close for at most `connectTimeout`: with its broker gone, librdkafka's close waits for
   * the group coordinator until requests time out (44 s measured with the dev broker killed), and a stopping job
   * must not wait that long. The close goes on in the background; offsets the job applied are in its state anyway.
   */
  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.probe?.stop();
    if (!consumer) return;
    let timer: NodeJS.Timeout | undefined;
    const disconnected = new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
    await Promise.race([disconnected, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.connectTimeout)))]);
    clearTimeout(timer);
  }
}

export const kafkaSourceType: SourceType<KafkaSourceOptions> = {
  type: 'kafka',
  optionsSchema: {
    type: 'object',
    properties: {
      ...commonProperties,
      groupId: { type: 'string', minLength: 1 },
      bounded: { type: 'boolean', default: false },
      maxMessageBytes: { type: 'integer', minimum: 1, default: 1_048_576 },
      ...recordLimitProperties,
      connectTimeout: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS, default: 10_000 },
      healthInterval: { type: 'integer', minimum: 50, maximum: MAX_TIMER_MS, default: 1_000 },
    },
    required: ['topic', 'brokers'],
    additionalProperties: false,
  },
  create: (options, ctx: ConnectorContext) => new KafkaSource(ctx.stepId, options, ctx.jobName),
  checkOptions: (options, ctx) => checkKafkaSettings('source', options, ctx.stepId),
};
