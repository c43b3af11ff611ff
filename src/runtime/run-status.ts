/**
 * What a running job says of itself: why it is not ready (startup waits, unreachable sources and sinks, the last
 * failed delivery) and the progress snapshot behind the status line and the lag gauges of /metrics.
 */
import type { Millis } from '../api/types.js';
import type { SinkConnector } from '../connectors/connector.js';
import type { Plan } from '../graph/planner.js';
import type { Backpressure } from './backpressure.js';
import type { JobMetrics } from './metrics.js';
import type { RunStatus } from './run-options.js';
import type { SinkDelivery } from './sink-delivery.js';
import type { SlotScheduler } from './slot-scheduler.js';
import type { SourceIntake } from './source-intake.js';

/** The parts of a job the status is read from; those not open yet are undefined. */
export interface RunningParts {
  ready: boolean;
  /** What the job is doing while it is not ready: the part of start-up under way, or that it has stopped. */
  phase: string;
  stopping: boolean;
  startupWaits: ReadonlyMap<string, string>;
  plan: Plan;
  metrics: JobMetrics;
  watermark: number;
  intake?: SourceIntake;
  sinks: ReadonlyMap<string, SinkConnector>;
  delivery?: SinkDelivery;
  scheduler?: SlotScheduler;
  backpressure?: Backpressure | null;
  /** Source records claimed by worker threads and not yet routed. */
  intakeInFlight: number;
  stopTimeout: number;
}

function counted(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** What a job asked to stop waits for: the batches in flight, then its sinks, for at most stopTimeout. */
export function stopWaits(j: RunningParts): string {
  const inFlight = j.scheduler?.inFlightRecords ?? 0;
  const left = (j.scheduler?.queuedRecords() ?? 0) - inFlight + (j.intake?.order?.length ?? 0) + j.intakeInFlight;
  const outputs = j.delivery?.pending ?? 0;
  return (
    `waiting for ${counted(inFlight, 'record')} in flight to commit, then at most ${j.stopTimeout / 1000} s for ${counted(outputs, 'output')} to be acknowledged; ` +
    `${counted(left, 'queued record')} ${left === 1 ? 'is' : 'are'} not applied now and ${left === 1 ? 'is' : 'are'} read again at the next start`
  );
}

/** Readiness reasons: empty when the job is open and every source and sink can reach its destination. */
export function notReadyReasons(j: RunningParts): string[] {
  if (j.stopping && j.ready) return [`stopping: ${stopWaits(j)}`];
  if (!j.ready) return j.startupWaits.size > 0 ? [...j.startupWaits.values()] : [j.phase];
  const reasons: string[] = [];
  for (const s of j.intake?.sources ?? []) {
    const h = s.connector.health?.();
    if (h && !h.ready) reasons.push(`source ${s.step.id}: ${h.reason ?? 'not ready'}`);
  }
  for (const sink of j.sinks.values()) {
    const h = sink.health?.();
    if (h && !h.ready) reasons.push(`sink ${sink.id}: ${h.reason ?? 'not ready'}`);
  }
  if (j.delivery?.lastError) reasons.push(j.delivery.lastError);
  return reasons;
}

/** Records processed: those the keyed stages applied, or, in a job without keyed stages, those read (stage 0 applies them as it reads). */
function recordsApplied(j: RunningParts): number {
  return j.plan.stages.length > 1 ? (j.scheduler?.appliedRecords ?? 0) : (j.intake?.recordsRead ?? 0);
}

/** Wall clock minus the watermark, only when every source's event time follows the clock (generated data may start in any year). */
function clockLag(j: RunningParts): Millis | null {
  const sources = j.intake?.sources ?? [];
  return Number.isFinite(j.watermark) && sources.length > 0 && sources.every((s) => s.connector.followsClock === true) ? Date.now() - j.watermark : null;
}

/**
 * The progress snapshot, `elapsedMs` after the one that had read `readBefore` records and applied `appliedBefore`;
 * sets the lag gauges.
 */
export function runStatus(j: RunningParts, elapsedMs: number, readBefore: number, appliedBefore = 0): RunStatus {
  let lag: number | null = null;
  for (const s of j.intake?.sources ?? []) {
    const perPartition = s.connector.lag?.();
    if (!perPartition) continue;
    for (const [partition, n] of perPartition) {
      lag = (lag ?? 0) + n;
      j.metrics.consumerLag.set({ source: s.step.id, partition: String(partition) }, n);
    }
  }
  for (const stage of j.plan.stages) {
    if (stage.entry !== null && Number.isFinite(j.watermark)) j.metrics.watermarkLag.set({ stage: String(stage.index) }, Date.now() - j.watermark);
  }
  const recordsRead = j.intake?.recordsRead ?? 0;
  const applied = recordsApplied(j);
  const perSecond = (n: number) => (elapsedMs > 0 ? (n * 1000) / elapsedMs : 0);
  return {
    recordsRead,
    recordsPerSecond: perSecond(recordsRead - readBefore),
    recordsApplied: applied,
    appliedPerSecond: perSecond(applied - appliedBefore),
    watermark: j.watermark,
    clockLag: clockLag(j),
    sourceLag: lag,
    queued: (j.scheduler?.queuedRecords() ?? 0) + (j.intake?.order?.length ?? 0),
    peakQueued: j.backpressure?.peakQueued ?? 0,
    pauses: j.backpressure?.pauses ?? 0,
    outboxPending: j.delivery?.pending ?? 0,
    batches: j.scheduler?.batches ?? 0,
    notReady: notReadyReasons(j),
  };
}

/** Calls `onStatus` every `intervalMs` with a snapshot taken by `snapshot` (unref'd: it keeps no process alive). */
export function reportStatusEvery(
  intervalMs: number,
  snapshot: (elapsedMs: number, readBefore: number, appliedBefore: number) => RunStatus,
  onStatus: (s: RunStatus) => void,
): NodeJS.Timeout {
  let last = Date.now();
  let readBefore = 0;
  let appliedBefore = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    const s = snapshot(now - last, readBefore, appliedBefore);
    last = now;
    readBefore = s.recordsRead;
    appliedBefore = s.recordsApplied;
    onStatus(s);
  }, intervalMs);
  timer.unref();
  return timer;
}
