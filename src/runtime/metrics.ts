/**
 * The job's metrics in a prom-client registry: records in/out per step, errors, late and dead-lettered records,
 * records skipped on replay, failed sink writes, records whose event time was out of bounds, watermark and watermark lag per stage, consumer lag per source partition, queued
 * records, and batch latency quantiles (prom-client's Summary keeps them in a t-digest); and prom-client's default
 * metrics of the job's process (event-loop lag, heap, garbage collection). As values (for the console's status) the
 * quantiles are read at most every QUANTILES_EVERY_MS: reading them costs milliseconds (a t-digest per stage and age
 * bucket), hundreds of times what every counter and gauge cost together.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, Summary, type MetricObjectWithValues, type MetricValue } from 'prom-client';

const QUANTILES_EVERY_MS = 15_000;
import type { StepCounts } from './step-metrics.js';

export class JobMetrics {
  readonly registry = new Registry();
  private readonly recordsIn: Counter<'step'>;
  private readonly recordsOut: Counter<'step'>;
  private readonly errors: Counter<'step'>;
  private readonly late: Counter<'step'>;
  private readonly deadLettered: Counter<'step'>;
  readonly replaySkipped: Counter;
  readonly orderOverflow: Counter;
  readonly sinkWriteFailures: Counter<'sink'>;
  readonly eventTimeRejected: Counter<'step' | 'bound'>;
  readonly batchSeconds: Summary<'stage'>;
  readonly watermark: Gauge<'stage'>;
  readonly watermarkLag: Gauge<'stage'>;
  readonly consumerLag: Gauge<'source' | 'partition'>;
  readonly queued: Gauge;
  readonly outboxPending: Gauge;
  /** Records dead-lettered so far by step, read by the log's dead-letter summaries. */
  readonly deadLetteredByStep = new Map<string, number>();

  constructor(jobName: string) {
    this.registry.setDefaultLabels({ job: jobName });
    // The process's own: event-loop lag, heap spaces, GC pauses, CPU, memory, handles (prom-client's nodejs_* and process_*).
    collectDefaultMetrics({ register: this.registry });
    const r = [this.registry];
    this.recordsIn = new Counter({ name: 'flywheel_records_in_total', help: 'Records a step received', labelNames: ['step'], registers: r });
    this.recordsOut = new Counter({ name: 'flywheel_records_out_total', help: 'Records a step emitted', labelNames: ['step'], registers: r });
    this.errors = new Counter({ name: 'flywheel_step_errors_total', help: 'Records whose processing threw, by step', labelNames: ['step'], registers: r });
    this.late = new Counter({
      name: 'flywheel_late_records_total',
      help: 'Records later than the allowed lateness, by window step',
      labelNames: ['step'],
      registers: r,
    });
    this.deadLettered = new Counter({
      name: 'flywheel_dead_lettered_total',
      help: 'Records sent to the dead-letter sink, by step',
      labelNames: ['step'],
      registers: r,
    });
    this.replaySkipped = new Counter({ name: 'flywheel_replay_skipped_total', help: 'Replayed records a slot had already applied', registers: r });
    this.orderOverflow = new Counter({
      name: 'flywheel_order_overflow_total',
      help: 'Records the source order handed on before the watermark allowed it, because too many were held',
      registers: r,
    });
    this.sinkWriteFailures = new Counter({
      name: 'flywheel_sink_write_failures_total',
      help: 'Failed sink writes (each retried with backoff), by sink',
      labelNames: ['sink'],
      registers: r,
    });
    this.eventTimeRejected = new Counter({
      name: 'flywheel_event_time_rejected_total',
      help: 'Records dead-lettered for an event time out of bounds (ahead: eventTime.maxAhead, floor: eventTime.notBefore), by source',
      labelNames: ['step', 'bound'],
      registers: r,
    });
    this.batchSeconds = new Summary({
      name: 'flywheel_batch_seconds',
      help: 'Slot batch latency, dispatch to commit',
      labelNames: ['stage'],
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 5,
      registers: r,
    });
    this.watermark = new Gauge({ name: 'flywheel_watermark_ms', help: 'Event-time watermark per stage (ms since epoch)', labelNames: ['stage'], registers: r });
    this.watermarkLag = new Gauge({ name: 'flywheel_watermark_lag_ms', help: 'Wall clock minus watermark per stage', labelNames: ['stage'], registers: r });
    this.consumerLag = new Gauge({
      name: 'flywheel_consumer_lag_records',
      help: 'Records waiting in the source per partition',
      labelNames: ['source', 'partition'],
      registers: r,
    });
    this.queued = new Gauge({ name: 'flywheel_queued_records', help: 'Records waiting in slot mailboxes or in flight', registers: r });
    this.outboxPending = new Gauge({ name: 'flywheel_outbox_pending_records', help: 'Outputs written but not yet acknowledged by their sink', registers: r });
  }

  addCounts(counts: StepCounts): void {
    for (const [step, c] of Object.entries(counts)) {
      if (c.in) this.recordsIn.inc({ step }, c.in);
      if (c.out) this.recordsOut.inc({ step }, c.out);
      if (c.errors) this.errors.inc({ step }, c.errors);
      if (c.late) this.late.inc({ step }, c.late);
      if (c.deadLettered) {
        this.deadLettered.inc({ step }, c.deadLettered);
        this.deadLetteredByStep.set(step, (this.deadLetteredByStep.get(step) ?? 0) + c.deadLettered);
      }
    }
  }

  private quantiles: { at: number; values: Array<MetricObjectWithValues<MetricValue<string>>> } | null = null;

  /** Every metric's values, the batch latency quantiles as read at most QUANTILES_EVERY_MS ago. */
  async values(now = Date.now()): Promise<Array<MetricObjectWithValues<MetricValue<string>>>> {
    // prom-client types the registry's array as plain descriptions; its items are the metrics, each with get().
    const metrics = this.registry.getMetricsAsArray() as unknown as Array<{ get(): Promise<MetricObjectWithValues<MetricValue<string>>> }>;
    if (!this.quantiles || now - this.quantiles.at >= QUANTILES_EVERY_MS) {
      this.quantiles = { at: now, values: await Promise.all(metrics.filter((m) => m instanceof Summary).map((m) => m.get())) };
    }
    const others = await Promise.all(metrics.filter((m) => !(m instanceof Summary)).map((m) => m.get()));
    return [...others, ...this.quantiles.values];
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
