/**
 * What stage 0 (the stateless steps on the main thread, before the first keyBy) sends to sinks: its outputs and the
 * source records that could not be read (dead letters, with the reason and source position), collected during a
 * poll and delivered together after it. Stage 0 keeps no state, so its outputs are not in the outbox: its source
 * frontier is written only after they were acknowledged (at most every 100 ms; a later write covers the polls in
 * between, since deliveries are acknowledged in order), and a restart reads those records again.
 */
import type { SinkRecord } from '../connectors/connector.js';
import type { StateDatabases } from '../state/backend.js';
import { appliedKey, clockKey } from '../state/keys.js';
import { deadLetterValue } from './dead-letter-payload.js';
import type { EventTimeBound } from './event-time-bounds.js';
import type { FrontierEntry } from './messages.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';
import type { JobMetrics } from './metrics.js';
import { STAGE0_SLOT } from './recovery.js';
import type { SinkDelivery } from './sink-delivery.js';
import type { IntakeSource } from './source-intake.js';

/** Each frontier write waits for LMDB's writer lock: at most this often. */
const FRONTIER_EVERY_MS = 100;

export interface Stage0OutputDeps {
  /** The job's dead-letter sink step, if it declares one. */
  deadLetterSink: string | undefined;
  delivery: SinkDelivery;
  dbs: StateDatabases;
  metrics: JobMetrics;
  fail(err: unknown): void;
}

export interface UnreadableRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: unknown;
  raw?: string | Uint8Array;
}

export class Stage0Outputs {
  private collected = new Map<string, SinkRecord[]>();
  private progress: Promise<void> = Promise.resolve();
  private progressAt = 0;

  constructor(private readonly deps: Stage0OutputDeps) {}

  add(sinkId: string, record: SinkRecord): void {
    let list = this.collected.get(sinkId);
    if (!list) this.collected.set(sinkId, (list = []));
    list.push(record);
  }

  /** A source record that cannot be read goes to the dead-letter sink; without one the job stops, saying where. */
  deadLetter(source: IntakeSource, record: UnreadableRecord, reason: string, bound?: EventTimeBound): void {
    const dlq = this.deps.deadLetterSink;
    const where = `${source.connector.origin} partition ${record.partition} offset ${record.offset}`;
    if (dlq === undefined) {
      throw new FlywheelError(
        ErrorCodes.BAD_RECORD,
        `${reason} (${where})`,
        { stepId: source.step.id, partition: record.partition, offset: record.offset },
        'declare a deadLetter sink so bad records are kept with their reason instead of stopping the job',
      );
    }
    const headers = { 'flywheel-reason': reason, 'flywheel-step': source.step.id, 'flywheel-source': `${source.step.id}:${record.partition}@${record.offset}` };
    const value = deadLetterValue(
      { reason, step: source.step.id, source: source.step.id, partition: record.partition, offset: record.offset },
      record.raw,
      record.value,
    );
    this.add(dlq, { id: `${source.step.id}/${record.partition}/${record.offset}/dead-letter`, key: record.key, value, timestamp: Date.now(), headers });
    this.deps.metrics.addCounts({ [source.step.id]: { in: 1, out: 0, errors: 1, skipped: 0, deadLettered: 1, late: 0 } });
    if (bound !== undefined) this.deps.metrics.eventTimeRejected.inc({ step: source.step.id, bound });
  }

  /** After a poll: delivers what it produced; once acknowledged, the source frontier as it stands now. */
  commit(routed: readonly FrontierEntry[], force = false): void {
    const pending = [...this.collected].map(([sinkId, records]) => this.deps.delivery.deliver(sinkId, records, null));
    this.collected = new Map();
    const now = Date.now();
    const write = force || now - this.progressAt >= FRONTIER_EVERY_MS;
    const frontier = write ? routed : [];
    if (write) this.progressAt = now;
    const { dbs } = this.deps;
    this.progress = this.progress
      .then(() => Promise.all(pending))
      .then(() => {
        if (frontier.length === 0) return;
        dbs.env.transactionSync(() => {
          for (const [pid, offset, watermark] of frontier) {
            dbs.progress.putSync(appliedKey(0, STAGE0_SLOT, pid), offset);
            if (watermark > -Infinity) dbs.progress.putSync(clockKey(0, STAGE0_SLOT, pid), watermark);
          }
        });
      })
      .catch((err: unknown) => this.deps.fail(err));
  }

  /** Resolves when everything committed so far is delivered and its frontier written. */
  settled(): Promise<void> {
    return this.progress;
  }
}
