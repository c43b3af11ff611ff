/**
 * The contract between the runtime and every source and sink. A source hands over records with a stable position
 * (partition, offset) so that state can record exactly what it applied; a sink acknowledges what it has durably
 * delivered so that the outbox entry can be deleted. Sources and sinks live on the main thread; a source whose
 * partitions any thread can read from an offset by itself (a generator) may instead hand out offset ranges, which
 * worker threads then read (worker intake, see runtime/worker-intake.ts).
 */

/** A record as a source hands it over. */
export interface SourceRecord {
  /** Partition index inside this source (Kafka partition; 0 for a file; a shard for a generator). */
  partition: number;
  /** Position inside the partition, strictly increasing; replaying from an offset gives the same records again. */
  offset: number;
  /** The message key, when the source has one. */
  key: string | null;
  /** The decoded payload. Undefined when it could not be decoded (then `error` says why and `raw` holds it). */
  value: unknown;
  /** The source's own timestamp in ms (Kafka message timestamp), or null. */
  timestamp: number | null;
  /** Why the payload could not be decoded; such a record goes to the dead-letter destination, never lost. */
  error?: string;
  /** The undecodable payload as received (bytes, or text), for the dead-letter record. */
  raw?: string | Uint8Array;
}

export interface SourceOpenOptions {
  /** Next offset to read per partition, taken from the state store (the source of truth). Missing: from the start. */
  startOffsets: ReadonlyMap<number, number>;
}

export interface SourceConnector {
  readonly id: string;
  /** A human-readable name of where records come from, for errors and dead letters (a topic, a file path). */
  readonly origin: string;
  open(options: SourceOpenOptions): Promise<void>;
  /**
   * True when its records' event time follows the wall clock (a live Kafka topic): an event far ahead of the clock
   * is then out of bounds (eventTime.maxAhead, runtime/event-time-bounds.ts).
   */
  readonly followsClock?: boolean;
  /** The partitions this source reads, known after open(). */
  partitions(): readonly number[];
  /**
   * True when poll() itself waits a little (up to some 20 ms) for records to arrive, as a Kafka consumer does: after
   * an empty poll the runtime then polls again at once instead of sleeping.
   */
  readonly waitsForRecords?: boolean;
  /** Up to `max` records in partition order; an empty array when nothing is available right now. */
  poll(max: number): Promise<SourceRecord[]>;
  /** True for a bounded source (file, finite generator) once every record has been returned by poll(). */
  finished(): boolean;
  /** Offsets (next to read) that state has durably applied; a Kafka source commits them for lag monitoring. */
  commit?(applied: ReadonlyMap<number, number>): Promise<void>;
  /** Stop fetching ahead while the job is full (backpressure); poll() is not called until resume(). */
  pause?(): void;
  resume?(): void;
  /** Readiness: false while the source cannot reach its origin (broker down); the reason goes to /readyz. */
  health?(): { ready: boolean; reason?: string };
  /** Records known to be waiting per partition (consumer lag), when the source can tell. */
  lag?(): ReadonlyMap<number, number> | undefined;
  close(): Promise<void>;
  /**
   * For a source any thread can read by itself: hands out up to `max` records as offset ranges (at most one per
   * partition, none of a partition in `busy`), in place of poll(); the caller reads them with openPartition() in
   * another instance of the same source created from the same options.
   */
  claim?(max: number, busy: ReadonlySet<number>): PartitionRange[];
  /** A reader of partition p positioned at `offset`; with claim(). */
  openPartition?(partition: number, offset: number): PartitionReader;
}

/** Records `from` to `from + count - 1` of one partition. */
export interface PartitionRange {
  partition: number;
  from: number;
  count: number;
}

export interface PartitionReader {
  /** The record at the next offset: a value, or an Undecodable payload. */
  next(): unknown;
}

/** A payload that cannot be decoded; it becomes an error record with the raw text (and goes to the dead letters). */
export class Undecodable {
  constructor(
    readonly raw: string,
    readonly reason: string,
  ) {}
}

/** A record on its way out. `id` is deterministic: a replay after a crash produces the same id. */
export interface SinkRecord {
  id: string;
  key: string | null;
  value: unknown;
  /** Event time of the record, ms. */
  timestamp: number;
  headers?: Record<string, string>;
}

/** A SinkRecord, with `headers` only when there are some (built for every output, so without a spread). */
export function sinkRecord(id: string, key: string | null, value: unknown, timestamp: number, headers: Record<string, string> | null | undefined): SinkRecord {
  return headers ? { id, key, value, timestamp, headers } : { id, key, value, timestamp };
}

/** A record its destination refused for good, and the destination's reason. */
export interface SinkRefusal {
  record: SinkRecord;
  reason: string;
}

export interface SinkConnector {
  readonly id: string;
  readonly destination: string;
  open(): Promise<void>;
  /**
   * True when write() may be called again before earlier calls resolved (it keeps their order): the runtime then
   * hands over each batch at once instead of waiting for the previous one's acknowledgement.
   */
  readonly pipelined?: boolean;
  /**
   * Delivers the records; resolves only when every one is acknowledged by the destination, or refused by it for
   * good: those it returns, each with the destination's reason (a webhook's 400), and the runtime sends them to the
   * job's dead-letter sink (without one, the job stops).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a sink that never refuses resolves with nothing (an async write)
  write(records: readonly SinkRecord[]): Promise<void | readonly SinkRefusal[]>;
  health?(): { ready: boolean; reason?: string };
  close(): Promise<void>;
}

/** What a connector factory gets besides its own validated options. */
export interface ConnectorContext {
  jobName: string;
  /** Directory that relative paths in the options are resolved against (the topology file's folder, or cwd). */
  baseDir: string;
  /** The step id of the source or sink, for errors. */
  stepId: string;
}

/** A connector type: a JSON schema for its options (validated at load, defaults applied) and a factory. */
export interface SourceType<Options = Record<string, unknown>> {
  readonly type: string;
  readonly optionsSchema: object;
  create(options: Options, ctx: ConnectorContext): SourceConnector;
  /** A check of the options that can fail without connecting anywhere, run before the job opens its state. */
  checkOptions?(options: Options, ctx: ConnectorContext): Promise<void>;
}

export interface SinkType<Options = Record<string, unknown>> {
  readonly type: string;
  readonly optionsSchema: object;
  create(options: Options, ctx: ConnectorContext): SinkConnector;
  /** A check of the options that can fail without connecting anywhere, run before the job opens its state. */
  checkOptions?(options: Options, ctx: ConnectorContext): Promise<void>;
}
