/**
 * Delivers outputs to their sinks from the main thread. Each sink has one ordered chain of writes (a pipelined sink
 * is handed each batch at once, its acknowledgements still taken in order); a failed write
 * (destination down) is retried with capped exponential backoff for as long as the job runs, and an output taken
 * from the outbox is deleted from it only after its sink acknowledged it. Outputs of stage 0 (no keyed state) are
 * not in the outbox: the caller learns of their acknowledgement through the returned promise.
 */
import type { SinkConnector, SinkRecord } from '../connectors/connector.js';
import type { StateDatabases } from '../state/backend.js';

const MAX_BACKOFF_MS = 5_000;
/** Acknowledged outbox entries are deleted together at most this often: each delete waits for LMDB's writer lock. */
const REMOVE_EVERY_MS = 50;

export class SinkDelivery {
  private readonly chains = new Map<string, Promise<void>>();
  private pendingRecords = 0;
  private stopped = false;
  private acknowledged: Array<[string, string]> = [];
  private removeTimer: NodeJS.Timeout | null = null;
  lastError: string | null = null;

  constructor(
    private readonly sinks: ReadonlyMap<string, SinkConnector>,
    private readonly dbs: StateDatabases,
  ) {}

  /** Records taken or written but not yet acknowledged. */
  get pending(): number {
    return this.pendingRecords;
  }

  /** Delivers records; `fromOutbox` entries are deleted from the outbox once acknowledged. */
  deliver(sinkId: string, records: SinkRecord[], fromOutbox: boolean): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const sink = this.sinks.get(sinkId)!;
    this.pendingRecords += records.length;
    const previous = this.chains.get(sinkId) ?? Promise.resolve();
    // A pipelined sink gets the batch now; acknowledgements are still taken in order.
    const early = sink.pipelined ? this.writeWithRetry(sink, records) : null;
    early?.catch(() => undefined);
    const next = previous.then(async () => {
      await (early ?? this.writeWithRetry(sink, records));
      if (fromOutbox) this.scheduleRemoval(sinkId, records);
      this.pendingRecords -= records.length;
    });
    this.chains.set(sinkId, next);
    return next;
  }

  /** Resolves when everything handed over so far has been acknowledged and removed from the outbox. */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    this.removeAcknowledged();
  }

  private scheduleRemoval(sinkId: string, records: readonly SinkRecord[]): void {
    for (const r of records) this.acknowledged.push([sinkId, r.id]);
    this.removeTimer ??= setTimeout(() => this.removeAcknowledged(), REMOVE_EVERY_MS);
  }

  /** Deletes acknowledged entries in one synchronous transaction (every write of the job is a transactionSync). */
  private removeAcknowledged(): void {
    if (this.removeTimer) clearTimeout(this.removeTimer);
    this.removeTimer = null;
    const keys = this.acknowledged;
    this.acknowledged = [];
    if (keys.length) this.dbs.env.transactionSync(() => keys.forEach((k) => this.dbs.outbox.removeSync(k)));
  }

  stop(): void {
    this.stopped = true;
  }

  private async writeWithRetry(sink: SinkConnector, records: SinkRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await sink.write(records);
        this.lastError = null;
        return;
      } catch (err) {
        this.lastError = `sink ${sink.id} (${sink.destination}): ${(err as Error).message}`;
        if (this.stopped) throw err;
        await new Promise((r) => setTimeout(r, Math.min(MAX_BACKOFF_MS, 50 * 2 ** attempt)));
      }
    }
  }
}
