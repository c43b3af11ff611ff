/**
 * Delivers outputs to their sinks from the main thread, in order per sink. A sink that takes one write at a time
 * gets, whenever its last write is acknowledged, everything handed over meanwhile as one write; a pipelined sink is
 * handed each batch at once, its acknowledgements still taken in order. Neither waits on a chain of promises per
 * batch, whose steps would run only as fast as the runner's loop yields, leaving the outputs of many polls
 * waiting in memory behind an instant acknowledgement. A failed write (destination down) is retried with capped
 * exponential backoff for as long as the job runs, and an output taken from the outbox is deleted from it only
 * after its sink acknowledged it. Once stopped, nothing is retried or failed: what is unacknowledged then stays so
 * (in the outbox, or unread at the source) until the next start. Records a sink refuses for good (a webhook's 400)
 * go to the job's dead-letter sink before the batch counts as acknowledged. Outputs of stage 0 (no keyed state) are not in
 * the outbox: the caller learns of their acknowledgement through the returned promise.
 */
import { sinkRecord, type SinkConnector, type SinkRecord, type SinkRefusal } from '../connectors/connector.js';
import { deadLetterValue } from './dead-letter-payload.js';
import type { OutboxKey, StoredOutputs } from '../state/outbox-chunks.js';
import type { StateDatabases } from '../state/backend.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

const MAX_BACKOFF_MS = 5_000;

export interface DeliveryHooks {
  /** A write failed and will be retried (counted in flywheel_sink_write_failures_total). */
  writeFailed?(sinkId: string): void;
  /** A write failed in a way no retry can mend, or the outbox could not be updated: the job stops with this error. */
  fail?(err: unknown): void;
  /** The job's dead-letter sink: records a sink refused for good are delivered there, with the sink's reason. */
  deadLetterSink?: string;
  /** Records a sink refused were handed to the dead-letter sink (counted as the sink step's dead letters). */
  deadLettered?(sinkId: string, count: number): void;
}
/** Acknowledged outbox entries are deleted together at most this often: each delete waits for LMDB's writer lock. */
const REMOVE_EVERY_MS = 50;

/**
 * Outputs stored in the outbox under `keys` (one chunk, state/outbox-chunks.ts), handed over as one batch per sink
 * named in it: the keys are deleted once all `batches` are acknowledged.
 */
export interface OutboxEntry {
  keys: OutboxKey[];
  batches: number;
}

/** A batch handed over and not yet acknowledged. */
interface Handed {
  records: SinkRecord[];
  stored: OutboxEntry | null;
  /** A pipelined sink acknowledged this batch's write (it is taken once every earlier batch is). */
  written: boolean;
  resolve(): void;
}

/** One sink's deliveries: batches not yet written (one write at a time) or not yet acknowledged (pipelined). */
interface SinkLine {
  sink: SinkConnector;
  handed: Handed[];
  writing: boolean;
  /** Resolves when the batch handed over last is acknowledged, so every earlier one is too. */
  last: Promise<void>;
}

export class SinkDelivery {
  private readonly lines = new Map<string, SinkLine>();
  private pendingRecords = 0;
  private stopped = false;
  private acknowledged: OutboxKey[] = [];
  private removeTimer: NodeJS.Timeout | null = null;
  lastError: string | null = null;
  /** Settles once delivery has failed for good (hooks.fail was called): drain() waits for nothing more then. */
  private markFailed: () => void = () => undefined;
  private readonly failed = new Promise<void>((resolve) => (this.markFailed = resolve));

  constructor(
    private readonly sinks: ReadonlyMap<string, SinkConnector>,
    private readonly dbs: StateDatabases,
    private readonly hooks: DeliveryHooks = {},
  ) {}

  /** Records taken or written but not yet acknowledged. */
  get pending(): number {
    return this.pendingRecords;
  }

  /**
   * Delivers records; those from the outbox (`stored`) leave it once every batch of their entry is acknowledged.
   * Resolves on the acknowledgement; never rejects (a failed write is retried), and never settles if delivery stops
   * first.
   */
  deliver(sinkId: string, records: SinkRecord[], stored: OutboxEntry | null): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    let line = this.lines.get(sinkId);
    if (!line) this.lines.set(sinkId, (line = { sink: this.sinks.get(sinkId)!, handed: [], writing: false, last: Promise.resolve() }));
    this.pendingRecords += records.length;
    const acknowledged = new Promise<void>((resolve) => {
      const handed: Handed = { records, stored, written: false, resolve };
      line.handed.push(handed);
      if (line.sink.pipelined) this.writePipelined(line, handed);
      else if (!line.writing) void this.writeWaiting(line);
    });
    line.last = acknowledged;
    return acknowledged;
  }

  /**
   * Delivers what the outbox holds under some keys (a committed chunk, or what a crash left), one batch per sink;
   * the keys are deleted once every batch is acknowledged. Outputs for a sink the job no longer has stay stored.
   */
  deliverStored({ keys, outputs }: StoredOutputs): Promise<void> {
    const bySink = new Map<string, SinkRecord[]>();
    for (const [sink, id, key, value, timestamp, headers] of outputs) {
      let list = bySink.get(sink);
      if (!list) bySink.set(sink, (list = []));
      list.push(sinkRecord(id, key, value, timestamp, headers));
    }
    const known = [...bySink].filter(([sink]) => this.sinks.has(sink));
    const entry: OutboxEntry = { keys: known.length === bySink.size ? keys : [], batches: known.length };
    return Promise.all(known.map(([sink, records]) => this.deliver(sink, records, entry))).then(() => undefined);
  }

  /** One write at a time: each takes every batch handed over since the last one began. */
  private async writeWaiting(line: SinkLine): Promise<void> {
    line.writing = true;
    while (line.handed.length > 0) {
      const batches = line.handed.splice(0);
      await this.writeWithRetry(line.sink, batches.length === 1 ? batches[0]!.records : batches.flatMap((b) => b.records));
      for (const b of batches) this.acknowledge(b);
    }
    line.writing = false;
  }

  /** A pipelined sink writes the batch now; acknowledgements are taken in the order the batches were handed over. */
  private writePipelined(line: SinkLine, handed: Handed): void {
    void this.writeWithRetry(line.sink, handed.records).then(() => {
      handed.written = true;
      while (line.handed.length > 0 && line.handed[0]!.written) this.acknowledge(line.handed.shift()!);
    });
  }

  private acknowledge(b: Handed): void {
    // After stop the state may be closed: such an entry stays in the outbox and is sent again (same id) next start.
    if (b.stored && --b.stored.batches === 0 && !this.stopped) this.scheduleRemoval(b.stored.keys);
    this.pendingRecords -= b.records.length;
    b.resolve();
  }

  /**
   * Resolves when everything handed over so far has been acknowledged and removed from the outbox, or when delivery
   * failed for good: what is unacknowledged then never will be in this run, and the job stops with the failure.
   */
  async drain(): Promise<void> {
    await Promise.race([Promise.all([...this.lines.values()].map((line) => line.last)), this.failed]);
    this.removeAcknowledged();
  }

  private failWith(fail: (err: unknown) => void, err: unknown): void {
    fail(err);
    this.markFailed();
  }

  private scheduleRemoval(keys: readonly OutboxKey[]): void {
    for (const k of keys) this.acknowledged.push(k);
    this.removeTimer ??= setTimeout(() => this.removeAcknowledged(), REMOVE_EVERY_MS);
  }

  /** Deletes acknowledged entries in one synchronous transaction (every write of the job is a transactionSync). */
  private removeAcknowledged(): void {
    if (this.removeTimer) clearTimeout(this.removeTimer);
    this.removeTimer = null;
    const keys = this.acknowledged;
    this.acknowledged = [];
    if (keys.length === 0) return;
    try {
      this.dbs.env.transactionSync(() => keys.forEach((k) => this.dbs.outbox.removeSync(k)));
    } catch (err) {
      // Runs from a timer: thrown on, it would be uncaught. The entries stay in the outbox and are sent again.
      if (!this.hooks.fail) throw err;
      this.failWith(this.hooks.fail, err);
    }
  }

  /** Ends delivery before the state closes: entries acknowledged so far leave the outbox now. */
  stop(): void {
    this.stopped = true;
    this.removeAcknowledged();
  }

  /**
   * The dead letters of records a sink refused for good, each with the sink's reason. Without a dead-letter sink
   * (or when it is the one refusing) they cannot go anywhere: FW_ERR_UNDELIVERABLE, and they stay in the outbox.
   */
  private deadLettersOf(sink: SinkConnector, refused: readonly SinkRefusal[]): SinkRecord[] {
    const dlq = this.hooks.deadLetterSink;
    if (dlq === undefined || dlq === sink.id || !this.sinks.has(dlq)) {
      const first = refused[0]!;
      throw new FlywheelError(
        ErrorCodes.UNDELIVERABLE,
        `sink ${sink.id} (${sink.destination}) refused ${refused.length === 1 ? 'record' : `${refused.length} records, the first`} ${first.record.id}: ${first.reason}`,
        { stepId: sink.id },
        dlq === sink.id
          ? 'the dead-letter sink cannot take its own refusals: fix the destination or make another sink the deadLetter one'
          : 'declare a deadLetter sink so refused outputs are kept with their reason, or fix what the destination refuses',
      );
    }
    return refused.map(({ record, reason }) =>
      sinkRecord(
        `${record.id}/dead-letter`,
        record.key,
        deadLetterValue({ reason, step: sink.id, source: null, partition: null, offset: null }, undefined, record.value),
        record.timestamp,
        null,
      ),
    );
  }

  /**
   * Writes until the sink acknowledges, counting each failed attempt and saying why in `lastError` (readiness);
   * once delivery has stopped, a failed write is abandoned and never settles. A record the sink can never accept
   * (FW_ERR_UNDELIVERABLE) is not retried: the job stops, naming it.
   */
  private async writeWithRetry(sink: SinkConnector, records: SinkRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const refused = await sink.write(records);
        const letters = refused?.length ? this.deadLettersOf(sink, refused) : null;
        this.lastError = null;
        // Acknowledged only once the dead-letter sink has them: a crash before re-sends and re-refuses them (same ids).
        if (letters) {
          this.hooks.deadLettered?.(sink.id, letters.length);
          await this.deliver(this.hooks.deadLetterSink!, letters, null);
        }
        return;
      } catch (err) {
        const backoff = Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempt);
        this.lastError = `sink ${sink.id} (${sink.destination}): ${(err as Error).message} (failed attempts: ${attempt + 1}, next in ${backoff} ms)`;
        this.hooks.writeFailed?.(sink.id);
        if (err instanceof FlywheelError && err.code === ErrorCodes.UNDELIVERABLE && this.hooks.fail) {
          this.failWith(this.hooks.fail, err);
          return new Promise<never>(() => undefined);
        }
        await new Promise((r) => setTimeout(r, backoff));
        // Abandoned, not failed (the sink may be closed by now): the batch stays unacknowledged for the next start.
        if (this.stopped) return new Promise<never>(() => undefined);
      }
    }
  }
}
