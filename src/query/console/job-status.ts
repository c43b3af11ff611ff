/**
 * The job's status as the console's job page shows it, made from the job's metric values (prom-client's JSON form)
 * and its plan: per step the records in and out, errors, late and dead-lettered records, as totals and as rates per
 * second between two samples; per stage the watermark, how far it trails the wall clock, and batch latency
 * quantiles; queues (records queued in the job, outputs awaiting acknowledgement, consumer lag per partition, failed
 * sink writes); and the endpoint's own CPU. Pure: the samples to take rates between are given.
 */
import type { MetricValues } from '../runtime-view.js';

/** Per-step counters, by step id. */
export type StepTotals = Record<string, { in: number; out: number; errors: number; late: number; deadLettered: number }>;

/** What rates are taken between: the step totals and the endpoint's CPU seconds at a time. */
export interface StatusSample {
  at: number;
  totals: StepTotals;
  endpointCpuSeconds: number | null;
}

export interface StepStatus {
  id: string;
  kind: string;
  from: string[];
  stage: number | null;
  in: number;
  out: number;
  errors: number;
  late: number;
  deadLettered: number;
  /** Per second over the rate window; null until there are two samples. */
  inPerSecond: number | null;
  outPerSecond: number | null;
  latePerSecond: number | null;
  deadLetteredPerSecond: number | null;
}

export interface StageStatus {
  stage: number;
  /** The step whose key the stage is partitioned by (null for stage 0, the sources' stage). */
  entry: string | null;
  watermark: number | null;
  watermarkLagMs: number | null;
  batchSeconds: { p50: number | null; p90: number | null; p99: number | null } | null;
}

export interface JobStatus {
  job: string;
  at: number;
  live: boolean;
  ready: boolean;
  reasons: string[];
  /** The seconds the rates cover (null until there are two samples). */
  rateWindowSeconds: number | null;
  steps: StepStatus[];
  stages: StageStatus[];
  queues: {
    queued: number | null;
    outboxPending: number | null;
    consumerLag: Array<{ source: string; partition: string; records: number }>;
    sinkWriteFailures: Record<string, number>;
  };
  executors: { slots: number | null; keyGroups: number | null };
  /** The query endpoint's CPU, as a share of one core over the rate window (null where it is not measured). */
  endpointCpuShare: number | null;
}

interface PlanView {
  keyGroups?: number;
  slots?: number;
  stages?: Array<{ index: number; entry: string | null; steps: string[] }>;
  steps?: Array<{ id: string; kind: string; from: string[] }>;
}

type Labelled = Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;

function valuesOf(metrics: MetricValues, name: string): Labelled {
  return (metrics.find((m) => m.name === name)?.values ?? []) as Labelled;
}

function single(metrics: MetricValues, name: string): number | null {
  const values = valuesOf(metrics, name);
  return values.length > 0 ? values[0]!.value : null;
}

const COUNTERS = {
  in: 'flywheel_records_in_total',
  out: 'flywheel_records_out_total',
  errors: 'flywheel_step_errors_total',
  late: 'flywheel_late_records_total',
  deadLettered: 'flywheel_dead_lettered_total',
} as const;

export function sampleOf(metrics: MetricValues, at: number): StatusSample {
  const totals: StepTotals = {};
  for (const [field, name] of Object.entries(COUNTERS) as Array<[keyof typeof COUNTERS, string]>) {
    for (const { labels, value } of valuesOf(metrics, name)) {
      const step = String(labels.step);
      totals[step] ??= { in: 0, out: 0, errors: 0, late: 0, deadLettered: 0 };
      totals[step][field] += value;
    }
  }
  return { at, totals, endpointCpuSeconds: single(metrics, 'flywheel_query_endpoint_cpu_seconds_total') };
}

function stageStatus(metrics: MetricValues, stage: { index: number; entry: string | null }, now: number): StageStatus {
  const label = String(stage.index);
  const watermark = valuesOf(metrics, 'flywheel_watermark_ms').find((v) => String(v.labels.stage) === label)?.value;
  // The gauge is 0 while a stage has no finite watermark yet.
  const finite = watermark !== undefined && Number.isFinite(watermark) && watermark > 0 ? watermark : null;
  const quantiles = valuesOf(metrics, 'flywheel_batch_seconds').filter((v) => String(v.labels.stage) === label && v.labels.quantile !== undefined);
  const q = (p: number) => {
    const value = quantiles.find((v) => Number(v.labels.quantile) === p)?.value;
    return value !== undefined && Number.isFinite(value) ? value : null;
  };
  return {
    stage: stage.index,
    entry: stage.entry,
    watermark: finite,
    watermarkLagMs: finite === null ? null : now - finite,
    batchSeconds: quantiles.length > 0 ? { p50: q(0.5), p90: q(0.9), p99: q(0.99) } : null,
  };
}

/** The status at `latest`, with rates since `earlier` (when given and older). */
export function jobStatus(
  job: { name: string; live: boolean; reasons: string[]; plan: unknown },
  metrics: MetricValues,
  latest: StatusSample,
  earlier: StatusSample | null,
): JobStatus {
  const plan = (job.plan ?? {}) as PlanView;
  const seconds = earlier && latest.at > earlier.at ? (latest.at - earlier.at) / 1000 : null;
  const rate = (step: string, field: keyof StepTotals[string]) =>
    seconds === null ? null : ((latest.totals[step]?.[field] ?? 0) - (earlier!.totals[step]?.[field] ?? 0)) / seconds;
  const stageOf = new Map<string, number>();
  for (const stage of plan.stages ?? []) for (const step of stage.steps) stageOf.set(step, stage.index);
  const ids = plan.steps?.map((s) => s.id) ?? Object.keys(latest.totals);
  const described = new Map((plan.steps ?? []).map((s) => [s.id, s]));
  const cpu =
    seconds !== null && latest.endpointCpuSeconds !== null && earlier!.endpointCpuSeconds !== null
      ? (latest.endpointCpuSeconds - earlier!.endpointCpuSeconds) / seconds
      : null;
  const failures: Record<string, number> = {};
  for (const { labels, value } of valuesOf(metrics, 'flywheel_sink_write_failures_total')) failures[String(labels.sink)] = value;
  return {
    job: job.name,
    at: latest.at,
    live: job.live,
    ready: job.reasons.length === 0,
    reasons: job.reasons,
    rateWindowSeconds: seconds,
    steps: ids.map((id) => {
      const totals = latest.totals[id] ?? { in: 0, out: 0, errors: 0, late: 0, deadLettered: 0 };
      return {
        id,
        kind: described.get(id)?.kind ?? 'unknown',
        from: described.get(id)?.from ?? [],
        stage: stageOf.get(id) ?? null,
        ...totals,
        inPerSecond: rate(id, 'in'),
        outPerSecond: rate(id, 'out'),
        latePerSecond: rate(id, 'late'),
        deadLetteredPerSecond: rate(id, 'deadLettered'),
      };
    }),
    stages: (plan.stages ?? []).map((stage) => stageStatus(metrics, stage, latest.at)),
    queues: {
      queued: single(metrics, 'flywheel_queued_records'),
      outboxPending: single(metrics, 'flywheel_outbox_pending_records'),
      consumerLag: valuesOf(metrics, 'flywheel_consumer_lag_records').map(({ labels, value }) => ({
        source: String(labels.source),
        partition: String(labels.partition),
        records: value,
      })),
      sinkWriteFailures: failures,
    },
    executors: { slots: plan.slots ?? null, keyGroups: plan.keyGroups ?? null },
    endpointCpuShare: cpu,
  };
}
